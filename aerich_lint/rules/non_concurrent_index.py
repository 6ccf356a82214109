from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import CreateIndex, DropIndex
from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._online import LOCKING_SECTIONS, dropped_index_table, live_table
from aerich_lint.rules.base import Context, Rule, Violation


class NonConcurrentIndexRule(Rule):
    name = "non-concurrent-index"
    code = "AL301"
    severity = Severity.WARNING
    summary = "CREATE INDEX or DROP INDEX without CONCURRENTLY on a table that already has rows."
    why = (
        "A plain CREATE INDEX holds a SHARE lock on the table until the migration commits: "
        "SELECTs still run, but every INSERT, UPDATE and DELETE on the table waits for the "
        "whole index build, which on a large table takes minutes or more. A plain DROP INDEX "
        "needs an ACCESS EXCLUSIVE lock on the index's table: the drop itself is quick, but "
        "it queues behind any running query on the table, and every query that arrives after "
        "it, reads included, queues behind the drop. CREATE INDEX CONCURRENTLY and DROP INDEX "
        "CONCURRENTLY take only a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes "
        "go on; the build scans the table twice and waits for older transactions, and the "
        "statement cannot run inside a transaction block.\n\n"
        "aerich writes a plain CREATE [UNIQUE] INDEX for `db_index=True`, `Meta.indexes` "
        "and `unique=True` on an existing model. Tables created earlier in the same "
        "migration are empty and are not reported, nor are downgrades (aerich runs them in "
        "a transaction, where CONCURRENTLY is refused)."
    )
    example = 'CREATE INDEX IF NOT EXISTS "idx_product_title_e73efa" ON "product" ("title");'
    fix = (
        "Build the index in a migration of its own that runs outside a transaction. Remove "
        "the CREATE INDEX from the generated migration, then run `aerich migrate --empty "
        "--name add_index_concurrently`, set RUN_IN_TRANSACTION = False in the new file and "
        "make its upgrade return that one statement:\n\n"
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_product_title_e73efa" ON "product" '
        '("title");\n\n'
        "(If the generated migration holds nothing but the index, edit it in place the same "
        "way.) Keep the statement alone in the file: PostgreSQL runs a script of several "
        "statements as one implicit transaction. A concurrent build that fails leaves an "
        "INVALID index: drop it with DROP INDEX CONCURRENTLY IF EXISTS and upgrade again. "
        "Removing an index works the same way: `DROP INDEX CONCURRENTLY IF EXISTS "
        '"idx_product_title_e73efa";` alone in a RUN_IN_TRANSACTION = False migration.'
    )
    hint = "use CONCURRENTLY, alone in a migration with RUN_IN_TRANSACTION = False"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(CreateIndex, LOCKING_SECTIONS):
            if fact.concurrently or not live_table(ctx, section, stmt, fact.table):
                continue
            what = "CREATE UNIQUE INDEX" if fact.unique else "CREATE INDEX"
            yield Violation(
                f"{what} {fact.name or '(unnamed)'} on {fact.table} without CONCURRENTLY: "
                f"writes to {fact.table} wait until the index is built",
                stmt,
                section,
            )
        for section, stmt, drop in ctx.facts(DropIndex, LOCKING_SECTIONS):
            if drop.concurrently:
                continue
            table = dropped_index_table(ctx, section, stmt, drop)
            if table is None:
                continue
            on = table or "its table"
            yield Violation(
                f"DROP INDEX {drop.name} without CONCURRENTLY: takes an ACCESS EXCLUSIVE lock "
                f"on {on}, and every query on {on} queues behind it",
                stmt,
                section,
            )
