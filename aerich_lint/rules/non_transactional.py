from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import only_reads
from aerich_lint.model import UPGRADE, Dialect, Severity
from aerich_lint.rules.base import Context, Rule, Violation


class NonTransactionalRule(Rule):
    name = "non-transactional"
    code = "AL111"
    severity = Severity.WARNING
    summary = "RUN_IN_TRANSACTION = False with more than one upgrade statement."
    why = (
        "Aerich runs each migration file in one transaction unless the file sets "
        "RUN_IN_TRANSACTION = False. Then every statement commits on its own: when the third "
        "of five fails, the first two stay applied, aerich records nothing, and re-running "
        "the upgrade fails on the statements that already ran. A single statement is atomic "
        "by itself, so a file with one statement (the recommended home of a PostgreSQL "
        "CREATE INDEX CONCURRENTLY) is not reported. (On MySQL, DDL commits implicitly even "
        "inside a transaction: see implicit-commit.) On PostgreSQL the string upgrade() "
        "returns is sent in one piece and runs as one implicit transaction anyway, so there "
        "only SQL sent through separate `db.execute_script()` calls is reported (and a "
        "CONCURRENTLY among several returned statements fails: concurrently-in-transaction). "
        "Read-only queries (introspection of information_schema or sqlite_master) do not "
        "count: nothing is left half applied by them."
    )
    example = (
        "RUN_IN_TRANSACTION = False\n\n"
        "async def upgrade(db):\n"
        '    return """\n'
        '        CREATE INDEX CONCURRENTLY "idx_product_title" ON "product" ("title");\n'
        '        ALTER TABLE "product" ADD "stock" INT NOT NULL DEFAULT 0;"""'
    )
    fix = (
        "Keep only the statement that cannot run in a transaction in the non-transactional "
        "file (create it with `aerich migrate --empty --name add_index_concurrently`) and "
        "move everything else to an ordinary migration. Make each statement idempotent "
        "(`IF NOT EXISTS`) so a failed run can be repeated."
    )
    hint = "keep one statement per RUN_IN_TRANSACTION = False file; move the rest"

    def check(self, ctx: Context) -> Iterator[Violation]:
        if ctx.migration.run_in_transaction:
            return
        # Read-only queries (introspection) change nothing: a failure after them leaves
        # nothing half applied.
        statements = [s for s in ctx.statements(UPGRADE) if not only_reads(ctx.effects(s))]
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
        listed = ", ".join(f"line {s.line} {' '.join(s.sql.split()[:3])}" for s in statements[:4])
        more = f" and {len(statements) - 4} more" if len(statements) > 4 else ""
        yield Violation(
            f"RUN_IN_TRANSACTION = False: these {len(statements)} upgrade statements are not "
            f"atomic, a failure leaves the earlier ones applied ({listed}{more})",
            section=UPGRADE,
            line=ctx.migration.run_in_transaction_line or 1,
        )
