"""Plugin wiring only: the suite's options, fixtures and reports live in their own packages,
registered through the one plugin ``upi_conformance`` (also what ``-p upi_conformance`` and the
``upi-conformance`` command load)."""

pytest_plugins = ["upi_conformance"]
