"""What the PostgreSQL online-safety rules claim, checked on the real server, and the
rules' verdicts on the same statements: volatile defaults (AL306), REINDEX and DETACH
PARTITION (AL301, AL302), SET NOT NULL on a column added in the same migration
(AL304), lock_timeout and LOCK TABLE's modes (AL309), and the INVALID index a failed
CREATE INDEX CONCURRENTLY leaves behind (AL111).

Each server check runs in a scratch database of its own, dropped at the end; rewrites
are seen in ``pg_class.relfilenode``, locks in ``pg_locks`` from inside the statement's
transaction, scans in ``pg_stat_user_tables.seq_scan``, and what a lock blocks from a
second connection with a short lock_timeout."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from aerich_lint.effects import (
    AddColumn,
    CreateFunction,
    Effect,
    Reindex,
    Setting,
    TableCommand,
    effects,
)
from aerich_lint.model import Chunk, Dialect, Finding, LineIndex, OffsetMap, Severity
from aerich_lint.parse import postgres
from aerich_lint.parse.sql import parse_chunk
from aerich_lint.rules.registry import BY_NAME
from aerich_lint.rules.volatile_default import NOT_VOLATILE, VALUE_FUNCTIONS, VOLATILE
from aerich_lint.targets import parse_target
from conftest import lint, server_url, summary, write_migration

T = TypeVar("T")
PG14 = [parse_target("postgres:14")]
NAME = "1_20240102000000_change.py"
INIT = """
CREATE TABLE IF NOT EXISTS "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "sku" VARCHAR(50));
CREATE INDEX "idx_product_name" ON "product" ("name");
CREATE TABLE IF NOT EXISTS "event" ("id" INT NOT NULL, "day" DATE NOT NULL) PARTITION BY RANGE ("day");
CREATE TABLE IF NOT EXISTS "event_2023" PARTITION OF "event" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    return folder


def found(
    folder: Path,
    upgrade: str,
    rules: list[str],
    rit: bool = True,
    name: str = NAME,
    downgrade: str = "SELECT 1;",
    **kw: Any,
) -> list[Finding]:
    path = write_migration(folder, name, upgrade, downgrade, run_in_transaction=rit)
    return lint(path, only=rules, **kw).findings


def facts(sql: str) -> list[Effect]:
    """The facts of each statement of ``sql`` (PostgreSQL), the Ddl ones left out."""
    lines = LineIndex(sql)
    positions = OffsetMap(lines)
    positions.add(0, len(sql))
    out: list[Effect] = []
    for stmt in parse_chunk(Chunk(sql, positions), "upgrade", Dialect.POSTGRES):
        out.extend(f for f in effects(stmt, Dialect.POSTGRES) if type(f).__name__ != "Ddl")
    return out


# -- the server -------------------------------------------------------------------------


def on_server(body: Callable[[str], Awaitable[T]]) -> T:
    """Run ``body(url)`` against a scratch database made for it, dropped afterwards."""
    import asyncpg  # type: ignore[import-untyped]

    url = server_url("postgres")
    name = f"aerich_lint_{secrets.token_hex(4)}"

    async def main() -> T:
        admin = await asyncpg.connect(url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return await body(url.rsplit("/", 1)[0] + "/" + name)
        finally:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.close()

    return asyncio.run(main())


async def connect(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url)


async def relfilenode(conn: Any, table: str) -> int:
    return int(
        await conn.fetchval("SELECT relfilenode FROM pg_class WHERE oid = $1::regclass", table)
    )


async def held(conn: Any) -> dict[str, set[str]]:
    """The relation locks this connection holds, by relation."""
    rows = await conn.fetch(
        "SELECT relation::regclass::text AS rel, mode FROM pg_locks "
        "WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation <> 'pg_locks'::regclass "
        "AND relation::regclass::text NOT LIKE 'pg_toast.%'"
    )
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["rel"], set()).add(row["mode"])
    return out


async def waits(url: str, sql: str) -> bool:
    """Does ``sql``, from a second connection, wait for a lock (lock_timeout 200ms)? Its
    changes are rolled back."""
    import asyncpg

    other = await connect(url)
    try:
        await other.execute("SET lock_timeout = '200ms'")
        tr = other.transaction()
        await tr.start()
        try:
            await other.execute(sql)
        except asyncpg.exceptions.LockNotAvailableError:
            return True
        finally:
            await tr.rollback()
        return False
    finally:
        await other.close()


async def waiting(conn: Any, pid: int, event: str) -> None:
    """Until backend ``pid`` waits on a lock of this kind (``wait_event``)."""
    for _ in range(200):
        found = await conn.fetchval(
            "SELECT wait_event FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
            pid,
        )
        if found == event:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"backend {pid} never waited on {event}")


async def error_of(conn: Any, sql: str) -> str:
    """The server's error message for ``sql`` ("" when it succeeds)."""
    import asyncpg

    try:
        await conn.execute(sql)
    except asyncpg.PostgresError as exc:
        return str(exc)
    return ""


async def seq_scans(url: str, table: str, control: str) -> int:
    """``seq_scan`` of ``table`` once the statistics of the last transaction that scanned
    ``control`` have reached the shared counters (a backend sends them when idle)."""
    reader = await connect(url)
    try:
        for _ in range(100):
            await reader.execute("SELECT pg_stat_clear_snapshot()")
            row = await reader.fetchrow(
                "SELECT (SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $1) AS t, "
                "(SELECT seq_scan FROM pg_stat_user_tables WHERE relname = $2) AS c",
                table,
                control,
            )
            if row["c"]:
                return int(row["t"])
            await asyncio.sleep(0.1)
        raise AssertionError("the statistics never arrived")
    finally:
        await reader.close()


PRODUCT = (
    'CREATE TABLE "product" ("id" SERIAL PRIMARY KEY, "name" TEXT, "sku" TEXT);'
    'CREATE INDEX "idx_product_name" ON "product" ("name");'
    'INSERT INTO "product" ("name") SELECT \'p\' || g FROM generate_series(1, 200) g;'
)


# == AL306 volatile-default ===============================================================


def test_the_lists_of_built_ins_match_pg_proc() -> None:
    """Every name the rule takes as computed once is IMMUTABLE or STABLE in every
    overload; every name it calls volatile is VOLATILE in every overload (extensions'
    too, where the server has them; names of later versions are absent)."""

    async def body(url: str) -> tuple[dict[str, str], int, set[str]]:
        conn = await connect(url)
        try:
            available = {
                r["name"]
                for r in await conn.fetch(
                    "SELECT name FROM pg_available_extensions WHERE name IN ('uuid-ossp', 'pgcrypto')"
                )
            }
            for ext in sorted(available):
                await conn.execute(f'CREATE EXTENSION "{ext}"')
            rows = await conn.fetch(
                "SELECT proname, string_agg(DISTINCT provolatile::text, '' ORDER BY provolatile::text) AS v "
                "FROM pg_proc WHERE proname = ANY($1::text[]) GROUP BY proname",
                sorted(NOT_VOLATILE | VOLATILE | VALUE_FUNCTIONS),
            )
            version = int(await conn.fetchval("SHOW server_version_num"))
            return {r["proname"]: r["v"] for r in rows}, version, available
        finally:
            await conn.close()

    volatility, version, extensions = on_server(body)
    assert {
        n: volatility.get(n) for n in NOT_VOLATILE if set(volatility.get(n, "-")) - {"i", "s"}
    } == {}
    later = {"random_normal": 160000, "uuidv4": 180000, "uuidv7": 180000}
    from_extensions = {
        "uuid_generate_v1": "uuid-ossp",
        "uuid_generate_v1mc": "uuid-ossp",
        "uuid_generate_v4": "uuid-ossp",
        "gen_random_bytes": "pgcrypto",
    }
    for name in VOLATILE:
        if name in later and version < later[name]:
            assert name not in volatility
        elif name in from_extensions and from_extensions[name] not in extensions:
            continue
        else:
            assert volatility.get(name) == "v", name
    # the SQL value functions are keywords, not catalogued functions (checked below by
    # what ADD COLUMN does with them); current_user & co. are keywords too
    assert "current_timestamp" not in volatility and "localtimestamp" not in volatility


# Functions an earlier migration creates, as a project would.
FUNCTIONS = """
CREATE SEQUENCE "product_n_seq";
CREATE FUNCTION code_pl() RETURNS TEXT AS $$ BEGIN RETURN md5(random()::text); END $$ LANGUAGE plpgsql;
CREATE FUNCTION const_pl() RETURNS INT AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;
CREATE FUNCTION const_pl_imm() RETURNS INT AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql IMMUTABLE;
CREATE OR REPLACE FUNCTION tenant_pl() RETURNS TEXT LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN current_setting('app.tenant', true); END $$;
CREATE FUNCTION now_sql() RETURNS TIMESTAMPTZ AS 'SELECT now()' LANGUAGE sql;
CREATE FUNCTION rand_sql() RETURNS FLOAT8 AS 'SELECT random()' LANGUAGE sql;
CREATE FUNCTION one_ret() RETURNS INT LANGUAGE sql RETURN 1;
CREATE FUNCTION one_secdef() RETURNS INT AS 'SELECT 1' LANGUAGE sql SECURITY DEFINER;
CREATE FUNCTION one_from() RETURNS INT AS 'SELECT 1 FROM pg_class LIMIT 1' LANGUAGE sql;
CREATE FUNCTION one_set() RETURNS INT AS 'SELECT 1' LANGUAGE sql SET search_path = public;
CREATE FUNCTION nested_sql() RETURNS FLOAT8 AS 'SELECT rand_sql() + 1' LANGUAGE sql;
"""
# (the column added to product, does PostgreSQL rewrite the table for it)
ADDED = [
    ('"c_random" FLOAT8 DEFAULT random()', True),
    ('"c_clock" TIMESTAMPTZ DEFAULT clock_timestamp()', True),
    ('"c_uuid" UUID DEFAULT gen_random_uuid()', True),
    ("\"c_seq\" BIGINT DEFAULT nextval('product_n_seq')", True),
    ('"c_serial" SERIAL', True),
    ('"c_identity" INT GENERATED ALWAYS AS IDENTITY', True),
    ('"c_by_default" BIGINT GENERATED BY DEFAULT AS IDENTITY', True),
    ('"c_stored" INT GENERATED ALWAYS AS ("id" * 2) STORED', True),
    ('"c_md5" TEXT DEFAULT md5(random()::text)', True),
    ('"c_code" TEXT DEFAULT code_pl()', True),  # PL/pgSQL, created VOLATILE
    ('"c_const_pl" INT DEFAULT const_pl()', True),  # its result is constant: still VOLATILE
    ('"c_rand_sql" FLOAT8 DEFAULT rand_sql()', True),  # inlined, its body is volatile
    ('"c_secdef" INT DEFAULT one_secdef()', True),  # SECURITY DEFINER: not inlined
    ('"c_from" INT DEFAULT one_from()', True),  # a FROM: not inlined
    ('"c_set" INT DEFAULT one_set()', True),  # a SET clause: not inlined
    ('"c_nested" FLOAT8 DEFAULT nested_sql()', True),  # inlined twice down to random()
    ('"c_imm" INT DEFAULT const_pl_imm()', False),  # declared IMMUTABLE
    ('"c_stable" TEXT DEFAULT tenant_pl()', False),  # declared STABLE
    ('"c_now_sql" TIMESTAMPTZ DEFAULT now_sql()', False),  # VOLATILE, inlined to now()
    ('"c_ret" INT DEFAULT one_ret()', False),  # VOLATILE, inlined to 1
    ('"c_now" TIMESTAMPTZ DEFAULT now()', False),
    ('"c_ts" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP', False),
    ("\"c_cast\" TEXT DEFAULT 'x'::text", False),
    ("\"c_json\" JSONB NOT NULL DEFAULT '{}'::jsonb", False),
    ("\"c_lower\" TEXT DEFAULT lower('X')", False),
    ("\"c_char\" TEXT DEFAULT to_char(now(), 'YYYY')", False),
    ("\"c_trunc\" TIMESTAMP DEFAULT date_trunc('day', now() AT TIME ZONE 'utc')", False),
    ('"c_zero" INT NOT NULL DEFAULT 0', False),
]


def test_volatile_default_says_what_postgres_rewrites(app: Path) -> None:
    """For each ADD COLUMN, the rule's verdict is the server's: the table is rewritten
    (a new relfilenode) exactly when the rule reports it."""

    async def body(url: str) -> dict[str, bool]:
        conn = await connect(url)
        try:
            await conn.execute(PRODUCT)
            await conn.execute(FUNCTIONS)
            out = {}
            for column, _ in ADDED:
                before = await relfilenode(conn, "product")
                await conn.execute(f'ALTER TABLE "product" ADD {column}')
                out[column] = await relfilenode(conn, "product") != before
            return out
        finally:
            await conn.close()

    rewrites = on_server(body)
    assert rewrites == dict(ADDED)  # the server did what the list says
    write_migration(app, "1_20240102000000_functions.py", FUNCTIONS)
    upgrade = "\n".join(f'ALTER TABLE "product" ADD {column};' for column, _ in ADDED)
    result = found(app, upgrade, ["volatile-default"], name="2_20240103000000_columns.py")
    flagged = {ADDED[f.line - 8][0] for f in result}
    assert flagged == {column for column, rewritten in ADDED if rewritten}
    assert len(result) == len(flagged)  # one finding per statement
    by_column = {ADDED[f.line - 8][0].split()[0].strip('"'): f.message for f in result}
    assert by_column["c_code"] == (
        "adds product.c_code with default CODE_PL(), which calls code_pl(), created VOLATILE "
        "(neither IMMUTABLE nor STABLE): every row of product is rewritten under an ACCESS "
        "EXCLUSIVE lock"
    )
    assert by_column["c_rand_sql"].startswith(
        "adds product.c_rand_sql with default RAND_SQL(), which calls rand_sql(), a SQL "
        "function whose body calls random(): every row"
    )
    assert "calls nested_sql(), a SQL function whose body calls rand_sql()" in by_column["c_nested"]
    assert by_column["c_identity"] == (
        "adds product.c_identity as an identity column: PostgreSQL fills every existing row "
        "from its sequence, so every row of product is rewritten under an ACCESS EXCLUSIVE lock"
    )
    assert by_column["c_stored"].startswith(
        "adds product.c_stored as a stored generated column: PostgreSQL computes it for every "
        "existing row, so every row of product is rewritten"
    )
    assert "a SERIAL column, which calls the volatile nextval()" in by_column["c_serial"]
    assert all(f.severity is Severity.WARNING for f in result)


def test_sql_value_functions_and_constants_are_computed_once(app: Path) -> None:
    """CURRENT_TIMESTAMP, CURRENT_USER, ... (keywords, not catalogued functions) and
    TRIM(...) are evaluated once: no rewrite, no finding."""
    types = {
        "current_timestamp": "TIMESTAMPTZ",
        "current_date": "DATE",
        "current_time": "TIMETZ",
        "localtime": "TIME",
        "localtimestamp": "TIMESTAMP",
    }
    columns = [
        f'"k_{name}" {types.get(name, "TEXT")} DEFAULT {name.upper()}'
        for name in sorted(VALUE_FUNCTIONS - {"trim"})
    ] + ["\"k_trim\" TEXT DEFAULT TRIM(BOTH ' ' FROM ' x ')"]

    async def body(url: str) -> list[str]:
        conn = await connect(url)
        try:
            await conn.execute(PRODUCT)
            rewritten = []
            for column in columns:
                before = await relfilenode(conn, "product")
                await conn.execute(f'ALTER TABLE "product" ADD {column}')
                if await relfilenode(conn, "product") != before:
                    rewritten.append(column)
            return rewritten
        finally:
            await conn.close()

    assert on_server(body) == []
    upgrade = "\n".join(f'ALTER TABLE "product" ADD {column};' for column in columns)
    assert found(app, upgrade, ["volatile-default"]) == []


def test_a_strict_sql_function_is_inlined_only_with_a_strict_body(app: Path) -> None:
    """The rule cannot tell: it says so (a warning with its condition)."""
    functions = (
        "CREATE FUNCTION plus(n INT) RETURNS INT AS 'SELECT n + 1' LANGUAGE sql STRICT;\n"
        "CREATE FUNCTION zero(n INT) RETURNS INT AS 'SELECT coalesce(n, 0)' LANGUAGE sql STRICT;"
    )
    columns = ['"c_plus" INT DEFAULT plus(1)', '"c_zero" INT DEFAULT zero(1)']

    async def body(url: str) -> list[bool]:
        conn = await connect(url)
        try:
            await conn.execute(PRODUCT + functions)
            out = []
            for column in columns:
                before = await relfilenode(conn, "product")
                await conn.execute(f'ALTER TABLE "product" ADD {column}')
                out.append(await relfilenode(conn, "product") != before)
            return out
        finally:
            await conn.close()

    assert on_server(body) == [False, True]  # coalesce is not strict: not inlined
    upgrade = functions + "\n" + "\n".join(f'ALTER TABLE "product" ADD {c};' for c in columns)
    result = found(app, upgrade, ["volatile-default"])
    assert [f.line for f in result] == [10, 11]
    assert result[0].message == (
        "adds product.c_plus with default PLUS(1), which calls plus(), a STRICT SQL function "
        "created VOLATILE: unless PostgreSQL inlines it (only when its body is strict too), "
        "every row of product is rewritten under an ACCESS EXCLUSIVE lock"
    )


def test_a_function_created_earlier_in_the_same_migration_counts(app: Path) -> None:
    upgrade = """
        CREATE FUNCTION region() RETURNS TEXT AS $$ BEGIN RETURN 'eu'; END $$ LANGUAGE plpgsql IMMUTABLE;
        ALTER TABLE "product" ADD "region" TEXT DEFAULT region();
        CREATE OR REPLACE FUNCTION region() RETURNS TEXT AS $$ BEGIN RETURN 'us'; END $$ LANGUAGE plpgsql;
        ALTER TABLE "product" ADD "region2" TEXT DEFAULT region();"""
    result = found(app, upgrade, ["volatile-default"])
    assert summary(result) == [("volatile-default", NAME, "upgrade", 11)]
    assert "calls region(), created VOLATILE" in result[0].message


def test_an_unknown_function_is_a_warning_that_says_it_is_unknown(app: Path) -> None:
    """A function the migrations never create (an extension's, one made by hand) is
    VOLATILE unless declared otherwise, CREATE FUNCTION's default: checked on the
    server with one created without a volatility."""

    async def body(url: str) -> tuple[str, bool]:
        conn = await connect(url)
        try:
            await conn.execute(PRODUCT)
            await conn.execute(
                "CREATE FUNCTION nanoid() RETURNS TEXT AS $$ BEGIN RETURN 'x'; END $$ LANGUAGE plpgsql"
            )
            volatility = await conn.fetchval(
                "SELECT provolatile::text FROM pg_proc WHERE proname = 'nanoid'"
            )
            before = await relfilenode(conn, "product")
            await conn.execute('ALTER TABLE "product" ADD "public_id" TEXT DEFAULT nanoid()')
            return str(volatility), await relfilenode(conn, "product") != before
        finally:
            await conn.close()

    assert on_server(body) == ("v", True)
    (finding,) = found(
        app, 'ALTER TABLE "product" ADD "public_id" TEXT DEFAULT nanoid();', ["volatile-default"]
    )
    assert (finding.rule, finding.line, finding.severity) == (
        "volatile-default",
        8,
        Severity.WARNING,
    )
    assert finding.message == (
        "adds product.public_id with default NANOID(), which calls nanoid(), a function the "
        "linter did not see created: unless it is IMMUTABLE or STABLE (CREATE FUNCTION's "
        "default is VOLATILE), every row of product is rewritten under an ACCESS EXCLUSIVE lock"
    )
    # schema-qualified: the same, with its schema
    (other,) = found(
        app, 'ALTER TABLE "product" ADD "k" TEXT DEFAULT util.make_key();', ["volatile-default"]
    )
    assert "calls util.make_key(), a function the linter did not see created" in other.message


def test_create_function_facts() -> None:
    (fn,) = facts(
        "CREATE OR REPLACE FUNCTION public.Code(n int DEFAULT 8) RETURNS text LANGUAGE sql "
        "STABLE STRICT SECURITY DEFINER SET search_path = public AS 'SELECT md5(random()::text)'"
    )
    assert fn == CreateFunction("", name="code", volatility="STABLE", language="sql")
    (fn,) = facts("CREATE FUNCTION s.f() RETURNS int LANGUAGE sql RETURN 1 + length('ab')")
    assert (fn.name, fn.volatility, fn.inlining, fn.body_calls) == (
        "s.f",
        "VOLATILE",
        "yes",
        ("length",),
    )
    (fn,) = facts(
        "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql RETURNS NULL ON NULL INPUT"
    )
    assert fn.inlining == "strict"
    (fn,) = facts("CREATE FUNCTION f() RETURNS SETOF int AS 'SELECT 1' LANGUAGE sql")
    assert fn.inlining == ""
    (fn,) = facts("CREATE FUNCTION f() RETURNS int LANGUAGE sql STABLE IMMUTABLE RETURN 1")
    assert fn.volatility == ""  # PostgreSQL refuses the conflict: nothing is known
    (add,) = facts('ALTER TABLE "t" ADD "c" TEXT DEFAULT encode(gen_random_bytes(8), \'hex\')')
    assert isinstance(add, AddColumn) and add.default_calls == ("encode", "gen_random_bytes")


# == AL301 / AL302: REINDEX ===============================================================


def test_reindex_locks_on_the_server() -> None:
    """REINDEX INDEX | TABLE: ACCESS EXCLUSIVE on the index (every index of the table),
    SHARE on the table, held until the commit; reads wait too; REINDEX CONCURRENTLY is
    refused in a transaction block."""

    async def body(url: str) -> dict[str, Any]:
        conn = await connect(url)
        out: dict[str, Any] = {}
        try:
            await conn.execute(PRODUCT)
            for kind, target in (("INDEX", '"idx_product_name"'), ("TABLE", '"product"')):
                tr = conn.transaction()
                await tr.start()
                await conn.execute(f"REINDEX {kind} {target}")
                out[kind] = await held(conn)
                out[f"{kind} read"] = await waits(url, 'SELECT count(*) FROM "product"')
                out[f"{kind} write"] = await waits(
                    url, 'INSERT INTO "product" ("name") VALUES (\'x\')'
                )
                await tr.rollback()
            tr = conn.transaction()
            await tr.start()
            out["concurrently"] = await error_of(
                conn, 'REINDEX INDEX CONCURRENTLY "idx_product_name"'
            )
            await tr.rollback()
            out["implicit"] = await error_of(
                conn, 'SELECT 1; REINDEX INDEX CONCURRENTLY "idx_product_name"'
            )
        finally:
            await conn.close()
        return out

    out = on_server(body)
    assert out["INDEX"] == {"product": {"ShareLock"}, "idx_product_name": {"AccessExclusiveLock"}}
    assert out["TABLE"] == {
        "product": {"ShareLock"},
        "idx_product_name": {"AccessExclusiveLock"},
        "product_pkey": {"AccessExclusiveLock"},
    }
    assert out["INDEX read"] and out["INDEX write"] and out["TABLE read"] and out["TABLE write"]
    assert out["concurrently"] == "REINDEX CONCURRENTLY cannot run inside a transaction block"
    assert "cannot run inside a transaction block" in out["implicit"]


def test_reindex_without_concurrently(app: Path) -> None:
    upgrade = """
        REINDEX INDEX "idx_product_name";
        REINDEX TABLE "product";
        REINDEX (VERBOSE) TABLE "sku_new";
        CREATE TABLE "sku_new" ("id" INT);
        REINDEX TABLE "sku_new";
        REINDEX INDEX CONCURRENTLY "idx_product_name";"""
    rules = ["non-concurrent-index", "concurrently-in-transaction", "unrecognized-sql"]
    result = found(app, upgrade, rules)
    assert summary(result) == [
        ("non-concurrent-index", NAME, "upgrade", 8),
        ("non-concurrent-index", NAME, "upgrade", 9),
        # line 10: the complete history never created sku_new, the statement fails there
        # (unknown-object's finding); line 12: a table new in this migration is empty
        ("concurrently-in-transaction", NAME, "upgrade", 13),
    ]
    assert result[0].message == (
        "REINDEX INDEX idx_product_name without CONCURRENTLY: takes an ACCESS EXCLUSIVE lock "
        "on the index and a SHARE lock on product: writes wait, and so do reads (planning a "
        "query on product locks all its indexes), until the migration commits"
    )
    assert "ACCESS EXCLUSIVE lock on every index of product and a SHARE lock" in result[1].message
    assert result[2].message.startswith(
        "REINDEX ... CONCURRENTLY cannot run inside a transaction block"
    )
    # the fix, alone in a RUN_IN_TRANSACTION = False file: quiet
    assert found(app, 'REINDEX INDEX CONCURRENTLY "idx_product_name";', rules, rit=False) == []
    # before PostgreSQL 12 there is no REINDEX CONCURRENTLY: the message says so
    (old,) = found(
        app,
        'REINDEX INDEX "idx_product_name";',
        rules,
        target_versions=[parse_target("postgres:11")],
    )
    assert old.message.endswith(
        "(REINDEX CONCURRENTLY needs PostgreSQL 12: on postgres 11, build a new index "
        "CONCURRENTLY and drop the old one)"
    )
    (lock,) = found(app, 'REINDEX TABLE "product";', ["lock-timeout"])
    assert lock.message.startswith(
        "REINDEX locks product (SHARE, and ACCESS EXCLUSIVE on its indexes) with no SET "
        "lock_timeout before it"
    )


def test_reindex_facts() -> None:
    assert facts('REINDEX (VERBOSE, TABLESPACE x) TABLE CONCURRENTLY "s"."Big"') == [
        Reindex("s.Big", kind="TABLE", name="s.Big", concurrently=True)
    ]
    assert facts("REINDEX (CONCURRENTLY) INDEX public.idx") == [
        Reindex("", kind="INDEX", name="idx", concurrently=True)
    ]
    assert facts("REINDEX SCHEMA app") == [Reindex("", kind="SCHEMA", name="app")]
    assert facts("REINDEX garbage here") == []


# == AL301 / AL302: DETACH PARTITION ========================================================

PARTITIONS = """
CREATE TABLE "event" ("id" INT, "day" DATE NOT NULL) PARTITION BY RANGE ("day");
CREATE TABLE "event_2023" PARTITION OF "event" FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE "event_2024" PARTITION OF "event" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO "event" SELECT g, DATE '2023-01-01' + g FROM generate_series(1, 600) g;
"""


def test_detach_partition_on_the_server() -> None:
    """Plain DETACH: ACCESS EXCLUSIVE on the parent and the partition. CONCURRENTLY:
    refused in a transaction block (an implicit one too); SHARE UPDATE EXCLUSIVE on both
    (seen while it waits). FINALIZE (of a detach that was interrupted) runs in a
    transaction, with SHARE UPDATE EXCLUSIVE on the parent."""

    async def body(url: str) -> dict[str, Any]:
        conn = await connect(url)
        out: dict[str, Any] = {}
        try:
            await conn.execute(PARTITIONS)
            tr = conn.transaction()
            await tr.start()
            await conn.execute('ALTER TABLE "event" DETACH PARTITION "event_2023"')
            out["plain"] = await held(conn)
            out["plain read"] = await waits(url, 'SELECT count(*) FROM "event"')
            await tr.rollback()
            tr = conn.transaction()
            await tr.start()
            out["in transaction"] = await error_of(
                conn, 'ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY'
            )
            await tr.rollback()
            out["implicit"] = await error_of(
                conn, 'SELECT 1; ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY'
            )
            # an old transaction that has read the partition holds the detach up, at its
            # first step (the lock on the partition), then in its wait for old snapshots,
            # where it is cancelled: the partition stays pending detach
            reader = await connect(url)
            detacher = await connect(url)
            try:
                await reader.execute(
                    'BEGIN; LOCK TABLE "event_2023" IN SHARE UPDATE EXCLUSIVE MODE'
                )
                pid = await detacher.fetchval("SELECT pg_backend_pid()")
                task = asyncio.ensure_future(
                    detacher.execute(
                        'ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY'
                    )
                )
                await waiting(conn, pid, "relation")
                rows = await conn.fetch(
                    "SELECT relation::regclass::text AS rel, mode FROM pg_locks "
                    "WHERE pid = $1 AND locktype = 'relation'",
                    pid,
                )
                out["concurrently"] = {(r["rel"], r["mode"]) for r in rows}
                await reader.execute('COMMIT; BEGIN; SELECT count(*) FROM "event"')
                await waiting(conn, pid, "virtualxid")  # for the old snapshot to go
                await conn.execute("SELECT pg_cancel_backend($1)", pid)
                out["cancelled"] = await asyncio.gather(task, return_exceptions=True)
                await reader.execute("COMMIT")
            finally:
                await reader.close()
                await detacher.close()
            out["pending"] = await conn.fetchval(
                "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = 'event_2023'::regclass"
            )
            tr = conn.transaction()
            await tr.start()
            await conn.execute('ALTER TABLE "event" DETACH PARTITION "event_2023" FINALIZE')
            out["finalize"] = await held(conn)
            await tr.commit()
        finally:
            await conn.close()
        return out

    out = on_server(body)
    assert out["plain"] == {"event": {"AccessExclusiveLock"}, "event_2023": {"AccessExclusiveLock"}}
    assert out["plain read"]
    assert (
        out["in transaction"]
        == "ALTER TABLE ... DETACH CONCURRENTLY cannot run inside a transaction block"
    )
    assert "cannot run inside a transaction block" in out["implicit"]
    assert out["concurrently"] == {
        ("event", "ShareUpdateExclusiveLock"),
        ("event_2023", "ShareUpdateExclusiveLock"),
    }
    assert "canceling statement due to user request" in str(out["cancelled"][0])
    assert out["pending"] is True
    assert out["finalize"] == {
        "event": {"ShareUpdateExclusiveLock"},
        "event_2023": {"AccessExclusiveLock"},
    }


def test_detach_partition(app: Path) -> None:
    rules = [
        "non-concurrent-index",
        "concurrently-in-transaction",
        "unrecognized-sql",
        "lock-timeout",
    ]
    upgrade = """
        ALTER TABLE "event" DETACH PARTITION "event_2023";
        ALTER TABLE "event" DETACH PARTITION "event_2023" FINALIZE;
        ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY;"""
    result = found(app, upgrade, rules, target_versions=PG14)
    assert summary(result) == [
        ("lock-timeout", NAME, "upgrade", 8),
        ("non-concurrent-index", NAME, "upgrade", 8),
        ("concurrently-in-transaction", NAME, "upgrade", 10),
    ]
    assert result[1].message == (
        "DETACH PARTITION event_2023 without CONCURRENTLY: takes an ACCESS EXCLUSIVE lock on "
        "event and on event_2023, and every query on event queues behind it"
    )
    assert result[2].message == (
        "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run inside a transaction "
        "block: this migration runs in a transaction (RUN_IN_TRANSACTION = True)"
    )
    concurrently = 'ALTER TABLE "event" DETACH PARTITION "event_2023" CONCURRENTLY;'
    # the fix, alone: quiet
    assert found(app, concurrently, rules, rit=False, target_versions=PG14) == []
    # before PostgreSQL 14 (the default target is 13) there is no CONCURRENTLY
    (old,) = found(
        app, 'ALTER TABLE "event" DETACH PARTITION "event_2023";', ["non-concurrent-index"]
    )
    assert old.message.endswith(
        "(DETACH PARTITION ... CONCURRENTLY needs PostgreSQL 14: on postgres 13 there is no "
        "way around the lock)"
    )
    assert facts('ALTER TABLE IF EXISTS ONLY app.event DETACH PARTITION app."E1" CONCURRENTLY') == [
        TableCommand("app.event", "DETACH PARTITION", name="app.E1", mode="CONCURRENTLY")
    ]


# == AL304 set-not-null on a column added in the same migration ===========================


def test_set_not_null_on_a_new_column_on_the_server() -> None:
    """Nullable, no default, no backfill: SET NOT NULL fails on the first row. Backfilled:
    it succeeds under ACCESS EXCLUSIVE, after a full scan (seq_scan). Declared NOT NULL
    DEFAULT in the ADD COLUMN: neither a scan nor a rewrite."""

    async def body(url: str) -> dict[str, Any]:
        conn = await connect(url)
        out: dict[str, Any] = {}
        try:
            await conn.execute(PRODUCT + 'CREATE TABLE "control" ("id" INT)')
            tr = conn.transaction()
            await tr.start()
            await conn.execute('ALTER TABLE "product" ADD "weight" INT')
            out["fails"] = await error_of(
                conn, 'ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL'
            )
            await tr.rollback()
            tr = conn.transaction()
            await tr.start()
            await conn.execute('ALTER TABLE "product" ADD "weight" INT')
            await conn.execute('UPDATE "product" SET "weight" = 0')
            await conn.execute('ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL')
            out["locks"] = (await held(conn))["product"]
            await tr.rollback()

            async def scans(sql: str) -> tuple[int, bool]:
                work = await connect(url)
                try:
                    await work.execute('TRUNCATE "control"; SELECT pg_stat_reset()')
                    before_file = await relfilenode(work, "product")
                    await work.execute(f'BEGIN; {sql}; SELECT count(*) FROM "control"; COMMIT')
                    rewritten = await relfilenode(work, "product") != before_file
                finally:
                    await work.close()
                return await seq_scans(url, "product", "control"), rewritten

            out["default then set"] = await scans(
                'ALTER TABLE "product" ADD "a" INT DEFAULT 0; '
                'ALTER TABLE "product" ALTER COLUMN "a" SET NOT NULL'
            )
            out["not null default"] = await scans(
                'ALTER TABLE "product" ADD "b" INT NOT NULL DEFAULT 0'
            )
        finally:
            await conn.close()
        return out

    out = on_server(body)
    assert out["fails"] == 'column "weight" of relation "product" contains null values'
    assert "AccessExclusiveLock" in out["locks"]
    assert out["default then set"] == (1, False)  # one full scan, no rewrite
    assert out["not null default"] == (0, False)  # neither


def test_set_not_null_on_a_column_added_in_the_same_migration(app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" ADD "weight" INT;
        ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL;
        ALTER TABLE "product" ADD "height" INT;
        UPDATE "product" SET "height" = 0 WHERE "height" IS NULL;
        ALTER TABLE "product" ALTER COLUMN "height" SET NOT NULL;
        ALTER TABLE "product" ADD "depth" INT DEFAULT 0;
        ALTER TABLE "product" ALTER COLUMN "depth" SET NOT NULL;
        ALTER TABLE "product" ADD "width" INT NOT NULL DEFAULT 0;
        ALTER TABLE "product" ALTER COLUMN "width" SET NOT NULL;
        CREATE TABLE "box" ("id" INT);
        ALTER TABLE "box" ADD "size" INT;
        ALTER TABLE "box" ALTER COLUMN "size" SET NOT NULL;"""
    result = found(app, upgrade, ["set-not-null"])
    assert [(f.line, f.severity) for f in result] == [
        (9, Severity.ERROR),
        (12, Severity.WARNING),
        (14, Severity.WARNING),
    ]
    assert result[0].message == (
        "SET NOT NULL on product.weight, added at line 8 without a default and not filled "
        'since: every existing row holds NULL, so the migration fails (column "weight" of '
        'relation "product" contains null values) as soon as product has a row'
    )
    assert result[1].message == (
        "SET NOT NULL on product.height scans the whole table under an ACCESS EXCLUSIVE "
        "lock, and fails if a row holds NULL"
    )
    assert result[2].message.endswith(
        "(declare it NOT NULL in the ADD COLUMN at line 13 instead: with its default that "
        "needs no scan)"
    )
    # a statement the linter cannot read may have filled it: the usual warning
    unknown = """
        ALTER TABLE "product" ADD "weight" INT;
        DO $$ BEGIN UPDATE "product" SET "weight" = 0; END $$;
        ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL;"""
    (maybe,) = found(app, unknown, ["set-not-null"])
    assert (maybe.line, maybe.severity) == (10, Severity.WARNING)
    # a CHECK (weight IS NOT NULL) added before proves it (PostgreSQL 12+): quiet
    proven = """
        ALTER TABLE "product" ADD "weight" INT DEFAULT 0;
        ALTER TABLE "product" ADD CONSTRAINT "w_nn" CHECK ("weight" IS NOT NULL);
        ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL;"""
    assert found(app, proven, ["set-not-null"]) == []


# == AL309 lock-timeout ======================================================================


def test_lock_table_modes_and_lock_timeout_on_the_server() -> None:
    """The mode each LOCK TABLE takes, whether plain reads or ordinary writes wait for it,
    NOWAIT, and which statements set lock_timeout for what follows."""

    async def body(url: str) -> dict[str, Any]:
        conn = await connect(url)
        out: dict[str, Any] = {"modes": {}}
        try:
            await conn.execute(PRODUCT)
            for mode in [*postgres.LOCK_MODES, ""]:
                tr = conn.transaction()
                await tr.start()
                await conn.execute(f'LOCK TABLE "product"{f" IN {mode} MODE" if mode else ""}')
                out["modes"][mode] = (
                    (await held(conn))["product"],
                    await waits(url, 'SELECT count(*) FROM "product"'),
                    await waits(url, 'INSERT INTO "product" ("name") VALUES (\'x\')'),
                )
                await tr.rollback()
            holder = await connect(url)
            try:
                await holder.execute('BEGIN; LOCK TABLE "product"')
                started = asyncio.get_running_loop().time()
                tr = conn.transaction()
                await tr.start()
                out["nowait"] = await error_of(conn, 'LOCK TABLE "product" IN SHARE MODE NOWAIT')
                await tr.rollback()
                out["nowait seconds"] = asyncio.get_running_loop().time() - started
            finally:
                await holder.close()

            async def after(sql: str) -> str:
                await conn.execute("RESET lock_timeout")
                await conn.execute(sql)
                return str(await conn.fetchval("SHOW lock_timeout"))

            out["set local alone"] = await after("SET LOCAL lock_timeout = '5s'")
            out["set_config local alone"] = await after(
                "SELECT set_config('lock_timeout', '5s', true)"
            )
            out["set_config session"] = await after(
                "SELECT set_config('lock_timeout', '5s', false)"
            )
            out["custom"] = await after("SET app.lock_timeout = '5s'")
            out["session"] = await after("SET SESSION lock_timeout TO '5s'")
            out["reset"] = await after("SET lock_timeout = '5s'; RESET lock_timeout")
            await conn.execute(
                "SET LOCAL lock_timeout = '5s'; "
                "CREATE TEMP TABLE seen AS SELECT current_setting('lock_timeout') AS v"
            )
            out["set local in a script"] = await conn.fetchval("SELECT v FROM seen")
        finally:
            await conn.close()
        return out

    out = on_server(body)
    modes = out["modes"]
    assert modes[""][0] == {"AccessExclusiveLock"}  # LOCK TABLE's default
    for mode in postgres.LOCK_MODES:
        assert modes[mode][0] == {mode.title().replace(" ", "") + "Lock"}
    blocking = {m for m, (_, read, write) in modes.items() if m and (read or write)}
    assert blocking == {"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}
    assert {m for m, (_, read, _) in modes.items() if read} == {"ACCESS EXCLUSIVE", ""}
    assert out["nowait"] == 'could not obtain lock on relation "product"'
    assert out["nowait seconds"] < 1
    assert out["set local alone"] == "0" and out["set_config local alone"] == "0"
    assert out["set_config session"] == "5s" and out["session"] == "5s"
    assert out["custom"] == "0" and out["reset"] == "0"
    assert out["set local in a script"] == "5s"  # a script runs as one implicit transaction


def test_lock_table_is_reported_for_the_modes_that_block(app: Path) -> None:
    reported = {}
    for mode in postgres.LOCK_MODES:
        result = found(app, f'LOCK TABLE "product" IN {mode} MODE;', ["lock-timeout"])
        reported[mode] = [f.message.split(" with ")[0] for f in result]
    assert reported == {
        "SHARE UPDATE EXCLUSIVE": [],
        "SHARE ROW EXCLUSIVE": ["LOCK TABLE locks product (SHARE ROW EXCLUSIVE)"],
        "ACCESS EXCLUSIVE": ["LOCK TABLE locks product (ACCESS EXCLUSIVE)"],
        "ROW EXCLUSIVE": [],
        "ACCESS SHARE": [],
        "EXCLUSIVE": ["LOCK TABLE locks product (EXCLUSIVE)"],
        "ROW SHARE": [],
        "SHARE": ["LOCK TABLE locks product (SHARE)"],
    }
    (default,) = found(app, 'LOCK "product";', ["lock-timeout"])
    assert default.message.startswith("LOCK TABLE locks product (ACCESS EXCLUSIVE)")
    assert (
        found(app, 'LOCK TABLE "product" IN ACCESS EXCLUSIVE MODE NOWAIT;', ["lock-timeout"]) == []
    )
    (second,) = found(app, 'LOCK TABLE "new", "product" IN SHARE MODE;', ["lock-timeout"])
    assert second.message.startswith("LOCK TABLE locks product (SHARE)")
    assert facts('LOCK TABLE ONLY "a", s.b * IN ROW EXCLUSIVE MODE NOWAIT') == [
        TableCommand("a", "LOCK TABLE", mode="ROW EXCLUSIVE", nowait=True),
        TableCommand("s.b", "LOCK TABLE", mode="ROW EXCLUSIVE", nowait=True),
    ]
    assert facts("LOCK TABLE t IN NO SUCH MODE") == []


@pytest.mark.parametrize(
    "setting, reported",
    [
        ("SET app.lock_timeout = '5s';", True),  # a custom setting, not lock_timeout
        ("SET LOCAL lock_timeout = '5s';", False),
        ("SET SESSION lock_timeout = '5s';", False),
        ("SET lock_timeout TO '5s';", False),
        ("SET lock_timeout TO 5000;", False),
        ("SELECT set_config('lock_timeout', '5s', false);", False),
        ("SELECT set_config('lock_timeout', '5s', true);", False),  # aerich's transaction
        ("SELECT pg_catalog.set_config('lock_timeout', '5s', false);", False),
        ("SET lock_timeout = '0ms';", True),
        ("SET lock_timeout TO DEFAULT;", True),
        ("SET lock_timeout = '5s';\nRESET lock_timeout;", True),
        ("SET lock_timeout = '5s';\nRESET ALL;", True),
        ("SET LOCAL lock_timeout = '5s';\nSET LOCAL lock_timeout = 0;", True),
    ],
)
def test_what_sets_lock_timeout(app: Path, setting: str, reported: bool) -> None:
    result = found(app, f'{setting}\nALTER TABLE "product" ADD "x" INT;', ["lock-timeout"])
    line = 8 + setting.count("\n") + 1
    assert summary(result) == ([("lock-timeout", NAME, "upgrade", line)] if reported else [])


def test_set_local_does_not_reach_another_transaction(app: Path) -> None:
    """RUN_IN_TRANSACTION = False: a SET LOCAL sent by itself does nothing (no
    transaction block); one in the same returned script does (an implicit one)."""
    path = app / NAME
    path.write_text(
        "RUN_IN_TRANSACTION = False\n\n\nasync def upgrade(db) -> str:\n"
        "    await db.execute_script(\"SET LOCAL lock_timeout = '5s'\")\n"
        '    return \'ALTER TABLE "product" ADD "x" INT\'\n\n\n'
        'async def downgrade(db) -> str:\n    return \'ALTER TABLE "product" DROP COLUMN "x"\'\n'
    )
    finding, rollback = lint(path, only=["lock-timeout"]).findings
    assert (finding.line, finding.section, rollback.section) == (6, "upgrade", "downgrade")
    assert finding.message.endswith(
        "(the SET LOCAL lock_timeout at line 5 does not reach it: it lasts until its own "
        "transaction ends, and alone outside a transaction block it does nothing)"
    )
    script = 'SET LOCAL lock_timeout = \'5s\';\nALTER TABLE "product" ADD "x" INT;'
    assert found(app, script, ["lock-timeout"], rit=False) == []


def test_set_facts() -> None:
    assert facts("SET LOCAL lock_timeout = '5s'") == [Setting("", "lock_timeout", "5s", local=True)]
    assert facts("SELECT set_config('lock_timeout', '1s', true)") == [
        Setting("", "lock_timeout", "1s", local=True)
    ]
    assert facts("RESET lock_timeout") == [Setting("", "lock_timeout", "DEFAULT")]
    # forms sqlglot keeps opaque: understood, not unrecognized-sql
    assert facts("SET search_path TO app, public") == [Setting("", "search_path", "app , public")]
    assert facts("SET TIME ZONE 'UTC'") == [Setting("", "time zone", "UTC")]
    assert facts("SET LOCAL ROLE admin") == [Setting("", "role", "admin", local=True)]


def test_opaque_set_forms_are_understood(app: Path) -> None:
    upgrade = """
        SET search_path TO public, app;
        SET TIME ZONE 'UTC';
        SET ROLE migrator;
        SET SESSION AUTHORIZATION migrator;
        SET CONSTRAINTS ALL DEFERRED;
        ALTER TABLE "product" DROP COLUMN "sku";"""
    # not unrecognized, and the history stays readable after them: drop-column still reports
    assert summary(found(app, upgrade, ["unrecognized-sql", "drop-column"])) == [
        ("drop-column", NAME, "upgrade", 13)
    ]


# == AL111 non-transactional: a lone CREATE INDEX CONCURRENTLY =================================


def test_failed_concurrent_index_is_left_invalid_on_the_server() -> None:
    """A unique build on duplicate rows fails and leaves an INVALID index; a rerun with
    IF NOT EXISTS succeeds with a notice and keeps it invalid; one without fails."""

    async def body(url: str) -> dict[str, Any]:
        conn = await connect(url)
        notices: list[str] = []
        conn.add_log_listener(lambda _c, message: notices.append(str(message.message)))
        out: dict[str, Any] = {}
        try:
            await conn.execute(PRODUCT + 'UPDATE "product" SET "sku" = \'same\' WHERE "id" <= 2')
            sql = 'CREATE UNIQUE INDEX CONCURRENTLY {} "uid_product_sku" ON "product" ("sku")'
            out["first"] = await error_of(conn, sql.format(""))
            valid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'uid_product_sku'::regclass"
            out["valid after failure"] = await conn.fetchval(valid)
            out["rerun"] = await error_of(conn, sql.format(""))
            out["rerun if not exists"] = await error_of(conn, sql.format("IF NOT EXISTS"))
            await asyncio.sleep(0.1)
            out["notices"] = list(notices)
            out["valid after rerun"] = await conn.fetchval(valid)
        finally:
            await conn.close()
        return out

    out = on_server(body)
    assert out["first"] == (
        'could not create unique index "uid_product_sku"\nDETAIL:  Key (sku)=(same) is duplicated.'
    )
    assert out["valid after failure"] is False
    assert out["rerun"] == 'relation "uid_product_sku" already exists'
    assert out["rerun if not exists"] == ""  # succeeds
    assert out["notices"] == ['relation "uid_product_sku" already exists, skipping']
    assert out["valid after rerun"] is False


def test_a_lone_concurrent_index_says_a_failure_leaves_it_invalid(app: Path) -> None:
    rules = ["non-transactional", "concurrently-in-transaction"]
    sql = 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "uid_product_sku" ON "product" ("sku");'
    (finding,) = found(app, sql, rules, rit=False)
    assert (finding.rule, finding.line, finding.section, finding.severity) == (
        "non-transactional",
        8,
        "upgrade",
        Severity.INFO,
    )
    assert finding.message == (
        "CREATE UNIQUE INDEX CONCURRENTLY uid_product_sku is not atomic: a failed build "
        "(duplicate values, a deadlock, a timeout) leaves uid_product_sku behind, INVALID and "
        "unused by queries, and it must be dropped (DROP INDEX CONCURRENTLY IF EXISTS "
        "uid_product_sku) before the upgrade runs again; with IF NOT EXISTS a rerun succeeds "
        "with only a notice and silently keeps the invalid index"
    )
    (plain,) = found(
        app, 'CREATE INDEX CONCURRENTLY "idx_product_sku" ON "product" ("sku");', rules, rit=False
    )
    assert plain.message.endswith(
        '; until then a rerun fails (relation "idx_product_sku" already exists)'
    )
    assert "(a deadlock, a timeout)" in plain.message
    # any other single statement: quiet
    for other in (
        'DROP INDEX CONCURRENTLY "idx_product_name";',
        'REINDEX INDEX CONCURRENTLY "idx_product_name";',
        'ALTER TABLE "product" ADD "x" INT;',
    ):
        assert found(app, other, rules, rit=False) == [], other
    assert "lone CREATE INDEX CONCURRENTLY" in BY_NAME["non-transactional"].summary


# == tables outside the visible history ========================================================


def test_a_history_starting_at_version_3_gets_the_findings(tmp_path: Path) -> None:
    """Files 3 and 4 only: orders was created in a file that is gone (squashed), so it is
    live and every locking finding applies; the function file 3 creates is known."""
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder,
        "3_20240103000000_code.py",
        "CREATE FUNCTION make_code() RETURNS TEXT AS $$ BEGIN RETURN md5(random()::text); END $$ LANGUAGE plpgsql;",
    )
    path = write_migration(
        folder,
        "4_20240104000000_orders.py",
        """
        REINDEX INDEX "idx_orders_code";
        REINDEX TABLE "orders";
        ALTER TABLE "orders" DETACH PARTITION "orders_2023";
        ALTER TABLE "orders" ADD "weight" INT;
        ALTER TABLE "orders" ALTER COLUMN "weight" SET NOT NULL;
        ALTER TABLE "orders" ADD "code" TEXT DEFAULT make_code();
        LOCK TABLE "orders" IN SHARE MODE;""",
    )
    rules = ["non-concurrent-index", "set-not-null", "volatile-default", "lock-timeout"]
    result = lint(path, only=rules, target_versions=PG14).findings
    assert summary(result) == [
        ("lock-timeout", path.name, "upgrade", 8),
        ("non-concurrent-index", path.name, "upgrade", 8),
        ("non-concurrent-index", path.name, "upgrade", 9),
        ("non-concurrent-index", path.name, "upgrade", 10),
        ("set-not-null", path.name, "upgrade", 12),
        ("volatile-default", path.name, "upgrade", 13),
    ]
    messages = [f.message for f in result]
    assert "SHARE lock on its table" in messages[1]  # the index's table is not known
    assert "(and 6 more statement(s) after it)" in messages[0]
    assert result[4].severity is Severity.ERROR
    assert "calls make_code(), created VOLATILE" in messages[5]


# == bad input never raises ================================================================

NASTY = [
    "REINDEX",
    "REINDEX (",
    "REINDEX ((((((VERBOSE",
    "REINDEX INDEX",
    "REINDEX TABLE a b c",
    "REINDEX INDEX CONCURRENTLY",
    "LOCK",
    "LOCK TABLE",
    "LOCK TABLE ,,,",
    "LOCK TABLE t IN",
    "LOCK TABLE t IN MODE",
    "LOCK TABLE ONLY",
    "LOCK TABLE t *, * IN SHARE MODE",
    "CREATE FUNCTION",
    "CREATE FUNCTION (",
    "CREATE FUNCTION f(",
    "CREATE FUNCTION f((((() RETURNS",
    "CREATE FUNCTION f() RETURN",
    "CREATE FUNCTION f() AS",
    "CREATE FUNCTION f() LANGUAGE",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT ( $$",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2'",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'DROP TABLE x'",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN ((((",
    "CREATE OR REPLACE FUNCTION \"\"() RETURNS int AS '' LANGUAGE ''",
    "SET",
    "SET LOCAL",
    "SET x TO",
    "SET = 1",
    "SET TIME",
    "RESET",
    "RESET a b",
    "ALTER TABLE t DETACH PARTITION",
    "ALTER TABLE DETACH PARTITION x",
    "ALTER TABLE t DETACH PARTITION p CONCURRENTLY FINALIZE garbage",
    "SELECT set_config()",
    "SELECT set_config(1, 2, 3)",
    "SELECT set_config('lock_timeout', now(), 'x')",
    "ALTER TABLE t ADD c INT DEFAULT ((((((((1))))))))",
    "ALTER TABLE t ADD c INT DEFAULT f(g(h(i(j(k())))))",
    "ALTER TABLE t ADD c INT GENERATED ALWAYS AS",
    "ALTER TABLE t ADD c INT DEFAULT " + "(" * 3000 + "1" + ")" * 3000,
    'REINDEX TABLE "unterminated',
    "LOCK TABLE 'str' IN SHARE MODE",
    "CREATE FUNCTION ä() RETURNS int AS $x$ ü $x$ LANGUAGE sql",
]


def test_nasty_input_never_raises() -> None:
    import random

    for sql in NASTY:
        facts(sql)
        postgres.command_facts("CREATE FUNCTION", sql)
        postgres.command_facts("LOCK TABLE", sql)
        postgres.command_facts("REINDEX", sql)
        postgres.command_facts("SET", sql)
        postgres.command_facts("RESET", sql)
        tokens = postgres.tokens_of(sql)
        postgres.create_function(tokens, sql)
    words = ["REINDEX", "LOCK", "TABLE", "INDEX", "(", ")", ",", "CREATE", "FUNCTION", "f", "AS",
             "$$", "'", "RETURN", "SET", "LOCAL", "TO", "=", "DETACH", "PARTITION", "ALTER",
             "IN", "MODE", "SHARE", "NOWAIT", "CONCURRENTLY", ".", "*", "LANGUAGE", "sql"]  # fmt: skip
    rng = random.Random(4)
    for _ in range(400):
        sql = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        facts(sql)
        for command in ("CREATE FUNCTION", "LOCK TABLE", "REINDEX", "SET", "RESET"):
            postgres.command_facts(command, sql)


# == the cache =================================================================================


def test_functions_survive_the_stored_replay_state(tmp_path: Path) -> None:
    """A run on the newest file resumes the replay from a stored state: the functions
    earlier files created are in it (warm and cold give the same findings)."""
    import json

    from conftest import cli

    project = tmp_path / "project"
    folder = project / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    write_migration(
        folder,
        "1_20240102000000_functions.py",
        "CREATE FUNCTION region() RETURNS TEXT AS $$ BEGIN RETURN 'eu'; END $$ LANGUAGE plpgsql IMMUTABLE;\n"
        "CREATE FUNCTION code_pl() RETURNS TEXT AS $$ BEGIN RETURN 'x'; END $$ LANGUAGE plpgsql;",
    )
    newest = write_migration(
        folder,
        "2_20240103000000_columns.py",
        'ALTER TABLE "product" ADD "region" TEXT DEFAULT region();\n'
        'ALTER TABLE "product" ADD "code" TEXT DEFAULT code_pl();',
    )

    def run(*args: str) -> list[tuple[str, int, str]]:
        proc = cli(
            "--format", "json", "--dialect", "postgres", "--select", "volatile-default",
            *args, str(newest.relative_to(project)), cwd=project,
        )  # fmt: skip
        assert proc.returncode in (0, 1), proc.stderr
        return [(f["rule"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"]]

    cold = run("--no-cache")
    assert [(rule, line) for rule, line, _ in cold] == [("volatile-default", 9)]
    for _ in range(3):  # the first run stores the state before the file, the next use it
        assert run() == cold


def test_the_review_names_the_new_facts(app: Path) -> None:
    from aerich_lint.report.review import build

    write_migration(
        app,
        NAME,
        """
        CREATE FUNCTION make_code() RETURNS TEXT AS $$ BEGIN RETURN 'x'; END $$ LANGUAGE plpgsql;
        REINDEX TABLE "product";
        ALTER TABLE "event" DETACH PARTITION "event_2023";
        LOCK TABLE "product" IN SHARE MODE;""",
    )
    result = lint(app, only=None, history=True)
    (review,) = [r for r in build(result) if r.name.startswith("1_")]
    assert review.actions[:4] == [
        "creates function `make_code` (VOLATILE)",
        "rebuilds the indexes of TABLE `product`",
        "runs DETACH PARTITION `event_2023` on `event`",
        "runs LOCK TABLE on `product`",
    ]
