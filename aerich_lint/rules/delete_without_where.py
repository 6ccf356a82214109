from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DeleteRows, RowChange, UpdateRows
from aerich_lint.model import Severity, Statement
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DeleteWithoutWhereRule(Rule):
    name = "delete-without-where"
    code = "AL104"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "DELETE (error) or UPDATE (warning) without a WHERE clause touches every row."
    why = (
        "A DELETE with no WHERE empties the table; an UPDATE with no WHERE overwrites a column "
        "in every row. Both are usually a forgotten condition. On a large table either one "
        "holds row locks on every row for the whole migration, blocking the application's "
        "writes, and bloats the table (PostgreSQL) or the undo log (MySQL).\n\n"
        "An UPDATE that only sets columns added earlier in the same migration is the "
        "backfill step of adding a column safely (add it nullable, fill it, then make it NOT "
        "NULL): it is reported at info, as a reminder to batch it on a large table; so is "
        "an UPDATE whose new values are computed from the row's own columns (`SET slug = "
        "lower(name)`, a CASE over the old value): a deliberate conversion, not a forgotten "
        "condition. An UPDATE that sets constants on every row stays a warning. "
        "Tables created in the same migration are empty and not reported."
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
            elif isinstance(fact, UpdateRows) and _backfill(ctx, section, stmt, fact):
                columns = ", ".join(f"{fact.table}.{c}" for c in fact.columns)
                message = (
                    f"UPDATE without WHERE backfills {columns}, added earlier in this "
                    f"migration: the intended step, but it locks every row of {fact.table} "
                    f"until the migration commits (batch it on a large table)"
                )
                yield Violation(message, stmt, section, severity=Severity.INFO)
            elif isinstance(fact, UpdateRows) and fact.computed:
                message = (
                    f"UPDATE without WHERE rewrites every row of {fact.table} from its own "
                    f"values, a deliberate conversion: it locks every row until the migration "
                    f"commits (batch it on a large table)"
                )
                yield Violation(message, stmt, section, severity=Severity.INFO)
            else:
                message = f"UPDATE without WHERE changes every row of {fact.table}"
                yield Violation(message, stmt, section, severity=Severity.WARNING)


def _backfill(ctx: Context, section: str, stmt: Statement, fact: UpdateRows) -> bool:
    """Does the UPDATE only fill columns this migration added before it? That is the
    recommended way to populate a new column, not a forgotten WHERE."""
    return bool(fact.columns) and all(
        ctx.is_new(section, stmt, "column", f"{fact.table}.{column}") for column in fact.columns
    )
