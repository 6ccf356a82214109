from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import RenameColumn
from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.breaks_running_code import running_code_hits


class RenameColumnRule(Rule):
    name = "rename-column"
    code = "AL120"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A column is renamed: the running application breaks until the new code is live."
    why = (
        "Deploys are not instant: while the migration has run and old instances of the "
        "application are still serving, every query they send names the old column and fails. "
        "Renames also break raw SQL, views, triggers and reports outside the application. "
        "MySQL's `CHANGE old new TYPE` (what aerich writes for MySQL 5.x) is a rename too, and "
        "it also redefines the column: any attribute left out of it is lost."
    )
    example = 'ALTER TABLE "customer" RENAME COLUMN "name" TO "full_name";'
    fix = (
        "Expand and contract over several deploys: add the new column (migration 1), write to "
        'both and backfill `UPDATE "customer" SET "full_name" = "name" WHERE "full_name" '
        "IS NULL;` (migration 2, in batches), switch reads to the new column, then drop the old "
        "one (a later migration). Or keep the database name and rename only the Python field: "
        '`full_name = fields.CharField(max_length=100, source_field="name")`. If downtime is '
        "acceptable, suppress with `-- aerich-lint: ignore rename-column <reason>`."
    )
    hint = "expand/contract: add, backfill, switch code, drop later (or use source_field)"

    def check(self, ctx: Context) -> Iterator[Violation]:
        confirmed = {id(h.statement) for h in running_code_hits(ctx)}
        for _, stmt, fact in ctx.facts(RenameColumn, (UPGRADE,)):
            if ctx.is_new(UPGRADE, stmt, "table", fact.table):
                continue
            if id(stmt) in confirmed:
                continue  # the running code does use the old name: breaks-running-code
            yield Violation(
                f"renames column {fact.table}.{fact.old} to {fact.new}: code still "
                f"running during the deploy uses the old name and fails",
                stmt,
                UPGRADE,
            )
