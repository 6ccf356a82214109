from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.model import Dialect, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class SqlSyntaxRule(Rule):
    name = "sql-syntax"
    code = "AL001"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A statement is not valid SQL for the migration's dialect."
    why = (
        "The database rejects the statement when the migration runs. In a transactional file "
        "the whole migration rolls back and the deploy stops; with RUN_IN_TRANSACTION = False "
        "(and on MySQL, where DDL commits implicitly) the statements before it stay applied. "
        "A typo in a downgrade is found only when a rollback is needed, usually during an "
        "incident. On PostgreSQL the judge is the server's own parser (libpg_query, through "
        "pglast): the message is the one the server gives, at the line of the culprit, and a "
        "statement it accepts is never reported here. That includes MySQL syntax aerich wrote "
        "into a PostgreSQL migration (`DROP FOREIGN KEY`, backquoted names), which sqlglot "
        "alone would read. PL/pgSQL bodies (CREATE FUNCTION ... LANGUAGE plpgsql, DO) are "
        "checked for syntax errors too, as the server does when the statement runs."
    )
    example = 'ALTER TABLE "product" ADD COLUMN "stock" INT NOT NULL DEFAULT (;'
    fix = (
        "Fix the statement and try it on a scratch database (`aerich-lint verify`). If the SQL "
        "is valid for your server but the parser disagrees, report it and suppress with "
        "`-- aerich-lint: ignore sql-syntax`."
    )
    hint = "fix the SQL; check the dialect (--dialect) if the statement is valid"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt in ctx.each_statement():
            if stmt.error is not None:
                pg = ctx.dialect == Dialect.POSTGRES
                hint = _mysql_hint(stmt.sql, stmt.error) if pg else ""
                message = f"invalid {ctx.dialect.value} SQL: {stmt.error}{hint}"
                yield Violation(message, stmt, section)


# MySQL syntax in a PostgreSQL migration (aerich has written some of it into PostgreSQL
# downgrades): what PostgreSQL writes instead, by the word the server stops at.
_MYSQL = (
    ('"FOREIGN"', re.compile(r"\bDROP\s+FOREIGN\s+KEY\b", re.I), "DROP CONSTRAINT"),
    ('"`"', re.compile(r"`"), 'double quotes ("name")'),
    ('"MODIFY"', re.compile(r"\bMODIFY\b", re.I), "ALTER COLUMN ... TYPE / SET / DROP"),
    ('"CHANGE"', re.compile(r"\bCHANGE\b", re.I), "RENAME COLUMN and ALTER COLUMN"),
    ('"AUTO_INCREMENT"', re.compile(r"\bAUTO_INCREMENT\b", re.I), "GENERATED ... AS IDENTITY"),
    ('"ON"', re.compile(r"^\s*DROP\s+INDEX\b[^;]*\bON\b", re.I), "DROP INDEX name (no ON table)"),
)


def _mysql_hint(sql: str, error: str) -> str:
    for near, pattern, instead in _MYSQL:
        if error.endswith(f"at or near {near}") and pattern.search(sql):
            return f" (MySQL syntax; PostgreSQL writes {instead})"
    return ""
