"""Facts in: inventory, DNS, TCP, SSH, HTTP, registry, cluster sources, and their parsers.

PYTEST_DONT_REWRITE
"""
