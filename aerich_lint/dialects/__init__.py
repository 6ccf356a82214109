"""Everything the code knows about a dialect, one module per dialect.

``spec(dialect)`` is that dialect's ``DialectSpec`` (``base.py`` says what every
dialect must tell); ``SPECS`` holds them in the order of the ``Dialect`` enum.
Adding a dialect means adding its module here (and its member to ``Dialect``).
Plain data only: importing this package loads neither sqlglot, pglast, tortoise
nor asyncio.
"""

from __future__ import annotations

from aerich_lint.dialects import mysql, postgres, sqlite
from aerich_lint.dialects.base import DialectSpec, Engine, KnownCommand, Marker
from aerich_lint.model import Dialect

__all__ = ["SPECS", "DialectSpec", "Engine", "KnownCommand", "Marker", "spec"]

_ALL = {s.dialect: s for s in (postgres.SPEC, mysql.SPEC, sqlite.SPEC)}
SPECS: tuple[DialectSpec, ...] = tuple(_ALL[d] for d in Dialect)


def spec(dialect: Dialect) -> DialectSpec:
    return _ALL[dialect]
