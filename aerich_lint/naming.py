"""The names aerich gives: its own table, and the indexes it creates (so the replay can
tell an index aerich made, which the history would have seen, from one the database
named)."""

from __future__ import annotations

import re

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
