"""The checks, one module per area. Each module holds the checks' metadata (``@check``), pure
evaluate functions, and thin test functions; ``checks.base`` says what a check is."""
