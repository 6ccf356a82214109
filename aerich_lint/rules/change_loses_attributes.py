from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aerich_lint.effects import ChangeColumn, ColumnInfo, RenameColumn
from aerich_lint.load.models_state import ModelsStateError
from aerich_lint.model import SECTIONS, UPGRADE, Dialect, Migration, Severity
from aerich_lint.rules._online import walk
from aerich_lint.rules.base import Context, Rule, Violation


def lost_attributes(old: ColumnInfo, new: ColumnInfo) -> list[tuple[str, str, str]]:
    """(kind, attribute, what happens) for each attribute of ``old`` that ``new`` leaves
    out; kind is not_null, default, comment or generated."""
    lost = []
    if old.not_null and not old.primary_key and not new.not_null:
        lost.append(("not_null", "NOT NULL", "becomes nullable"))
    if old.default is not None and old.default.upper() != "NULL" and new.default is None:
        lost.append(("default", f"DEFAULT {old.default}", "loses its default"))
    if old.comment not in (None, "", "''") and new.comment is None:
        lost.append(("comment", "COMMENT", "loses its comment"))
    if old.generated and not new.generated:
        what = "AUTO_INCREMENT" if "INT" in old.type or "SERIAL" in old.type else "GENERATED"
        lost.append(("generated", what, "stops generating values"))
    return lost


def model_field(migration: Migration, table: str, column: str) -> dict[str, Any] | None:
    """The field of the migration's MODELS_STATE (tortoise's describe()) stored in
    table.column, or None when the state does not say."""
    try:
        state = migration.models_state()
    except ModelsStateError:
        return None
    if not isinstance(state, dict):
        return None
    for model in state.values():
        if not isinstance(model, dict) or model.get("table") != table:
            continue
        fields = [model.get("pk_field"), *(model.get("data_fields") or [])]
        for field in fields:
            if isinstance(field, dict) and field.get("db_column") == column:
                return field
    return None


def _wanted_by_model(kind: str, field: dict[str, Any]) -> bool:
    """Does the model, as MODELS_STATE records it, lack this attribute too?"""
    if kind == "not_null":
        return bool(field.get("nullable"))
    if kind == "default":
        return field.get("default") is None and field.get("db_default") in (None, "__NOT_SET__")
    if kind == "comment":
        return not field.get("description")
    return not field.get("generated")


class ChangeLosesAttributesRule(Rule):
    name = "change-loses-attributes"
    code = "AL321"
    severity = Severity.WARNING
    summary = (
        "MySQL MODIFY / CHANGE drops the NOT NULL, DEFAULT, COMMENT or AUTO_INCREMENT a column had."
    )
    why = (
        "`MODIFY col TYPE` and `CHANGE old new TYPE` do not patch a column, they replace its "
        "whole definition with the one written in the statement. Whatever the statement "
        "leaves out is gone: NOT NULL (the column silently becomes nullable and starts "
        "accepting NULLs the application never expects), DEFAULT (inserts that omit the "
        "column now get NULL, or fail in strict mode when the column is still NOT NULL), "
        "COMMENT, AUTO_INCREMENT (new rows no longer get an id). Nothing fails while the "
        "migration runs, so the loss shows up later as bad data. The statement also copies the "
        "table when the type changes (see column-type-change). Aerich writes exactly this for "
        "a rename on MySQL 5.7 (`CHANGE name full_name VARCHAR(100)` on a NOT NULL column), "
        "and a hand-written MODIFY that only means to change the type does the same. The "
        "column's previous definition comes from replaying the app's migration history. "
        "Losses that are meant are not reported: in an upgrade, what the migration's "
        "MODELS_STATE also lacks (a field made nullable is written as a MODIFY without NOT "
        "NULL); in a downgrade, what the column did not have before the upgrade."
    )
    example = (
        "-- customer.name was VARCHAR(100) NOT NULL\n"
        "ALTER TABLE `customer` CHANGE name full_name VARCHAR(100);"
    )
    fix = (
        "Restate every attribute the column keeps, in the same statement: "
        "`ALTER TABLE `customer` CHANGE `name` `full_name` VARCHAR(100) NOT NULL DEFAULT '' "
        "COMMENT 'Full name';` (copy the column from `SHOW CREATE TABLE customer`). On MySQL "
        "8.0+ rename with `ALTER TABLE `customer` RENAME COLUMN `name` TO `full_name`;`, which "
        "keeps the definition (aerich writes it when it sees MySQL 8, offline with "
        "`AERICH_MYSQL_VERSION=8.0`). Edit the generated migration before it runs, or fix "
        "the column in a new one: `aerich migrate --empty --name restore_full_name_not_null`."
    )
    hint = "restate NOT NULL / DEFAULT / COMMENT / AUTO_INCREMENT in the MODIFY or CHANGE"
    dialects = frozenset({Dialect.MYSQL})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section in SECTIONS:
            for stmt, fact, schema in walk(ctx, section):
                if isinstance(fact, RenameColumn) and fact.definition is not None:
                    column, new, verb = fact.old, fact.definition, f"CHANGE {fact.old} {fact.new}"
                elif isinstance(fact, ChangeColumn) and fact.definition is not None:
                    column, new, verb = fact.column, fact.definition, f"MODIFY {fact.column}"
                else:
                    continue
                table = schema.tables.get(fact.table)
                old = table.columns.get(column) if table is not None else None
                if old is None:
                    continue
                lost = [
                    item
                    for item in lost_attributes(old, new)
                    if not self._intended(ctx, section, fact.table, new, item[0])
                ]
                if lost:
                    attributes = ", ".join(a for _, a, _ in lost)
                    effects = ", ".join(dict.fromkeys(e for _, _, e in lost))
                    yield Violation(
                        f"{verb} restates {fact.table}.{column} without its {attributes}: "
                        f"MySQL replaces the whole definition, so the column {effects}",
                        stmt,
                        section,
                    )

    @staticmethod
    def _intended(ctx: Context, section: str, table: str, new: ColumnInfo, kind: str) -> bool:
        """Is the attribute meant to go? An upgrade follows the models (MODELS_STATE: a
        field made nullable is written as a MODIFY without NOT NULL); a downgrade
        restores the schema from before the upgrade."""
        if section == UPGRADE:
            field = model_field(ctx.migration, table, new.name)
            return field is not None and _wanted_by_model(kind, field)
        step = ctx.history
        before = step.before.tables.get(table) if step is not None else None
        previous = before.columns.get(new.name) if before is not None else None
        return previous is not None and kind not in {
            k for k, _, _ in lost_attributes(previous, new)
        }
