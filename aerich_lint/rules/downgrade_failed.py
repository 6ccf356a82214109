from __future__ import annotations

from aerich_lint.model import Severity
from aerich_lint.rules._verify import VerifyRule


class DowngradeFailedRule(VerifyRule):
    name = "downgrade-failed"
    code = "AL402"
    severity = Severity.ERROR
    summary = "verify: the downgrade fails on a real database right after its upgrade."
    why = (
        "A downgrade is the rollback plan: it is run when a deploy goes wrong, the worst "
        "time to find out it does not work. `aerich-lint verify` runs each downgrade (in a "
        "transaction, as `aerich downgrade` does) right after the upgrade and one synthetic "
        "row per table. Aerich writes downgrades that fail: a removed model's downgrade "
        "re-adds the foreign key column NOT NULL without a default and points it at a table "
        'it never re-creates (`relation "category" does not exist`); a removed NOT NULL '
        "field comes back NOT NULL without a default, which fails once the table has a row."
    )
    example = (
        "-- upgrade\n"
        'ALTER TABLE "product" DROP COLUMN "category_id";\n'
        'DROP TABLE IF EXISTS "category";\n'
        "-- downgrade\n"
        'ALTER TABLE "product" ADD "category_id" INT NOT NULL;\n'
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY '
        '("category_id") REFERENCES "category" ("id") ON DELETE CASCADE;'
    )
    fix = (
        "Edit the downgrade so it restores what the upgrade removed, in order: re-create the "
        "dropped table before the foreign key that references it, re-add a NOT NULL column "
        "with a default (or nullable, then backfill, then SET NOT NULL). If the change cannot "
        "be undone, make the downgrade raise with a clear message instead of failing halfway."
    )
    hint = "make the downgrade re-create what the upgrade removed, in order, with defaults"
