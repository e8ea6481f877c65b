"""images

PYTEST_DONT_REWRITE
"""
