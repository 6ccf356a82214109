"""Stage 3: split each SQL chunk into statements and parse them with sqlglot.

Splitting is done on sqlglot's own tokens (so ``;`` inside strings, dollar
quotes and comments is not a separator), which also gives every statement its
offset in the chunk and so its line and column in the migration file. The
sqlglot work is in ``sql.py``, imported only when something must be parsed:
cached runs never load it.
"""

from __future__ import annotations

from aerich_lint.model import SECTIONS, Dialect, Migration
from aerich_lint.parse.comments import SUPPRESS, parse_suppression

__all__ = ["SUPPRESS", "parse_migration", "parse_suppression"]


def parse_migration(migration: Migration, dialect: Dialect) -> None:
    from aerich_lint.parse.sql import parse_chunk

    for name in SECTIONS:
        section = migration.section(name)
        section.statements = []
        for chunk in section.chunks:
            section.statements.extend(parse_chunk(chunk, name, dialect, len(section.statements)))
