"""The names aerich gives: its own table, and the indexes it creates (so the replay can
tell an index aerich made, which the history would have seen, from one the database
named)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

AERICH_TABLE = "aerich"  # aerich's own bookkeeping table; only an init creates it

# idx_ (index) or uid_ (unique index) + table + columns, cut short, + a 6-digit hash
AERICH_INDEX = re.compile(r"^(?P<kind>idx|uid)_(?P<rest>\w+_[0-9a-f]{6})$")


def is_aerich_index(name: str) -> bool:
    return AERICH_INDEX.match(name) is not None


def twin_index(name: str) -> str | None:
    """The same index under aerich's other prefix: aerich's rollback of a unique index
    drops ``idx_<...>`` where the upgrade created ``uid_<...>``."""
    match = AERICH_INDEX.match(name)
    if match is None:
        return None
    other = "uid" if match.group("kind") == "idx" else "idx"
    return f"{other}_{match.group('rest')}"


# -- the names tortoise (and so aerich) computes ------------------------------------------


def _tortoise_hash(*parts: str, length: int) -> str:
    return hashlib.sha256(";".join(parts).encode("utf-8")).hexdigest()[:length]


def aerich_index_name(prefix: str, table: str, columns: tuple[str, ...]) -> str:
    """The name tortoise gives an index (``idx``) or unique index (``uid``) of ``columns``:
    the table cut to 11 characters, the first column to 7, and a hash of all of them."""
    if not columns:
        return ""
    hashed = _tortoise_hash(table, *columns, length=6)
    return f"{prefix}_{table[:11]}_{columns[0][:7]}_{hashed}"


def aerich_fk_name(table: str, column: str, to_table: str, to_column: str) -> str:
    """The name tortoise gives the foreign key ``table.column`` -> ``to_table.to_column``."""
    hashed = _tortoise_hash(table, column, to_table, to_column, length=8)
    return f"fk_{table[:8]}_{to_table[:8]}_{hashed}"


# -- the names the database gives -----------------------------------------------------

PG_NAME_MAX = 63  # NAMEDATALEN - 1: PostgreSQL cuts identifiers to 63 bytes


def _clip(text: str, size: int) -> str:
    """The longest prefix of ``text`` of at most ``size`` UTF-8 bytes, whole characters."""
    out = text.encode("utf-8")[: max(size, 0)]
    return out.decode("utf-8", errors="ignore")


def pg_object_name(table: str, columns: tuple[str, ...], label: str) -> str:
    """The name PostgreSQL chooses for a constraint (or its index) the statement does not
    name: ``<table>_<columns>_<label>``, the longer of the table and the column part
    shortened first until the whole fits in 63 bytes (PostgreSQL's makeObjectName)."""
    name2 = _column_part(columns)
    len1, len2 = len(table.encode("utf-8")), len(name2.encode("utf-8"))
    overhead = len(label) + 1 + (1 if name2 else 0)
    room = PG_NAME_MAX - overhead
    while len1 + len2 > room:
        if len1 > len2:
            len1 -= 1
        else:
            len2 -= 1
    parts = [_clip(table, len1)] + ([_clip(name2, len2)] if name2 else []) + [label]
    return "_".join(parts)


def _column_part(columns: tuple[str, ...]) -> str:
    """The columns joined by ``_``, stopping once the text is already too long to use
    (PostgreSQL's ChooseIndexNameAddition)."""
    out = ""
    for column in columns:
        if out:
            out += "_"
        out += column
        if len(out.encode("utf-8")) >= PG_NAME_MAX:
            break
    return out


def pg_unique_name(
    table: str, columns: tuple[str, ...], label: str, taken: Callable[[str], bool]
) -> str:
    """``pg_object_name``, numbered (``key1``, ``key2`` ...) past the names already taken."""
    name = pg_object_name(table, columns, label)
    number = 0
    while taken(name) and number < 1000:
        number += 1
        name = pg_object_name(table, columns, f"{label}{number}")
    return name


# The labels of the names PostgreSQL gives constraints that the replay cannot always see
# (a column's inline CHECK, an EXCLUDE, PostgreSQL 18's named NOT NULL constraints).
_PG_UNSEEN = re.compile(r"_(check|excl|not_null)\d*$")


def pg_unseen_name(name: str) -> bool:
    return _PG_UNSEEN.search(name) is not None


def mysql_fk_name(table: str, taken: set[str]) -> str:
    """The name InnoDB gives a FOREIGN KEY the statement does not name: ``<table>_ibfk_N``,
    N one more than the highest such number the table has."""
    numbers = [0]
    prefix = f"{table}_ibfk_".lower()
    for name in taken:
        low = name.lower()
        if low.startswith(prefix) and low[len(prefix) :].isdigit():
            numbers.append(int(low[len(prefix) :]))
    return f"{table}_ibfk_{max(numbers) + 1}"
