"""Presentation: the result JSON, JUnit properties, and the terminal summary.

PYTEST_DONT_REWRITE
"""
