from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._verify import VerifyRule


class UpgradeFailedRule(VerifyRule):
    name = "upgrade-failed"
    code = "AL401"
    severity = Severity.ERROR
    summary = "verify: the upgrade fails on a real database (the statement and the error)."
    why = (
        "`aerich-lint verify` applies each migration on a scratch database the way `aerich "
        "upgrade` does, after putting one row into every table, as production has rows. A "
        "statement that fails there fails in production: a NOT NULL column added without a "
        "default to a table with rows (PostgreSQL), a CREATE INDEX CONCURRENTLY inside the "
        "migration's transaction, a foreign key to a table that does not exist, SQL the "
        "server does not understand. The message says whether the failure comes from the "
        "rows (the migration works on empty tables, as on a developer's machine) or happens "
        "on empty tables too. On MySQL and SQLite the statements before the failing one stay "
        "applied, and aerich records nothing: the next `aerich upgrade` fails earlier."
    )
    example = (
        'ALTER TABLE "customer" ADD "nickname" VARCHAR(50) NOT NULL;\n'
        "-- $ aerich-lint verify --database-url postgres://postgres@localhost/postgres\n"
        "-- error upgrade-failed the upgrade fails once the tables have rows (it succeeds on\n"
        '-- empty tables): column "nickname" of relation "customer" contains null values'
    )
    fix = (
        'For a required column: add it with a default (`CharField(50, default="")`) or '
        "nullable, backfill, then make it NOT NULL in a later migration. For CONCURRENTLY: "
        "put the statement alone in a migration with `RUN_IN_TRANSACTION = False`. Then run "
        "`aerich-lint verify` again."
    )
    hint = "make the migration work on a table with rows (default, nullable, or backfill first)"
