from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddConstraint, ChangeColumn, TableCommand
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import (
    LOCKING_SECTIONS,
    added_column,
    before,
    filled_between,
    live_table,
    new_column,
    original_column,
    original_table,
)
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.volatile_default import NOT_VOLATILE, VALUE_FUNCTIONS


class SetNotNullRule(Rule):
    name = "set-not-null"
    code = "AL304"
    systems = ALL_SYSTEMS
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
        "and writes go on. Before 12 there is no way around the scan. Tables created "
        "earlier in the same migration are not reported, nor are downgrades. A CHECK "
        "constraint from an earlier migration is taken as validated unless the migration "
        "just before added it NOT VALID and did not validate it.\n\n"
        "A column added earlier in the same migration to a live table is new, but the "
        "table's rows are not: SET NOT NULL still scans them all. When the column was "
        "added nullable without a default and no UPDATE fills it before the SET NOT NULL, "
        "every existing row holds NULL and the statement fails (`column ... contains null "
        "values`) as soon as the table has a row: that is an error. Declaring the column "
        "`NOT NULL DEFAULT ...` in the ADD COLUMN itself needs neither a scan nor a "
        "rewrite (PostgreSQL 11+, with a non-volatile default)."
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
        "moment of ACCESS EXCLUSIVE. Before PostgreSQL 12, run the change in a quiet period.\n\n"
        "For a column the same migration adds, declare it in the ADD COLUMN instead: "
        '`ALTER TABLE "product" ADD "sku" VARCHAR(50) NOT NULL DEFAULT \'\';` fills every '
        "row from the catalog, with no scan and no rewrite (PostgreSQL 11+); or add it "
        "nullable, backfill it, and make it NOT NULL in a later migration as above."
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
                violation = self._new_column(ctx, section, stmt, table, column)
                if violation is not None:
                    yield violation
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

    def _new_column(
        self, ctx: Context, section: str, stmt: Statement, table: str, column: str
    ) -> Violation | None:
        """SET NOT NULL on a column this migration added to a live table: it fails on the
        first row when nothing filled the column, else it scans like any other."""
        added = added_column(ctx, section, stmt, table, column)
        if added is None:
            return None
        add_stmt, add = added
        info = add.column
        if info.not_null or info.primary_key or info.generated or add.generation:
            return None  # already NOT NULL: nothing to check
        old = (add.table, info.name)
        if ctx.target.at_least(12) and self._proven(ctx, section, stmt, table, column, old):
            return None
        has_default = info.default is not None and info.default.upper() != "NULL"
        filled = filled_between(ctx, section, add_stmt, stmt, add.table, info.name)
        if not has_default and filled is False:
            relation = table.rsplit(".", 1)[-1]
            return Violation(
                f"SET NOT NULL on {table}.{column}, added at line {add_stmt.line} without a "
                f"default and not filled since: every existing row holds NULL, so the "
                f'migration fails (column "{column}" of relation "{relation}" contains null '
                f"values) as soon as {table} has a row",
                stmt,
                section,
                severity=Severity.ERROR,
            )
        version = "" if ctx.target.at_least(12) else f" (no way around it on {ctx.target})"
        instead = (
            f" (declare it NOT NULL in the ADD COLUMN at line {add_stmt.line} instead: with "
            f"its default that needs no scan)"
            if has_default
            and ctx.target.at_least(11)
            and all(c in NOT_VOLATILE or c in VALUE_FUNCTIONS for c in add.default_calls)
            else ""
        )
        return Violation(
            f"SET NOT NULL on {table}.{column} scans the whole table under an ACCESS "
            f"EXCLUSIVE lock, and fails if a row holds NULL{version}{instead}",
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
    memo = ctx.shared
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
