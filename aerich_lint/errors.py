"""Errors that stop a run with exit code 2 and a one-line message."""


class UsageError(Exception):
    """A bad command line, a missing path or a broken configuration."""
