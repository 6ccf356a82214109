from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._status import StatusRule
from aerich_lint.rules.base import ALL_SYSTEMS


class SchemaDriftRule(StatusRule):
    name = "schema-drift"
    code = "AL503"
    severity = Severity.WARNING
    summary = "status: the database's schema is not what its applied migrations make."
    why = (
        "aerich-lint replays the applied migrations in memory; `aerich-lint status` "
        "compares the result with the live catalog: a table or column missing, one added "
        "by hand, a type or NOT NULL that differs, an index missing. Such drift comes from "
        "hot fixes run by hand, from `generate_schemas` on a managed database, or from a "
        "migration that failed halfway (MySQL commits every DDL statement). The next "
        "migration was written for the replayed schema: on this database it fails, or "
        "succeeds and leaves the difference in place. A pending migration that creates "
        "what the database already has is reported too: `aerich upgrade` stops on it."
    )
    example = (
        "history: customer.phone VARCHAR(20) NOT NULL\n"
        "database: customer has no column phone (dropped by hand)"
    )
    fix = (
        "Bring the database back to what the files say (re-run the missing statements, "
        "drop what was added by hand), or, when the live schema is the one wanted, write "
        "a migration that makes the files say it (`aerich migrate`, then edit it to match) "
        "and record it with `aerich upgrade --fake` where it is already in place."
    )
    hint = "make the database and the migrations agree again"
    systems = ALL_SYSTEMS
