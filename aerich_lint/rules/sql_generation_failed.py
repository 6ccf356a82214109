from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import NATIVE, Context, Rule, Violation


class SqlGenerationFailedRule(Rule):
    name = "sql-generation-failed"
    code = "AL243"
    systems = NATIVE
    severity = Severity.ERROR
    summary = "Tortoise cannot generate the SQL of an operation: the migration fails when run."
    why = (
        "A native migration holds operations, not SQL: tortoise writes the SQL when the "
        "migration runs, from the state the migrations before it build. Some operations it "
        "writes with `makemigrations` it cannot turn into SQL (tortoise 1.1 refuses to "
        "change a field's type: `Automatic field type altering is not supported yet`), so "
        "`tortoise migrate` (or the rollback) stops at it. Found by generating every "
        "operation's SQL, forward and backward, as `tortoise sqlmigrate` does, in the "
        "sandbox; nothing connects to a database."
    )
    example = (
        "ops.AlterField(\n"
        '    model_name="Product",\n'
        '    name="price",\n'
        "    field=fields.DecimalField(max_digits=10, decimal_places=2),\n"
        ")  # the field was an IntField"
    )
    fix = (
        "Replace the operation with what tortoise can run: add the new column, copy the "
        "values with a RunSQL (with its reverse_sql), drop the old one; or a RunSQL with the "
        "dialect's `ALTER TABLE ... ALTER COLUMN ... TYPE ... USING ...` and its reverse."
    )
    hint = "replace it with operations tortoise can run (a RunSQL with reverse_sql)"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, line, message in ctx.migration.generation_errors:
            yield Violation(
                f"tortoise cannot generate the SQL of {message}", section=section, line=line
            )
