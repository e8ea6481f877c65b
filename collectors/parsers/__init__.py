"""Pure parsers: text in, typed data or an InputError naming the source and the line out.

PYTEST_DONT_REWRITE
"""
