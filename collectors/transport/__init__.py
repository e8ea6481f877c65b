"""transport

PYTEST_DONT_REWRITE
"""
