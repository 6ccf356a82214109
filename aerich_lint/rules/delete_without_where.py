from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DeleteRows, RowChange
from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation


class DeleteWithoutWhereRule(Rule):
    name = "delete-without-where"
    code = "AL104"
    severity = Severity.ERROR
    summary = "DELETE (error) or UPDATE (warning) without a WHERE clause touches every row."
    why = (
        "A DELETE with no WHERE empties the table; an UPDATE with no WHERE overwrites a column "
        "in every row. Both are usually a forgotten condition. On a large table either one "
        "holds row locks on every row for the whole migration, blocking the application's "
        "writes, and bloats the table (PostgreSQL) or the undo log (MySQL)."
    )
    example = 'UPDATE "customer" SET "status" = \'active\';'
    fix = (
        'Add the condition that limits the rows (`UPDATE "customer" SET "status" = \'active\' '
        'WHERE "status" IS NULL;`). For large tables, backfill in batches from a separate '
        "script or an `aerich migrate --empty` migration with RUN_IN_TRANSACTION = False. "
        "If every row really is meant, suppress with "
        "`-- aerich-lint: ignore delete-without-where <reason>`."
    )
    hint = "add a WHERE clause; backfill large tables in batches"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(RowChange):
            if fact.has_where or ctx.is_new(section, stmt, "table", fact.table):
                continue
            if isinstance(fact, DeleteRows):
                message = f"DELETE without WHERE deletes every row of {fact.table}"
                yield Violation(message, stmt, section)
            else:
                message = f"UPDATE without WHERE changes every row of {fact.table}"
                yield Violation(message, stmt, section, severity=Severity.WARNING)
