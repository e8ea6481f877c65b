"""Plugin wiring only: the suite's options, fixtures and reports live in their own packages."""

pytest_plugins = [
    "fixtures.plugin",
    "fixtures.ssh",
    "fixtures.cluster",
    "reports.plugin",
    "fixtures.bundle",
]
