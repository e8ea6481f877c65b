"""Plugin wiring only: the suite's options, fixtures and reports live in their own packages,
registered through the one plugin ``upi_conformance``: ``-p upi_conformance`` in pytest.ini
(runs from this folder), the ``upi-conformance`` command, or the hint plugin when a suite option
such as ``--inventory`` is given (whatever folder the inventory is in: pytest then takes another
rootdir, where a ``pytest_plugins`` here would be refused)."""
