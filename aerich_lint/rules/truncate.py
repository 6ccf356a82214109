from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import Truncate
from aerich_lint.model import Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class TruncateRule(Rule):
    name = "truncate"
    code = "AL103"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "TRUNCATE deletes every row of a table."
    why = (
        "TRUNCATE empties the table without a WHERE clause, without row-level triggers and, on "
        "MySQL, with an implicit commit that no transaction can roll back. On PostgreSQL it "
        "takes an ACCESS EXCLUSIVE lock; with CASCADE it empties every referencing table too."
    )
    example = 'TRUNCATE TABLE "session";'
    fix = (
        "Delete only the rows that must go, in batches: "
        '`DELETE FROM "session" WHERE "expires_at" < now();` If the whole table really has '
        "to be emptied, suppress with `-- aerich-lint: ignore truncate <reason>`."
    )
    hint = "delete only the rows that must go (DELETE ... WHERE ...), in batches"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(Truncate):
            if not ctx.is_new(section, stmt, "table", fact.table):
                yield Violation(
                    f"truncates table {fact.table}: every row is deleted", stmt, section
                )
