from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropTable
from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import Context, Rule, Violation
from aerich_lint.rules.probable_rename import convincing_drops


class DropTableRule(Rule):
    name = "drop-table"
    code = "AL101"
    severity = Severity.ERROR
    summary = "A table that already exists is dropped: every row in it is deleted."
    why = (
        "DROP TABLE deletes the table and all of its rows at once, and no downgrade can bring "
        "the data back. Code still deployed that reads or writes the table fails as soon as "
        "the migration runs. Aerich writes it when a model is removed or renamed in a way it "
        "did not recognise. Tables created earlier in the same migration (and, in a downgrade, "
        "tables its own upgrade created) are not reported."
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

    def check(self, ctx: Context) -> Iterator[Violation]:
        renamed = convincing_drops(ctx)
        for section, stmt, fact in ctx.facts(DropTable):
            if ctx.is_new(section, stmt, "table", fact.table):
                continue
            if section == UPGRADE and (fact.table, "") in renamed:
                continue  # probable-rename reports it, with the table it may have become
            if ctx.fails_missing(section, stmt):
                continue  # the table is not there: the statement fails, deleting nothing
            yield Violation(f"drops table {fact.table}: every row in it is deleted", stmt, section)
