"""Values between verify and its sandboxed child, as JSON.

Query parameters go from the child to verify, rows come back. What the drivers give
for the usual column types is given back as the same Python type: ``datetime``,
``date``, ``time``, ``timedelta``, ``Decimal``, ``UUID`` and ``bytes`` travel tagged,
JSON's own types (None, bool, int, float, str, lists, dicts with string keys) as
they are; tuples and sets become lists. Anything else (asyncpg's ranges, points,
network addresses, ...) arrives as its ``str()``. Plain standard library: the child
imports it.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import uuid
from collections.abc import Mapping
from typing import Any

TAG = "$aerich_lint"


def encode(value: Any) -> Any:
    """A JSON value for ``value``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, datetime.date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, datetime.time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, decimal.Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {TAG: "uuid", "v": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode(v) for v in value]
    return str(value)


_DECODERS: dict[str, Any] = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "timedelta": lambda v: datetime.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "bytes": lambda v: base64.b64decode(v),
    "dict": lambda v: {decode(k): decode(x) for k, x in v},
}


def decode(value: Any) -> Any:
    """The Python value ``encode`` was given (see the module's docstring)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        kind = value.get(TAG)
        if isinstance(kind, str) and kind in _DECODERS and "v" in value:
            try:
                return _DECODERS[kind](value["v"])
            except (ValueError, TypeError, ArithmeticError):
                return value["v"]
        return {k: decode(v) for k, v in value.items()}
    return value


def rows(found: Any) -> dict[str, Any]:
    """Rows as the drivers return them (asyncpg records, dicts, sqlite3 rows): their
    column names, in order, and their values by position."""
    out: list[list[Any]] = []
    columns: list[str] = []
    for row in found or ():
        if isinstance(row, dict):
            names, values = list(row.keys()), list(row.values())
        elif hasattr(row, "keys"):
            names = [str(k) for k in row.keys()]  # noqa: SIM118 (a record iterates its values)
            values = [row[i] for i in range(len(names))]
        else:
            names, values = [], list(row)
        if not columns:
            columns = [str(n) for n in names]
        out.append([encode(v) for v in values])
    return {"columns": columns, "rows": out}
