"""The checks, one module per check id prefix (``dns.*`` in ``checks/dns.py``). Each module holds
the checks' metadata (``@check``), pure evaluate functions, and thin test functions; what they
gather is in ``collectors/facts/<same name>.py``; ``checks.base`` says what a check is.

PYTEST_DONT_REWRITE
"""
