"""install

PYTEST_DONT_REWRITE
"""
