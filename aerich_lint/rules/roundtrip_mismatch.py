from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._verify import VerifyRule


class RoundtripMismatchRule(VerifyRule):
    name = "roundtrip-mismatch"
    code = "AL403"
    severity = Severity.ERROR
    summary = "verify: upgrade then downgrade does not give back the schema from before."
    why = (
        "After `aerich downgrade`, the code of the previous release runs against the "
        "database again: it must find the schema it was written for. `aerich-lint verify` "
        "compares the schema after upgrade + downgrade with the one before the upgrade "
        "(tables, columns, types, nullability, defaults, indexes, constraints) and reports "
        "what differs: a column left over, a type not restored, an index the downgrade "
        "forgot, NOT NULL lost. It also applies the upgrade a second time: an upgrade that "
        "fails after its own downgrade (an index or table left behind) is reported here."
    )
    example = (
        "-- upgrade\n"
        'ALTER TABLE "customer" ADD "email" VARCHAR(200);\n'
        'CREATE UNIQUE INDEX "uid_customer_email" ON "customer" ("email");\n'
        "-- downgrade\n"
        'ALTER TABLE "customer" DROP CONSTRAINT IF EXISTS "customer_email_key";'
    )
    fix = (
        "Make the downgrade the exact inverse of the upgrade: drop what it created (by the "
        "names it used), re-create what it dropped, restore types, defaults and NOT NULL."
    )
    hint = "make the downgrade undo exactly what the upgrade did"
