"""Expected failures: the CLI prints these as one line and exits non-zero, with no traceback."""


class FinriskError(Exception):
    """An expected error whose message names the thing and the reason."""
