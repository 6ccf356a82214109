from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aerich_lint.effects import ChangeColumn, ColumnInfo, RenameColumn
from aerich_lint.load.models_state import ModelsStateError, decoded
from aerich_lint.model import DOWNGRADE, SECTIONS, UPGRADE, Dialect, Migration, Severity
from aerich_lint.rules._online import walk
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


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
        state = decoded(migration)
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
    systems = ALL_SYSTEMS
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
        "aerich 0.10 drops a `db_default` from the MODIFY it writes when a field becomes "
        "nullable (`MODIFY COLUMN qty INT` for a column that was `INT NOT NULL DEFAULT 5`), "
        "and a hand-written MODIFY that only means to change the type does the same. The "
        "column's previous definition comes from replaying the app's migration history.\n\n"
        "Only attributes the migration did not mean to drop are reported. In an upgrade the "
        "migration's MODELS_STATE decides when it describes the field: what the model lacks "
        "too is meant (a field made `null=True` is written as a MODIFY without NOT NULL), what "
        "the model still has is lost. Without MODELS_STATE (aerich before 0.8, hand-written "
        "files) an attribute is meant to go when the downgrade restates the column with it "
        "again, as aerich's downgrade of a nullability or description change does "
        "(`MODIFY COLUMN name VARCHAR(100) NOT NULL`); a downgrade that forgets it as well, "
        "like aerich's `CHANGE full_name name VARCHAR(100)`, does not count. In a downgrade, "
        "what the column did not have before the upgrade is meant."
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
                    if not self._intended(ctx, section, fact.table, old, new, item[0])
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
    def _intended(
        ctx: Context, section: str, table: str, old: ColumnInfo, new: ColumnInfo, kind: str
    ) -> bool:
        """Is the attribute meant to go? An upgrade follows the models when MODELS_STATE
        describes the field (a field made nullable is written as a MODIFY without NOT
        NULL), otherwise its own downgrade (which restates the attribute when the upgrade
        drops it on purpose); a downgrade restores the schema from before the upgrade."""
        if section == UPGRADE:
            field = model_field(ctx.migration, table, new.name)
            if field is not None:
                return _wanted_by_model(kind, field)
            return kind in _restored_by_downgrade(ctx, table, new.name, old)
        step = ctx.history
        before = step.before.tables.get(table) if step is not None else None
        previous = before.columns.get(new.name) if before is not None else None
        return previous is not None and kind not in _kinds(lost_attributes(previous, new))


def _kinds(lost: list[tuple[str, str, str]]) -> set[str]:
    return {kind for kind, _, _ in lost}


def _restored_by_downgrade(ctx: Context, table: str, column: str, old: ColumnInfo) -> set[str]:
    """The attributes of ``old`` that the downgrade puts back on ``column`` (its name after
    the upgrade) with a MODIFY, a CHANGE back to another name or ALTER COLUMN SET DEFAULT."""
    restored: set[str] = set()
    everything = _kinds(lost_attributes(old, ColumnInfo(old.name, old.type)))
    for stmt in ctx.statements(DOWNGRADE):
        for fact in ctx.effects(stmt):
            if fact.table != table:
                continue
            if isinstance(fact, RenameColumn) and fact.old == column and fact.definition:
                restored |= everything - _kinds(lost_attributes(old, fact.definition))
            elif isinstance(fact, ChangeColumn) and fact.column == column:
                if fact.definition is not None:
                    restored |= everything - _kinds(lost_attributes(old, fact.definition))
                elif fact.default is not None and fact.default.upper() != "NULL":
                    restored.add("default")
    return restored
