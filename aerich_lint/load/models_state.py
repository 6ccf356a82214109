"""Decode ``MODELS_STATE`` without unpickling anything, within fixed bounds.

Aerich stores the models' description as base64(zlib(json)). Its own reader
also unpickles index entries; a linter must never execute data from a file, so
only base64, zlib and json are used here.

The files come from whoever opened the pull request, so every step is bounded:
a 1 MB zlib bomb would otherwise inflate to gigabytes, and 1 MB of ``[[],[],…]``
would parse into 25 times its size of Python objects. The limits, and why:

- ``MAX_INFLATED`` (16 MiB of JSON): a 300-model app (15 fields each) describes
  itself in 1.9 MB, so 16 MiB leaves room for apps several times that size;
- ``MAX_ENCODED`` (16 MiB of base64 text): zlib shrinks aerich's JSON 10 to 80
  times and base64 grows it by a third, so a real state is far below; this only
  stops decoding a huge string at all;
- ``MAX_VALUES`` (2,000,000 JSON values, counted as commas and opening brackets,
  an upper bound): a real state has one per 18 bytes (900,000 in 16 MiB); with it,
  the parsed state stays under about 200 MB whatever the JSON holds;
- ``MAX_DEPTH`` (32 levels): aerich's own structure is 5 deep (state, model,
  field list, field, constraints); the rest is room for a JSONField's default.
  Deeper JSON would raise RecursionError in json or in code that walks it.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aerich_lint.model import Migration

MiB = 1024 * 1024
MAX_ENCODED = 16 * MiB
MAX_INFLATED = 16 * MiB
MAX_VALUES = 2_000_000
MAX_DEPTH = 32


class ModelsStateError(ValueError):
    pass


def decode_models_state(value: str) -> Any:
    return parse_json(inflate(value))


def inflate(value: object) -> bytes:
    """The JSON bytes of a MODELS_STATE string: base64, then zlib, both bounded."""
    if not isinstance(value, str):
        raise ModelsStateError(f"MODELS_STATE is a {type(value).__name__}, not a string")
    if len(value) > MAX_ENCODED:
        raise ModelsStateError(
            f"MODELS_STATE is longer than {MAX_ENCODED // MiB} MiB of text: "
            "far more than aerich writes"
        )
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=False)
        inflater = zlib.decompressobj()
        # one byte more than allowed: more output than the limit means "too big"
        data = inflater.decompress(raw, MAX_INFLATED + 1)
    except (binascii.Error, UnicodeEncodeError, zlib.error, ValueError) as exc:
        raise ModelsStateError(f"MODELS_STATE is not base64+zlib+json: {exc}") from None
    if len(data) > MAX_INFLATED:
        raise ModelsStateError(
            f"MODELS_STATE inflates to more than {MAX_INFLATED // MiB} MiB: "
            "far more than aerich writes (a zlib bomb?)"
        )
    if not inflater.eof:
        raise ModelsStateError(
            "MODELS_STATE is not base64+zlib+json: incomplete or truncated zlib stream"
        )
    return data


def parse_json(data: bytes, object_hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """json.loads within MAX_VALUES and MAX_DEPTH; ModelsStateError otherwise."""
    values = data.count(b",") + data.count(b"[") + data.count(b"{")
    if values > MAX_VALUES:
        raise ModelsStateError(
            f"MODELS_STATE holds more than {MAX_VALUES:,} JSON values: far more than aerich writes"
        )
    try:
        state = json.loads(data, object_hook=object_hook)
    except RecursionError:
        raise ModelsStateError(_too_deep()) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        if isinstance(exc, ModelsStateError):
            raise
        raise ModelsStateError(f"MODELS_STATE is not base64+zlib+json: {exc}") from None
    if _depth_over(state, MAX_DEPTH):
        raise ModelsStateError(_too_deep())
    return state


def _too_deep() -> str:
    return f"MODELS_STATE nests deeper than {MAX_DEPTH} levels: aerich's is 5 deep"


def _depth_over(state: Any, limit: int) -> bool:
    """Whether lists and dicts nest more than ``limit`` deep; level by level, no
    recursion, so any depth json accepted is measured safely."""
    level = [state] if type(state) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below: list[Any] = []
        for node in level:  # (a list comprehension: twice as fast as a generator)
            items = node.values() if type(node) is dict else node
            below += [v for v in items if type(v) is dict or type(v) is list]
        level = below
    return False


def tables_of(migration: Migration) -> dict[str, set[str]]:
    """described_tables() of a migration's MODELS_STATE, computed once per file."""
    if migration.state_tables is None:
        migration.state_tables = described_tables(decoded(migration))
    return migration.state_tables


def described_models(state: Any) -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """(table, model, its column fields: the primary key and the data fields) of each
    model with a table of its own in a MODELS_STATE (tortoise's describe())."""
    if not isinstance(state, dict):
        return
    for model in state.values():
        if not isinstance(model, dict) or model.get("abstract") or model.get("managed") is False:
            continue
        table = model.get("table")
        if not isinstance(table, str):
            continue
        fields = [
            field
            for field in [model.get("pk_field"), *(model.get("data_fields") or [])]
            if isinstance(field, dict)
            and isinstance(field.get("db_column"), str)
            and field["db_column"]
        ]
        yield table, model, fields


def described_tables(state: Any) -> dict[str, set[str]]:
    """Tables and their columns as a MODELS_STATE (tortoise's describe()) has them."""
    tables: dict[str, set[str]] = {}
    for table, model, fields in described_models(state):
        tables[table] = {field["db_column"] for field in fields}
        for m2m in model.get("m2m_fields") or []:
            if isinstance(m2m, dict) and not m2m.get("_generated") and m2m.get("through"):
                tables.setdefault(m2m["through"], set()).update(
                    c for c in (m2m.get("backward_key"), m2m.get("forward_key")) if c
                )
    return tables


def decoded(migration: Migration) -> Any:
    """The migration's MODELS_STATE decoded (base64 + zlib + json, never pickle), or
    None; the caller must not change it. Decoded on demand: most rules never need
    it, and loading and a rule ask for the same one. Raises ModelsStateError."""
    if migration.models_state_raw is None:
        return None
    return _decoded(migration.models_state_raw)


@lru_cache(maxsize=8)
def _decoded(raw: str) -> Any:
    return decode_models_state(raw)
