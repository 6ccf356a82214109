from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropTable
from aerich_lint.model import Severity
from aerich_lint.rules._drops import Drop, judge_drop
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DropTableRule(Rule):
    name = "drop-table"
    code = "AL101"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A table that already exists is dropped: every row in it is deleted."
    why = (
        "DROP TABLE deletes the table and all of its rows at once, and no downgrade can bring "
        "the data back. Code still deployed that reads or writes the table fails as soon as "
        "the migration runs. Aerich writes it when a model is removed or renamed in a way it "
        "did not recognise. Tables created earlier in the same migration (and, in a downgrade, "
        "tables its own upgrade created) are not reported."
        "\n\nA DROP ... IF EXISTS of a table that no migration of a history starting at "
        "version 0 created is a warning: it is absent (nothing happens) or was made "
        "outside the migrations (Tortoise's generate_schemas, by hand), and then its "
        "data goes. That finding is no-op-statement's when that rule is in force."
    )
    example = 'DROP TABLE IF EXISTS "category";'
    fix = (
        "Make it two deploys. First ship code that no longer uses the table and keep the table "
        "(take a backup: `CREATE TABLE category_backup AS TABLE category;`). Drop it in a "
        "later migration, once nothing reads it. If the model was renamed, keep the data with "
        '`ALTER TABLE "category" RENAME TO "new_name";` instead. When the drop is intended, '
        "say so: `-- aerich-lint: ignore drop-table <reason>` on the line before it."
    )
    hint = "back the data up and drop the table in a later, separate migration"

    # the replay tells a DROP ... IF EXISTS of something never there (a no-op)
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(DropTable):
            verdict = judge_drop(ctx, section, stmt, fact.table, "", fact.if_exists)
            if verdict is Drop.LOST:
                yield Violation(
                    f"drops table {fact.table}: every row in it is deleted", stmt, section
                )
            elif verdict is Drop.MAYBE and "no-op-statement" not in ctx.enabled:
                yield Violation(
                    f"drops table {fact.table} if it exists: no migration of this history "
                    f"created it, so it is absent (nothing happens) or was made outside the "
                    f"migrations, by generate_schemas or by hand (then its rows are deleted)",
                    stmt,
                    section,
                    severity=Severity.WARNING,
                )
