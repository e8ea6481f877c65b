"""What each check gathers from the site, one module per check module.

``collectors/facts/<area>.py`` holds the subjects and ``gather_*`` functions that
``checks/<area>.py`` names in its ``@check`` metadata, and the fact dataclasses they return:
everything that reads the inventory, DNS, SSH, HTTP, the registry or the cluster. The check
module keeps only the metadata, the pure evaluate functions and the thin test functions.

Nothing here imports from ``checks``, ``fixtures`` or ``reports``; a check that does not apply
raises :class:`collectors.errors.NotApplicable`, a fact that cannot be gathered
:class:`collectors.errors.FactError`.

PYTEST_DONT_REWRITE
"""
