"""SQLite: everything the code knows about the dialect as such."""

from __future__ import annotations

import re

from aerich_lint.dialects.base import (
    DialectSpec,
    Engine,
    KnownCommand,
    Marker,
    TortoiseClient,
    generic_type,
)
from aerich_lint.model import Dialect

KNOWN_COMMANDS: tuple[KnownCommand, ...] = (
    KnownCommand("CREATE TRIGGER", ("CREATE", "TRIGGER")),
    KnownCommand("CREATE TRIGGER", ("CREATE", "TEMP", "TRIGGER")),
    KnownCommand("CREATE TRIGGER", ("CREATE", "TEMPORARY", "TRIGGER")),
    KnownCommand("VACUUM", ("VACUUM",)),
    KnownCommand("REINDEX", ("REINDEX",)),
    # MySQL's column redefinitions, which SQLite does not have: named so that
    # sqlite-unsupported-alter can report them as the errors they are
    KnownCommand("ALTER TABLE MODIFY", ("ALTER", "TABLE"), ("MODIFY",)),
    KnownCommand("ALTER TABLE CHANGE", ("ALTER", "TABLE"), ("CHANGE",)),
)


def _unique_column_index(table: str, column: str) -> str:
    # sqlite_autoindex_<table>_<n>, one namespace for the whole schema: keyed by table,
    # so that two tables' UNIQUE "email" columns stay two indexes
    return f"sqlite_autoindex_{table}_{column}"


def _no_name(*args: object) -> str | None:
    return None  # the replay does not follow the names SQLite gives constraints


def _server_names_seen(name: str, kind: str) -> bool:
    return False


def _column_type_key(text: str) -> str | None:
    """SQLite keeps the declared type's text as written (``integer``): read it as the
    replay reads the migration's (``INT``)."""
    return generic_type(text, "sqlite")


SPEC = DialectSpec(
    dialect=Dialect.SQLITE,
    display_name="SQLite",
    sqlglot_name="sqlite",
    url_schemes=("sqlite",),
    tortoise_clients=(
        TortoiseClient("tortoise.backends.sqlite", "SqliteClient", "SqliteSchemaGenerator"),
    ),
    tortoise_capabilities=(("daemon", False), ("requires_limit", True), ("inline_comment", True)),
    extra="sqlite",
    example_url="sqlite://:memory:",
    markers=(Marker(re.compile(r"\bAUTOINCREMENT\b", re.I), "AUTOINCREMENT"),),
    marker_rank=2,
    engines=(Engine("sqlite", (3, 35)),),
    version_query="SELECT sqlite_version() AS v",
    known_commands=KNOWN_COMMANDS,
    compound_kinds=frozenset({"TRIGGER"}),
    identifier_quote='"',
    indexes_per_table=False,
    unique_column_index=_unique_column_index,
    constraint_name=_no_name,
    constraint_indexes_share_name=False,
    inline_references_uncertain=False,
    server_names_seen=_server_names_seen,
    serverless=True,
    introspection="aerich_lint.verify.introspect:_sqlite",
    # no catalog of sizes (dbstat is a compile-time option): status counts the rows
    table_stats="SELECT name AS tbl, NULL AS rows, NULL AS bytes FROM sqlite_master "
    "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    # the file is opened read-only (mode=ro); query_only refuses writes on top
    read_only_session=("PRAGMA query_only = ON", "BEGIN"),
    column_type_key=_column_type_key,
)
