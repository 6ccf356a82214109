from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import InsertRows, RowChange, only_reads
from aerich_lint.model import Severity
from aerich_lint.naming import AERICH_TABLE
from aerich_lint.rules._drops import rebuilds
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DataMigrationRule(Rule):
    name = "data-migration"
    code = "AL220"
    systems = ALL_SYSTEMS
    severity = Severity.INFO
    summary = "The section changes rows or runs queries through the client: review it."
    why = (
        "Schema changes are mechanical; data changes are where rollbacks cannot help. An "
        "UPDATE, DELETE or INSERT, or SQL sent through `db.execute_query()` and friends, "
        "changes rows that the downgrade usually cannot restore, may run for a long time on "
        "a large table, and holds locks while it does. It is a warning in a file with "
        "RUN_IN_TRANSACTION = False, where a failure halfway leaves half the rows changed. "
        "Queries that only read (a SELECT on information_schema or sqlite_master to decide "
        "what to do, SHOW, PRAGMA table_info) are not reported."
    )
    example = (
        "async def upgrade(db):\n"
        '    await db.execute_script(\'UPDATE "customer" SET "tier" = \\\'basic\\\' '
        'WHERE "tier" IS NULL\')\n'
        "    return ''"
    )
    fix = (
        "Keep data changes in their own migration, idempotent (a WHERE clause that skips rows "
        "already done) and batched on large tables; say in the downgrade what cannot be "
        "undone."
    )
    hint = "make it idempotent and batched; keep it in its own migration"

    def check(self, ctx: Context) -> Iterator[Violation]:
        severity = None if ctx.migration.run_in_transaction else Severity.WARNING
        for section, stmt in ctx.each_statement():
            facts = ctx.effects(stmt)
            if only_reads(facts):
                continue  # introspection (information_schema, sqlite_master): changes nothing
            rows = [f for f in facts if isinstance(f, (RowChange, InsertRows))]
            if rows and rows[0].table == AERICH_TABLE:
                continue  # aerich's own bookkeeping
            if rows and any(new == rows[0].table for new, _ in rebuilds(ctx, section)):
                continue  # the copy of a table rebuild (SQLite's ALTER): no data changes
            if rows:
                verb = stmt.sql.split(None, 1)[0].upper()
                yield Violation(
                    f"{verb} changes rows of {rows[0].table}", stmt, section, severity=severity
                )
            elif stmt.via != "return" and not stmt.via.startswith("operation"):  # (native)
                yield Violation(
                    f"runs SQL through db.{stmt.via}(): review what it does to the data",
                    stmt,
                    section,
                    severity=severity,
                )
