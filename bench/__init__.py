"""Benchmarks that print figures (see the README's performance table).

Importing this package lets the Python processes a bench starts keep a bytecode cache, as a
user's install does: a shell that exports ``PYTHONDONTWRITEBYTECODE`` (this project's build
machine does) would have every child compile every module it imports, on every run, a cost no
user pays, and which grows with the code imported rather than with what it does.
``bench/startup.py`` sets it itself for its runs without a cache.
"""

import os

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
