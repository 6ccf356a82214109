"""Schema snapshots of the scratch database, and the differences between two.

verify compares the schema after a downgrade with the schema before the
upgrade, so a snapshot keeps exactly what a downgrade is expected to restore
(tables, columns, indexes, constraints, views, sequences, types, triggers,
functions) in a form that two equal schemas always render identically: what
the catalogs report, normalised where they legitimately differ (MySQL's
AUTO_INCREMENT counters are never read, SQLite's stored CREATE TABLE text is
only used for what the pragmas do not tell, PostgreSQL definitions come from
the ``pg_get_*def`` functions). Each snapshot is a handful of catalog queries,
not one per table: a verify run takes about three per migration.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aerich_lint.dialects import spec
from aerich_lint.model import Dialect
from aerich_lint.verify.database import OWNER_TABLE


@dataclass(frozen=True)
class Column:
    type: str  # as the database reports it, lower-case
    nullable: bool
    default: str | None  # the default expression's text; None when there is none
    auto: bool  # the database fills it: serial/identity, auto_increment, rowid alias


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str  # "schema.table" when the table is in another schema/database
    ref_columns: tuple[str, ...]


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)  # in the table's order
    indexes: dict[str, str] = field(default_factory=dict)  # name -> definition
    constraints: dict[str, str] = field(default_factory=dict)  # name -> definition
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    rows: int = 0  # at snapshot time; never compared


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)  # "view v", "type t", ... -> definition


def quote(engine: Dialect, name: str) -> str:
    """An identifier quoted for ``engine`` (embedded quote characters doubled)."""
    return spec(engine).quote(name)


def literal(text: str) -> str:
    """A SQL string literal (the same on the three engines with default settings)."""
    return "'" + text.replace("'", "''") + "'"


def _s(value: Any) -> str:
    """Catalog values as text: MySQL 8 reports some information_schema columns as bytes."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _opt(value: Any) -> str | None:
    return None if value is None else _s(value)


def _spaces(text: str) -> str:
    return " ".join(text.split())


async def catalog(client: Any, engine: Dialect) -> Schema:
    """The current schema (PostgreSQL: current_schema(); MySQL: DATABASE()) without
    system objects, from the catalog alone (the dialect's ``DialectSpec.introspection``,
    ``_postgres``, ``_mysql``, ``_sqlite`` below): no table is scanned."""
    return await _introspection(engine)(client)


async def snapshot(client: Any, engine: Dialect) -> Schema:
    """``catalog`` with each table's row count (verify's scratch tables are small)."""
    schema = await catalog(client, engine)
    await _count_rows(client, engine, schema)
    return schema


def _introspection(engine: Dialect) -> Callable[[Any], Awaitable[Schema]]:
    module, _, name = spec(engine).introspection.partition(":")
    found: Callable[[Any], Awaitable[Schema]] = getattr(importlib.import_module(module), name)
    return found


async def _count_rows(client: Any, engine: Dialect, schema: Schema) -> None:
    """One UNION ALL query, in chunks (SQLite allows 500 compound SELECT terms)."""
    names = sorted(schema.tables)
    for start in range(0, len(names), 200):
        chunk = names[start : start + 200]
        sql = " UNION ALL ".join(
            f"SELECT {literal(name)} AS t, COUNT(*) AS n FROM {quote(engine, name)}"
            for name in chunk
        )
        for row in await client.execute_query_dict(sql):
            schema.tables[_s(row["t"])].rows = int(row["n"])


# --- PostgreSQL -------------------------------------------------------------------------

# Objects an extension created are the extension's, not the migrations'.
_PG_NOT_EXTENSION = (
    "NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = {catalog}::regclass "
    "AND dep.objid = {oid} AND dep.deptype = 'e')"
)

_PG_COLUMNS = f"""
SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def,
       a.attidentity <> '' AS ident, a.attgenerated <> '' AS gen
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND {_PG_NOT_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
ORDER BY c.relname, a.attnum
"""

# Indexes that back a primary key, unique or exclusion constraint are reported
# once, as the constraint.
_PG_INDEXES = """
SELECT t.relname AS tbl, i.relname AS name, x.indisunique AS uniq, x.indisvalid AS valid,
       pg_get_indexdef(x.indexrelid) AS def
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid
                  AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
"""

_PG_CONSTRAINTS = """
SELECT t.relname AS tbl, k.conname AS name, k.contype = 'f' AS is_fk,
       pg_get_constraintdef(k.oid) AS def,
       r.relname AS ref_table, rn.nspname AS ref_schema,
       (rn.nspname IS NOT NULL AND rn.nspname <> current_schema()) AS elsewhere,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, pos)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num
             ORDER BY u.pos) AS cols,
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, pos)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num
             ORDER BY u.pos) AS ref_cols
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class r ON r.oid = k.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')
  AND k.contype IN ('p', 'u', 'c', 'f', 'x')
"""

# Everything else a migration may create, as (kind, name, definition).
_PG_OTHERS = f"""
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS kind,
       c.relname::text AS name, pg_get_viewdef(c.oid) AS def
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
  AND {_PG_NOT_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
UNION ALL
SELECT 'sequence', c.relname::text,
       format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment '
       || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax
       || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE n.nspname = current_schema() AND c.relkind = 'S'
  AND {_PG_NOT_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
UNION ALL
SELECT 'type', t.typname::text,
       CASE t.typtype
         WHEN 'e' THEN 'enum (' || COALESCE((SELECT string_agg(quote_literal(e.enumlabel), ', '
                                             ORDER BY e.enumsortorder)
                                             FROM pg_enum e WHERE e.enumtypid = t.oid), '')
                      || ')'
         WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                       || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                       || COALESCE(' DEFAULT ' || t.typdefault, '')
                       || COALESCE((SELECT ' ' || string_agg(pg_get_constraintdef(k.oid), ' '
                                                    ORDER BY k.conname)
                                    FROM pg_constraint k WHERE k.contypid = t.oid), '')
         WHEN 'r' THEN 'range'
         ELSE 'composite (' || COALESCE((SELECT string_agg(
                  quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                  ORDER BY a.attnum) FROM pg_attribute a
                  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')
              || ')'
       END
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema()
  AND (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
  AND {_PG_NOT_EXTENSION.format(catalog="'pg_type'", oid="t.oid")}
UNION ALL
SELECT 'trigger', g.tgname || ' on ' || c.relname, pg_get_triggerdef(g.oid)
FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND NOT g.tgisinternal
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       pg_get_functiondef(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
  AND {_PG_NOT_EXTENSION.format(catalog="'pg_proc'", oid="p.oid")}
UNION ALL
SELECT 'extension', x.extname::text, x.extversion
FROM pg_extension x WHERE x.extname <> 'plpgsql'
"""

_PG_INDEX_HEAD = re.compile(r"^CREATE (?:UNIQUE )?INDEX .*? ON (?:ONLY )?.*? USING ", re.DOTALL)


async def _postgres(client: Any) -> Schema:
    schema = Schema()
    tables = schema.tables
    table: Table | None
    for row in await client.execute_query_dict(_PG_COLUMNS):
        table = tables.setdefault(row["tbl"], Table(row["tbl"]))
        if row["col"] is None:  # a table without columns
            continue
        default = row["def"]
        if row["gen"]:
            default = f"generated always as ({default}) stored"
        auto = bool(row["ident"]) or (
            default is not None and not row["gen"] and default.startswith("nextval(")
        )
        table.columns[row["col"]] = Column(row["type"], not row["notnull"], default, auto)
    for row in await client.execute_query_dict(_PG_INDEXES):
        table = tables.get(row["tbl"])
        if table is None:
            continue
        definition = _PG_INDEX_HEAD.sub("USING ", row["def"], count=1)
        if row["uniq"]:
            definition = "UNIQUE " + definition
        if not row["valid"]:
            definition += " (invalid)"
        table.indexes[row["name"]] = definition
    for row in await client.execute_query_dict(_PG_CONSTRAINTS):
        table = tables.get(row["tbl"])
        if table is None:
            continue
        table.constraints[row["name"]] = row["def"]
        if row["is_fk"]:
            ref = row["ref_table"]
            if row["elsewhere"]:
                ref = f"{row['ref_schema']}.{ref}"
            table.foreign_keys.append(
                ForeignKey(row["name"], tuple(row["cols"]), ref, tuple(row["ref_cols"]))
            )
    for row in await client.execute_query_dict(_PG_OTHERS):
        schema.others[f"{row['kind']} {row['name']}"] = _spaces(row["def"] or "")
    for table in tables.values():
        table.foreign_keys.sort(key=lambda fk: fk.name)
    return schema


# --- MySQL / MariaDB ----------------------------------------------------------------------

# information_schema joins are slow on MariaDB (several ms each): every query
# reads one view, and Python puts the rows together.
_MY_TABLES = """
SELECT TABLE_NAME AS tbl, TABLE_TYPE AS kind FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE()
"""

_MY_COLUMNS = """
SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
       COLUMN_DEFAULT AS def, EXTRA AS extra, GENERATION_EXPRESSION AS gen
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

# SELECT *: MySQL 8 has EXPRESSION and IS_VISIBLE, MariaDB has IGNORED.
_MY_STATISTICS = """
SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

_MY_FOREIGN_KEYS = """
SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col,
       REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_table,
       REFERENCED_COLUMN_NAME AS ref_col, REFERENCED_TABLE_SCHEMA = DATABASE() AS here
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""

_MY_FOREIGN_KEY_RULES = """
SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, UPDATE_RULE AS on_update,
       DELETE_RULE AS on_delete
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
"""

# MariaDB's CHECK_CONSTRAINTS has TABLE_NAME (check names are per table there),
# MySQL 8's has not (names are per schema): the table comes from TABLE_CONSTRAINTS.
_MY_CHECK_TABLES = """
SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name FROM information_schema.TABLE_CONSTRAINTS
WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'CHECK'
"""
_MY_CHECKS = (
    "SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
)

_MY_OTHERS = (
    (
        # Views name their tables with the database, which differs after a rebuild.
        "SELECT 'view' AS kind, TABLE_NAME AS name, "
        "REPLACE(VIEW_DEFINITION, CONCAT('`', DATABASE(), '`.'), '') AS def "
        "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
    ),
    (
        "SELECT 'trigger' AS kind, CONCAT(TRIGGER_NAME, ' on ', EVENT_OBJECT_TABLE) AS name, "
        "CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ', ACTION_STATEMENT) AS def "
        "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
    ),
    (
        "SELECT LOWER(ROUTINE_TYPE) AS kind, ROUTINE_NAME AS name, ROUTINE_DEFINITION AS def "
        "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
    ),
)


def _upper_keys(row: dict[str, Any]) -> dict[str, Any]:
    return {str(k).upper(): v for k, v in row.items()}


async def _mysql(client: Any) -> Schema:
    schema = Schema()
    tables = schema.tables
    table: Table | None
    for row in await client.execute_query_dict(_MY_TABLES):
        name, kind = _s(row["tbl"]), _s(row["kind"]).upper()
        if name == OWNER_TABLE:
            continue  # verify's marker (database.Owner), not the migrations'
        if kind in ("BASE TABLE", "SYSTEM VERSIONED"):
            tables[name] = Table(name)
        elif kind == "SEQUENCE":  # MariaDB
            schema.others[f"sequence {name}"] = "sequence"
    for row in await client.execute_query_dict(_MY_COLUMNS):
        table = tables.get(_s(row["tbl"]))
        if table is None:  # a view's columns
            continue
        nullable = _s(row["nullable"]).upper() == "YES"
        default = _opt(row["def"])
        if default == "NULL" and nullable:  # MariaDB's "DEFAULT NULL"
            default = None
        extra = _spaces(_s(row["extra"] or "")).lower()
        generation = _opt(row["gen"])
        if "generated" in extra and "default_generated" not in extra and generation:
            kind = "stored" if "stored" in extra else "virtual"
            default = f"generated always as ({generation}) {kind}"
        elif "on update" in extra:
            on_update = extra[extra.index("on update") :]
            default = f"{default} {on_update}" if default is not None else on_update
        table.columns[_s(row["col"])] = Column(
            _spaces(_s(row["type"])).lower(), nullable, default, "auto_increment" in extra
        )

    # Non-unique indexes are indexes; PRIMARY and unique ones are the constraints
    # MySQL makes of them (it does not tell a unique index from a unique constraint).
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for raw in await client.execute_query_dict(_MY_STATISTICS):
        row = _upper_keys(raw)
        grouped.setdefault((_s(row["TABLE_NAME"]), _s(row["INDEX_NAME"])), []).append(row)
    for (tbl, name), parts in grouped.items():
        table = tables.get(tbl)
        if table is None:
            continue
        first = parts[0]
        columns = ", ".join(_mysql_index_part(p) for p in parts)
        if int(first["NON_UNIQUE"]) == 0:
            head = "PRIMARY KEY" if name == "PRIMARY" else "UNIQUE"
            table.constraints[name] = f"{head} ({columns})"
            continue
        definition = f"USING {_s(first['INDEX_TYPE']).lower()} ({columns})"
        if _s(first.get("IS_VISIBLE") or "YES").upper() == "NO" or (
            _s(first.get("IGNORED") or "NO").upper() == "YES"
        ):
            definition += " (invisible)"
        table.indexes[name] = definition

    rules = {
        (_s(row["tbl"]), _s(row["name"])): (_s(row["on_delete"]), _s(row["on_update"]))
        for row in await client.execute_query_dict(_MY_FOREIGN_KEY_RULES)
    }
    fks: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in await client.execute_query_dict(_MY_FOREIGN_KEYS):
        fks.setdefault((_s(row["tbl"]), _s(row["name"])), []).append(row)
    for (tbl, name), parts in fks.items():
        table = tables.get(tbl)
        if table is None:
            continue
        first = parts[0]
        ref = _s(first["ref_table"])
        if not first["here"]:
            ref = f"{_s(first['ref_schema'])}.{ref}"
        cols = tuple(_s(p["col"]) for p in parts)
        ref_cols = tuple(_s(p["ref_col"]) for p in parts)
        on_delete, on_update = rules.get((tbl, name), ("?", "?"))
        table.constraints[name] = (
            f"FOREIGN KEY ({', '.join(cols)}) REFERENCES {ref}({', '.join(ref_cols)})"
            f" ON DELETE {on_delete} ON UPDATE {on_update}"
        )
        table.foreign_keys.append(ForeignKey(name, cols, ref, ref_cols))

    check_tables: dict[str, list[str]] = {}
    for row in await client.execute_query_dict(_MY_CHECK_TABLES):
        check_tables.setdefault(_s(row["name"]), []).append(_s(row["tbl"]))
    for raw in await client.execute_query_dict(_MY_CHECKS):
        row = _upper_keys(raw)
        name = _s(row["CONSTRAINT_NAME"])
        owners = [_s(row["TABLE_NAME"])] if "TABLE_NAME" in row else check_tables.get(name, [])
        for tbl in owners:
            if tbl in tables:
                tables[tbl].constraints[name] = f"CHECK ({_s(row['CHECK_CLAUSE'])})"

    for sql in _MY_OTHERS:
        for row in await client.execute_query_dict(sql):
            schema.others[f"{_s(row['kind'])} {_s(row['name'])}"] = _spaces(_s(row["def"] or ""))
    for table in tables.values():
        table.foreign_keys.sort(key=lambda fk: fk.name)
    return schema


def _mysql_index_part(row: dict[str, Any]) -> str:
    column = row.get("COLUMN_NAME")
    text = _s(column) if column is not None else f"({_s(row.get('EXPRESSION') or '?')})"
    if row.get("SUB_PART") is not None:
        text += f"({row['SUB_PART']})"
    if _s(row.get("COLLATION") or "A").upper() == "D":
        text += " DESC"
    return text


# --- SQLite ---------------------------------------------------------------------------------

_SQ_TABLES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
)
_SQ_COLUMNS = (
    'SELECT m.name AS tbl, p.name AS col, p.type AS type, p."notnull" AS nn, '
    "p.dflt_value AS def, p.pk AS pk, p.hidden AS hidden "
    "FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p "
    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "ORDER BY m.name, p.cid"
)
_SQ_INDEXES = (
    'SELECT m.name AS tbl, il.name AS name, il."unique" AS uniq, il.origin AS origin, '
    'il.partial AS partial, ii.name AS col, ii."desc" AS descending, ii.cid AS cid, '
    "s.sql AS sql "
    "FROM sqlite_master m JOIN pragma_index_list(m.name) il "
    "JOIN pragma_index_xinfo(il.name) ii "
    "LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name "
    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND ii.key = 1 "
    "ORDER BY m.name, il.name, ii.seqno"
)
_SQ_FOREIGN_KEYS = (
    'SELECT m.name AS tbl, f.id AS id, f."table" AS ref, f."from" AS col, f."to" AS ref_col, '
    "f.on_update AS on_update, f.on_delete AS on_delete "
    "FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "ORDER BY m.name, f.id, f.seq"
)
_SQ_OTHERS = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE type IN ('view', 'trigger') ORDER BY type, name"
)


async def _sqlite(client: Any) -> Schema:
    schema = Schema()
    tables = schema.tables
    parsed: dict[str, _SqliteTableSql] = {}
    for row in await client.execute_query_dict(_SQ_TABLES):
        tables[row["name"]] = Table(row["name"])
        parsed[row["name"]] = _SqliteTableSql.parse(row["sql"] or "")

    pk_columns: dict[str, list[tuple[int, str]]] = {}
    for row in await client.execute_query_dict(_SQ_COLUMNS):
        table = tables.get(row["tbl"])
        if table is None or row["hidden"] == 1:  # hidden columns of virtual tables
            continue
        default = row["def"]
        if row["hidden"] in (2, 3):
            default = "generated always as (...) " + ("virtual" if row["hidden"] == 2 else "stored")
        if row["pk"]:
            pk_columns.setdefault(row["tbl"], []).append((int(row["pk"]), row["col"]))
        table.columns[row["col"]] = Column(
            _spaces(row["type"] or "").lower(), not row["nn"], default, False
        )

    index_rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in await client.execute_query_dict(_SQ_INDEXES):
        index_rows.setdefault((row["tbl"], row["name"]), []).append(row)
    has_pk_index: set[str] = set()
    for (tbl, name), parts in index_rows.items():
        table = tables.get(tbl)
        if table is None:
            continue
        first = parts[0]
        if first["origin"] == "pk":
            has_pk_index.add(tbl)
            continue
        columns = ", ".join(
            (p["col"] if p["col"] is not None else "(expression)")
            + (" DESC" if p["descending"] else "")
            for p in parts
        )
        if first["origin"] == "u":
            key = parsed[tbl].names.get(("u", _cols_key(p["col"] for p in parts)))
            table.constraints[key or f"unique({_cols_key(p['col'] for p in parts)})"] = (
                f"UNIQUE ({columns})"
            )
            continue
        sql = first["sql"] or ""
        if any(p["col"] is None for p in parts) and sql:
            definition = _after_on_table(sql)
        else:
            definition = f"({columns})"
            if first["partial"]:
                where = re.search(r"\bWHERE\b(.*)$", sql, re.IGNORECASE | re.DOTALL)
                definition += f" WHERE {_spaces(where.group(1))}" if where else " WHERE ?"
        table.indexes[name] = ("UNIQUE " if first["uniq"] else "") + definition

    for tbl, pks in pk_columns.items():
        owner = tables[tbl]
        pk = [name for _, name in sorted(pks)]
        key = parsed[tbl].names.get(("p", _cols_key(pk))) or "primary key"
        owner.constraints[key] = f"PRIMARY KEY ({', '.join(pk)})"
        # A lone INTEGER PRIMARY KEY of a rowid table is the rowid: filled by SQLite.
        if len(pk) == 1 and tbl not in has_pk_index:
            col = owner.columns[pk[0]]
            if col.type == "integer":
                owner.columns[pk[0]] = Column(col.type, col.nullable, col.default, True)

    fk_rows: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in await client.execute_query_dict(_SQ_FOREIGN_KEYS):
        fk_rows.setdefault((row["tbl"], int(row["id"])), []).append(row)
    for (tbl, _), parts in sorted(fk_rows.items(), key=lambda item: (item[0][0], -item[0][1])):
        table = tables[tbl]
        first = parts[0]
        ref = first["ref"]
        cols = tuple(p["col"] for p in parts)
        ref_cols = tuple(p["ref_col"] for p in parts)
        if any(c is None for c in ref_cols):  # REFERENCES t: t's primary key
            target = tables.get(ref)
            if target is not None:
                ref_cols = (
                    tuple(name for _, name in sorted(pk_columns.get(ref, [])) if name) or ref_cols
                )
        ref_cols = tuple(c if c is not None else "?" for c in ref_cols)
        fk_name = parsed[tbl].names.get(("f", _cols_key(cols))) or (
            f"fk({', '.join(cols)})->{ref}({', '.join(ref_cols)})"
        )
        definition = f"FOREIGN KEY ({', '.join(cols)}) REFERENCES {ref}({', '.join(ref_cols)})"
        for action, rule in (("DELETE", first["on_delete"]), ("UPDATE", first["on_update"])):
            if rule and rule.upper() != "NO ACTION":
                definition += f" ON {action} {rule.upper()}"
        table.constraints[fk_name] = definition
        table.foreign_keys.append(ForeignKey(fk_name, cols, ref, ref_cols))

    for tbl, info in parsed.items():
        for check_name, expression in info.checks:
            key = check_name or f"check({expression})"
            tables[tbl].constraints[key] = f"CHECK ({expression})"

    for row in await client.execute_query_dict(_SQ_OTHERS):
        label = row["name"] if row["type"] == "view" else f"{row['name']} on {row['tbl_name']}"
        schema.others[f"{row['type']} {label}"] = _spaces(row["sql"] or "")
    for table in tables.values():
        table.foreign_keys.sort(key=lambda fk: fk.name)
    return schema


def _cols_key(columns: Iterable[str | None]) -> str:
    return ", ".join(c if c is not None else "?" for c in columns)


def _after_on_table(sql: str) -> str:
    """An expression index's definition: its CREATE INDEX text from the column list on."""
    match = re.search(
        r"\bON\b\s*(?:\"[^\"]*\"|`[^`]*`|\[[^\]]*\]|\S+?)\s*(\(.*)$", sql, re.IGNORECASE | re.DOTALL
    )
    return _spaces(match.group(1)) if match else _spaces(sql)


@dataclass
class _SqliteTableSql:
    """What only the CREATE TABLE text tells: CHECK constraints and constraint names.

    The pragmas report columns, keys and indexes whatever ALTER TABLE did to the
    text; the text is read for CHECKs and ``CONSTRAINT name`` only."""

    checks: list[tuple[str | None, str]] = field(default_factory=list)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, cols) -> name

    @classmethod
    def parse(cls, sql: str) -> _SqliteTableSql:
        result = cls()
        tokens = list(_tokens(sql))
        start = next((i for i, t in enumerate(tokens) if t.startswith("(")), None)
        if start is None or any(t.upper() == "AS" for t in tokens[:start]):
            return result  # CREATE TABLE ... AS SELECT, or no text
        body = tokens[start][1:-1]
        for item in _split_top_level(body):
            result._item(list(_tokens(item)))
        return result

    def _item(self, tokens: list[str]) -> None:
        words = [t.upper() for t in tokens]
        table_level = bool(words) and words[0] in (
            "CONSTRAINT",
            "PRIMARY",
            "UNIQUE",
            "CHECK",
            "FOREIGN",
        )
        column = None if table_level or not tokens else _unquote(tokens[0])
        i = 0 if table_level else 1
        name: str | None = None  # from "CONSTRAINT name", for the clause right after it
        while i < len(tokens):
            word = words[i]
            if word == "CONSTRAINT" and i + 1 < len(tokens):
                name = _unquote(tokens[i + 1])
                i += 2
                continue
            if word == "CHECK" and i + 1 < len(tokens) and tokens[i + 1].startswith("("):
                self.checks.append((name, _spaces(tokens[i + 1][1:-1])))
                i += 2
            else:
                kind, cols = self._keyed(words, tokens, i, column)
                if kind and name is not None:
                    self.names[(kind, cols)] = name
                i += 1
            name = None

    @staticmethod
    def _keyed(words: list[str], tokens: list[str], i: int, column: str | None) -> tuple[str, str]:
        """(kind, columns) when a key constraint starts at ``tokens[i]``."""

        def group(at: int) -> str | None:
            if at < len(tokens) and tokens[at].startswith("("):
                items = _split_top_level(tokens[at][1:-1])
                return ", ".join(_unquote(_first_token(x)) for x in items)
            return None

        word = words[i]
        if word == "PRIMARY" and i + 1 < len(words) and words[i + 1] == "KEY":
            cols = group(i + 2) if column is None else column
            return ("p", cols) if cols else ("", "")
        if word == "UNIQUE":
            cols = group(i + 1) if column is None else column
            return ("u", cols) if cols else ("", "")
        if word == "FOREIGN" and i + 1 < len(words) and words[i + 1] == "KEY":
            cols = group(i + 2)
            return ("f", cols) if cols else ("", "")
        if word == "REFERENCES" and column is not None:
            return ("f", column)
        return ("", "")


def _first_token(text: str) -> str:
    return next(iter(_tokens(text)), "")


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] in '"`[' and token[-1] in '"`]':
        inner = token[1:-1]
        return inner.replace('""', '"') if token[0] == '"' else inner.replace("``", "`")
    return token


def _tokens(sql: str) -> Iterator[str]:
    """Words, quoted names/strings and whole parenthesised groups, comments skipped."""
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace() or ch == ",":
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"`[":
            end = _quoted_end(sql, i)
            yield sql[i:end]
            i = end
        elif ch == "(":
            end = _group_end(sql, i)
            yield sql[i:end]
            i = end
        else:
            j = i
            while j < n and not sql[j].isspace() and sql[j] not in ",()'\"`[":
                j += 1
            yield sql[i : max(j, i + 1)]
            i = max(j, i + 1)


def _quoted_end(sql: str, i: int) -> int:
    close = "]" if sql[i] == "[" else sql[i]
    j = i + 1
    while j < len(sql):
        if sql[j] == close:
            if close != "]" and j + 1 < len(sql) and sql[j + 1] == close:
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def _group_end(sql: str, i: int) -> int:
    depth, j = 0, i
    while j < len(sql):
        ch = sql[j]
        if ch in "'\"`[":
            j = _quoted_end(sql, j)
            continue
        if sql.startswith("--", j):
            end = sql.find("\n", j)
            j = len(sql) if end < 0 else end + 1
            continue
        if sql.startswith("/*", j):
            end = sql.find("*/", j + 2)
            j = len(sql) if end < 0 else end + 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(sql)


def _split_top_level(text: str) -> list[str]:
    """Split a column/constraint list at the commas outside quotes and parentheses."""
    items: list[str] = []
    depth, start, j = 0, 0, 0
    while j < len(text):
        ch = text[j]
        if ch in "'\"`[":
            j = _quoted_end(text, j)
            continue
        if text.startswith("--", j):
            end = text.find("\n", j)
            j = len(text) if end < 0 else end + 1
            continue
        if text.startswith("/*", j):
            end = text.find("*/", j + 2)
            j = len(text) if end < 0 else end + 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:j].strip())
            start = j + 1
        j += 1
    if text[start:].strip():
        items.append(text[start:].strip())
    return items


# --- comparing ------------------------------------------------------------------------------

_OTHER_KINDS = (
    "materialized view",
    "view",
    "sequence",
    "type",
    "trigger",
    "function",
    "procedure",
    "extension",
)
_SHORT = 120


def _clip(text: str | None) -> str:
    if text is None:
        return "none"
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def compare(before: Schema, after: Schema) -> list[str]:
    """How ``after`` (the schema after the downgrade) differs from ``before`` (the
    schema before the upgrade): one short sentence per difference, in a stable
    order; column order and row counts are ignored."""
    out: list[str] = []
    for name in sorted(set(before.tables) | set(after.tables)):
        old, new = before.tables.get(name), after.tables.get(name)
        if new is None:
            out.append(f'table "{name}" is missing')
        elif old is None:
            out.append(f'table "{name}" is left over (not in the schema before)')
        else:
            out.extend(_compare_table(old, new))
    for key in sorted(set(before.others) | set(after.others)):
        label = _other_label(key)
        was, now = before.others.get(key), after.others.get(key)
        if now is None:
            out.append(f"{label} is missing")
        elif was is None:
            out.append(f"{label} is left over")
        elif was != now:
            out.append(f"{label} changed: was {_clip(was)}, is now {_clip(now)}")
    return out


def _compare_table(old: Table, new: Table) -> list[str]:
    out: list[str] = []
    t = old.name
    for name in sorted(set(old.columns) | set(new.columns)):
        was, now = old.columns.get(name), new.columns.get(name)
        label = f'column "{t}"."{name}"'
        if now is None:
            out.append(f"{label} is missing")
        elif was is None:
            out.append(f"{label} is left over")
        else:
            if was.type != now.type:
                out.append(f"{label}: type was {was.type}, is now {now.type}")
            if was.nullable != now.nullable:
                out.append(f"{label}: was {_null(was)}, is now {_null(now)}")
            if was.default != now.default:
                out.append(
                    f"{label}: default was {_clip(was.default)}, is now {_clip(now.default)}"
                )
            if was.auto != now.auto:
                out.append(f"{label}: auto-increment was {_on(was.auto)}, is now {_on(now.auto)}")
    for kind, olds, news in (
        ("index", old.indexes, new.indexes),
        ("constraint", old.constraints, new.constraints),
    ):
        for name in sorted(set(olds) | set(news)):
            label = f'{kind} "{name}" on "{t}"'
            was_def, now_def = olds.get(name), news.get(name)
            if now_def is None:
                out.append(f"{label} is missing")
            elif was_def is None:
                out.append(f"{label} is left over")
            elif was_def != now_def:
                out.append(f"{label} changed: was {_clip(was_def)}, is now {_clip(now_def)}")
    return out


def _null(column: Column) -> str:
    return "NULL" if column.nullable else "NOT NULL"


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _other_label(key: str) -> str:
    """'trigger t on x' -> 'trigger "t" on "x"', 'view v' -> 'view "v"'."""
    for kind in _OTHER_KINDS:
        if key.startswith(kind + " "):
            name = key[len(kind) + 1 :]
            if kind == "trigger" and " on " in name:
                trigger, table = name.rsplit(" on ", 1)
                return f'trigger "{trigger}" on "{table}"'
            return f'{kind} "{name}"'
    return key
