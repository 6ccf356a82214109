from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddColumn, AddConstraint
from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._online import LOCKING_SECTIONS, live_table
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class AddPrimaryKeyRule(Rule):
    name = "add-primary-key"
    code = "AL308"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "ADD PRIMARY KEY on a table that already has rows."
    why = (
        "ALTER TABLE ... ADD PRIMARY KEY takes an ACCESS EXCLUSIVE lock, marks the key "
        "columns NOT NULL (scanning the table for NULLs) and builds a unique index over "
        "every row, all before the lock is released at commit: no reads or writes of the "
        "table meanwhile. A duplicate or a NULL fails the migration after that wait. Adding "
        "a column declared PRIMARY KEY does the same (and a SERIAL one rewrites the table "
        "too, see volatile-default). Tables created in the same migration, and downgrades, "
        "are not reported."
    )
    example = 'ALTER TABLE "tag" ADD PRIMARY KEY ("id");'
    fix = (
        "Make sure the key columns are NOT NULL without a long lock (see set-not-null), "
        "build the index without blocking in a migration of its own (`aerich migrate "
        "--empty --name tag_pkey_index`, RUN_IN_TRANSACTION = False, this one "
        "statement):\n\n"
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "tag_pkey_idx" ON "tag" ("id");\n\n'
        "then turn it into the primary key in the next migration, which needs only a brief "
        "lock:\n\n"
        'ALTER TABLE "tag" ADD CONSTRAINT "tag_pkey" PRIMARY KEY USING INDEX "tag_pkey_idx";'
    )
    hint = "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt in ctx.each_statement(LOCKING_SECTIONS):
            for fact in ctx.effects(stmt):
                if isinstance(fact, AddConstraint) and fact.constraint.kind == "PRIMARY KEY":
                    columns = ", ".join(fact.constraint.columns) or "?"
                    what = f"a PRIMARY KEY ({columns})"
                elif isinstance(fact, AddColumn) and fact.column.primary_key:
                    what = f"column {fact.column.name} as PRIMARY KEY"
                else:
                    continue
                if not live_table(ctx, section, stmt, fact.table):
                    continue
                yield Violation(
                    f"adds {what} to {fact.table}: builds a unique index and checks for "
                    f"NULLs over every row under an ACCESS EXCLUSIVE lock",
                    stmt,
                    section,
                )
