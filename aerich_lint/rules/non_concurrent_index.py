from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import CreateIndex, DropIndex, Reindex, TableCommand
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import (
    LOCKING_SECTIONS,
    dropped_index_table,
    index_table,
    live_table,
    same_transaction,
)
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class NonConcurrentIndexRule(Rule):
    name = "non-concurrent-index"
    code = "AL301"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = (
        "CREATE INDEX, DROP INDEX, REINDEX or DETACH PARTITION without CONCURRENTLY on a "
        "table that already has rows."
    )
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
        "a transaction, where CONCURRENTLY is refused). A CREATE UNIQUE INDEX is reported "
        "by add-unique when it is in force (one hazard, one finding: it says the writes "
        "wait and that duplicates make it fail). A DROP INDEX followed by a CREATE INDEX of "
        "the same name (aerich drops and re-creates every index of a model it regenerates) "
        "is one finding, on the CREATE: the drop's ACCESS EXCLUSIVE lock is held until the "
        "migration commits, so the table is closed to reads and writes while the index is "
        "rebuilt.\n\n"
        "REINDEX INDEX and REINDEX TABLE take an ACCESS EXCLUSIVE lock on the index (on every "
        "index of the table) and a SHARE lock on the table until the migration commits: "
        "writes wait, and so do reads, because planning any query on a table locks all of "
        "its indexes. REINDEX ... CONCURRENTLY (PostgreSQL 12+) lets both go on. ALTER TABLE "
        "... DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table and on "
        "the partition: quick, but it queues behind every query on the table, and every "
        "query after it queues behind it. DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) "
        "takes a SHARE UPDATE EXCLUSIVE lock on the parent instead. Each such statement is "
        "one finding; one with CONCURRENTLY in a transaction is concurrently-in-transaction's."
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
        '"idx_product_title_e73efa";` alone in a RUN_IN_TRANSACTION = False migration.\n\n'
        "Rebuild an index the same way, alone in such a file: `REINDEX INDEX CONCURRENTLY "
        '"idx_product_title_e73efa";` (PostgreSQL 12+; before 12, build a new index '
        "CONCURRENTLY and drop the old one CONCURRENTLY). Detach a partition alone in such "
        'a file too: `ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY;` '
        "(PostgreSQL 14+, and not when the table has a DEFAULT partition). If it is "
        "interrupted, the partition stays pending detach: complete it with `ALTER TABLE "
        '"event" DETACH PARTITION "event_2023" FINALIZE;`, which may run in an ordinary '
        "migration. Before PostgreSQL 14 there is no way around the lock: detach in a quiet "
        "period."
    )
    hint = "use CONCURRENTLY, alone in a migration with RUN_IN_TRANSACTION = False"
    native_hint = "use CONCURRENTLY, alone in a migration with atomic = False"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        # A DROP INDEX and a later CREATE INDEX of the same name in the same transaction
        # are one hazard: the drop's ACCESS EXCLUSIVE lock is held while the index is
        # rebuilt, so reads wait too. Reported once, on the CREATE.
        drops: dict[str, tuple[Statement, str]] = {}  # index name -> (DROP, its table)
        rebuilt: set[int] = set()  # statement index of the DROPs merged into a CREATE
        for section, stmt, drop in ctx.facts(DropIndex, LOCKING_SECTIONS):
            if drop.concurrently or ctx.fails_missing(section, stmt):
                continue  # (a drop the server refuses locks nothing: unknown-object's)
            table = dropped_index_table(ctx, section, stmt, drop)
            if table is not None:
                drops[drop.name] = (stmt, table)
        for section, stmt, fact in ctx.facts(CreateIndex, LOCKING_SECTIONS):
            if fact.concurrently or not live_table(ctx, section, stmt, fact.table):
                continue
            dropped = drops.get(fact.name) if fact.name else None
            if (
                dropped is not None
                and dropped[0].index < stmt.index
                and dropped[1] in ("", fact.table)
                and same_transaction(ctx, section, dropped[0], stmt)
            ):
                rebuilt.add(dropped[0].index)
                yield Violation(
                    f"drops index {fact.name} (line {dropped[0].line}) and builds it again "
                    f"without CONCURRENTLY{_unchanged(ctx, fact)}: {fact.table} is locked for "
                    f"reads and writes (the DROP's ACCESS EXCLUSIVE lock) until the migration "
                    f"commits",
                    stmt,
                    section,
                )
                continue
            if fact.unique and "add-unique" in ctx.enabled:
                continue  # add-unique reports it: the build blocks writes and may fail
            what = "CREATE UNIQUE INDEX" if fact.unique else "CREATE INDEX"
            yield Violation(
                f"{what} {fact.name or '(unnamed)'} on {fact.table} without CONCURRENTLY: "
                f"writes to {fact.table} wait until the index is built",
                stmt,
                section,
            )
        for name, (stmt, table) in drops.items():
            if stmt.index in rebuilt:
                continue
            on = table or "its table"
            yield Violation(
                f"DROP INDEX {name} without CONCURRENTLY: takes an ACCESS EXCLUSIVE lock "
                f"on {on}, and every query on {on} queues behind it",
                stmt,
                UPGRADE,
            )
        yield from _reindexes(ctx)
        yield from _detaches(ctx)


def _reindexes(ctx: Context) -> Iterator[Violation]:
    """REINDEX INDEX | TABLE without CONCURRENTLY on a live table."""
    for section, stmt, fact in ctx.facts(Reindex, LOCKING_SECTIONS):
        if fact.concurrently or fact.kind not in {"INDEX", "TABLE"}:
            continue
        if fact.kind == "TABLE":
            found = fact.table if live_table(ctx, section, stmt, fact.table) else None
        else:
            found = index_table(ctx, section, stmt, fact.name)
        if found is None:
            continue
        table = found or "its table"
        indexes = "the index" if fact.kind == "INDEX" else f"every index of {table}"
        older = (
            ""
            if ctx.target.at_least(12)
            else f" (REINDEX CONCURRENTLY needs PostgreSQL 12: on {ctx.target}, build a new "
            f"index CONCURRENTLY and drop the old one)"
        )
        yield Violation(
            f"REINDEX {fact.kind} {fact.name} without CONCURRENTLY: takes an ACCESS EXCLUSIVE "
            f"lock on {indexes} and a SHARE lock on {table}: writes wait, and so do reads "
            f"(planning a query on {table} locks all its indexes), until the migration "
            f"commits{older}",
            stmt,
            section,
        )


def _detaches(ctx: Context) -> Iterator[Violation]:
    """ALTER TABLE ... DETACH PARTITION without CONCURRENTLY (or FINALIZE) on a live table."""
    for section, stmt, fact in ctx.facts(TableCommand, LOCKING_SECTIONS):
        if fact.command != "DETACH PARTITION" or fact.mode:
            continue
        if not live_table(ctx, section, stmt, fact.table):
            continue
        older = (
            ""
            if ctx.target.at_least(14)
            else f" (DETACH PARTITION ... CONCURRENTLY needs PostgreSQL 14: on {ctx.target} "
            f"there is no way around the lock)"
        )
        yield Violation(
            f"DETACH PARTITION {fact.name} without CONCURRENTLY: takes an ACCESS EXCLUSIVE "
            f"lock on {fact.table} and on {fact.name}, and every query on {fact.table} queues "
            f"behind it{older}",
            stmt,
            section,
        )


def _unchanged(ctx: Context, fact: CreateIndex) -> str:
    """ ", unchanged" when the replayed history shows the same index before: aerich
    re-creates indexes it did not need to touch, and the rebuild is needless."""
    history = ctx.history
    if history is None or not history.reliable:
        return ""
    old = history.before.indexes.get(history.before.index_key(fact.name, fact.table))
    if old is not None and old.columns == fact.columns and old.unique == fact.unique:
        return ", unchanged"
    return ""
