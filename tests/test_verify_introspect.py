"""Schema snapshots, their comparison, and the synthetic rows of verify, on real
servers: PostgreSQL and MariaDB/MySQL from AERICH_LINT_TEST_POSTGRES_URL and
AERICH_LINT_TEST_MYSQL_URL (skipped when unset), SQLite always. Each test runs
in its own scratch database and checks that it is dropped afterwards."""

from __future__ import annotations

import asyncio
import datetime
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from aerich_lint.model import Dialect
from aerich_lint.verify.database import Scratch, Server
from aerich_lint.verify.introspect import Column, ForeignKey, Schema, Table, compare, snapshot
from aerich_lint.verify.rows import UUID, clear_rows, fill_empty_tables
from conftest import scratch_databases, server_url

T = TypeVar("T")
Body = Callable[[Any, Scratch], Awaitable[T]]


def on_scratch(url: str, body: Body[T]) -> T:
    """Run ``body(client, scratch)`` in a new scratch database, and check that it is
    gone afterwards (by its own name: other runs may use the server meanwhile)."""
    names: list[str] = []

    async def main() -> T:
        scratch = Scratch(Server.parse(url))
        names.append(scratch.name)
        await scratch.create()
        try:
            client = await scratch.connect()
            try:
                return await body(client, scratch)
            finally:
                await scratch.disconnect()
        finally:
            await scratch.drop()

    result = asyncio.run(main())
    assert scratch_databases(url).isdisjoint(names), f"{names} was left behind"
    return result


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def server(request: pytest.FixtureRequest) -> str:
    """Each engine's test server (skipped when its variable is unset)."""
    return server_url(request.param)


@pytest.fixture
def postgres() -> str:
    return server_url("postgres")


@pytest.fixture
def mysql() -> str:
    return server_url("mysql")


@pytest.fixture
def sqlite() -> str:
    return server_url("sqlite")


async def run_sql(client: Any, sql: str) -> None:
    """Statements separated by ';' at line ends, one at a time."""
    for statement in re.split(r";\s*\n", sql.strip()):
        if statement.strip():
            await client.execute_script(statement.strip().rstrip(";"))


async def rows_of(client: Any, engine: Dialect, table: str) -> list[dict[str, Any]]:
    q = "`" if engine is Dialect.MYSQL else '"'
    return list(await client.execute_query_dict(f"SELECT * FROM {q}{table}{q}"))


# The same small schema on each engine: a FK chain (product -> category), a
# nullable self-reference, a CHECK, a composite UNIQUE, a plain index, a view
# and a table with nothing but an auto-increment key.
SCHEMA = {
    Dialect.POSTGRES: """
        CREATE TABLE "category" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(50) NOT NULL UNIQUE, "slug" VARCHAR(30) DEFAULT 'x', "note" TEXT);
        CREATE TABLE "product" (
            "id" SERIAL NOT NULL PRIMARY KEY, "sku" VARCHAR(50) NOT NULL, "price" NUMERIC(10,2) NOT NULL DEFAULT 0,
            "category_id" INT NOT NULL, "parent_id" INT,
            CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE CASCADE,
            CONSTRAINT "fk_product_parent" FOREIGN KEY ("parent_id") REFERENCES "product" ("id"),
            CONSTRAINT "ck_price" CHECK ("price" >= 0),
            CONSTRAINT "uid_sku" UNIQUE ("sku", "category_id"));
        CREATE INDEX "idx_product_sku" ON "product" ("sku");
        CREATE INDEX "idx_product_price" ON "product" ("price");
        CREATE TABLE "counter" ("id" SERIAL NOT NULL PRIMARY KEY);
        CREATE VIEW "cheap" AS SELECT "id" FROM "product" WHERE "price" < 10;
    """,
    Dialect.MYSQL: """
        CREATE TABLE `category` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(50) NOT NULL UNIQUE, `slug` VARCHAR(30) DEFAULT 'x', `note` LONGTEXT);
        CREATE TABLE `product` (
            `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `sku` VARCHAR(50) NOT NULL, `price` DECIMAL(10,2) NOT NULL DEFAULT 0,
            `category_id` INT NOT NULL, `parent_id` INT,
            CONSTRAINT `fk_product_category` FOREIGN KEY (`category_id`) REFERENCES `category` (`id`) ON DELETE CASCADE,
            CONSTRAINT `fk_product_parent` FOREIGN KEY (`parent_id`) REFERENCES `product` (`id`),
            CONSTRAINT `ck_price` CHECK (`price` >= 0),
            CONSTRAINT `uid_sku` UNIQUE (`sku`, `category_id`));
        CREATE INDEX `idx_product_sku` ON `product` (`sku`);
        CREATE INDEX `idx_product_price` ON `product` (`price`);
        CREATE TABLE `counter` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT);
        CREATE VIEW `cheap` AS SELECT `id` FROM `product` WHERE `price` < 10;
    """,
    Dialect.SQLITE: """
        CREATE TABLE "category" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "name" VARCHAR(50) NOT NULL UNIQUE, "slug" VARCHAR(30) DEFAULT 'x', "note" TEXT);
        CREATE TABLE "product" (
            "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "sku" VARCHAR(50) NOT NULL, "price" DECIMAL(10,2) NOT NULL DEFAULT 0,
            "category_id" INT NOT NULL, "parent_id" INT,
            CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE CASCADE,
            CONSTRAINT "fk_product_parent" FOREIGN KEY ("parent_id") REFERENCES "product" ("id"),
            CONSTRAINT "ck_price" CHECK ("price" >= 0),
            CONSTRAINT "uid_sku" UNIQUE ("sku", "category_id"));
        CREATE INDEX "idx_product_sku" ON "product" ("sku");
        CREATE INDEX "idx_product_price" ON "product" ("price");
        CREATE TABLE "counter" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL);
        CREATE VIEW "cheap" AS SELECT "id" FROM "product" WHERE "price" < 10;
    """,
}


# --- snapshot -------------------------------------------------------------------------


def test_a_new_scratch_database_snapshots_empty(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> Schema:
        return await snapshot(client, scratch.engine)

    schema = on_scratch(server, body)
    assert schema.tables == {}
    assert schema.others == {}  # PostgreSQL's built-in plpgsql extension is not listed


def test_snapshot_reads_columns_keys_indexes_and_constraints(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[Schema, Schema]:
        await run_sql(client, SCHEMA[scratch.engine])
        first = await snapshot(client, scratch.engine)
        q = "`" if scratch.engine is Dialect.MYSQL else '"'
        await client.execute_script(f"INSERT INTO {q}counter{q} ({q}id{q}) VALUES (7)")
        return first, await snapshot(client, scratch.engine)

    engine = Server.parse(server).engine
    schema, later = on_scratch(server, body)
    assert sorted(schema.tables) == ["category", "counter", "product"]
    assert {t.name: t.rows for t in schema.tables.values()} == {
        "category": 0,
        "counter": 0,
        "product": 0,
    }
    assert later.tables["counter"].rows == 1

    category, product = schema.tables["category"], schema.tables["product"]
    assert list(category.columns) == ["id", "name", "slug", "note"]
    integer = {
        Dialect.POSTGRES: "integer",
        Dialect.MYSQL: "int(11)",
        Dialect.SQLITE: "integer",
    }[engine]
    varchar50 = "character varying(50)" if engine is Dialect.POSTGRES else "varchar(50)"
    if engine is Dialect.MYSQL and product.columns["id"].type == "int":  # MySQL 8
        integer = "int"
    assert product.columns["id"].type == integer
    assert product.columns["id"].auto is True
    assert product.columns["id"].nullable is False
    assert product.columns["sku"] == Column(varchar50, False, None, False)
    assert product.columns["parent_id"].nullable is True
    assert product.columns["parent_id"].auto is False
    assert category.columns["note"].default is None  # MariaDB's 'NULL' is no default
    slug_default = category.columns["slug"].default
    assert slug_default is not None and "x" in slug_default
    price_default = {Dialect.POSTGRES: "0", Dialect.MYSQL: "0.00", Dialect.SQLITE: "0"}[engine]
    assert product.columns["price"].default == price_default
    assert schema.tables["counter"].columns["id"].auto is True

    assert product.foreign_keys == [
        ForeignKey("fk_product_category", ("category_id",), "category", ("id",)),
        ForeignKey("fk_product_parent", ("parent_id",), "product", ("id",)),
    ]
    if engine is Dialect.POSTGRES:
        assert product.indexes == {
            "idx_product_price": "USING btree (price)",
            "idx_product_sku": "USING btree (sku)",
        }
        assert product.constraints == {
            "product_pkey": "PRIMARY KEY (id)",
            "uid_sku": "UNIQUE (sku, category_id)",
            "ck_price": "CHECK ((price >= (0)::numeric))",
            "fk_product_category": "FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE CASCADE",
            "fk_product_parent": "FOREIGN KEY (parent_id) REFERENCES product(id)",
        }
        assert category.constraints["category_name_key"] == "UNIQUE (name)"
        assert schema.others["view cheap"].startswith("SELECT product.id FROM product WHERE")
        assert schema.others["sequence product_id_seq"].startswith("integer start 1 increment 1")
    elif engine is Dialect.MYSQL:
        # The indexes MySQL made for the foreign keys are indexes too.
        assert product.indexes == {
            "idx_product_price": "USING btree (price)",
            "idx_product_sku": "USING btree (sku)",
            "fk_product_category": "USING btree (category_id)",
            "fk_product_parent": "USING btree (parent_id)",
        }
        check = product.constraints.pop("ck_price")
        assert check in ("CHECK (`price` >= 0)", "CHECK ((`price` >= 0))")
        assert product.constraints == {
            "PRIMARY": "PRIMARY KEY (id)",
            "uid_sku": "UNIQUE (sku, category_id)",
            "fk_product_category": "FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE CASCADE ON UPDATE RESTRICT",
            "fk_product_parent": "FOREIGN KEY (parent_id) REFERENCES product(id) ON DELETE RESTRICT ON UPDATE RESTRICT",
        }
        assert category.constraints["name"] == "UNIQUE (name)"
        # Qualified with the scratch database's name by the server, not here.
        assert "aerich_lint_" not in schema.others["view cheap"]
        assert "`product`" in schema.others["view cheap"]
    else:
        assert product.indexes == {
            "idx_product_price": "(price)",
            "idx_product_sku": "(sku)",
        }
        assert product.constraints == {
            "primary key": "PRIMARY KEY (id)",
            "uid_sku": "UNIQUE (sku, category_id)",
            "ck_price": 'CHECK ("price" >= 0)',
            "fk_product_category": "FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE CASCADE",
            "fk_product_parent": "FOREIGN KEY (parent_id) REFERENCES product(id)",
        }
        assert category.constraints["unique(name)"] == "UNIQUE (name)"
        assert schema.others["view cheap"].startswith('CREATE VIEW "cheap" AS SELECT')


def test_postgres_snapshot_of_types_identity_partial_indexes_and_triggers(postgres: str) -> None:
    async def body(client: Any, scratch: Scratch) -> Schema:
        await run_sql(
            client,
            """
            CREATE TYPE "status" AS ENUM ('new', 'done');
            CREATE TABLE "event" (
                "id" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                "status" "status" NOT NULL DEFAULT 'new',
                "at" TIMESTAMPTZ NOT NULL DEFAULT now(),
                "doubled" BIGINT GENERATED ALWAYS AS ("id" * 2) STORED,
                "tags" TEXT[]);
            CREATE UNIQUE INDEX "uid_event_open" ON "event" ("at") WHERE "status" = 'new';
            CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER "event_touch" BEFORE UPDATE ON "event" FOR EACH ROW EXECUTE FUNCTION "touch"();
            """,
        )
        return await snapshot(client, scratch.engine)

    schema = on_scratch(postgres, body)
    event = schema.tables["event"]
    assert event.columns["id"] == Column("bigint", False, None, True)
    assert event.columns["status"] == Column("status", False, "'new'::status", False)
    assert event.columns["at"] == Column("timestamp with time zone", False, "now()", False)
    assert event.columns["doubled"] == Column(
        "bigint", True, "generated always as ((id * 2)) stored", False
    )
    assert event.columns["tags"].type == "text[]"
    assert event.indexes == {
        "uid_event_open": "UNIQUE USING btree (at) WHERE (status = 'new'::status)"
    }
    assert schema.others["type status"] == "enum ('new', 'done')"
    assert schema.others["trigger event_touch on event"] == (
        "CREATE TRIGGER event_touch BEFORE UPDATE ON public.event FOR EACH ROW "
        "EXECUTE FUNCTION touch()"
    )
    assert "function touch()" in schema.others


def test_mysql_snapshot_of_generated_json_on_update_and_prefix_indexes(mysql: str) -> None:
    async def body(client: Any, scratch: Scratch) -> Schema:
        await run_sql(
            client,
            """
            CREATE TABLE `doc` (
                `id` BIGINT NOT NULL PRIMARY KEY AUTO_INCREMENT,
                `body` JSON NOT NULL,
                `title` VARCHAR(200) NOT NULL,
                `size` INT AS (LENGTH(`title`)) VIRTUAL,
                `changed` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
                `kind` ENUM('a', 'b') NOT NULL);
            CREATE INDEX `idx_doc_title` ON `doc` (`title`(20), `id` DESC);
            """,
        )
        return await snapshot(client, scratch.engine)

    doc = on_scratch(mysql, body).tables["doc"]
    assert doc.columns["id"].auto is True
    assert doc.columns["kind"] == Column("enum('a','b')", False, None, False)
    assert doc.columns["size"].default is not None
    assert doc.columns["size"].default.startswith("generated always as (")
    assert doc.columns["size"].default.endswith(") virtual")
    changed = doc.columns["changed"].default
    assert changed is not None and changed.lower().endswith("on update current_timestamp(6)")
    assert doc.indexes["idx_doc_title"] in (
        "USING btree (title(20), id DESC)",
        "USING btree (title(20), id)",  # servers that do not keep DESC
    )
    if doc.columns["body"].type == "longtext":  # MariaDB: JSON is LONGTEXT + CHECK
        assert doc.constraints["body"] == "CHECK (json_valid(`body`))"


def test_sqlite_auto_is_the_rowid_alias_only(sqlite: str) -> None:
    async def body(client: Any, scratch: Scratch) -> Schema:
        await run_sql(
            client,
            """
            CREATE TABLE "a" ("id" INTEGER PRIMARY KEY, "x" INT NOT NULL);
            CREATE TABLE "b" ("id" INT PRIMARY KEY, "x" INT);
            CREATE TABLE "c" ("id" INTEGER PRIMARY KEY, "x" INT) WITHOUT ROWID;
            CREATE TABLE "d" ("k1" INTEGER, "k2" INTEGER, PRIMARY KEY ("k1", "k2"));
            """,
        )
        return await snapshot(client, scratch.engine)

    tables = on_scratch(sqlite, body).tables
    assert {name: [c.auto for c in t.columns.values()] for name, t in tables.items()} == {
        "a": [True, False],
        "b": [False, False],
        "c": [False, False],
        "d": [False, False],
    }
    assert tables["d"].constraints == {"primary key": "PRIMARY KEY (k1, k2)"}


# --- compare: no difference where there is none ----------------------------------------


def test_two_snapshots_of_the_same_schema_compare_equal(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> list[str]:
        await run_sql(client, SCHEMA[scratch.engine])
        first = await snapshot(client, scratch.engine)
        return compare(first, await snapshot(client, scratch.engine))

    assert on_scratch(server, body) == []


def test_sqlite_compares_by_pragmas_not_by_the_stored_create_table(sqlite: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], str, str, list[str]]:
        await run_sql(
            client,
            """
            CREATE TABLE "t" ("id" INTEGER PRIMARY KEY NOT NULL, "a" TEXT, "b" INT NOT NULL DEFAULT 0, "c" INT, CONSTRAINT "uid_a" UNIQUE ("a"));
            """,
        )
        sql = "SELECT sql FROM sqlite_master WHERE name = 't'"
        text_before = (await client.execute_query_dict(sql))[0]["sql"]
        before = await snapshot(client, scratch.engine)
        # An upgrade adds "d" and drops "b"; its downgrade adds "b" back and drops "d".
        await run_sql(
            client,
            """
            ALTER TABLE "t" ADD COLUMN "d" INT;
            ALTER TABLE "t" DROP COLUMN "b";
            ALTER TABLE "t" ADD COLUMN "b" INT NOT NULL DEFAULT 0;
            ALTER TABLE "t" DROP COLUMN "d";
            """,
        )
        text_after = (await client.execute_query_dict(sql))[0]["sql"]
        after = await snapshot(client, scratch.engine)
        return compare(before, after), text_before, text_after, list(after.tables["t"].columns)

    differences, text_before, text_after, order = on_scratch(sqlite, body)
    assert text_before != text_after  # the stored SQL did change ...
    assert order == ["id", "a", "c", "b"]  # ... and so did the column order
    assert differences == []


def test_mysql_auto_increment_counter_is_not_part_of_the_schema(mysql: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], str, str]:
        await run_sql(client, SCHEMA[scratch.engine])
        show = "SHOW CREATE TABLE `counter`"
        create_before = str((await client.execute_query_dict(show))[0]["Create Table"])
        before = await snapshot(client, scratch.engine)
        await client.execute_script("INSERT INTO `counter` () VALUES (), (), ()")
        await client.execute_script("DELETE FROM `counter`")
        create_after = str((await client.execute_query_dict(show))[0]["Create Table"])
        return compare(before, await snapshot(client, scratch.engine)), create_before, create_after

    differences, create_before, create_after = on_scratch(mysql, body)
    assert "AUTO_INCREMENT=4" in create_after and create_before != create_after
    assert differences == []


# --- compare: every kind of difference ----------------------------------------------------


def test_compare_sentences_on_postgres(postgres: str) -> None:
    async def body(client: Any, scratch: Scratch) -> list[str]:
        await run_sql(client, "CREATE TYPE \"status\" AS ENUM ('new', 'done');")
        await run_sql(client, SCHEMA[scratch.engine])
        before = await snapshot(client, scratch.engine)
        await run_sql(
            client,
            """
            DROP VIEW "cheap";
            DROP TABLE "counter";
            CREATE TABLE "extra" ("id" INT);
            ALTER TABLE "category" DROP COLUMN "note";
            ALTER TABLE "category" ADD COLUMN "title" TEXT;
            ALTER TABLE "category" ALTER COLUMN "slug" SET NOT NULL;
            ALTER TABLE "category" ALTER COLUMN "id" DROP DEFAULT;
            ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(30);
            ALTER TABLE "product" ALTER COLUMN "price" DROP DEFAULT;
            DROP INDEX "idx_product_sku";
            DROP INDEX "idx_product_price";
            CREATE INDEX "idx_product_price" ON "product" ("price", "sku");
            CREATE UNIQUE INDEX "uid_category_slug" ON "category" ("slug");
            ALTER TABLE "product" DROP CONSTRAINT "ck_price";
            ALTER TABLE "category" ADD CONSTRAINT "ck_name" CHECK ("name" <> '');
            ALTER TABLE "product" DROP CONSTRAINT "fk_product_category";
            ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") REFERENCES "category" ("id");
            ALTER TYPE "status" ADD VALUE 'gone';
            CREATE SEQUENCE "ticket_seq";
            """,
        )
        return compare(before, await snapshot(client, scratch.engine))

    assert on_scratch(postgres, body) == [
        'column "category"."id": default was nextval(\'category_id_seq\'::regclass), is now none',
        'column "category"."id": auto-increment was on, is now off',
        'column "category"."note" is missing',
        'column "category"."slug": was NULL, is now NOT NULL',
        'column "category"."title" is left over',
        'index "uid_category_slug" on "category" is left over',
        'constraint "ck_name" on "category" is left over',
        'table "counter" is missing',
        'table "extra" is left over (not in the schema before)',
        'column "product"."price": default was 0, is now none',
        'column "product"."sku": type was character varying(50), is now character varying(30)',
        'index "idx_product_price" on "product" changed: was USING btree (price), is now USING btree (price, sku)',
        'index "idx_product_sku" on "product" is missing',
        'constraint "ck_price" on "product" is missing',
        'constraint "fk_product_category" on "product" changed: was FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE CASCADE, is now FOREIGN KEY (category_id) REFERENCES category(id)',
        'sequence "counter_id_seq" is missing',
        'sequence "ticket_seq" is left over',
        "type \"status\" changed: was enum ('new', 'done'), is now enum ('new', 'done', 'gone')",
        'view "cheap" is missing',
    ]


def test_compare_sentences_on_mysql(mysql: str) -> None:
    async def body(client: Any, scratch: Scratch) -> list[str]:
        await run_sql(client, SCHEMA[scratch.engine])
        before = await snapshot(client, scratch.engine)
        await run_sql(
            client,
            """
            DROP VIEW `cheap`;
            DROP TABLE `counter`;
            CREATE TABLE `extra` (`id` INT);
            ALTER TABLE `category` DROP COLUMN `note`, ADD COLUMN `title` LONGTEXT, MODIFY `slug` VARCHAR(30) NOT NULL DEFAULT 'x';
            ALTER TABLE `category` MODIFY `id` INT NOT NULL;
            ALTER TABLE `product` MODIFY `sku` VARCHAR(30) NOT NULL, ALTER COLUMN `price` DROP DEFAULT;
            ALTER TABLE `product` DROP INDEX `idx_product_sku`, DROP INDEX `idx_product_price`, ADD INDEX `idx_product_price` (`price`, `sku`);
            ALTER TABLE `product` DROP CONSTRAINT `ck_price`;
            ALTER TABLE `category` ADD CONSTRAINT `ck_name` CHECK (`name` <> '');
            ALTER TABLE `product` DROP FOREIGN KEY `fk_product_category`;
            ALTER TABLE `product` ADD CONSTRAINT `fk_product_category` FOREIGN KEY (`category_id`) REFERENCES `category` (`id`);
            """,
        )
        return compare(before, await snapshot(client, scratch.engine))

    differences = on_scratch(mysql, body)
    check = [d for d in differences if d.startswith('constraint "ck_name"')]
    assert check == ['constraint "ck_name" on "category" is left over']
    assert differences == [
        'column "category"."id": auto-increment was on, is now off',
        'column "category"."note" is missing',
        'column "category"."slug": was NULL, is now NOT NULL',
        'column "category"."title" is left over',
        'constraint "ck_name" on "category" is left over',
        'table "counter" is missing',
        'table "extra" is left over (not in the schema before)',
        'column "product"."price": default was 0.00, is now none',
        'column "product"."sku": type was varchar(50), is now varchar(30)',
        'index "idx_product_price" on "product" changed: was USING btree (price), is now USING btree (price, sku)',
        'index "idx_product_sku" on "product" is missing',
        'constraint "ck_price" on "product" is missing',
        'constraint "fk_product_category" on "product" changed: was FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE CASCADE ON UPDATE RESTRICT, is now FOREIGN KEY (category_id) REFERENCES category(id) ON DELETE RESTRICT ON UPDATE RESTRICT',
        'view "cheap" is missing',
    ]


def test_compare_sentences_on_sqlite(sqlite: str) -> None:
    async def body(client: Any, scratch: Scratch) -> list[str]:
        await run_sql(client, SCHEMA[scratch.engine])
        await run_sql(
            client,
            'CREATE TRIGGER "product_touch" AFTER UPDATE ON "product" BEGIN SELECT 1; END;',
        )
        before = await snapshot(client, scratch.engine)
        await run_sql(
            client,
            """
            DROP VIEW "cheap";
            DROP TRIGGER "product_touch";
            DROP TABLE "counter";
            CREATE TABLE "extra" ("id" INT);
            ALTER TABLE "category" DROP COLUMN "note";
            ALTER TABLE "category" ADD COLUMN "title" TEXT;
            DROP INDEX "idx_product_sku";
            DROP INDEX "idx_product_price";
            CREATE INDEX "idx_product_price" ON "product" ("price", "sku");
            CREATE UNIQUE INDEX "uid_category_slug" ON "category" ("slug");
            """,
        )
        return compare(before, await snapshot(client, scratch.engine))

    assert on_scratch(sqlite, body) == [
        'column "category"."note" is missing',
        'column "category"."title" is left over',
        'index "uid_category_slug" on "category" is left over',
        'table "counter" is missing',
        'table "extra" is left over (not in the schema before)',
        'index "idx_product_price" on "product" changed: was (price), is now (price, sku)',
        'index "idx_product_sku" on "product" is missing',
        'trigger "product_touch" on "product" is missing',
        'view "cheap" is missing',
    ]


def test_compare_ignores_column_order_and_rows_and_words_each_kind() -> None:
    def table(name: str, rows: int = 0, **columns: Column) -> Table:
        return Table(name, dict(columns), rows=rows)

    integer = Column("integer", False, None, True)
    text = Column("text", True, None, False)
    before = Schema(
        {
            "a": table("a", 5, id=integer, x=text, y=text),
            "gone": table("gone", id=integer, x=text),
        },
        {"view v": "SELECT 1", "trigger t on a": "CREATE TRIGGER t", "type e": "enum ('x')"},
    )
    before.tables["a"].constraints = {"ck": "CHECK (x <> '')", "uq": "UNIQUE (x)"}
    before.tables["a"].indexes = {"i": "USING btree (x)"}
    after = Schema(
        {
            "a": table(
                "a",
                0,
                y=text,
                id=integer,
                x=Column("text", True, "'a'", False),
                z=text,
            ),
            "new": table("new", id=integer, x=text),
        },
        {"view v": "SELECT 2", "trigger t on a": "CREATE TRIGGER t", "function f()": "..."},
    )
    after.tables["a"].constraints = {"ck": "CHECK (x <> '')", "fk": "FOREIGN KEY (z) ..."}
    after.tables["a"].indexes = {"i": "USING btree (x)", "j": "USING hash (y)"}
    assert compare(before, after) == [
        'column "a"."x": default was none, is now \'a\'',
        'column "a"."z" is left over',
        'index "j" on "a" is left over',
        'constraint "fk" on "a" is left over',
        'constraint "uq" on "a" is missing',
        'table "gone" is missing',
        'table "new" is left over (not in the schema before)',
        'function "f()" is left over',
        'type "e" is missing',
        'view "v" changed: was SELECT 1, is now SELECT 2',
    ]
    # Same columns in another order, another row count: no difference.
    shuffled = Schema({"a": table("a", 9, x=text, y=text, id=integer)}, {})
    assert compare(Schema({"a": table("a", 0, id=integer, x=text, y=text)}, {}), shuffled) == []
    long = "SELECT " + "x, " * 100
    sentence = compare(Schema({}, {"view v": long}), Schema({}, {"view v": long + "y"}))[0]
    assert len(sentence) < 300 and "…" in sentence


# --- synthetic rows ---------------------------------------------------------------------


FILL_EXTRA = {
    # A NOT NULL column without a default, and a child whose alphabetical place
    # is before its parent's (the fill order must follow the foreign key).
    Dialect.POSTGRES: """
        CREATE TABLE "z_parent" ("id" SERIAL NOT NULL PRIMARY KEY, "code" CHAR(3) NOT NULL, "size" INT NOT NULL);
        CREATE TABLE "a_child" ("id" SERIAL NOT NULL PRIMARY KEY, "parent_id" INT NOT NULL REFERENCES "z_parent" ("id"), "other_id" INT REFERENCES "z_parent" ("id"));
    """,
    Dialect.MYSQL: """
        CREATE TABLE `z_parent` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `code` CHAR(3) NOT NULL, `size` INT NOT NULL);
        CREATE TABLE `a_child` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `parent_id` INT NOT NULL, `other_id` INT,
            FOREIGN KEY (`parent_id`) REFERENCES `z_parent` (`id`), FOREIGN KEY (`other_id`) REFERENCES `z_parent` (`id`));
    """,
    Dialect.SQLITE: """
        CREATE TABLE "z_parent" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "code" CHAR(3) NOT NULL, "size" INT NOT NULL);
        CREATE TABLE "a_child" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "parent_id" INT NOT NULL REFERENCES "z_parent" ("id"), "other_id" INT REFERENCES "z_parent" ("id"));
    """,
}


def test_fill_puts_one_row_in_every_empty_table_parents_first(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> dict[str, Any]:
        engine = scratch.engine
        await run_sql(client, SCHEMA[engine])
        await run_sql(client, FILL_EXTRA[engine])
        problems = await fill_empty_tables(client, engine, await snapshot(client, engine))
        after = await snapshot(client, engine)
        return {
            "problems": problems,
            "rows": {name: t.rows for name, t in after.tables.items()},
            **{name: await rows_of(client, engine, name) for name in after.tables},
        }

    got = on_scratch(server, body)
    assert got["problems"] == []
    assert got["rows"] == {
        "a_child": 1,
        "category": 1,
        "counter": 1,
        "product": 1,
        "z_parent": 1,
    }
    [category], [product] = got["category"], got["product"]
    [parent], [child] = got["z_parent"], got["a_child"]
    assert category["name"] == "x"
    assert category["slug"] == "x"  # its default
    assert category["note"] is None  # nullable: left NULL, as production may have it
    assert product["category_id"] == category["id"]  # NOT NULL FK: the parent's row
    assert product["parent_id"] is None  # nullable self-reference: NULL
    assert float(product["price"]) == 0  # its default
    assert parent["code"].strip() == "x" and parent["size"] == 1
    assert child["parent_id"] == parent["id"]
    assert child["other_id"] is None


def test_fill_leaves_tables_with_rows_alone_and_uses_their_rows(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], list[Any], list[Any]]:
        engine = scratch.engine
        await run_sql(client, SCHEMA[engine])
        q = "`" if engine is Dialect.MYSQL else '"'
        await client.execute_script(
            f"INSERT INTO {q}category{q} ({q}id{q}, {q}name{q}) VALUES (41, 'a'), (42, 'b')"
        )
        problems = await fill_empty_tables(client, engine, await snapshot(client, engine))
        return (
            problems,
            await rows_of(client, engine, "category"),
            await rows_of(client, engine, "product"),
        )

    problems, categories, products = on_scratch(server, body)
    assert problems == []
    assert sorted(c["name"] for c in categories) == ["a", "b"]
    assert len(products) == 1 and products[0]["category_id"] in (41, 42)


def test_fill_reports_a_refused_row_and_fills_the_rest(server: str) -> None:
    ddl = {
        Dialect.POSTGRES: """
            CREATE TABLE "strict" ("id" SERIAL PRIMARY KEY, "name" VARCHAR(20) NOT NULL, CONSTRAINT "ck_len" CHECK (length("name") > 3));
            CREATE TABLE "easy" ("id" SERIAL PRIMARY KEY, "name" VARCHAR(20) NOT NULL);
        """,
        Dialect.MYSQL: """
            CREATE TABLE `strict` (`id` INT PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(20) NOT NULL, CONSTRAINT `ck_len` CHECK (length(`name`) > 3));
            CREATE TABLE `easy` (`id` INT PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(20) NOT NULL);
        """,
        Dialect.SQLITE: """
            CREATE TABLE "strict" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(20) NOT NULL, CONSTRAINT "ck_len" CHECK (length("name") > 3));
            CREATE TABLE "easy" ("id" INTEGER PRIMARY KEY, "name" VARCHAR(20) NOT NULL);
        """,
    }

    async def body(client: Any, scratch: Scratch) -> tuple[str, list[str], dict[str, int]]:
        await run_sql(client, ddl[scratch.engine])
        problems = await fill_empty_tables(
            client, scratch.engine, await snapshot(client, scratch.engine)
        )
        after = await snapshot(client, scratch.engine)
        return scratch.name, problems, {n: t.rows for n, t in after.tables.items()}

    name, problems, rows = on_scratch(server, body)
    expected = {
        "postgres": 'new row for relation "strict" violates check constraint "ck_len"',
        "mysql": "CONSTRAINT `ck_len` failed for `strict` (error 4025)",  # no scratch name
        "sqlite": "CHECK constraint failed: ck_len",
    }[Server.parse(server).engine.value]
    if "(error 3819)" in " ".join(problems):  # MySQL 8 words it differently
        expected = "Check constraint 'ck_len' is violated. (error 3819)"
    assert problems == [f'could not add a row to "strict": {expected}']
    assert name not in problems[0]
    assert rows == {"easy": 1, "strict": 0}


def test_fill_postgres_types(postgres: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], list[dict[str, Any]]]:
        await run_sql(
            client,
            """
            CREATE TYPE "Mood" AS ENUM ('happy', 'sad');
            CREATE DOMAIN "positive" AS INT CHECK (VALUE > 0);
            CREATE TABLE "everything" (
                "id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                "mood" "Mood" NOT NULL, "data" JSONB NOT NULL, "raw" JSON NOT NULL,
                "key" UUID NOT NULL, "at" TIMESTAMPTZ(3) NOT NULL, "naive" TIMESTAMP NOT NULL,
                "day" DATE NOT NULL, "clock" TIME NOT NULL, "span" INTERVAL NOT NULL,
                "blob" BYTEA NOT NULL, "flag" BOOLEAN NOT NULL, "ratio" NUMERIC(3,3) NOT NULL,
                "amount" NUMERIC(10,2) NOT NULL, "real" DOUBLE PRECISION NOT NULL,
                "bits" BIT(3) NOT NULL, "tags" TEXT[] NOT NULL, "code" CHAR(2) NOT NULL,
                "big" BIGINT NOT NULL, "small" SMALLINT NOT NULL, "count" "positive" NOT NULL,
                "ip" INET NOT NULL, "doc" XML NOT NULL,
                "maybe" TEXT, "later" "Mood");
            """,
        )
        problems = await fill_empty_tables(
            client, scratch.engine, await snapshot(client, scratch.engine)
        )
        return problems, await rows_of(client, scratch.engine, "everything")

    problems, rows = on_scratch(postgres, body)
    assert problems == []
    [row] = rows
    assert row["mood"] == "happy"
    assert row["data"] == "{}" and row["raw"] == "{}"
    assert row["key"] == uuid.UUID(UUID)
    assert row["at"] == datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    assert row["naive"] == datetime.datetime(2000, 1, 1)
    assert row["day"] == datetime.date(2000, 1, 1)
    assert row["clock"] == datetime.time(0, 0)
    assert row["span"] == datetime.timedelta(days=1)
    assert row["blob"] == b""
    assert row["flag"] is True
    assert float(row["ratio"]) == 0 and float(row["amount"]) == 1 and row["real"] == 1.5
    assert row["tags"] == [] and row["code"].strip() == "x" and row["count"] == 1
    assert row["maybe"] is None and row["later"] is None
    assert row["id"] == 1  # the identity filled it


def test_fill_mysql_types(mysql: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], list[dict[str, Any]]]:
        await run_sql(
            client,
            """
            CREATE TABLE `everything` (
                `id` BIGINT NOT NULL PRIMARY KEY AUTO_INCREMENT,
                `kind` ENUM('it''s', 'b') NOT NULL, `opts` SET('a', 'b') NOT NULL,
                `data` JSON NOT NULL, `at` DATETIME(6) NOT NULL, `ts` TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
                `day` DATE NOT NULL, `clock` TIME NOT NULL, `yr` YEAR NOT NULL,
                `blob` LONGBLOB NOT NULL, `bin` BINARY(4) NOT NULL, `flag` BOOL NOT NULL,
                `bits` BIT(3) NOT NULL, `ratio` DECIMAL(3,3) NOT NULL, `amount` DECIMAL(10,2) UNSIGNED NOT NULL,
                `real` DOUBLE NOT NULL, `code` CHAR(2) NOT NULL, `body` LONGTEXT NOT NULL,
                `size` INT AS (LENGTH(`code`)) VIRTUAL, `maybe` VARCHAR(10));
            """,
        )
        problems = await fill_empty_tables(
            client, scratch.engine, await snapshot(client, scratch.engine)
        )
        return problems, await rows_of(client, scratch.engine, "everything")

    problems, rows = on_scratch(mysql, body)
    assert problems == []
    [row] = rows
    assert row["kind"] == "it's" and row["opts"] == ""
    assert row["data"] == "{}"
    assert row["at"] == datetime.datetime(2000, 1, 1)
    assert row["day"] == datetime.date(2000, 1, 1)
    assert row["yr"] == 2000 and row["flag"] == 1
    assert row["blob"] == b"" and row["bin"] == b"\x00" * 4
    assert float(row["ratio"]) == 0 and float(row["amount"]) == 1 and row["real"] == 1.5
    assert row["code"] == "x" and row["body"] == "x" and row["size"] == 1
    assert row["maybe"] is None


def test_fill_tries_a_not_null_cycle_and_says_why_it_failed(sqlite: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], dict[str, int]]:
        await run_sql(
            client,
            """
            CREATE TABLE "node" ("id" INTEGER PRIMARY KEY, "next_id" INT NOT NULL REFERENCES "node" ("id"));
            CREATE TABLE "leaf" ("id" INTEGER PRIMARY KEY, "node_id" INT REFERENCES "node" ("id"));
            """,
        )
        problems = await fill_empty_tables(
            client, scratch.engine, await snapshot(client, scratch.engine)
        )
        after = await snapshot(client, scratch.engine)
        return problems, {n: t.rows for n, t in after.tables.items()}

    problems, rows = on_scratch(sqlite, body)
    assert problems == ['could not add a row to "node": NOT NULL constraint failed: node.next_id']
    assert rows == {"leaf": 1, "node": 0}


def test_clear_rows_empties_every_table_whatever_the_foreign_keys(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[dict[str, int], dict[str, int], str]:
        engine = scratch.engine
        await run_sql(client, SCHEMA[engine])
        await run_sql(client, FILL_EXTRA[engine])
        assert await fill_empty_tables(client, engine, await snapshot(client, engine)) == []
        q = "`" if engine is Dialect.MYSQL else '"'
        # A row that points at itself, and a second row pointing at the first.
        await client.execute_script(f"UPDATE {q}product{q} SET {q}parent_id{q} = {q}id{q}")
        await client.execute_script(
            f"INSERT INTO {q}product{q} ({q}sku{q}, {q}category_id{q}, {q}parent_id{q}) "
            f"SELECT 'y', {q}category_id{q}, {q}id{q} FROM {q}product{q}"
        )
        filled = {n: t.rows for n, t in (await snapshot(client, engine)).tables.items()}
        await clear_rows(client, engine, await snapshot(client, engine))
        cleared = {n: t.rows for n, t in (await snapshot(client, engine)).tables.items()}
        # The foreign keys are enforced again afterwards.
        try:
            await client.execute_script(
                f"INSERT INTO {q}product{q} ({q}sku{q}, {q}category_id{q}) VALUES ('z', 999)"
            )
            enforced = "no"
        except Exception as exc:
            enforced = type(exc).__name__
        return filled, cleared, enforced

    filled, cleared, enforced = on_scratch(server, body)
    assert filled == {"a_child": 1, "category": 1, "counter": 1, "product": 2, "z_parent": 1}
    assert cleared == dict.fromkeys(filled, 0)
    assert enforced == "IntegrityError"


def test_fill_and_clear_do_nothing_without_tables(server: str) -> None:
    async def body(client: Any, scratch: Scratch) -> tuple[list[str], Schema]:
        empty = await snapshot(client, scratch.engine)
        await clear_rows(client, scratch.engine, empty)
        return await fill_empty_tables(client, scratch.engine, empty), empty

    problems, empty = on_scratch(server, body)
    assert problems == [] and empty.tables == {}
