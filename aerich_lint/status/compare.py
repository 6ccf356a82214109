"""What status compares: the recorded models against each file's MODELS_STATE,
and the live schema against the replayed history. Pure functions of data already
read; nothing here touches the database."""

from __future__ import annotations

from typing import Any

from aerich_lint.dialects import spec
from aerich_lint.effects import AddColumn, CreateTable, effects
from aerich_lint.history.schema import Schema as Replayed
from aerich_lint.model import UPGRADE, Dialect, Migration, Statement
from aerich_lint.verify.introspect import Schema as Live
from aerich_lint.verify.introspect import Table as LiveTable

_SHOWN = 4  # differences named in one message; the rest are counted


def _key(name: str) -> str:
    return name.casefold()


def summarize(items: list[str]) -> str:
    """The first differences, and how many more."""
    shown = "; ".join(items[:_SHOWN])
    more = len(items) - _SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


# --- applied-state-differs ----------------------------------------------------------------


_FIELD_GROUPS = (
    "pk_field",
    "data_fields",
    "fk_fields",
    "backward_fk_fields",
    "o2o_fields",
    "backward_o2o_fields",
    "m2m_fields",
)


def _fields(model: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in _FIELD_GROUPS:
        value = model.get(group)
        for field in value if isinstance(value, list) else [value]:
            if isinstance(field, dict) and isinstance(field.get("name"), str):
                out[field["name"]] = field
    return out


def state_differences(recorded: Any, current: Any) -> list[str]:
    """What differs between the models aerich recorded and a MODELS_STATE, by model
    and field; [] when they are the same."""
    if recorded == current:
        return []
    if not isinstance(recorded, dict) or not isinstance(current, dict):
        return ["the recorded content is not a models description"]
    out: list[str] = []
    for name in sorted(set(recorded) | set(current), key=str):
        old, new = recorded.get(name), current.get(name)
        if old == new:
            continue
        if old is None:
            out.append(f"{name} is in the file, not in the record")
            continue
        if new is None:
            out.append(f"{name} is in the record, not in the file")
            continue
        if not isinstance(old, dict) or not isinstance(new, dict):
            out.append(f"{name} differs")
            continue
        old_fields, new_fields = _fields(old), _fields(new)
        changed = [
            f
            for f in sorted(set(old_fields) | set(new_fields))
            if old_fields.get(f) != new_fields.get(f)
        ]
        parts = []
        for f in changed:
            if f not in old_fields:
                parts.append(f"{f} added")
            elif f not in new_fields:
                parts.append(f"{f} removed")
            else:
                parts.append(f"{f} changed")
        options = [
            k
            for k in sorted(set(old) | set(new), key=str)
            if k not in _FIELD_GROUPS and old.get(k) != new.get(k)
        ]
        if parts:
            out.append(f"{name}: field {', '.join(parts)} in the file")
        if options:
            out.append(f"{name}: {', '.join(map(str, options))} changed in the file")
    return out or ["the recorded content differs from the file's MODELS_STATE"]


# --- schema-drift -------------------------------------------------------------------------


def _live_tables(live: Live) -> dict[str, LiveTable]:
    return {_key(name): table for name, table in live.tables.items()}


def schema_differences(
    replayed: Replayed, live: Live, dialect: Dialect, explained: frozenset[tuple[str, str]]
) -> dict[str, list[str]]:
    """By table: how the live schema differs from the replayed one. Only what the
    replay knows is compared (tables other apps or other tools own are not this app's),
    a type neither side's spelling can be read of is not judged, and a column in
    ``explained`` (``(table, column)`` a pending migration adds: a run of it that
    failed halfway left it) is reported there, not here."""
    type_key = spec(dialect).column_type_key
    tables = _live_tables(live)
    out: dict[str, list[str]] = {}
    for name, table in sorted(replayed.tables.items()):
        found = tables.get(_key(name))
        if found is None:
            out[name] = ["the table is missing"]
            continue
        problems: list[str] = []
        columns = {_key(c): col for c, col in found.columns.items()}
        for cname, info in table.columns.items():
            col = columns.pop(_key(cname), None)
            if col is None:
                problems.append(f"column {cname} is missing")
                continue
            want, have = type_key(info.type), type_key(col.type)
            if want is not None and have is not None and want != have:
                problems.append(f"column {cname} is {col.type}, the migrations make it {info.type}")
            not_null = info.not_null or info.primary_key
            if not info.primary_key and not_null == col.nullable:
                problems.append(
                    f"column {cname} is {'nullable' if col.nullable else 'NOT NULL'}, the "
                    f"migrations make it {'NOT NULL' if not_null else 'nullable'}"
                )
        for extra in columns:
            if (_key(name), extra) in explained:
                continue
            problems.append(f"column {extra} is not in the migrations")
        names = {_key(n) for n in (*found.indexes, *found.constraints)}
        for index in replayed.indexes.values():
            if index.table != name or not index.name:
                continue
            if dialect is Dialect.SQLITE and index.declared:
                continue  # SQLite names the indexes of inline UNIQUEs itself
            if _key(index.name) not in names:
                problems.append(f"index {index.name} is missing")
        if problems:
            out[name] = problems
    return out


def creates_existing(
    migration: Migration, before: Replayed, live: Live
) -> list[tuple[Statement, str]]:
    """Statements of a pending migration that create what the history says is absent
    but the database already has: ``aerich upgrade`` stops on them."""
    tables = _live_tables(live)
    out: list[tuple[Statement, str]] = []
    for stmt in migration.statements(UPGRADE):
        for fact in effects(stmt):
            if isinstance(fact, CreateTable) and not fact.if_not_exists:
                if fact.table not in before.tables and _key(fact.table) in tables:
                    out.append(
                        (stmt, f"creates table {fact.table}, which the database already has")
                    )
            elif isinstance(fact, AddColumn) and not fact.if_not_exists:
                known = before.tables.get(fact.table)
                live_table = tables.get(_key(fact.table))
                column = fact.column.name
                if (
                    known is not None
                    and column not in known.columns
                    and live_table is not None
                    and _key(column) in {_key(c) for c in live_table.columns}
                ):
                    out.append(
                        (stmt, f"adds column {fact.table}.{column}, which the database already has")
                    )
    return out
