from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import DOWNGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DowngradeBrokenRule(Rule):
    name = "downgrade-broken"
    code = "AL202"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A downgrade statement fails: what it uses is missing after the upgrade."
    why = (
        "A downgrade runs against the schema the upgrade left. A statement that references a "
        "table, column, index or constraint missing at that point (or creates one that "
        "exists, without IF NOT EXISTS) makes `aerich downgrade` fail, and nobody learns it "
        "until a rollback is needed during an incident. Aerich's own downgrade for a dropped "
        "model that another model references re-adds the foreign key to a table it never "
        're-creates: PostgreSQL answers `relation "category" does not exist`.'
        "\n\nAs in unknown-object, the names the server gave unnamed constraints are "
        "known: a downgrade that drops aerich's `fk_...` name for a foreign key PostgreSQL "
        "named `<table>_<column>_fkey`, drops the index of a UNIQUE constraint with DROP "
        "INDEX, or creates a table whose foreign key references a table it re-creates "
        "only later, fails."
    )
    example = (
        "-- upgrade\n"
        'DROP TABLE IF EXISTS "category";\n'
        "-- downgrade\n"
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id")'
        ' REFERENCES "category" ("id");'
    )
    fix = (
        "Make the downgrade the exact reverse of the upgrade, in reverse order: re-create the "
        "dropped table first (copy its CREATE TABLE from the migration that made it), then "
        "the columns and constraints that point at it. Try it with `aerich-lint verify`."
    )
    needs_history = True
    hint = "re-create what the upgrade removed before referencing it, in reverse order"

    def check(self, ctx: Context) -> Iterator[Violation]:
        step = ctx.history
        if step is None or not step.reliable:
            return
        for found in step.downgrade_problems:
            yield Violation(found.problem.message, found.statement, DOWNGRADE)
