"""One migration file through the front stages: load it (statically), execute it when
its SQL is only known at run time, parse it, compute its facts. The one sequence used
by the serial path, the worker processes and ``--since``'s base versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aerich_lint.model import Dialect, Migration
from aerich_lint.sources import MigrationSource

if TYPE_CHECKING:
    from aerich_lint.load.python import PythonInfo


def needs_exec(migration: Migration, info: PythonInfo | None) -> bool:
    return info is not None and bool(info.needs_exec) and migration.load_error is None


def load(migration: Migration, source: MigrationSource) -> PythonInfo | None:
    """Fill the sections statically; the info, when the file must also be executed
    (the caller executes such files together, in the sandbox, then finishes them)."""
    info = source.load(migration)
    return info if needs_exec(migration, info) else None


def finish(migration: Migration, dialect: Dialect) -> None:
    """Parse the loaded SQL; parsing computes every statement's facts and keeps no
    sqlglot tree (rules read facts, and the trees are the bulk of a parsed file)."""
    from aerich_lint.parse import parse_migration

    if migration.load_error is None:
        parse_migration(migration, dialect)


def load_and_finish(
    migration: Migration, dialect: Dialect, source: MigrationSource
) -> PythonInfo | None:
    """The whole sequence for a file that needs no executing; for one that does, only
    the load, and its info."""
    info = load(migration, source)
    if info is None:
        finish(migration, dialect)
    return info
