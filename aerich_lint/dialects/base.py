"""What every dialect must say about itself: the fields of ``DialectSpec``.

Plain data (and a few pure functions), importable without sqlglot, pglast, tortoise
or asyncio: the plain lint reads it. Heavy things are named, not imported
(``introspection`` is a ``module:function`` path verify imports itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from aerich_lint.model import Dialect


class KnownCommand(NamedTuple):
    """A valid statement sqlglot keeps opaque (or rejects): the words it starts with
    and, optionally, words it contains anywhere after them."""

    name: str
    prefix: tuple[str, ...]
    contains: tuple[str, ...] = ()


class Marker(NamedTuple):
    """Evidence of the dialect in generated SQL."""

    pattern: re.Pattern[str]
    label: str  # what to call it in the reason ("backtick-quoted names")


class Engine(NamedTuple):
    """A server the dialect's migrations run on, as ``--target-version`` names it."""

    name: str  # postgres, mysql, mariadb, sqlite: ``ENGINE:VERSION``
    default: tuple[int, ...]  # the version assumed when none is configured
    aliases: tuple[str, ...] = ()  # other spellings of ENGINE (postgresql, pg)


class TortoiseClient(NamedTuple):
    """One of tortoise's client classes for the dialect."""

    module: str  # tortoise.backends.asyncpg
    client_class: str  # AsyncpgDBClient
    schema_generator: str  # AsyncpgSchemaGenerator


def generic_type(text: str, sqlglot_name: str) -> str | None:
    """A column type read in the dialect and written in sqlglot's own spelling, as
    the replay keeps types (``parse.facts.type_text``); None when sqlglot cannot read
    it. sqlglot is imported on first use: only status compares types."""
    from sqlglot import exp

    try:
        kind = exp.DataType.build(text, dialect=sqlglot_name)
    except Exception:
        return None
    return str(_generator().generate(kind, copy=False)).upper()


@cache
def _generator() -> Any:
    from sqlglot.generator import Generator

    return Generator()


@dataclass(frozen=True, eq=False)
class DialectSpec:
    dialect: Dialect
    display_name: str  # PostgreSQL, MySQL, SQLite
    sqlglot_name: str  # sqlglot's name for the dialect (Dialect.get_or_raise)
    # URL schemes (``scheme://``, ``scheme+driver://``) that mean this dialect
    url_schemes: tuple[str, ...]
    # tortoise's client classes for it (what migrations see: ``isinstance(db, ...)``)
    tortoise_clients: tuple[TortoiseClient, ...]
    # ``db.capabilities`` of those clients that migrations may read
    tortoise_capabilities: tuple[tuple[str, bool], ...]
    extra: str  # the pip extra holding its driver: aerich-lint[<extra>]
    example_url: str  # what --database-url looks like for it
    markers: tuple[Marker, ...]  # infer the dialect from SQL
    # ties between dialects with as many markers found go to the lowest rank
    marker_rank: int
    # the servers it runs on, the default first; a configured later one (MariaDB)
    # is preferred to the default one (MySQL)
    engines: tuple[Engine, ...]
    version_query: str  # the server's version, one row, column ``v``
    # statements sqlglot keeps opaque that are valid in the dialect, first match wins
    known_commands: tuple[KnownCommand, ...]
    # statements whose body may hold semicolons, by the word that names them
    compound_kinds: frozenset[str]
    identifier_quote: str  # " or `
    # -- the names the server gives (aerich_lint/naming.py computes them) --
    # index names are per table (MySQL) rather than per schema
    indexes_per_table: bool
    # the name the server gives the index of an inline UNIQUE column (table, column);
    # None: an inline UNIQUE is a constraint, named by constraint_name (PostgreSQL)
    unique_column_index: Callable[[str, str], str] | None
    # the name the server gives a constraint the statement does not name: (table,
    # kind, columns, taken(name), the table's constraint names) -> name, or None when
    # the server names none or the name cannot be known
    constraint_name: Callable[
        [str, str, tuple[str, ...], Callable[[str], bool], Collection[str]], str | None
    ]
    # a UNIQUE / PRIMARY KEY constraint's index has the constraint's name (PostgreSQL)
    constraint_indexes_share_name: bool
    # whether an inline REFERENCES makes a foreign key depends on the server (MySQL
    # 8.0 ignores it, MariaDB 10.5+ does not): its name is not known
    inline_references_uncertain: bool
    # (name, kind) of a constraint a complete history never gave: can the replay be
    # sure the server did not name it so either?
    server_names_seen: Callable[[str, str], bool]
    # the database is a file the client opens (SQLite): no server, so verify creates,
    # marks and drops no scratch database on one
    serverless: bool
    # ``module:function`` verify's catalog snapshot runs (``async (client) -> Schema``)
    introspection: str
    # -- what `aerich-lint status` reads of a live database (read-only) --
    # each table's estimated rows and bytes from the catalog: columns tbl, rows, bytes
    # (rows or bytes NULL when the catalog does not know)
    table_stats: str
    # statements after connecting that make the whole session read-only and bound
    # every query's time (status never writes; a slow catalog must not hang CI)
    read_only_session: tuple[str, ...]
    # a column type as the catalog and as a migration write it, made comparable
    # (``VARCHAR(200)`` and ``character varying(200)`` give the same key); None when
    # the type cannot be read, so nothing is claimed about it
    column_type_key: Callable[[str], str | None]

    @property
    def tortoise_backends(self) -> tuple[str, ...]:
        """The backends' names, ``tortoise.backends.<name>``: they mean the dialect too."""
        return tuple(c.module.rsplit(".", 1)[-1] for c in self.tortoise_clients)

    @property
    def default_engine(self) -> Engine:
        return self.engines[0]

    def quote(self, name: str) -> str:
        """``name`` quoted, embedded quote characters doubled."""
        q = self.identifier_quote
        return q + name.replace(q, q + q) + q
