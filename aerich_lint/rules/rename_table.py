from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import RenameTable
from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.breaks_running_code import running_code_hits


class RenameTableRule(Rule):
    name = "rename-table"
    code = "AL121"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A table is renamed: the running application breaks until the new code is live."
    why = (
        "Application instances still running the old code query the old table name and fail "
        "from the moment the migration runs until they are replaced. Raw SQL, views, "
        "foreign keys in other apps and external consumers break as well. Aerich writes "
        "`ALTER TABLE ... RENAME TO` when a model's `Meta.table` changes; MySQL's "
        "`RENAME TABLE a TO b` is the same."
    )
    example = 'ALTER TABLE "tag" RENAME TO "label";'
    fix = (
        'Keep the old table name in the model (`class Meta: table = "tag"`) and rename only '
        "the Python class; or rename in steps: rename the table and create a view with the "
        'old name (`CREATE VIEW "tag" AS SELECT * FROM "label";`, updatable on PostgreSQL and '
        "MySQL for simple views), deploy the new code, drop the view in a later migration."
    )
    hint = "keep Meta.table unchanged, or rename behind a compatibility view"

    def check(self, ctx: Context) -> Iterator[Violation]:
        confirmed = {id(h.statement) for h in running_code_hits(ctx)}
        for _, stmt, fact in ctx.facts(RenameTable, (UPGRADE,)):
            if ctx.is_new(UPGRADE, stmt, "table", fact.table):
                continue
            if id(stmt) in confirmed:
                continue  # the running code does use the old name: breaks-running-code
            yield Violation(
                f"renames table {fact.table} to {fact.new}: code still running during "
                f"the deploy uses the old name and fails",
                stmt,
                UPGRADE,
            )
