"""Decode ``MODELS_STATE`` without unpickling anything.

Aerich stores the models' description as base64(zlib(json)). Its own reader
also unpickles index entries; a linter must never execute data from a file, so
only base64, zlib and json are used here.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import TYPE_CHECKING, Any

from aerich_lint.model import STATE_TABLES

if TYPE_CHECKING:
    from aerich_lint.model import Migration


class ModelsStateError(ValueError):
    pass


def decode_models_state(value: str) -> Any:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=False)
        data = zlib.decompress(raw)
        return json.loads(data)
    except (binascii.Error, UnicodeEncodeError, zlib.error, ValueError) as exc:
        raise ModelsStateError(f"MODELS_STATE is not base64+zlib+json: {exc}") from None


def tables_of(migration: Migration) -> dict[str, set[str]]:
    """described_tables() of a migration's MODELS_STATE, computed once per file."""
    if STATE_TABLES not in migration.memo:
        migration.memo[STATE_TABLES] = described_tables(migration.models_state())
    found: dict[str, set[str]] = migration.memo[STATE_TABLES]
    return found


def described_tables(state: Any) -> dict[str, set[str]]:
    """Tables and their columns as a MODELS_STATE (tortoise's describe()) has them."""
    tables: dict[str, set[str]] = {}
    if not isinstance(state, dict):
        return tables
    for model in state.values():
        if not isinstance(model, dict) or model.get("abstract") or model.get("managed") is False:
            continue
        table = model.get("table")
        if not isinstance(table, str):
            continue
        columns = set()
        for key in ("pk_field",):
            field = model.get(key)
            if isinstance(field, dict) and field.get("db_column"):
                columns.add(field["db_column"])
        for field in model.get("data_fields") or []:
            if isinstance(field, dict) and field.get("db_column"):
                columns.add(field["db_column"])
        tables[table] = columns
        for m2m in model.get("m2m_fields") or []:
            if isinstance(m2m, dict) and not m2m.get("_generated") and m2m.get("through"):
                tables.setdefault(m2m["through"], set()).update(
                    c for c in (m2m.get("backward_key"), m2m.get("forward_key")) if c
                )
    return tables
