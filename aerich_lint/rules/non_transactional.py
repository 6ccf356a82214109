from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import CreateIndex, only_reads
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class NonTransactionalRule(Rule):
    name = "non-transactional"
    code = "AL111"
    systems = ALL_SYSTEMS
    native_hint = (
        "keep one statement per atomic = False migration (move the rest); after a failed "
        "CONCURRENTLY build, drop the INVALID index first"
    )
    severity = Severity.WARNING
    summary = (
        "RUN_IN_TRANSACTION = False with several upgrade statements; info for a lone "
        "CREATE INDEX CONCURRENTLY."
    )
    why = (
        "Aerich runs each migration file in one transaction unless the file sets "
        "RUN_IN_TRANSACTION = False. Then every statement commits on its own: when the "
        "third of five fails, the first two stay applied, aerich records nothing, and "
        "re-running the upgrade fails on the statements that already ran. A single "
        "statement is atomic by itself, so a file with one statement is not reported "
        "(except a lone CREATE INDEX CONCURRENTLY, its recommended home: see below). (On "
        "MySQL, DDL commits implicitly even inside a transaction: see implicit-commit.) "
        "On PostgreSQL the string upgrade() returns is sent in one piece and runs as one "
        "implicit transaction anyway, so there only SQL sent through separate "
        "`db.execute_script()` calls is reported (and a CONCURRENTLY among several "
        "returned statements fails: concurrently-in-transaction). Read-only queries "
        "(introspection of information_schema or sqlite_master) do not count: nothing is "
        "left half applied by them.\n\nA lone PostgreSQL CREATE [UNIQUE] INDEX CONCURRENTLY "
        "gets an info: it is not atomic (it commits in steps). When the build fails (a "
        "duplicate value for a unique index, a deadlock, a cancelled or timed-out "
        "statement) the index stays behind, marked INVALID (`pg_index.indisvalid` is "
        "false): queries do not use it, and it must be dropped before the upgrade is run "
        "again. Without IF NOT EXISTS the rerun fails because the name is taken; with IF "
        "NOT EXISTS the rerun succeeds with a notice and silently keeps the invalid "
        "index."
    )
    example = (
        "# SQLite (on PostgreSQL the returned string runs as one implicit transaction)\n"
        "RUN_IN_TRANSACTION = False\n\n"
        "async def upgrade(db):\n"
        '    return """\n'
        '        CREATE INDEX "idx_product_title" ON "product" ("title");\n'
        '        ALTER TABLE "product" ADD "stock" INT NOT NULL DEFAULT 0;"""'
    )
    fix = (
        "Keep only the statement that cannot run in a transaction in the non-transactional "
        "file (create it with `aerich migrate --empty --name add_index_concurrently`) and "
        "move everything else to an ordinary migration. Make each statement idempotent "
        "(`IF NOT EXISTS`) so a failed run can be repeated, except a CREATE INDEX "
        "CONCURRENTLY, for which IF NOT EXISTS hides a failure: after a failed build, look "
        "for the invalid index (`SELECT indexrelid::regclass FROM "
        "pg_index WHERE NOT indisvalid`), drop it with `DROP INDEX CONCURRENTLY IF EXISTS "
        '"idx_product_title";`, fix the cause (the duplicates) and upgrade again.'
    )
    hint = (
        "keep one statement per RUN_IN_TRANSACTION = False file (move the rest); after a "
        "failed CONCURRENTLY build, drop the INVALID index first"
    )

    def check(self, ctx: Context) -> Iterator[Violation]:
        if ctx.migration.run_in_transaction:
            return
        # Read-only queries (introspection) change nothing: a failure after them leaves
        # nothing half applied.
        statements = [s for s in ctx.statements(UPGRADE) if not only_reads(ctx.effects(s))]
        if ctx.dialect == Dialect.POSTGRES and len(statements) == 1:
            yield from _lone_concurrent_index(ctx, statements[0])
            return
        if ctx.system == "native":
            yield from _native(ctx, statements)
            return
        if ctx.dialect == Dialect.POSTGRES and ctx.migration.format == "py":
            # PostgreSQL runs the script upgrade() returns, sent in one piece, as one
            # implicit transaction: only SQL sent through separate client calls splits it.
            units = int(any(s.via == "return" for s in statements)) + sum(
                1 for s in statements if s.via != "return"
            )
            if units < 2:
                return
        if len(statements) < 2:
            return
        yield Violation(
            f"RUN_IN_TRANSACTION = False: these {len(statements)} upgrade statements are not "
            f"atomic, a failure leaves the earlier ones applied ({_listed(statements)})",
            section=UPGRADE,
            line=ctx.migration.run_in_transaction_line or 1,
        )


def _native(ctx: Context, statements: list[Statement]) -> Iterator[Violation]:
    """atomic = False: tortoise executes each generated statement, and each RunSQL
    string, on its own (on PostgreSQL a string of several statements is one implicit
    transaction)."""
    if ctx.dialect == Dialect.POSTGRES:
        strings = {s.via for s in statements if s.via != "operation"}
        units = len(strings) + sum(1 for s in statements if s.via == "operation")
    else:
        units = len(statements)
    if units < 2:
        return
    yield Violation(
        f"atomic = False: these {len(statements)} statements are not atomic, a failure "
        f"leaves the earlier ones applied and tortoise records nothing ({_listed(statements)})",
        section=UPGRADE,
        line=ctx.migration.run_in_transaction_line or 1,
    )


def _listed(statements: list[Statement]) -> str:
    """The first four statements by line and first words, and how many more."""
    listed = ", ".join(f"line {s.line} {' '.join(s.sql.split()[:3])}" for s in statements[:4])
    return listed + (f" and {len(statements) - 4} more" if len(statements) > 4 else "")


def _lone_concurrent_index(ctx: Context, stmt: Statement) -> Iterator[Violation]:
    """A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind (info)."""
    for fact in ctx.effects(stmt):
        if not isinstance(fact, CreateIndex) or not fact.concurrently:
            continue
        name = fact.name or "(unnamed)"
        what = "CREATE UNIQUE INDEX" if fact.unique else "CREATE INDEX"
        cause = (
            "duplicate values, a deadlock, a timeout" if fact.unique else "a deadlock, a timeout"
        )
        rerun = (
            "; with IF NOT EXISTS a rerun succeeds with only a notice and silently keeps the "
            "invalid index"
            if fact.if_not_exists
            else f'; until then a rerun fails (relation "{name}" already exists)'
        )
        yield Violation(
            f"{what} CONCURRENTLY {name} is not atomic: a failed build ({cause}) leaves {name} "
            f"behind, INVALID and unused by queries, and it must be dropped (DROP INDEX "
            f"CONCURRENTLY IF EXISTS {name}) before the upgrade runs again{rerun}",
            stmt,
            UPGRADE,
            severity=Severity.INFO,
        )
