"""triage

PYTEST_DONT_REWRITE
"""
