"""Synthetic rows, so that migrations meet tables that hold data.

A migration that adds a NOT NULL column without a default, makes a column NOT
NULL, or adds a unique index passes on empty tables and fails in production.
verify therefore puts one row into every empty table after each upgrade: NOT
NULL columns get a plain value of their type, nullable ones stay NULL (what
``SET NOT NULL`` trips over in production), NOT NULL foreign keys point at a
row of the referenced table (filled first). ``clear_rows`` empties everything
again, to tell "fails on data" from "fails anyway".
"""

from __future__ import annotations

import re
from typing import Any

from aerich_lint.model import Dialect
from aerich_lint.verify.execute import database_error
from aerich_lint.verify.introspect import Column, ForeignKey, Schema, Table, literal, quote

UUID = "00000000-0000-4000-8000-000000000001"


async def fill_empty_tables(client: Any, engine: Dialect, schema: Schema) -> list[str]:
    """One row into every table of ``schema`` that has none; one line per table
    that refused it (each insert is its own statement, so one failure spoils
    nothing else). Tables that have rows are left alone."""
    empty = {name for name, table in schema.tables.items() if table.rows == 0}
    if not empty:
        return []
    user_types = await _pg_user_types(client) if engine is Dialect.POSTGRES else {}
    problems: list[str] = []
    for name in _fill_order(schema, empty):
        sql = insert_sql(engine, schema.tables[name], schema, user_types)
        try:
            await client.execute_script(sql)
        except Exception as exc:
            text = database_error(exc)
            if engine is Dialect.MYSQL:
                # "failed for `aerich_lint_1f2e...`.`t`": the scratch database's name
                # changes on a rebuild; the same problem should read the same.
                rows = await client.execute_query_dict("SELECT DATABASE() AS db")
                if rows and rows[0]["db"]:
                    text = text.replace(f"`{rows[0]['db']}`.", "")
            problems.append(f'could not add a row to "{name}": {text}')
    return problems


async def clear_rows(client: Any, engine: Dialect, schema: Schema) -> None:
    """Delete every row of every table of ``schema``, whatever the foreign keys
    between them (cycles and self-references included)."""
    names = sorted(schema.tables)
    if not names:
        return
    if engine is Dialect.POSTGRES:
        await client.execute_script(
            f"TRUNCATE {', '.join(quote(engine, n) for n in names)} CASCADE"
        )
    elif engine is Dialect.MYSQL:
        # FOREIGN_KEY_CHECKS is per connection: a transaction keeps every statement
        # on one pooled connection, and the setting is put back on that one.
        async with client._in_transaction() as conn:
            rows = await conn.execute_query_dict("SELECT @@FOREIGN_KEY_CHECKS AS v")
            previous = int(rows[0]["v"]) if rows else 1
            await conn.execute_script("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for name in _children_first(schema):
                    await conn.execute_script(f"DELETE FROM {quote(engine, name)}")
            finally:
                await conn.execute_script(f"SET FOREIGN_KEY_CHECKS = {previous}")
    else:
        # PRAGMA foreign_keys is ignored inside a transaction: children go first
        # anyway, which is all that is needed without cycles.
        rows = await client.execute_query_dict("PRAGMA foreign_keys")
        previous = int(next(iter(rows[0].values()))) if rows else 1
        await client.execute_script("PRAGMA foreign_keys = OFF")
        try:
            for name in _children_first(schema):
                await client.execute_script(f"DELETE FROM {quote(engine, name)}")
        finally:
            await client.execute_script(f"PRAGMA foreign_keys = {'ON' if previous else 'OFF'}")


# --- order ------------------------------------------------------------------------------


def _required(table: Table, fk: ForeignKey) -> bool:
    """Whether the synthetic row gives ``fk`` a value (so the parent needs a row)."""
    return any(_needs_value(table.columns[c]) for c in fk.columns if c in table.columns)


def _needs_value(column: Column) -> bool:
    return not column.nullable and column.default is None and not column.auto


def _fill_order(schema: Schema, names: set[str]) -> list[str]:
    """Parents before children over the NOT NULL foreign keys; a cycle is broken
    at its first table by name (its insert is tried anyway)."""
    deps: dict[str, set[str]] = {}
    for name in names:
        table = schema.tables[name]
        deps[name] = {
            fk.ref_table
            for fk in table.foreign_keys
            if fk.ref_table != name and fk.ref_table in names and _required(table, fk)
        }
    order: list[str] = []
    remaining = dict(deps)
    while remaining:
        ready = sorted(n for n, d in remaining.items() if not d & remaining.keys())
        for name in ready or [min(remaining)]:
            order.append(name)
            del remaining[name]
    return order


def _children_first(schema: Schema) -> list[str]:
    deps = {
        name: {fk.ref_table for fk in t.foreign_keys if fk.ref_table in schema.tables}
        for name, t in schema.tables.items()
    }
    parents_first: list[str] = []
    remaining = dict(deps)
    while remaining:
        ready = sorted(n for n, d in remaining.items() if not (d - {n}) & remaining.keys())
        for name in ready or [min(remaining)]:
            parents_first.append(name)
            del remaining[name]
    return parents_first[::-1]


# --- the INSERT -------------------------------------------------------------------------


def insert_sql(
    engine: Dialect, table: Table, schema: Schema, user_types: dict[str, tuple[str, str]]
) -> str:
    """The INSERT of ``table``'s synthetic row: a value for each NOT NULL column
    the database does not fill itself."""
    names: list[str] = []
    values: list[str] = []
    for name, column in table.columns.items():
        if not _needs_value(column):
            continue
        names.append(quote(engine, name))
        fk = next((fk for fk in table.foreign_keys if name in fk.columns), None)
        if fk is not None:
            values.append(_reference(engine, table, fk, name, schema))
        else:
            values.append(value_for(engine, column.type, name, table, user_types))
    target = quote(engine, table.name)
    if not names:
        if engine is Dialect.MYSQL:
            return f"INSERT INTO {target} () VALUES ()"
        return f"INSERT INTO {target} DEFAULT VALUES"
    return f"INSERT INTO {target} ({', '.join(names)}) VALUES ({', '.join(values)})"


def _reference(engine: Dialect, table: Table, fk: ForeignKey, name: str, schema: Schema) -> str:
    """A scalar subquery for an existing row of the referenced table."""
    ref_col = quote(engine, fk.ref_columns[fk.columns.index(name)])
    if fk.ref_table in schema.tables or "." not in fk.ref_table:
        ref = quote(engine, fk.ref_table)
    else:  # another schema / database
        ref = ".".join(quote(engine, part) for part in fk.ref_table.split(".", 1))
    if engine is Dialect.MYSQL and fk.ref_table == table.name:
        # MySQL refuses a subquery on the INSERT's own table (error 1093) but not
        # on a derived table of it.
        return f"(SELECT {ref_col} FROM (SELECT {ref_col} FROM {ref} LIMIT 1) AS r)"
    return f"(SELECT {ref_col} FROM {ref} LIMIT 1)"


def value_for(
    engine: Dialect,
    column_type: str,
    column: str = "",
    table: Table | None = None,
    user_types: dict[str, tuple[str, str]] | None = None,
) -> str:
    """A SQL expression for a plain value of ``column_type`` (as the snapshot reports it)."""
    if engine is Dialect.POSTGRES:
        return _postgres_value(column_type, user_types or {})
    if engine is Dialect.MYSQL:
        return _mysql_value(column_type, column, table)
    return _sqlite_value(column_type)


async def _pg_user_types(client: Any) -> dict[str, tuple[str, str]]:
    """format_type() name -> ("e", first label) for enums, ("d", base type) for domains."""
    rows = await client.execute_query_dict(
        "SELECT format_type(t.oid, NULL) AS name, t.typtype = 'e' AS is_enum, "
        "format_type(t.typbasetype, t.typtypmod) AS base, "
        "(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid "
        " ORDER BY e.enumsortorder LIMIT 1) AS label "
        "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    )
    return {
        row["name"]: ("e", row["label"] or "") if row["is_enum"] else ("d", row["base"])
        for row in rows
    }


_PRECISION = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def _decimal(column_type: str) -> str:
    """1, or 0 when the type has no integer digits (numeric(3,3))."""
    match = _PRECISION.search(column_type)
    return "0" if match and int(match.group(1)) <= int(match.group(2)) else "1"


def _postgres_value(column_type: str, user_types: dict[str, tuple[str, str]]) -> str:
    """A text literal cast to the column's type: PostgreSQL parses it as that type."""
    return f"{literal(_postgres_text(column_type, user_types))}::{column_type}"


def _postgres_text(column_type: str, user_types: dict[str, tuple[str, str]]) -> str:
    t = column_type
    for _ in range(10):  # a domain over a domain over ... an enum
        if t not in user_types:
            break
        kind, detail = user_types[t]
        if kind == "e":
            return detail
        t = detail
    if t.endswith("]"):
        return "{}"
    if t.startswith(("character", "text", "citext", "name", '"char"', "tsvector", "tsquery")):
        return "x"
    if t in ("integer", "smallint", "bigint", "oid", "money"):
        return "1"
    if t.startswith(("numeric", "decimal")):
        return _decimal(t)
    if t in ("real", "double precision"):
        return "1.5"
    if t == "boolean":
        return "true"
    if t == "date":
        return "2000-01-01"
    if t.startswith("timestamp"):
        return "2000-01-01 00:00:00" + ("+00" if t.endswith("with time zone") else "")
    if t.startswith("time"):
        return "00:00:00" + ("+00" if t.endswith("with time zone") else "")
    if t.startswith("interval"):
        return "1 day"
    if t.startswith("bit varying"):
        return "1"
    if t.startswith("bit"):
        match = re.search(r"\((\d+)\)", t)
        return "0" * (int(match.group(1)) if match else 1)
    fixed = {
        "uuid": UUID,
        "json": "{}",
        "jsonb": "{}",
        "bytea": "",
        "inet": "127.0.0.1",
        "cidr": "127.0.0.0/8",
        "macaddr": "00:00:00:00:00:00",
        "macaddr8": "00:00:00:00:00:00:00:00",
        "xml": "<x/>",
        "point": "(0,0)",
        "lseg": "((0,0),(1,1))",
        "box": "((0,0),(1,1))",
        "path": "((0,0),(1,1))",
        "polygon": "((0,0),(1,1),(1,0))",
        "circle": "<(0,0),1>",
        "line": "{1,-1,0}",
        "int4range": "empty",
        "int8range": "empty",
        "numrange": "empty",
        "daterange": "empty",
        "tsrange": "empty",
        "tstzrange": "empty",
        "pg_lsn": "0/0",
    }
    return fixed.get(t, "x")


_INTEGER_TYPES = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint", "serial")


def _mysql_value(column_type: str, column: str, table: Table | None) -> str:
    t = column_type
    word = re.split(r"[\s(]", t, maxsplit=1)[0]
    if word in _INTEGER_TYPES or word == "bool" or word == "boolean":
        return "1"
    if word in ("decimal", "numeric", "dec", "fixed"):
        return _decimal(t)
    if word in ("float", "double", "real"):
        return "1.5"
    if word == "bit":
        return "1"
    if word == "year":
        return "2000"
    if word == "date":
        return "'2000-01-01'"
    if word in ("datetime", "timestamp"):
        return "'2000-01-01 00:00:00'"
    if word == "time":
        return "'00:00:00'"
    if word == "json":
        return "'{}'"
    if word == "enum":
        first = re.match(r"enum\(\s*('(?:[^']|'')*')", t)
        return first.group(1) if first else "''"
    if word == "set":
        return "''"
    if word in ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"):
        return "''"
    if word == "uuid":
        return literal(UUID)
    if word == "inet4":
        return "'127.0.0.1'"
    if word == "inet6":
        return "'::1'"
    if word in ("geometry", "point"):
        return "ST_GeomFromText('POINT(0 0)')"
    if table is not None and column:
        # MariaDB's JSON is LONGTEXT with CHECK (json_valid(`column`)).
        check = f"json_valid(`{column}`)"
        if any(check in d.lower() for d in table.constraints.values()):
            return "'{}'"
    return "'x'"


def _sqlite_value(column_type: str) -> str:
    """By the declared type's name first, then by SQLite's affinity rules."""
    t = column_type.lower()
    if "bool" in t:
        return "1"
    if "json" in t:
        return "'{}'"
    if "uuid" in t:
        return literal(UUID)
    if "datetime" in t or "timestamp" in t:
        return "'2000-01-01 00:00:00'"
    if "date" in t:
        return "'2000-01-01'"
    if "time" in t:
        return "'00:00:00'"
    if "int" in t:
        return "1"
    if "char" in t or "clob" in t or "text" in t:
        return "'x'"
    if "blob" in t or not t:
        return "X''"
    if "real" in t or "floa" in t or "doub" in t:
        return "1.5"
    if "dec" in t or "num" in t:
        return _decimal(t)
    return "'x'"
