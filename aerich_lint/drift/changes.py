"""What changed between two model descriptions, in words.

Inputs are Tortoise ``Model.describe()`` dicts keyed by ``app.Model`` (what
aerich stores in MODELS_STATE and what ``aerich.utils.get_models_describe``
returns), as JSON: the newest migration's state and the current models.
aerich's own diff decides *whether* an app drifted and writes the SQL; this
module only says what a reviewer should read, field by field, so the result is
deterministic and needs neither tortoise nor aerich. Attributes aerich ignores
(docstrings, Python types) are not mentioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Describe = dict[str, Any]

_FUNCTION = re.compile(r"^<function (?P<name>.+)>$")
_NOT_SET = "__NOT_SET__"  # tortoise's db_default when there is none


@dataclass(frozen=True)
class Change:
    """One change of one model, e.g. ``field `price` added (DecimalField, NOT NULL)``."""

    model: str
    text: str


@dataclass(frozen=True)
class Rename:
    """A field aerich would ask about ("Rename old to new?"), answered no."""

    model: str
    old: str
    new: str


def describe_changes(
    old: dict[str, Describe],
    new: dict[str, Describe],
    dialect: str,
    renames: list[Rename] | None = None,
    skip: tuple[str, ...] = (),
) -> list[Change]:
    """Every change from ``old`` to ``new``, model by model, in a stable order.

    ``skip`` names models left out (aerich's own ``app.Aerich``); ``renames``
    are the prompts aerich asked, reported as possible renames instead of an
    unrelated add and drop.
    """
    old = {k: v for k, v in old.items() if k not in skip and isinstance(v, dict)}
    new = {k: v for k, v in new.items() if k not in skip and isinstance(v, dict)}
    old = {k: v for k, v in old.items() if v.get("managed") is not False}
    new = {k: v for k, v in new.items() if v.get("managed") is not False}
    changes: list[Change] = []
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    # A class renamed while keeping its table: aerich compares the two as one model.
    same_table: dict[str, str] = {}
    for name in added:
        table = new[name].get("table")
        for gone in removed:
            if gone not in same_table.values() and old[gone].get("table") == table:
                same_table[name] = gone
                break
    for name in sorted(old.keys() | new.keys()):  # by model name: stable output
        if name in old and name in new:
            changes += _model_changes(name, old[name], new[name], dialect, renames or [])
        elif name in same_table:
            before = same_table[name]
            changes.append(Change(name, f"model class renamed from {_short(before)}"))
            changes += _model_changes(name, old[before], new[name], dialect, renames or [])
        elif name in new:
            changes.append(_new_model(name, new[name]))
        elif name not in same_table.values():
            table = old[name].get("table", "?")
            changes.append(Change(name, f"model removed (table `{table}` dropped with its data)"))
    return changes


def _short(model: str) -> str:
    return model.split(".", 1)[-1]


def _new_model(name: str, describe: Describe) -> Change:
    fields = [describe.get("pk_field") or {}, *(describe.get("data_fields") or [])]
    raw = _relation_columns(describe)
    columns = [f.get("name") for f in fields if f.get("name") and f.get("name") not in raw]
    columns += [f.get("name") for f in _relations(describe)]
    listed = ", ".join(f"`{c}`" for c in columns)
    return Change(
        name,
        f"new model {_short(name)} (table `{describe.get('table', '?')}`"
        + (f": {listed})" if listed else ")"),
    )


def _relations(describe: Describe) -> list[Describe]:
    return [*(describe.get("fk_fields") or []), *(describe.get("o2o_fields") or [])]


def _relation_columns(describe: Describe) -> set[str]:
    """Data fields that are the column of a foreign key or one-to-one field."""
    return {str(f.get("raw_field")) for f in _relations(describe) if f.get("raw_field")}


def _by_name(fields: list[Describe]) -> dict[str, Describe]:
    return {str(f.get("name")): f for f in fields if isinstance(f, dict) and f.get("name")}


def _model_changes(
    model: str, old: Describe, new: Describe, dialect: str, renames: list[Rename]
) -> list[Change]:
    out: list[str] = []
    if old.get("table") != new.get("table"):
        out.append(f"table renamed from `{old.get('table')}` to `{new.get('table')}`")
    if (old.get("description") or None) != (new.get("description") or None):
        out.append(
            f"table comment changed from {_value(old.get('description'))} to "
            f"{_value(new.get('description'))}"
        )
    out += _pk_changes(old.get("pk_field") or {}, new.get("pk_field") or {}, dialect)
    out += _data_field_changes(model, old, new, dialect, renames)
    out += _relation_changes(old, new)
    out += _m2m_changes(old, new)
    out += _together_changes("unique together", old, new, "unique_together")
    out += _index_changes(old, new)
    return [Change(model, text) for text in out]


def _pk_changes(old: Describe, new: Describe, dialect: str) -> list[str]:
    name = new.get("name") or old.get("name")
    out: list[str] = []
    if old.get("db_column") != new.get("db_column"):
        out.append(
            f"primary key column renamed from `{old.get('db_column')}` to `{new.get('db_column')}`"
        )
    before, after = _type(old, dialect), _type(new, dialect)
    if before != after:
        out.append(f"type of primary key `{name}` changed from {before} to {after}")
    return out


def _data_field_changes(
    model: str, old: Describe, new: Describe, dialect: str, renames: list[Rename]
) -> list[str]:
    # Like aerich, only fields with a column; the columns of relations are told with them.
    old_raw, new_raw = _relation_columns(old), _relation_columns(new)
    old_fields = {
        k: v
        for k, v in _by_name(old.get("data_fields") or []).items()
        if v.get("db_field_types") is not None and k not in old_raw
    }
    new_fields = {
        k: v
        for k, v in _by_name(new.get("data_fields") or []).items()
        if v.get("db_field_types") is not None and k not in new_raw
    }
    out: list[str] = []
    asked = [r for r in renames if r.model == model]
    renamed_old = {r.old for r in asked}
    renamed_new = {r.new for r in asked}
    for name, field in new_fields.items():
        if name not in old_fields and name not in renamed_new:
            out.append(f"field `{name}` added ({_field_summary(field, dialect)})")
    for rename in asked:
        out.append(
            f"possible rename of `{rename.old}` to `{rename.new}`: `aerich migrate` asks "
            f'"Rename {rename.old} to {rename.new}?"; the SQL below is the answer no '
            f"(adds `{rename.new}`, drops `{rename.old}` and its data)"
        )
    for name in old_fields:
        if name not in new_fields and name not in renamed_old:
            out.append(f"field `{name}` removed (column dropped with its data)")
    for name, field in new_fields.items():
        if name in old_fields:
            out += _field_changes(name, old_fields[name], field, dialect)
    return out


def _field_changes(name: str, old: Describe, new: Describe, dialect: str) -> list[str]:
    out: list[str] = []
    if old.get("db_column") != new.get("db_column"):
        out.append(
            f"column of `{name}` renamed from `{old.get('db_column')}` to `{new.get('db_column')}`"
        )
    before, after = _type(old, dialect), _type(new, dialect)
    if old.get("field_type") != new.get("field_type"):
        types = f" ({before} to {after})" if before != after else ""
        out.append(
            f"type of `{name}` changed from {old.get('field_type')} to "
            f"{new.get('field_type')}{types}"
        )
    elif before != after:
        out.append(f"type of `{name}` changed from {before} to {after}")
    if bool(old.get("nullable")) != bool(new.get("nullable")):
        out.append(f"`{name}` is now " + ("nullable" if new.get("nullable") else "NOT NULL"))
    if old.get("default") != new.get("default"):
        out.append(_default_change(name, old.get("default"), new.get("default")))
    if old.get("db_default", _NOT_SET) != new.get("db_default", _NOT_SET):
        out.append(
            f"database default of `{name}` changed from {_db_default(old)} to {_db_default(new)}"
        )
    unique_changed = bool(old.get("unique")) != bool(new.get("unique"))
    if unique_changed:
        out.append(f"`{name}` is now " + ("unique" if new.get("unique") else "no longer unique"))
    if bool(old.get("indexed")) != bool(new.get("indexed")) and not unique_changed:
        out.append(f"index on `{name}` " + ("added" if new.get("indexed") else "removed"))
    if (old.get("description") or None) != (new.get("description") or None):
        out.append(
            f"comment of `{name}` changed from {_value(old.get('description'))} to "
            f"{_value(new.get('description'))}"
        )
    return out


def _default_change(name: str, old: Any, new: Any) -> str:
    if old is None:
        return f"default of `{name}` set to {_value(new)}"
    if new is None:
        return f"default of `{name}` removed (was {_value(old)})"
    return f"default of `{name}` changed from {_value(old)} to {_value(new)}"


def _db_default(field: Describe) -> str:
    value = field.get("db_default", _NOT_SET)
    return "none" if value == _NOT_SET else _value(value)


def _type(field: Describe, dialect: str) -> str:
    types = field.get("db_field_types")
    if not isinstance(types, dict):
        return str(field.get("field_type", "?"))
    return str(types.get(dialect) or types.get("") or field.get("field_type", "?"))


def _value(value: Any) -> str:
    """A default or comment as Python would spell it; functions by name."""
    if isinstance(value, str):
        match = _FUNCTION.match(value)
        if match:
            return f"the function {match.group('name')}"
    if value is None:
        return "none"
    return repr(value)


def _field_summary(field: Describe, dialect: str) -> str:
    parts = [f"{field.get('field_type', '?')} {_type(field, dialect)}"]
    parts.append("NULL" if field.get("nullable") else "NOT NULL")
    if field.get("default") is not None:
        parts.append(f"default {_value(field.get('default'))}")
    elif field.get("db_default", _NOT_SET) != _NOT_SET:
        parts.append(f"database default {_db_default(field)}")
    elif not field.get("nullable") and not field.get("generated"):
        auto = field.get("auto_now") or field.get("auto_now_add")
        parts.append("filled by Tortoise on save" if auto else "no default")
    if field.get("unique"):
        parts.append("unique")
    elif field.get("indexed"):
        parts.append("indexed")
    return ", ".join(parts)


def _relation_changes(old: Describe, new: Describe) -> list[str]:
    out: list[str] = []
    for key, label in (("fk_fields", "foreign key"), ("o2o_fields", "one-to-one")):
        before, after = _by_name(old.get(key) or []), _by_name(new.get(key) or [])
        for name, field in after.items():
            if name not in before:
                null = "NULL" if field.get("nullable") else "NOT NULL"
                out.append(
                    f"{label} `{name}` to {field.get('python_type')} added (column "
                    f"`{field.get('raw_field')}`, {null}, ON DELETE {field.get('on_delete')})"
                )
        for name, field in before.items():
            if name not in after:
                out.append(
                    f"{label} `{name}` to {field.get('python_type')} removed "
                    f"(column `{field.get('raw_field')}` dropped with its data)"
                )
        for name, field in after.items():
            if name not in before:
                continue
            was = before[name]
            if was.get("python_type") != field.get("python_type"):
                out.append(
                    f"{label} `{name}` now points to {field.get('python_type')} "
                    f"(was {was.get('python_type')})"
                )
            if bool(was.get("nullable")) != bool(field.get("nullable")):
                out.append(
                    f"`{name}` is now " + ("nullable" if field.get("nullable") else "NOT NULL")
                )
            if was.get("on_delete") != field.get("on_delete"):
                out.append(
                    f"ON DELETE of `{name}` changed from {was.get('on_delete')} to "
                    f"{field.get('on_delete')} (aerich writes no SQL for this)"
                )
    return out


def _m2m_changes(old: Describe, new: Describe) -> list[str]:
    before, after = _by_name(old.get("m2m_fields") or []), _by_name(new.get("m2m_fields") or [])
    out: list[str] = []
    for name, field in after.items():
        if name not in before:
            out.append(
                f"many-to-many `{name}` to {field.get('model_name') or field.get('python_type')} "
                f"added (table `{field.get('through')}`)"
            )
        elif before[name].get("through") != field.get("through"):
            out.append(
                f"through table of many-to-many `{name}` changed from "
                f"`{before[name].get('through')}` to `{field.get('through')}`"
            )
    for name, field in before.items():
        if name not in after:
            out.append(
                f"many-to-many `{name}` removed (table `{field.get('through')}` dropped with "
                "its data)"
            )
    return out


def _together_changes(label: str, old: Describe, new: Describe, key: str) -> list[str]:
    before = [_columns(x) for x in old.get(key) or []]
    after = [_columns(x) for x in new.get(key) or []]
    out = [f"{label} ({', '.join(c)}) added" for c in after if c not in before]
    out += [f"{label} ({', '.join(c)}) removed" for c in before if c not in after]
    return out


def _columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _index_key(value: Any) -> tuple[str, tuple[str, ...], str]:
    """(name, fields or expressions, type) of any way an index is described."""
    if isinstance(value, dict):
        fields = value.get("fields") or value.get("expressions") or []
        return (str(value.get("name") or ""), _columns(fields), str(value.get("type") or ""))
    return ("", _columns(value), "")


def _index_text(key: tuple[str, tuple[str, ...], str]) -> str:
    name, fields, kind = key
    label = f"{kind} index" if kind else "index"
    if name:
        label += f" `{name}`"
    return f"{label} on ({', '.join(fields)})"


def _index_changes(old: Describe, new: Describe) -> list[str]:
    before = [_index_key(x) for x in old.get("indexes") or []]
    after = [_index_key(x) for x in new.get("indexes") or []]
    out = [f"{_index_text(k)} added" for k in after if k not in before]
    out += [f"{_index_text(k)} removed" for k in before if k not in after]
    return out
