"""Stage 3: split each SQL chunk into statements and parse them with sqlglot.

Splitting is done on sqlglot's own tokens (so ``;`` inside strings, dollar
quotes and comments is not a separator), which also gives every statement its
offset in the chunk and so its line and column in the migration file. The
sqlglot work is in ``sql.py``, imported only when something must be parsed:
cached runs never load it.
"""

from __future__ import annotations

import re

from aerich_lint.model import SECTIONS, Dialect, Migration, Suppression

SUPPRESS = re.compile(r"--[ \t]*aerich-lint:[ \t]*ignore(?![-\w])(?P<body>[^\n]*)", re.IGNORECASE)
_RULE_LIST = re.compile(r"^[ \t]*(?P<rules>[\w-]+(?:[ \t]*,[ \t]*[\w-]+)*)[ \t]*(?P<reason>.*)$")


def parse_suppression(body: str, line: int, column: int) -> Suppression:
    match = _RULE_LIST.match(body)
    if match is None:
        return Suppression(rules=(), line=line, column=column, reason=body.strip())
    rules = tuple(r.strip() for r in match.group("rules").split(","))
    reason = match.group("reason").strip().lstrip(":-").strip()
    return Suppression(rules=rules, line=line, column=column, reason=reason)


def parse_migration(migration: Migration, dialect: Dialect) -> None:
    from aerich_lint.parse.sql import parse_chunk

    for name in SECTIONS:
        section = migration.section(name)
        section.statements = []
        for chunk in section.chunks:
            section.statements.extend(parse_chunk(chunk, name, dialect, len(section.statements)))
