from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    CreateDatabase,
    CreateIndex,
    DropDatabase,
    DropIndex,
    TableCommand,
)
from aerich_lint.model import DOWNGRADE, SECTIONS, Dialect, Severity, Statement
from aerich_lint.rules._online import in_returned_script
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

# Known commands (parse/commands.py) PostgreSQL refuses inside a transaction block.
_REFUSED_COMMANDS = {
    "VACUUM": "VACUUM",
    "REINDEX CONCURRENTLY": "REINDEX ... CONCURRENTLY",
    "REINDEX SCHEMA/DATABASE/SYSTEM": "REINDEX SCHEMA/DATABASE/SYSTEM",
}


class ConcurrentlyInTransactionRule(Rule):
    name = "concurrently-in-transaction"
    code = "AL302"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A statement PostgreSQL refuses inside a transaction block runs in one."
    why = (
        "CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, "
        "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY, VACUUM, CREATE DATABASE and "
        "DROP DATABASE (and, before PostgreSQL 12, ALTER TYPE ... ADD VALUE) cannot run "
        "inside a transaction block: the server answers `... "
        "cannot run inside a transaction block` and the migration fails on the spot.\n\n"
        "aerich runs an upgrade inside a transaction unless the file sets "
        "RUN_IN_TRANSACTION = False, and runs every downgrade inside one, whatever the file "
        "says. Even with RUN_IN_TRANSACTION = False the SQL string returned by upgrade() is "
        "sent to the server in one piece, and PostgreSQL executes a string of several "
        "statements as a single implicit transaction, so these statements fail there too "
        "unless they are alone in the file.\n\n"
        "From PostgreSQL 12, ALTER TYPE ... ADD VALUE may run in a transaction, but the new "
        "value cannot be used until that transaction commits: an UPDATE or INSERT using it "
        "in the same migration fails with `unsafe use of new value`. Which version is "
        "assumed comes from target-version (default postgres:13)."
    )
    example = (
        "RUN_IN_TRANSACTION = True\n\n"
        "async def upgrade(db):\n"
        '    return """\n'
        '        CREATE INDEX CONCURRENTLY "idx_product_title" ON "product" ("title");"""'
    )
    fix = (
        "Give the statement a migration of its own that runs outside a transaction: `aerich "
        "migrate --empty --name add_index_concurrently`, set RUN_IN_TRANSACTION = False in "
        "it, and return that single statement from upgrade(). A downgrade cannot do this: "
        "write the plain form there (DROP INDEX IF EXISTS ...; it is the rollback path, and "
        "a brief lock is acceptable), or leave the step to a manual runbook. On PostgreSQL "
        "before 12, put each ALTER TYPE ... ADD VALUE alone in a RUN_IN_TRANSACTION = False "
        "migration the same way."
    )
    hint = "put it alone in a RUN_IN_TRANSACTION = False migration (never in a downgrade)"
    native_hint = "put it alone in a migration with atomic = False"
    dialects = frozenset({Dialect.POSTGRES})

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section in SECTIONS:
            for stmt in ctx.statements(section):
                what = self._refused(ctx, stmt)
                if what is None:
                    continue
                if ctx.system == "native":
                    if not ctx.migration.run_in_transaction:
                        continue
                    why = "tortoise runs this migration in a transaction (atomic = True)"
                elif section == DOWNGRADE:
                    why = "aerich runs every downgrade in a transaction"
                elif ctx.migration.run_in_transaction:
                    why = "this migration runs in a transaction (RUN_IN_TRANSACTION = True)"
                elif in_returned_script(ctx, section, stmt):
                    why = (
                        "upgrade() returns it with other statements, and PostgreSQL runs "
                        "the whole script as one implicit transaction"
                    )
                else:
                    continue
                yield Violation(
                    f"{what} cannot run inside a transaction block: {why}", stmt, section
                )

    @staticmethod
    def _refused(ctx: Context, stmt: Statement) -> str | None:
        for fact in ctx.effects(stmt):
            if isinstance(fact, CreateIndex) and fact.concurrently:
                return "CREATE INDEX CONCURRENTLY"
            if isinstance(fact, DropIndex) and fact.concurrently:
                return "DROP INDEX CONCURRENTLY"
            if isinstance(fact, CreateDatabase):
                return "CREATE DATABASE"
            if isinstance(fact, DropDatabase):
                return "DROP DATABASE"
            if (
                isinstance(fact, TableCommand)
                and fact.command == "DETACH PARTITION"
                and fact.mode == "CONCURRENTLY"
            ):
                return "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY"
        if stmt.command in _REFUSED_COMMANDS:
            return _REFUSED_COMMANDS[stmt.command]
        if stmt.command == "ALTER TYPE ADD VALUE" and not ctx.target.at_least(12):
            return f"ALTER TYPE ... ADD VALUE on {ctx.target} (allowed from PostgreSQL 12)"
        return None
