"""``run_suite`` arguments selecting this area's checks by keyword (not by file path).

Selecting by keyword keeps each check collected once: a ``checks/*.py`` path given on the
command line is collected by pytest itself as well as by the suite's plugin.
"""

BASTION = ("-k", "http.served or selinux.http_content")
IGNITION = ("-k", "ignition")
BOTH = ("-k", "http.served or selinux.http_content or ignition")
