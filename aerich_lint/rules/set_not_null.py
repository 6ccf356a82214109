from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddConstraint, ChangeColumn, TableCommand
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import (
    LOCKING_SECTIONS,
    before,
    live_table,
    new_column,
    original_column,
    original_table,
)
from aerich_lint.rules.base import Context, Rule, Violation


class SetNotNullRule(Rule):
    name = "set-not-null"
    code = "AL304"
    severity = Severity.WARNING
    summary = "ALTER COLUMN ... SET NOT NULL on a column of a live table."
    why = (
        "SET NOT NULL takes an ACCESS EXCLUSIVE lock and then reads the whole table to "
        "prove no row holds NULL: no query can read or write the table until the scan ends, "
        "and the lock is kept until the migration commits. A single NULL makes the "
        "statement fail after that wait. aerich writes it when a field changes from "
        "`null=True` to `null=False`.\n\n"
        "From PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL) "
        "constraint already proves the column has no NULLs; such a CHECK can be added NOT "
        "VALID (a brief lock) and validated under SHARE UPDATE EXCLUSIVE, which lets reads "
        "and writes go on. Before 12 there is no way around the scan. Columns and tables "
        "created earlier in the same migration are not reported, nor are downgrades. A "
        "CHECK constraint from an earlier migration is taken as validated unless the "
        "migration just before added it NOT VALID and did not validate it."
    )
    example = 'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;'
    fix = (
        "Backfill the NULLs first (UPDATE in batches, in a data migration), then on "
        "PostgreSQL 12+ split the change over two migrations. In the first (`aerich migrate "
        "--empty --name sku_not_null_check`):\n\n"
        'ALTER TABLE "product" ADD CONSTRAINT "product_sku_not_null" CHECK ("sku" IS NOT '
        "NULL) NOT VALID;\n\n"
        "In the second, the one aerich generates for `null=False`, before its SET NOT NULL:\n\n"
        'ALTER TABLE "product" VALIDATE CONSTRAINT "product_sku_not_null";\n\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;\n\n'
        'ALTER TABLE "product" DROP CONSTRAINT "product_sku_not_null";\n\n'
        "The validation scans without blocking writes, and SET NOT NULL then needs only a "
        "moment of ACCESS EXCLUSIVE. Before PostgreSQL 12, run the change in a quiet period."
    )
    hint = "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PG 12+)"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(ChangeColumn, LOCKING_SECTIONS):
            if fact.set_not_null is not True or fact.definition is not None:
                continue
            table, column = fact.table, fact.column
            if not live_table(ctx, section, stmt, table):
                continue
            if new_column(ctx, section, stmt, table, column):
                continue
            # the names the history knows, before any rename earlier in this migration
            old = (
                original_table(ctx, section, stmt, table),
                original_column(ctx, section, stmt, table, column),
            )
            if self._already_not_null(ctx, *old):
                continue
            if ctx.target.at_least(12) and self._proven(ctx, section, stmt, table, column, old):
                continue
            version = "" if ctx.target.at_least(12) else f" (no way around it on {ctx.target})"
            yield Violation(
                f"SET NOT NULL on {table}.{column} scans the whole table under an ACCESS "
                f"EXCLUSIVE lock, and fails if a row holds NULL{version}",
                stmt,
                section,
            )

    @staticmethod
    def _already_not_null(ctx: Context, table: str, column: str) -> bool:
        history = ctx.history
        if history is None or not history.reliable:
            return False
        info = history.before.tables.get(table)
        col = info.columns.get(column) if info is not None else None
        return col is not None and col.not_null

    @staticmethod
    def _proven(
        ctx: Context,
        section: str,
        stmt: Statement,
        table: str,
        column: str,
        old: tuple[str, str],
    ) -> bool:
        """Does a validated CHECK (column IS NOT NULL) exist when ``stmt`` runs? ``old``:
        table and column as the history knows them."""
        validated = {
            c.name
            for c in before(ctx, section, stmt, TableCommand)
            if c.command == "VALIDATE CONSTRAINT" and c.table == table
        }
        # proving constraints added earlier in this migration, valid once validated
        if any(
            (not c.not_valid or c.constraint.name in validated)
            for c in before(ctx, section, stmt, AddConstraint)
            if c.table == table and column in c.constraint.not_null_columns
        ):
            return True
        history = ctx.history
        if history is None or not history.reliable:
            return False
        info = history.before.tables.get(old[0])
        if info is None:
            return False
        left_invalid = _left_not_valid(ctx, old[0])
        return any(
            old[1] in c.not_null_columns and (c.name in validated or c.name not in left_invalid)
            for c in info.constraints.values()
        )


def _left_not_valid(ctx: Context, table: str) -> set[str]:
    """Constraints of ``table`` the previous migration added NOT VALID and did not validate."""
    key = "postgres-online:left-not-valid"
    memo = ctx.migration.memo
    if key not in memo:
        left: dict[str, set[str]] = {}
        previous = ctx.previous
        for stmt in previous.statements(UPGRADE) if previous is not None else []:
            for fact in ctx.effects(stmt):
                if isinstance(fact, AddConstraint) and fact.not_valid:
                    left.setdefault(fact.table, set()).add(fact.constraint.name)
                elif isinstance(fact, TableCommand) and fact.command == "VALIDATE CONSTRAINT":
                    left.setdefault(fact.table, set()).discard(fact.name)
        memo[key] = left
    found: set[str] = memo[key].get(table, set())
    return found
