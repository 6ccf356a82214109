from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation


class SqlSyntaxRule(Rule):
    name = "sql-syntax"
    code = "AL001"
    severity = Severity.ERROR
    summary = "A statement is not valid SQL for the migration's dialect."
    why = (
        "The database rejects the statement when the migration runs. In a transactional file "
        "the whole migration rolls back and the deploy stops; with RUN_IN_TRANSACTION = False "
        "(and on MySQL, where DDL commits implicitly) the statements before it stay applied. "
        "A typo in a downgrade is found only when a rollback is needed, usually during an "
        "incident."
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
                yield Violation(f"invalid {ctx.dialect.value} SQL: {stmt.error}", stmt, section)
