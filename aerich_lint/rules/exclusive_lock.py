from __future__ import annotations

from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._verify import VerifyRule


class ExclusiveLockRule(VerifyRule):
    name = "exclusive-lock"
    code = "AL404"
    severity = Severity.WARNING
    summary = "verify --locks: a statement takes ACCESS EXCLUSIVE on a table that has rows."
    why = (
        "ACCESS EXCLUSIVE blocks every other query on the table, reads included, until the "
        "migration's transaction commits. `aerich-lint verify --locks` reads pg_locks inside "
        "the migration's transaction after each statement, and the table's relfilenode "
        "before and after (a new one means PostgreSQL rewrote the whole table). A rewrite "
        "holds the lock for as long as copying the table takes; even a catalog-only change "
        "waits behind every running query on the table, and every new query queues behind "
        "it. Not reported when the statement did not rewrite the table and the migration "
        "set a lock_timeout first, which bounds the wait."
    )
    example = (
        'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(30) USING "sku"::VARCHAR(30);\n'
        "-- product: ACCESS EXCLUSIVE, table rewritten"
    )
    fix = (
        "Start the migration with `SET LOCAL lock_timeout = '5s';` so it fails fast instead "
        "of stalling the application, and retry. Avoid rewrites: add columns without "
        "volatile defaults, widen types instead of narrowing, build indexes CONCURRENTLY, "
        "add constraints NOT VALID and VALIDATE them later."
    )
    hint = "set lock_timeout first and avoid table rewrites (see the PostgreSQL rules AL30x)"
    dialects = frozenset({Dialect.POSTGRES})
