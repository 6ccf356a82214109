"""PostgreSQL: everything the code knows about the dialect as such."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from aerich_lint.dialects.base import (
    DialectSpec,
    Engine,
    KnownCommand,
    Marker,
    TortoiseClient,
    generic_type,
)
from aerich_lint.model import Dialect
from aerich_lint.naming import pg_unique_name, pg_unseen_name

# SET forms with a grammar of their own (sqlglot keeps them opaque).
_SET_FORMS = (
    ("TIME", "ZONE"), ("LOCAL", "TIME", "ZONE"), ("SESSION", "TIME", "ZONE"),
    ("ROLE",), ("LOCAL", "ROLE"), ("SESSION", "ROLE"),
    ("SESSION", "AUTHORIZATION"), ("LOCAL", "SESSION", "AUTHORIZATION"),
    ("SESSION", "SESSION", "AUTHORIZATION"), ("CONSTRAINTS",), ("SCHEMA",),
    ("NAMES",), ("XML", "OPTION"),
)  # fmt: skip

KNOWN_COMMANDS: tuple[KnownCommand, ...] = (
    KnownCommand("CREATE EXTENSION", ("CREATE", "EXTENSION")),
    KnownCommand("DROP EXTENSION", ("DROP", "EXTENSION")),
    KnownCommand("ALTER EXTENSION", ("ALTER", "EXTENSION")),
    KnownCommand("ALTER TYPE ADD VALUE", ("ALTER", "TYPE"), ("ADD", "VALUE")),
    KnownCommand("ALTER TYPE", ("ALTER", "TYPE")),
    KnownCommand("VALIDATE CONSTRAINT", ("ALTER", "TABLE"), ("VALIDATE", "CONSTRAINT")),
    KnownCommand("RENAME CONSTRAINT", ("ALTER", "TABLE"), ("RENAME", "CONSTRAINT")),
    # before USING INDEX: REPLICA IDENTITY USING INDEX adds no constraint
    KnownCommand("REPLICA IDENTITY", ("ALTER", "TABLE"), ("REPLICA", "IDENTITY")),
    KnownCommand("ADD CONSTRAINT USING INDEX", ("ALTER", "TABLE"), ("USING", "INDEX")),
    KnownCommand("ENABLE/DISABLE TRIGGER", ("ALTER", "TABLE"), ("TRIGGER",)),
    KnownCommand("ROW LEVEL SECURITY", ("ALTER", "TABLE"), ("ROW", "LEVEL", "SECURITY")),
    KnownCommand("ALTER TABLE OWNER", ("ALTER", "TABLE"), ("OWNER", "TO")),
    KnownCommand("DETACH PARTITION", ("ALTER", "TABLE"), ("DETACH", "PARTITION")),
    KnownCommand("ALTER SEQUENCE", ("ALTER", "SEQUENCE")),
    KnownCommand("CREATE FUNCTION", ("CREATE", "FUNCTION")),
    KnownCommand("CREATE FUNCTION", ("CREATE", "OR", "REPLACE", "FUNCTION")),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "PROCEDURE")),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "OR", "REPLACE", "PROCEDURE")),
    KnownCommand("CREATE POLICY", ("CREATE", "POLICY")),
    KnownCommand("DO", ("DO",)),
    # privileges: nothing the schema replay models (sqlglot parses the simple forms itself)
    KnownCommand("GRANT", ("GRANT",)),
    KnownCommand("REVOKE", ("REVOKE",)),
    KnownCommand("ALTER DEFAULT PRIVILEGES", ("ALTER", "DEFAULT", "PRIVILEGES")),
    KnownCommand("REFRESH MATERIALIZED VIEW", ("REFRESH", "MATERIALIZED", "VIEW")),
    KnownCommand("LOCK TABLE", ("LOCK",)),
    KnownCommand("RESET", ("RESET",)),
    # SET forms sqlglot keeps opaque: a list value (SET search_path TO a, b) and the
    # forms with a grammar of their own; none changes the schema
    *(KnownCommand("SET", ("SET", *form)) for form in _SET_FORMS),
    KnownCommand("SET", ("SET",), ("TO",)),
    KnownCommand("SET", ("SET",), ("=",)),
    KnownCommand("VACUUM", ("VACUUM",)),
    # PostgreSQL refuses these two inside a transaction block (concurrently-in-transaction)
    KnownCommand("REINDEX CONCURRENTLY", ("REINDEX",), ("CONCURRENTLY",)),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "SCHEMA")),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "DATABASE")),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "SYSTEM")),
    KnownCommand("REINDEX", ("REINDEX",)),
    KnownCommand("CLUSTER", ("CLUSTER",)),
    # statements sqlglot keeps opaque (or rejects) that change no table or column the
    # replay follows (checked valid on the server: tests/test_parse_postgres.py)
    *(KnownCommand(f"ALTER TABLE {n}", ("ALTER", "TABLE"), c) for n, c in (
        ("ATTACH PARTITION", ("ATTACH", "PARTITION")), ("CLUSTER ON", ("CLUSTER", "ON")),
        ("RESET", ("RESET", "(")), ("ALTER CONSTRAINT", ("ALTER", "CONSTRAINT")),
        ("SET STATISTICS", ("SET", "STATISTICS")), ("SET STORAGE", ("SET", "STORAGE")),
        ("SET COMPRESSION", ("SET", "COMPRESSION")), ("ADD IDENTITY", ("ADD", "GENERATED")),
        ("DROP IDENTITY", ("DROP", "IDENTITY")),
    )),
    *(KnownCommand(" ".join(p), p) for p in (
        ("CREATE", "DOMAIN"), ("ALTER", "DOMAIN"), ("DROP", "DOMAIN"),
        ("CREATE", "FOREIGN", "TABLE"), ("ALTER", "FOREIGN", "TABLE"),
        ("DROP", "FOREIGN", "TABLE"),
        ("CREATE", "FOREIGN", "DATA", "WRAPPER"), ("CREATE", "SERVER"), ("ALTER", "SERVER"),
        ("DROP", "SERVER"), ("CREATE", "USER", "MAPPING"), ("DROP", "USER", "MAPPING"),
        ("IMPORT", "FOREIGN", "SCHEMA"), ("CREATE", "SCHEMA"),
        ("ALTER", "MATERIALIZED", "VIEW"), ("ALTER", "TRIGGER"), ("SECURITY", "LABEL"),
        ("CREATE", "STATISTICS"), ("ALTER", "STATISTICS"), ("DROP", "STATISTICS"),
        ("CREATE", "COLLATION"), ("ALTER", "COLLATION"), ("DROP", "COLLATION"),
        ("CREATE", "RULE"), ("DROP", "RULE"),
        ("CREATE", "PUBLICATION"), ("ALTER", "PUBLICATION"), ("DROP", "PUBLICATION"),
        ("CREATE", "TEXT", "SEARCH"), ("ALTER", "TEXT", "SEARCH"), ("DROP", "TEXT", "SEARCH"),
        ("ALTER", "FUNCTION"), ("ALTER", "PROCEDURE"), ("ALTER", "ROUTINE"), ("CALL",),
        ("CREATE", "ROLE"), ("ALTER", "ROLE"), ("DROP", "ROLE"), ("CREATE", "USER"),
        ("ALTER", "USER"), ("DROP", "USER"), ("REASSIGN", "OWNED"), ("DROP", "OWNED"),
        ("NOTIFY",), ("START", "TRANSACTION"), ("BEGIN",), ("SAVEPOINT",),
        ("RELEASE",), ("ABORT",),
    )),
    KnownCommand("CREATE RULE", ("CREATE", "OR", "REPLACE", "RULE")),
    # renames every table of the schema, which the replay does not follow
    KnownCommand("ALTER SCHEMA RENAME", ("ALTER", "SCHEMA"), ("RENAME",)),
    KnownCommand("ALTER SCHEMA", ("ALTER", "SCHEMA")),
)  # fmt: skip


_LABELS = {"PRIMARY KEY": "pkey", "UNIQUE": "key", "FOREIGN KEY": "fkey"}


def _constraint_name(
    table: str,
    kind: str,
    columns: tuple[str, ...],
    taken: Callable[[str], bool],
    constraints: Collection[str],
) -> str | None:
    """``<table>_<columns>_fkey`` / ``_key`` / ``_pkey``, cut to 63 bytes, numbered past
    the names taken; None for a CHECK (its name depends on its expression) or when the
    columns are unknown."""
    label = _LABELS.get(kind)
    if label is None or (not columns and kind != "PRIMARY KEY"):
        return None
    return pg_unique_name(table, () if kind == "PRIMARY KEY" else columns, label, taken)


def _server_names_seen(name: str, kind: str) -> bool:
    # all but the names of an inline CHECK, an EXCLUDE, PostgreSQL 18's NOT NULL
    return not pg_unseen_name(name)


_SERIALS = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}


def _column_type_key(text: str) -> str | None:
    """sqlglot's spelling of the type; a serial is its integer (the catalog says
    ``integer`` with a sequence default) and 6 is the default time precision."""
    key = generic_type(text, "postgres")
    if key is None:
        return None
    key = _SERIALS.get(key, key)
    return re.sub(r"^(TIMESTAMPTZ|TIMESTAMP|TIMETZ|TIME)\(6\)", r"\1", key)


SPEC = DialectSpec(
    dialect=Dialect.POSTGRES,
    display_name="PostgreSQL",
    sqlglot_name="postgres",
    url_schemes=("postgres", "postgresql", "asyncpg", "psycopg"),
    tortoise_clients=(
        TortoiseClient("tortoise.backends.asyncpg", "AsyncpgDBClient", "AsyncpgSchemaGenerator"),
        TortoiseClient("tortoise.backends.psycopg", "PsycopgClient", "PsycopgSchemaGenerator"),
    ),
    tortoise_capabilities=(("can_rollback_ddl", True), ("support_returning", True)),
    extra="postgres",
    example_url="postgres://USER@HOST:5432/postgres",
    markers=(
        Marker(re.compile(r"\b(?:BIG|SMALL)?SERIAL\b", re.I), "SERIAL"),
        Marker(re.compile(r"\bTIMESTAMPTZ\b", re.I), "TIMESTAMPTZ"),
        Marker(re.compile(r"\bJSONB\b", re.I), "JSONB"),
        Marker(re.compile(r"\w::\w"), ":: casts"),
    ),
    marker_rank=1,
    engines=(Engine("postgres", (13,), aliases=("postgresql", "pg")),),
    version_query="SELECT current_setting('server_version') AS v",
    known_commands=KNOWN_COMMANDS,
    compound_kinds=frozenset(),
    identifier_quote='"',
    indexes_per_table=False,
    unique_column_index=None,
    constraint_name=_constraint_name,
    constraint_indexes_share_name=True,
    inline_references_uncertain=False,
    server_names_seen=_server_names_seen,
    serverless=False,
    introspection="aerich_lint.verify.introspect:_postgres",
    # reltuples is -1 before the first VACUUM or ANALYZE: not known
    table_stats=(
        "SELECT c.relname AS tbl, CASE WHEN c.reltuples < 0 THEN NULL "
        "ELSE c.reltuples::bigint END AS rows, pg_total_relation_size(c.oid) AS bytes "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
    ),
    read_only_session=(
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SET statement_timeout = '30s'",
        "SET lock_timeout = '2s'",
        "BEGIN TRANSACTION READ ONLY",
    ),
    column_type_key=_column_type_key,
)
