"""Plugin wiring only: the suite's options, fixtures and reports live in their own packages."""

pytest_plugins = ["fixtures.plugin", "fixtures.ssh", "reports.plugin", "fixtures.bundle"]
