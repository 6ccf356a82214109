"""Errors that stop a run with exit code 2 and a one-line message."""


class UsageError(Exception):
    """A bad command line, a missing path or a broken configuration."""


def describe(exc: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
