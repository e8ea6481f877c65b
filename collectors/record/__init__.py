"""The record of a live run's facts, and its replay from a bundle (see :mod:`.store`).

PYTEST_DONT_REWRITE
"""
