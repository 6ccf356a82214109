"""MySQL (and MariaDB, which runs the same migrations): everything the code knows
about the dialect as such."""

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
from aerich_lint.naming import mysql_fk_name

KNOWN_COMMANDS: tuple[KnownCommand, ...] = (
    KnownCommand("CREATE FUNCTION", ("CREATE", "FUNCTION")),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "PROCEDURE")),
    KnownCommand("CREATE TRIGGER", ("CREATE", "TRIGGER")),
    KnownCommand("CREATE TRIGGER", ("CREATE", "OR", "REPLACE", "TRIGGER")),
    KnownCommand("CREATE EVENT", ("CREATE", "EVENT")),
    # CREATE DEFINER = `user`@`host` TRIGGER | PROCEDURE | FUNCTION | EVENT ...
    KnownCommand("CREATE TRIGGER", ("CREATE", "DEFINER"), ("TRIGGER",)),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "DEFINER"), ("PROCEDURE",)),
    KnownCommand("CREATE FUNCTION", ("CREATE", "DEFINER"), ("FUNCTION",)),
    KnownCommand("CREATE EVENT", ("CREATE", "DEFINER"), ("EVENT",)),
    # privileges: nothing the schema replay models (sqlglot parses the simple forms itself)
    KnownCommand("GRANT", ("GRANT",)),
    KnownCommand("REVOKE", ("REVOKE",)),
    KnownCommand("LOCK TABLE", ("LOCK",)),
    KnownCommand("RENAME TABLE", ("RENAME", "TABLE")),
    KnownCommand("OPTIMIZE TABLE", ("OPTIMIZE", "TABLE")),
    KnownCommand("CONVERT TO CHARACTER SET", ("ALTER", "TABLE"), ("CONVERT", "TO")),
    KnownCommand("CREATE INDEX", ("CREATE", "INDEX")),
    KnownCommand("CREATE INDEX", ("CREATE", "UNIQUE", "INDEX")),
    KnownCommand("CREATE INDEX", ("CREATE", "FULLTEXT", "INDEX")),
)


def _unique_column_index(table: str, column: str) -> str:
    return column  # MySQL names indexes per table (indexes_per_table)


def _constraint_name(
    table: str,
    kind: str,
    columns: tuple[str, ...],
    taken: Callable[[str], bool],
    constraints: Collection[str],
) -> str | None:
    """InnoDB names a FOREIGN KEY ``<table>_ibfk_N``; the other kinds are indexes."""
    return mysql_fk_name(table, set(constraints)) if kind == "FOREIGN KEY" else None


def _server_names_seen(name: str, kind: str) -> bool:
    return kind == "FOREIGN KEY"


_INT_WIDTH = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|BIGINT)\(\d+\)")


def _column_type_key(text: str) -> str | None:
    """sqlglot's spelling of the type, without the display width of integers (MySQL
    5.7 and MariaDB print ``int(11)``); BOOL is TINYINT(1) and MariaDB's JSON a
    LONGTEXT, as the catalog reports them."""
    key = generic_type(text, "mysql")
    if key is None:
        return None
    key = _INT_WIDTH.sub(r"\1", key)
    return _SAME.get(key, key)


# The replay keeps TEXT for every text type (and BLOB for the blobs): compare families.
_SAME = {
    "BOOLEAN": "TINYINT",
    "JSON": "TEXT",
    **{f"{size}TEXT": "TEXT" for size in ("TINY", "MEDIUM", "LONG")},
    **{f"{size}BLOB": "BLOB" for size in ("TINY", "MEDIUM", "LONG")},
}


SPEC = DialectSpec(
    dialect=Dialect.MYSQL,
    display_name="MySQL",
    sqlglot_name="mysql",
    url_schemes=("mysql", "mariadb", "asyncmy", "aiomysql"),
    tortoise_clients=(
        TortoiseClient("tortoise.backends.mysql", "MySQLClient", "MySQLSchemaGenerator"),
    ),
    tortoise_capabilities=(("requires_limit", True), ("inline_comment", True)),
    extra="mysql",
    example_url="mysql://USER:PASSWORD@HOST:3306/mysql",
    markers=(
        Marker(re.compile(r"`\w+`"), "backtick-quoted names"),
        Marker(re.compile(r"\bAUTO_INCREMENT\b", re.I), "AUTO_INCREMENT"),
        Marker(re.compile(r"\bCHARACTER SET\b", re.I), "CHARACTER SET"),
        Marker(re.compile(r"\bENGINE\s*=", re.I), "ENGINE="),
    ),
    marker_rank=0,
    # MySQL-dialect apps run on MySQL unless a MariaDB target is given
    engines=(Engine("mysql", (8, 0)), Engine("mariadb", (10, 11))),
    version_query="SELECT VERSION() AS v",
    known_commands=KNOWN_COMMANDS,
    compound_kinds=frozenset({"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"}),
    identifier_quote="`",
    indexes_per_table=True,
    unique_column_index=_unique_column_index,
    constraint_name=_constraint_name,
    constraint_indexes_share_name=False,
    inline_references_uncertain=True,
    server_names_seen=_server_names_seen,
    serverless=False,
    introspection="aerich_lint.verify.introspect:_mysql",
    # InnoDB's TABLE_ROWS is an estimate (the optimizer's)
    table_stats=(
        "SELECT TABLE_NAME AS tbl, TABLE_ROWS AS `rows`, DATA_LENGTH + INDEX_LENGTH AS bytes "
        "FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
    ),
    # (MariaDB bounds statements with max_statement_time, MySQL SELECTs with
    # max_execution_time: the driver's read timeout bounds both)
    read_only_session=(
        "SET SESSION TRANSACTION READ ONLY",
        "SET SESSION innodb_lock_wait_timeout = 2",
        "START TRANSACTION READ ONLY",
    ),
    column_type_key=_column_type_key,
)
