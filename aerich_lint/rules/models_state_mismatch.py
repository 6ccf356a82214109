from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.history.schema import Schema
from aerich_lint.load.models_state import ModelsStateError, tables_of
from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation

AERICH_TABLE = "aerich"


class ModelsStateMismatchRule(Rule):
    name = "models-state-mismatch"
    code = "AL204"
    severity = Severity.WARNING
    summary = "MODELS_STATE disagrees with the schema the migration's SQL produces."
    why = (
        "`aerich migrate` diffs the models against the MODELS_STATE of the newest migration, "
        "not against the database. When that state lies (a statement was removed by hand, or "
        "aerich recorded a change it wrote no SQL for, like the m2m table it renames in "
        "MODELS_STATE when a model's table is renamed), the next generated migration is wrong: "
        "it skips changes the database still needs or repeats ones it already has. Tables and "
        "columns are compared."
    )
    example = (
        '-- the upgrade\'s `ADD "sku"` was deleted by hand, but MODELS_STATE still has it:\n'
        "MODELS_STATE says product.sku exists; the replayed SQL has no such column"
    )
    fix = (
        "Make the SQL and the state agree: restore the removed statement, or regenerate the "
        "migration (delete it, run `aerich migrate` again) so aerich writes both together. "
        "For a difference aerich itself introduced, add the missing SQL by hand (for example "
        '`ALTER TABLE "product_tag" RENAME TO "product_label";`).'
    )
    needs_history = True
    hint = "restore the missing SQL, or regenerate the migration so SQL and state agree"

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration, step = ctx.migration, ctx.history
        if step is None or not step.reliable or migration.models_state_raw is None:
            return
        if not step.complete:
            return  # the history does not start at the beginning: tables may predate it
        try:
            state = tables_of(migration)
        except ModelsStateError:
            return  # old-format's business
        if not state:
            return
        previous = _previous_tables(ctx)
        line = self._line(ctx)
        # Report where a difference first appears, not again in every later file.
        known = _mismatches(previous, step.before) if previous else set()
        for kind, table, col in sorted(_mismatches(state, step.after) - known):
            if kind == "state-table":
                message = (
                    f"MODELS_STATE has table {table}, which the SQL history never creates "
                    f"(or dropped)"
                )
            elif kind == "state-column":
                message = f"MODELS_STATE has column {table}.{col}, which the SQL history does not"
            else:
                message = f"the SQL history has column {table}.{col}, which MODELS_STATE does not"
            yield Violation(message, line=line)
        # A table the SQL has and the state does not is only a lie when it was a
        # model's table before (raw-SQL tables are none of aerich's business).
        tables = step.after.tables
        for table in sorted((tables.keys() - state.keys()) & previous.keys() - {AERICH_TABLE}):
            yield Violation(
                f"the SQL history still has table {table}, which MODELS_STATE no longer has "
                f"(its model was removed but the table was not dropped)",
                line=line,
            )

    @staticmethod
    def _line(ctx: Context) -> int:
        if ctx.migration.models_state_line:
            return ctx.migration.models_state_line
        for number, text in enumerate(ctx.migration.text.splitlines(), 1):
            if text.startswith("MODELS_STATE"):
                return number
        return 1


def _mismatches(state: dict[str, set[str]], schema: Schema) -> set[tuple[str, str, str]]:
    out: set[tuple[str, str, str]] = set()
    for table, columns in state.items():
        if table == AERICH_TABLE:
            continue
        found = schema.tables.get(table)
        if found is None:
            out.add(("state-table", table, ""))
            continue
        out.update(("state-column", table, c) for c in columns - found.columns.keys())
        out.update(("sql-column", table, c) for c in found.columns.keys() - columns)
    return out


def _previous_tables(ctx: Context) -> dict[str, set[str]]:
    previous = ctx.previous
    if previous is None or previous.models_state_raw is None:
        return {}
    try:
        return tables_of(previous)
    except ModelsStateError:
        return {}
