from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddColumn, AddConstraint, CreateIndex, Effect
from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._online import LOCKING_SECTIONS, live_table
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.volatile_default import volatile_call


class AddUniqueRule(Rule):
    name = "add-unique"
    code = "AL307"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A UNIQUE constraint or unique index is added to a table that already has rows."
    why = (
        "Making existing data unique can fail and blocks while it is checked. The database "
        "builds a unique index over every row: one duplicate value and the migration fails "
        "after the whole build, so the deploy stops half way. While it builds, ALTER TABLE "
        "... ADD UNIQUE holds an ACCESS EXCLUSIVE lock (no reads or writes), and a plain "
        "CREATE UNIQUE INDEX holds a SHARE lock (no writes), both until the migration "
        "commits. aerich writes CREATE UNIQUE INDEX when `unique=True` is set on a field of "
        "an existing model, and ADD ... UNIQUE when a unique field is added.\n\n"
        "A unique index built CONCURRENTLY is not reported (it blocks nobody, and a failed "
        "build only leaves an INVALID index to drop), nor are tables created in the same "
        "migration, nor downgrades."
    )
    example = (
        'CREATE UNIQUE INDEX IF NOT EXISTS "uid_customer_email_0c7dc6" ON "customer" ("email");'
    )
    fix = (
        "Look for duplicates first (`SELECT email, count(*) FROM customer GROUP BY email "
        "HAVING count(*) > 1`) and clean them up. Then build the index without blocking, in "
        "a migration of its own (`aerich migrate --empty --name unique_customer_email`, "
        "RUN_IN_TRANSACTION = False, this one statement):\n\n"
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "uid_customer_email_0c7dc6" ON '
        '"customer" ("email");\n\n'
        "If you want a constraint rather than an index, attach the finished index in the "
        "next migration; that only needs a brief lock:\n\n"
        'ALTER TABLE "customer" ADD CONSTRAINT "customer_email_key" UNIQUE USING INDEX '
        '"uid_customer_email_0c7dc6";'
    )
    hint = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt in ctx.each_statement(LOCKING_SECTIONS):
            for fact in ctx.effects(stmt):
                message = self._message(fact)
                if message is not None and live_table(ctx, section, stmt, fact.table):
                    yield Violation(message, stmt, section)

    @staticmethod
    def _message(fact: Effect) -> str | None:
        duplicates = "fails if existing rows hold duplicates"
        if isinstance(fact, CreateIndex) and fact.unique and not fact.concurrently:
            what = f"unique index {fact.name}" if fact.name else "a unique index"
            return f"adds {what} to {fact.table}: {duplicates}, and writes wait while it builds"
        if isinstance(fact, AddConstraint) and fact.constraint.kind == "UNIQUE":
            c = fact.constraint
            what = f"UNIQUE constraint {c.name}" if c.name else "a UNIQUE constraint"
            return (
                f"adds {what} to {fact.table}: {duplicates}, and reads and writes wait while "
                f"its index builds"
            )
        if isinstance(fact, AddColumn) and fact.column.unique and not fact.column.primary_key:
            column = fact.column
            default = column.default if column.default and column.default != "NULL" else None
            if volatile_call(column) is not None:
                default = None  # a value of its own for each row
            fails = (
                f"every existing row gets the default {default}, so it fails once the table "
                f"has two rows, and "
                if default
                else ""
            )
            return (
                f"adds column {fact.table}.{column.name} with UNIQUE: {fails}reads and writes "
                f"wait while its unique index is built over every row"
            )
        return None
