from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.effects import Ddl, DropDatabase
from aerich_lint.model import DOWNGRADE, UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

# Words of a statement: quoted names whole, comments left out.
_WORDS = re.compile(
    r"--[^\n]*|/\*.*?\*/|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|[A-Za-z_][\w$]*|\S", re.DOTALL
)
_STOP = frozenset({"CASCADE", "RESTRICT", "WITH", "FORCE", ";", "("})


class DropDatabaseRule(Rule):
    name = "drop-database"
    code = "AL105"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = (
        "A whole database (or, with CASCADE, a PostgreSQL schema) and all its data are deleted."
    )
    why = (
        "DROP DATABASE deletes every table of the database and every row in them at once; "
        "no downgrade can bring them back, and on MySQL it commits implicitly, so no "
        "transaction can roll it back. An application's migrations have no business with "
        "whole databases: they run in one, and a DROP DATABASE there is a mistake or an "
        "attack. On MySQL, DROP SCHEMA is the same statement. On PostgreSQL, a schema is a "
        "namespace inside the database: DROP SCHEMA ... CASCADE deletes every table, view "
        "and function in it, with their rows; without CASCADE (RESTRICT) it only drops an "
        "empty schema and fails otherwise, so it is not reported. A database or schema "
        "created earlier in the same migration (in a downgrade: by its upgrade) is not "
        "reported either."
    )
    example = 'DROP SCHEMA "audit" CASCADE;'
    fix = (
        "Take the statement out of the migration: a database is created and dropped by "
        "whoever runs the server, not by the application's migrations. To retire a "
        "PostgreSQL schema, move or drop its tables in migrations of their own (each one "
        'a drop-table finding to review), then `DROP SCHEMA "audit";` without CASCADE, '
        "which fails if anything is left. When it is really intended, say so: "
        "`-- aerich-lint: ignore drop-database <reason>` on the line before it."
    )
    hint = "drop a database by hand, not in a migration; drop a schema's tables first"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt in ctx.each_statement():
            dropped = _dropped(ctx, stmt)
            if dropped is None:
                continue
            kind, names, cascade = dropped
            names = [n for n in names if not _created_before(ctx, section, stmt, n)]
            if not names:
                continue
            if kind == "DATABASE" or ctx.dialect is Dialect.MYSQL:
                how = " (DROP SCHEMA is DROP DATABASE on MySQL)" if kind == "SCHEMA" else ""
                what = "databases" if len(names) > 1 else "database"
                them = "them" if len(names) > 1 else "it"
                yield Violation(
                    f"drops {what} {', '.join(names)}{how}: every table in {them} and "
                    "their rows are deleted",
                    stmt,
                    section,
                )
            elif cascade:
                what = "schemas" if len(names) > 1 else "schema"
                them = "them" if len(names) > 1 else "it"
                yield Violation(
                    f"drops {what} {', '.join(names)} with CASCADE: every table in {them} "
                    "and their rows are deleted",
                    stmt,
                    section,
                )


def _dropped(ctx: Context, stmt: Statement) -> tuple[str, list[str], bool] | None:
    """("DATABASE" or "SCHEMA", the names, CASCADE) for a DROP DATABASE / SCHEMA:
    known from the parsed facts, or, for a statement the parser could not read
    (PostgreSQL's ``WITH (FORCE)``), from its words."""
    facts = ctx.effects(stmt)
    drops = [f for f in facts if isinstance(f, DropDatabase)]
    verbs = {f.verb for f in facts if isinstance(f, Ddl)}
    parsed = _words(stmt.sql)
    if drops:
        return "DATABASE", [f.name for f in drops], False
    if "DROP SCHEMA" not in verbs and (facts or (stmt.command is None and stmt.error is None)):
        return None
    if len(parsed) < 3 or parsed[0].upper() != "DROP":
        return None
    kind = parsed[1].upper()
    if kind not in ("DATABASE", "SCHEMA"):
        return None
    rest = parsed[2:]
    if [w.upper() for w in rest[:2]] == ["IF", "EXISTS"]:
        rest = rest[2:]
    names: list[str] = []
    for word in rest:
        if word.upper() in _STOP:
            break
        if word != ",":
            names.append(_unquote(word))
    cascade = any(w.upper() == "CASCADE" for w in rest)
    return (kind, names, cascade) if names else None


def _created_before(ctx: Context, section: str, stmt: Statement, name: str) -> bool:
    """Created earlier in this section, or, in a downgrade, by the upgrade."""
    sections = [(section, stmt.index)]
    if section == DOWNGRADE:
        sections.append((UPGRADE, len(ctx.statements(UPGRADE))))
    for where, before in sections:
        for other in ctx.statements(where)[:before]:
            words = _words(other.sql)
            if len(words) < 3 or words[0].upper() != "CREATE":
                continue
            if words[1].upper() not in ("DATABASE", "SCHEMA"):
                continue
            rest = words[2:]
            if [w.upper() for w in rest[:3]] == ["IF", "NOT", "EXISTS"]:
                rest = rest[3:]
            if rest and _unquote(rest[0]) == name:
                return True
    return False


def _words(sql: str) -> list[str]:
    return [w for w in _WORDS.findall(sql) if not w.startswith(("--", "/*"))]


def _unquote(word: str) -> str:
    """A name as aerich folds it: quoted names as written, others in lower case."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in '"`':
        return word[1:-1].replace(word[0] * 2, word[0])
    return word.lower()
