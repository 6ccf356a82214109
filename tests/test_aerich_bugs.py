"""What aerich really gets wrong, from its bug reports, as migration files: each test
names the issue it reproduces (tortoise/aerich unless said otherwise), checks what the
linter says (rule, file, section, line, message) and, where a rule claims a failure, a
lock or a silent no-op, shows it on the real PostgreSQL / MariaDB server.

Files written by ``write_migration`` start their upgrade SQL on line 8; a one-line
upgrade puts the downgrade's first line on 13. SQL marked "aerich 0.10.1" was generated
with the real aerich in offline mode (tests/fixtures/generate.py's Runner) and pasted
as it came out; the rest is hand-written from the report, for output current aerich no
longer writes.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.model import Finding
from aerich_lint.naming import (
    aerich_fk_name,
    aerich_index_name,
    mysql_fk_name,
    pg_object_name,
    pg_unique_name,
)
from aerich_lint.rules.registry import BY_NAME
from conftest import AERICH, lint, server_url, summary, write_migration

INIT = "0_20240101000000_init.py"
NAME = "1_20240102000000_change.py"
NEXT = "2_20240103000000_next.py"
HISTORY = ["unknown-object", "downgrade-broken", "no-op-statement"]


def app(tmp_path: Path) -> Path:
    return tmp_path / "migrations" / "models"


def messages(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings]


# -- the real servers ---------------------------------------------------------------


class Postgres:
    """A scratch database of its own on the test server; ``error`` runs a script and
    gives the server's message (None when it succeeds)."""

    def __init__(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self.url = server_url("postgres")
        self.name = f"aerich_lint_{secrets.token_hex(4)}"
        self.loop = asyncio.new_event_loop()
        self.admin = self.loop.run_until_complete(asyncpg.connect(self.url))
        self.loop.run_until_complete(self.admin.execute(f'CREATE DATABASE "{self.name}"'))
        self.conn = self.loop.run_until_complete(
            asyncpg.connect(self.url.rsplit("/", 1)[0] + "/" + self.name)
        )

    def run(self, sql: str) -> None:
        self.loop.run_until_complete(self.conn.execute(sql))

    def error(self, sql: str) -> str | None:
        import asyncpg

        try:
            self.run(sql)
        except asyncpg.PostgresError as exc:
            return str(exc).splitlines()[0]  # without the HINT / DETAIL lines
        return None

    def values(self, sql: str) -> list[Any]:
        return [r[0] for r in self.loop.run_until_complete(self.conn.fetch(sql))]

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.run_until_complete(self.admin.execute(f'DROP DATABASE "{self.name}"'))
        self.loop.run_until_complete(self.admin.close())
        self.loop.close()


class MariaDB:
    """A scratch database of its own on the MySQL test server (pymysql, aiomysql's driver)."""

    def __init__(self) -> None:
        import pymysql

        parts = urlsplit(server_url("mysql"))
        self.conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            autocommit=True,
        )
        self.name = f"aerich_lint_{secrets.token_hex(4)}"
        self.run(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
        self.run(f"USE `{self.name}`")

    def run(self, sql: str) -> None:
        with self.conn.cursor() as cursor:
            for part in [s for s in sql.split(";\n") if s.strip()]:
                cursor.execute(part)

    def error(self, sql: str) -> tuple[int, str] | None:
        import pymysql

        try:
            self.run(sql)
        except pymysql.MySQLError as exc:
            return int(exc.args[0]), str(exc.args[1])
        return None

    def values(self, sql: str) -> list[Any]:
        with self.conn.cursor() as cursor:
            cursor.execute(sql)
            return [row[0] for row in cursor.fetchall()]

    def close(self) -> None:
        try:
            self.run(f"DROP DATABASE `{self.name}`")
        finally:
            self.conn.close()


@pytest.fixture
def pg() -> Iterator[Postgres]:
    server = Postgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def maria() -> Iterator[MariaDB]:
    server = MariaDB()
    try:
        yield server
    finally:
        server.close()


# -- 1. a foreign key to a table the same migration creates later -------------------

# aerich issue 517 (aerich 0.9.2, fixed in 0.9.3 by #520): the init creates "regions"
# before the "countries" it references. Hand-written: current aerich orders them.
PG_WRONG_ORDER = """
CREATE TABLE IF NOT EXISTS "regions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "country_id" UUID NOT NULL REFERENCES "countries" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "cities" (
    "id" UUID NOT NULL PRIMARY KEY,
    "region_id" UUID NOT NULL,
    CONSTRAINT "fk_cities_regions_1" FOREIGN KEY ("region_id") REFERENCES "regions" ("id")
);
CREATE TABLE IF NOT EXISTS "countries" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL
);"""

# aerich issues 224 and 354 (MySQL: "Failed to open the referenced table"): aerich writes
# its MySQL foreign keys as table-level constraints.
MYSQL_WRONG_ORDER = """
CREATE TABLE IF NOT EXISTS `player_skills` (
    `player_id` INT NOT NULL,
    `playerskill_id` INT NOT NULL,
    CONSTRAINT `fk_player_s_player_1` FOREIGN KEY (`player_id`) REFERENCES `player` (`id`),
    CONSTRAINT `fk_player_s_playersk_2` FOREIGN KEY (`playerskill_id`) REFERENCES `playerskill` (`id`)
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS `player` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS `playerskill` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT) CHARACTER SET utf8mb4;"""


def test_a_foreign_key_to_a_table_created_later_fails_on_postgres(tmp_path: Path) -> None:
    """aerich issue 517: inline REFERENCES and a table-level FOREIGN KEY alike."""
    path = write_migration(app(tmp_path), INIT, PG_WRONG_ORDER)
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("unknown-object", INIT, "upgrade", 8)]
    assert found[0].message == (
        "column regions.country_id references table countries, which this migration "
        "creates only later (line 17): create countries first"
    )
    # cities -> regions is fine: regions exists by then


def test_a_foreign_key_to_a_table_created_later_on_mysql(tmp_path: Path) -> None:
    """aerich issues 224, 354: one finding for the statement, on its first foreign key."""
    path = write_migration(app(tmp_path), INIT, MYSQL_WRONG_ORDER)
    found = lint(path, dialect="mysql", only=HISTORY).findings
    assert summary(found) == [("unknown-object", INIT, "upgrade", 8)]
    assert messages(found) == [
        "a foreign key of player_skills references table player, which this migration "
        "creates only later (line 14): create player first (and playerskill, also created "
        "later)"
    ]
    # SET foreign_key_checks = 0 first: MySQL does not look at the referenced table
    write_migration(app(tmp_path), INIT, "SET foreign_key_checks = 0;" + MYSQL_WRONG_ORDER)
    assert lint(path, dialect="mysql", only=HISTORY).findings == []


def test_sqlite_resolves_foreign_keys_late(tmp_path: Path) -> None:
    sql = PG_WRONG_ORDER.replace("UUID", "CHAR(36)")
    path = write_migration(app(tmp_path), INIT, sql)
    assert lint(path, dialect="sqlite", only=HISTORY).findings == []


def test_a_downgrade_that_recreates_tables_in_the_wrong_order(tmp_path: Path) -> None:
    """The downgrade of a migration that dropped two models re-creates the referencing
    one first."""
    folder = app(tmp_path)
    write_migration(
        folder,
        INIT,
        """
        CREATE TABLE "author" ("id" SERIAL NOT NULL PRIMARY KEY);
        CREATE TABLE "book" ("id" SERIAL NOT NULL PRIMARY KEY, "author_id" INT NOT NULL REFERENCES "author" ("id"));""",
    )
    path = write_migration(
        folder,
        NAME,
        'DROP TABLE "book";\nDROP TABLE "author";',
        'CREATE TABLE "book" ("id" SERIAL NOT NULL PRIMARY KEY, "author_id" INT NOT NULL '
        'REFERENCES "author" ("id"));\nCREATE TABLE "author" ("id" SERIAL NOT NULL PRIMARY KEY);',
    )
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("downgrade-broken", NAME, "downgrade", 14)]
    assert "references table author, which this migration creates only later (line 15)" in (
        found[0].message
    )


def test_the_servers_refuse_a_foreign_key_to_a_later_table(pg: Postgres, maria: MariaDB) -> None:
    assert pg.error(PG_WRONG_ORDER) == 'relation "countries" does not exist'
    error = maria.error(MYSQL_WRONG_ORDER)
    assert error is not None and error[0] == 1005 and "errno: 150" in error[1]
    assert "Foreign key constraint is incorrectly formed" in error[1]
    # with foreign_key_checks = 0 MariaDB accepts the same script
    assert maria.error("SET foreign_key_checks = 0;\n" + MYSQL_WRONG_ORDER) is None


# -- 2. dropping a constraint under a name the history never gave -------------------

# aerich issue 253 (same as 204, fixed by #378), the files as reported: the init's
# inline REFERENCES is named balance_person_id_id_fkey by PostgreSQL, the next migration
# drops aerich's name for it.
I253_INIT = """
CREATE TABLE IF NOT EXISTS "person" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "tg_id" BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS "balance" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "data" JSONB,
    "person_id_id" BIGINT NOT NULL REFERENCES "person" ("id") ON DELETE CASCADE
);"""
I253_UP = """
ALTER TABLE "balance" DROP CONSTRAINT "fk_balance_person_a8a4fbbc";
ALTER TABLE "balance" RENAME COLUMN "person_id_id" TO "person_id";
ALTER TABLE "balance" ADD CONSTRAINT "fk_balance_person_8d69fb75" FOREIGN KEY ("person_id") REFERENCES "person" ("id") ON DELETE CASCADE;"""
I253_DOWN = """
ALTER TABLE "balance" DROP CONSTRAINT "fk_balance_person_8d69fb75";
ALTER TABLE "balance" RENAME COLUMN "person_id" TO "person_id_id";
ALTER TABLE "balance" ADD CONSTRAINT "fk_balance_person_a8a4fbbc" FOREIGN KEY ("person_id_id") REFERENCES "person" ("id") ON DELETE CASCADE;"""


def test_aerich_drops_its_own_name_for_a_foreign_key_postgres_named(tmp_path: Path) -> None:
    """aerich issues 204 and 253."""
    folder = app(tmp_path)
    write_migration(folder, INIT, I253_INIT)
    path = write_migration(folder, NAME, I253_UP, I253_DOWN)
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("unknown-object", NAME, "upgrade", 8)]
    assert found[0].message == (
        "drops constraint fk_balance_person_a8a4fbbc of balance, which does not exist: no "
        "migration gave that name (fk_balance_person_a8a4fbbc is aerich's name for the "
        "foreign key balance.person_id_id -> person, which the server named "
        "balance_person_id_id_fkey)"
    )
    assert aerich_fk_name("balance", "person_id_id", "person", "id") == "fk_balance_person_a8a4fbbc"
    # the real name drops fine, and so does the downgrade (it drops what the upgrade added)
    write_migration(
        folder, NAME, I253_UP.replace("fk_balance_person_a8a4fbbc", "balance_person_id_id_fkey"),
        I253_DOWN,
    )  # fmt: skip
    assert lint(path, only=HISTORY).findings == []


def test_the_history_must_start_at_version_0(tmp_path: Path) -> None:
    """Without the init the constraint may have any name: nothing is said."""
    folder = app(tmp_path)
    write_migration(folder, "1_20240101000000_first.py", I253_INIT)
    write_migration(folder, "2_20240102000000_change.py", I253_UP, I253_DOWN)
    assert lint(folder, only=HISTORY).findings == []


def test_a_downgrade_that_drops_a_name_never_given(tmp_path: Path) -> None:
    """The rollback of a foreign key added by aerich to a table whose history made it
    inline: the downgrade drops aerich's name."""
    folder = app(tmp_path)
    write_migration(folder, INIT, I253_INIT)
    path = write_migration(
        folder,
        NAME,
        'ALTER TABLE "balance" ALTER COLUMN "data" SET NOT NULL;',
        'ALTER TABLE "balance" DROP CONSTRAINT "fk_balance_person_a8a4fbbc";',
    )
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("downgrade-broken", NAME, "downgrade", 13)]


def test_postgres_refuses_a_drop_of_a_name_never_given(pg: Postgres) -> None:
    pg.run(I253_INIT)
    assert pg.values(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'balance'::regclass ORDER BY 1"
    ) == ["balance_person_id_id_fkey", "balance_pkey"]
    assert pg.error(I253_UP) == (
        'constraint "fk_balance_person_a8a4fbbc" of relation "balance" does not exist'
    )


LONG_TABLE = "a_very_long_table_name_that_goes_on_and_on_for_a_while_xx"
LONG_COLUMN = "another_rather_long_column_name_here_ok"
LONG_INIT = f"""
CREATE TABLE "target" ("id" SERIAL NOT NULL PRIMARY KEY);
CREATE TABLE "{LONG_TABLE}" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "{LONG_COLUMN}" INT UNIQUE,
    "r" INT REFERENCES "target" ("id")
);"""


def test_postgres_names_are_cut_to_63_bytes(tmp_path: Path, pg: Postgres) -> None:
    names = [
        pg_object_name(LONG_TABLE, (LONG_COLUMN,), "key"),
        pg_object_name(LONG_TABLE, ("r",), "fkey"),
        pg_object_name(LONG_TABLE, (), "pkey"),
    ]
    pg.run(LONG_INIT)
    assert sorted(names) == pg.values(
        f"SELECT conname FROM pg_constraint WHERE conrelid = '{LONG_TABLE}'::regclass ORDER BY 1"
    )
    assert names[:2] == [
        "a_very_long_table_name_that_g_another_rather_long_column_na_key",
        "a_very_long_table_name_that_goes_on_and_on_for_a_while_x_r_fkey",
    ]
    folder = app(tmp_path)
    write_migration(folder, INIT, LONG_INIT)
    drops = "\n".join(f'ALTER TABLE "{LONG_TABLE}" DROP CONSTRAINT "{n}";' for n in names)
    path = write_migration(folder, NAME, drops)
    assert lint(path, only=HISTORY).findings == []
    uncut = f"{LONG_TABLE}_r_fkey"  # what a naive join would give (65 bytes)
    write_migration(folder, NAME, f'ALTER TABLE "{LONG_TABLE}" DROP CONSTRAINT "{uncut}";')
    assert summary(lint(path, only=HISTORY).findings) == [("unknown-object", NAME, "upgrade", 8)]


def test_a_second_unnamed_constraint_is_numbered(pg: Postgres) -> None:
    """PostgreSQL numbers a name already in use: key1, fkey1."""
    pg.run('CREATE TABLE "b" ("id" SERIAL PRIMARY KEY, "email" TEXT UNIQUE, "x" INT);')
    pg.run('ALTER TABLE "b" ADD UNIQUE ("email");')
    assert "b_email_key1" in pg.values("SELECT conname FROM pg_constraint")
    taken = {"b_email_key"}
    assert pg_unique_name("b", ("email",), "key", taken.__contains__) == "b_email_key1"


def test_unique_and_primary_key_names_drop_fine(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(
        folder, INIT, 'CREATE TABLE "customer" ("id" SERIAL NOT NULL PRIMARY KEY, "email" VARCHAR(200) NOT NULL UNIQUE);'
    )  # fmt: skip
    path = write_migration(
        folder,
        NAME,
        'ALTER TABLE "customer" DROP CONSTRAINT "customer_email_key";\n'
        'ALTER TABLE "customer" DROP CONSTRAINT "customer_pkey";\n'
        'ALTER TABLE "customer" DROP CONSTRAINT "customer_email_check";',  # may be inline
    )
    assert lint(path, only=HISTORY).findings == []


MYSQL_FK_INIT = """
CREATE TABLE `account` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT);
CREATE TABLE `event` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `account_id` INT,
    `owner_id` INT,
    FOREIGN KEY (`account_id`) REFERENCES `account` (`id`),
    FOREIGN KEY (`owner_id`) REFERENCES `account` (`id`)
);"""


def test_mysql_names_unnamed_foreign_keys_ibfk(tmp_path: Path, maria: MariaDB) -> None:
    maria.run(MYSQL_FK_INIT)
    assert maria.values(
        "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
        f"WHERE CONSTRAINT_SCHEMA = '{maria.name}' ORDER BY 1"
    ) == ["event_ibfk_1", "event_ibfk_2"]
    maria.run("ALTER TABLE `event` ADD FOREIGN KEY (`owner_id`) REFERENCES `account` (`id`)")
    assert "event_ibfk_3" in maria.values(
        "SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS"
    )
    assert mysql_fk_name("event", {"event_ibfk_1", "event_ibfk_2"}) == "event_ibfk_3"
    wrong = "ALTER TABLE `event` DROP FOREIGN KEY `fk_event_account_906c319a`"
    error = maria.error(wrong)
    assert error is not None and error[0] == 1091
    folder = app(tmp_path)
    write_migration(folder, INIT, MYSQL_FK_INIT)
    path = write_migration(
        folder, NAME, "ALTER TABLE `event` DROP FOREIGN KEY `event_ibfk_2`;\n" + wrong + ";"
    )
    found = lint(path, dialect="mysql", only=HISTORY).findings
    assert summary(found) == [("unknown-object", NAME, "upgrade", 9)]
    assert found[0].message == (
        "drops constraint fk_event_account_906c319a of event, which does not exist: no "
        "migration gave that name (fk_event_account_906c319a is aerich's name for the "
        "foreign key event.account_id -> account, which the server named event_ibfk_1)"
    )


# aerich issue 407 (and 180): unique_together in a CREATE TABLE is a UNIQUE constraint;
# after a rename of its fields aerich drops it with DROP INDEX, which PostgreSQL refuses.
I407_INIT = """
CREATE TABLE IF NOT EXISTS "test" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "a" INT NOT NULL,
    "b" INT NOT NULL,
    CONSTRAINT "uid_test_id_7a12dc" UNIQUE ("id", "a", "b")
);"""
I407_UP = """
DROP INDEX IF EXISTS "uid_test_id_7a12dc";
ALTER TABLE "test" RENAME COLUMN "a" TO "a1";
ALTER TABLE "test" RENAME COLUMN "b" TO "b1";
CREATE UNIQUE INDEX "uid_test_id_5d26bb" ON "test" ("id", "a1", "b1");"""


def test_drop_index_of_a_unique_constraint_is_refused(tmp_path: Path, pg: Postgres) -> None:
    """aerich issues 407 and 180: IF EXISTS does not help, the index is there."""
    folder = app(tmp_path)
    write_migration(folder, INIT, I407_INIT)
    path = write_migration(folder, NAME, I407_UP)
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("unknown-object", NAME, "upgrade", 8)]
    assert found[0].message == (
        "drops index uid_test_id_7a12dc, the index of the UNIQUE constraint "
        "uid_test_id_7a12dc of test: PostgreSQL refuses (the constraint requires it); drop "
        'the constraint instead: ALTER TABLE "test" DROP CONSTRAINT "uid_test_id_7a12dc"'
    )
    pg.run(I407_INIT)
    assert pg.error(I407_UP) == (
        "cannot drop index uid_test_id_7a12dc because constraint uid_test_id_7a12dc on "
        "table test requires it"
    )


def test_drop_index_of_a_primary_key_or_inline_unique(tmp_path: Path, pg: Postgres) -> None:
    init = (
        'CREATE TABLE "tag" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(50) NOT NULL UNIQUE);'
    )
    folder = app(tmp_path)
    write_migration(folder, INIT, init)
    path = write_migration(folder, NAME, 'DROP INDEX "tag_name_key";', 'DROP INDEX "tag_pkey";')
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [
        ("unknown-object", NAME, "upgrade", 8),
        ("downgrade-broken", NAME, "downgrade", 13),
    ]
    assert "the index of the PRIMARY KEY constraint tag_pkey" in found[1].message
    # a drop the server refuses locks nothing: no non-concurrent-index besides
    with_locks = lint(path, only=[*HISTORY, "non-concurrent-index"]).findings
    assert summary(with_locks) == summary(found)
    pg.run(init)
    for index in ("tag_name_key", "tag_pkey"):
        assert f"cannot drop index {index} because constraint {index}" in str(
            pg.error(f'DROP INDEX "{index}"')
        )


def test_drop_constraint_of_a_unique_index_names_the_index(tmp_path: Path, pg: Postgres) -> None:
    """tortoise-orm issue 2108: unique=True on an existing field made an index; dropping
    it as a constraint fails."""
    folder = app(tmp_path)
    init = (
        'CREATE TABLE "wallet" ("id" SERIAL NOT NULL PRIMARY KEY, "address" VARCHAR(255) NOT NULL);'
    )
    write_migration(folder, INIT, init)
    index = aerich_index_name("uid", "wallet", ("address",))
    write_migration(
        folder, NAME, f'CREATE UNIQUE INDEX "{index}" ON "wallet" ("address");'
    )  # fmt: skip
    path = write_migration(folder, NEXT, f'ALTER TABLE "wallet" DROP CONSTRAINT "{index}";')
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("unknown-object", NEXT, "upgrade", 8)]
    assert found[0].message.endswith(
        f"({index} is an index, not a constraint: drop it with DROP INDEX)"
    )
    pg.run(init + f'CREATE UNIQUE INDEX "{index}" ON "wallet" ("address");')
    assert pg.error(f'ALTER TABLE "wallet" DROP CONSTRAINT "{index}"') == (
        f'constraint "{index}" of relation "wallet" does not exist'
    )


def test_a_renamed_constraint_makes_the_names_unknown(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(folder, INIT, I253_INIT)
    write_migration(
        folder, NAME, 'ALTER TABLE "balance" RENAME CONSTRAINT "balance_person_id_id_fkey" TO "x";'
    )  # fmt: skip
    path = write_migration(folder, NEXT, 'ALTER TABLE "balance" DROP CONSTRAINT "anything";')
    assert lint(path, only=HISTORY).findings == []


# -- 3. no-op-statement -------------------------------------------------------------

CUSTOMER = 'CREATE TABLE IF NOT EXISTS "customer" (\n    "id" SERIAL NOT NULL PRIMARY KEY,\n    "email" VARCHAR(200) NOT NULL UNIQUE\n);'
UID = aerich_index_name("uid", "customer", ("email",))


def test_removing_unique_drops_an_index_that_is_not_there(tmp_path: Path) -> None:
    """aerich issues 382 / 283 (fixed by #383 with IF EXISTS) and tortoise-orm issue 1995
    (fixed by aerich #484): from aerich 0.8.1 to 0.9.x, removing unique=True wrote only
    DROP INDEX IF EXISTS "uid_...": nothing dropped, the column stays unique."""
    folder = app(tmp_path)
    write_migration(folder, INIT, CUSTOMER)  # aerich 0.10.1's init for the model
    path = write_migration(
        folder,
        NAME,
        f'DROP INDEX IF EXISTS "{UID}";',
        f'CREATE UNIQUE INDEX "{UID}" ON "customer" ("email");',
    )
    # every rule: the one finding on the upgrade (downgrade-mismatch has its own on the
    # downgrade, which re-creates the unique index beside the constraint)
    found = [f for f in lint(path, only=None).findings if f.section == "upgrade"]
    assert summary(found) == [("no-op-statement", NAME, "upgrade", 8)]
    assert found[0].message == (
        f"drops index {UID} if it exists: there is none, so nothing is dropped and customer "
        f"(email) stays unique ({UID} is aerich's name for it; the server named the "
        f'constraint customer_email_key): ALTER TABLE "customer" DROP CONSTRAINT '
        f'"customer_email_key"'
    )
    assert UID == "uid_customer_email_0c7dc6"


def test_aerich_0_10_drops_the_real_constraint_and_is_quiet(tmp_path: Path) -> None:
    """aerich 0.10.1 (after #484), unique=True removed from Customer.email."""
    folder = app(tmp_path)
    write_migration(folder, INIT, CUSTOMER)
    path = write_migration(
        folder,
        NAME,
        'ALTER TABLE "customer" DROP CONSTRAINT IF EXISTS "customer_email_key";\n'
        f'DROP INDEX IF EXISTS "{UID}";',
        f'CREATE UNIQUE INDEX "{UID}" ON "customer" ("email");',
    )
    assert [f.rule for f in lint(path, only=HISTORY).findings] == []


def test_the_uniqueness_stays_on_postgres(pg: Postgres) -> None:
    pg.run(CUSTOMER)
    assert pg.error(f'DROP INDEX IF EXISTS "{UID}"') is None  # a NOTICE, no error
    pg.run("INSERT INTO customer (email) VALUES ('a@example.com')")
    assert pg.error("INSERT INTO customer (email) VALUES ('a@example.com')") == (
        'duplicate key value violates unique constraint "customer_email_key"'
    )


def test_drop_constraint_if_exists_of_aerich_s_fk_name(tmp_path: Path, pg: Postgres) -> None:
    """The IF EXISTS form of issue 253 (aerich 0.10 writes DROP CONSTRAINT IF EXISTS):
    when nothing else drops the foreign key, it stays."""
    folder = app(tmp_path)
    write_migration(folder, INIT, I253_INIT)
    up = 'ALTER TABLE "balance" DROP CONSTRAINT IF EXISTS "fk_balance_person_a8a4fbbc";'
    path = write_migration(folder, NAME, up)
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("no-op-statement", NAME, "upgrade", 8)]
    assert found[0].message == (
        "drops constraint fk_balance_person_a8a4fbbc if it exists: there is none, so "
        "nothing is dropped and the foreign key balance.person_id_id -> person stays "
        "(fk_balance_person_a8a4fbbc is aerich's name for it; the server named it "
        'balance_person_id_id_fkey): ALTER TABLE "balance" DROP CONSTRAINT '
        '"balance_person_id_id_fkey"'
    )
    pg.run(I253_INIT)
    pg.run(up)
    assert "balance_person_id_id_fkey" in pg.values("SELECT conname FROM pg_constraint")
    # aerich's drop of the model's field drops the column next: the key goes with it
    write_migration(folder, NAME, up + '\nALTER TABLE "balance" DROP COLUMN "person_id_id";')
    assert lint(path, only=HISTORY).findings == []


def test_the_real_drop_model_fixture_stays_quiet() -> None:
    """aerich 0.10.1's drop of a model: DROP CONSTRAINT IF EXISTS of its own name for an
    inline REFERENCES, then DROP COLUMN, which takes the key with it."""
    folder = AERICH / "postgres" / "migrations" / "models"
    path = find(folder, "drop_model")
    found = lint(path, only=HISTORY).findings
    assert [f.rule for f in found if f.section == "upgrade"] == []
    # (its downgrade is broken, as the fixture's MANIFEST says: not this test's concern)
    assert {f.rule for f in found} == {"downgrade-broken"}


def test_create_table_if_not_exists_of_an_existing_table(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(folder, INIT, CUSTOMER)
    path = write_migration(
        folder,
        NAME,
        'CREATE TABLE IF NOT EXISTS "customer" ("id" SERIAL NOT NULL PRIMARY KEY, '
        '"email" VARCHAR(200) NOT NULL, "nickname" VARCHAR(50), "age" INT);',
    )
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [("no-op-statement", NAME, "upgrade", 8)]
    assert found[0].message == (
        "creates table customer if it does not exist, but it does (created earlier in the "
        "history): nothing is created, and its columns nickname, age are missing"
    )
    # the same columns: a harmless no-op; the missing ones added next: reached anyway
    write_migration(folder, NAME, CUSTOMER)
    assert lint(path, only=HISTORY).findings == []
    write_migration(
        folder,
        NAME,
        'CREATE TABLE IF NOT EXISTS "customer" ("id" SERIAL NOT NULL PRIMARY KEY, "age" INT);\n'
        'ALTER TABLE "customer" ADD "age" INT;',
    )
    assert lint(path, only=HISTORY).findings == []


def test_create_index_if_not_exists_of_a_name_on_other_columns(tmp_path: Path) -> None:
    """aerich issue 404 (the wished-for migration): making an indexed field unique as
    CREATE UNIQUE INDEX IF NOT EXISTS of the name the plain index has adds nothing."""
    folder = app(tmp_path)
    write_migration(
        folder,
        INIT,
        'CREATE TABLE "example" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(64) NOT NULL, "code" INT);\n'
        'CREATE INDEX "idx_example_name_a7b9a6" ON "example" ("name");',
    )
    path = write_migration(
        folder,
        NAME,
        'CREATE UNIQUE INDEX IF NOT EXISTS "idx_example_name_a7b9a6" ON "example" ("name");\n'
        'CREATE INDEX IF NOT EXISTS "idx_example_name_a7b9a6" ON "example" ("code");\n'
        'CREATE INDEX IF NOT EXISTS "idx_example_name_a7b9a6" ON "example" ("name");',
    )
    found = lint(path, only=HISTORY).findings
    assert summary(found) == [
        ("no-op-statement", NAME, "upgrade", 8),
        ("no-op-statement", NAME, "upgrade", 9),
    ]
    assert found[0].message == (
        "creates a unique index idx_example_name_a7b9a6 on example (name) if it does not "
        "exist, but idx_example_name_a7b9a6 exists already, a index on example (name): "
        "nothing is created"
    )


def test_drop_if_exists_of_what_no_migration_created_is_one_finding(tmp_path: Path) -> None:
    """The warning drop-table / drop-column gave on their own is no-op-statement's when
    that rule is in force (one hazard, one finding)."""
    folder = app(tmp_path)
    write_migration(folder, INIT, CUSTOMER)
    path = write_migration(
        folder,
        NAME,
        'DROP TABLE IF EXISTS "legacy";\nALTER TABLE "customer" DROP COLUMN IF EXISTS "old";',
    )
    everything = [f for f in lint(path, only=None).findings if f.section == "upgrade"]
    assert summary(everything) == [
        ("no-op-statement", NAME, "upgrade", 8),
        ("no-op-statement", NAME, "upgrade", 9),
    ]
    assert everything[0].message.startswith("drops table legacy if it exists: no migration")
    alone = lint(path, only=["drop-table", "drop-column"]).findings
    assert [(f.rule, f.line, f.severity.name) for f in alone] == [
        ("drop-table", 8, "WARNING"),
        ("drop-column", 9, "WARNING"),
    ]


# -- 4. frozen-default --------------------------------------------------------------

# aerich 0.10.1, offline, for `DatetimeField(default=datetime.now())` (`at`, in the
# init) and a second such field `seen` added in 1_..._s1 (aerich issue 313).
FROZEN_PG_INIT = 'CREATE TABLE IF NOT EXISTS "ev" (\n    "id" SERIAL NOT NULL PRIMARY KEY,\n    "at" TIMESTAMPTZ NOT NULL\n);'
FROZEN_PG_UP = """
ALTER TABLE "ev" ADD "seen" TIMESTAMPTZ NOT NULL DEFAULT '2026-12-03 11:41:10.049617';
ALTER TABLE "ev" ALTER COLUMN "at" SET DEFAULT '2026-12-03 11:41:10.049603';"""
FROZEN_PG_DOWN = """
ALTER TABLE "ev" DROP COLUMN "seen";
ALTER TABLE "ev" ALTER COLUMN "at" SET DEFAULT '2026-12-03 11:41:09.340766';"""
FROZEN_MYSQL_INIT = "CREATE TABLE IF NOT EXISTS `ev` (\n    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,\n    `at` DATETIME(6) NOT NULL\n) CHARACTER SET utf8mb4;"
FROZEN_MYSQL_UP = """
ALTER TABLE `ev` ADD `seen` DATETIME(6) NOT NULL DEFAULT '2026-12-03 11:41:18.103074';
ALTER TABLE `ev` ALTER COLUMN `at` SET DEFAULT '2026-12-03 11:41:18.103060';"""
FROZEN_FILE = "1_20261203114110_s1.py"


@pytest.mark.parametrize(
    ("dialect", "init", "up", "quote"),
    [
        ("postgres", FROZEN_PG_INIT, FROZEN_PG_UP, ""),
        ("mysql", FROZEN_MYSQL_INIT, FROZEN_MYSQL_UP, ""),
    ],
)
def test_real_aerich_frozen_defaults(
    tmp_path: Path, dialect: str, init: str, up: str, quote: str
) -> None:
    """aerich issue 313, reproduced with aerich 0.10.1 on both engines."""
    folder = app(tmp_path)
    write_migration(folder, INIT, init)
    path = write_migration(folder, FROZEN_FILE, up, FROZEN_PG_DOWN.replace('"', "`"))
    found = lint(path, dialect=dialect, only=["frozen-default"]).findings
    assert summary(found) == [
        ("frozen-default", FROZEN_FILE, "upgrade", 8),
        ("frozen-default", FROZEN_FILE, "upgrade", 9),
    ]  # not the downgrade's own frozen value
    stamp = "11:41:10.049617" if dialect == "postgres" else "11:41:18.103074"
    assert found[0].message == (
        f"column ev.seen gets the fixed default '2026-12-03 {stamp}', the day this "
        f"migration was generated: every new row gets that moment, not the time it is "
        f"inserted (a datetime.now() evaluated when the models were imported)"
    )


@pytest.mark.parametrize(
    "sql",
    [
        # MySQL's MODIFY restating the column
        "ALTER TABLE `ev` MODIFY COLUMN `at` DATETIME(6) NOT NULL DEFAULT '2023-07-28 15:03:55.053110';",
        # a CREATE TABLE, an aware datetime's isoformat(), a cast
        'CREATE TABLE "x" ("id" INT, "at" TIMESTAMPTZ NOT NULL DEFAULT \'2023-07-28T15:03:55.053110+00:00\');',
        'ALTER TABLE "ev" ADD "d" TIMESTAMP DEFAULT \'2023-07-28 15:03:55.5\'::timestamp;',
    ],
)
def test_other_shapes_of_a_frozen_default(tmp_path: Path, sql: str) -> None:
    dialect = "mysql" if "`" in sql else "postgres"
    folder = app(tmp_path)
    write_migration(folder, INIT, FROZEN_PG_INIT if dialect == "postgres" else FROZEN_MYSQL_INIT)
    path = write_migration(folder, NAME, sql)
    found = lint(path, dialect=dialect, only=["frozen-default"]).findings
    assert summary(found) == [("frozen-default", NAME, "upgrade", 8)]
    assert "the day this migration was generated" not in found[0].message


@pytest.mark.parametrize(
    "default",
    [
        "'1970-01-01'",
        "'1970-01-01 00:00:00'",
        "'2000-01-01'",
        "'9999-12-31 23:59:59'",
        "CURRENT_TIMESTAMP",
        "now()",
        "NULL",
    ],
)
def test_deliberate_defaults_are_not_frozen(tmp_path: Path, default: str) -> None:
    """A literal someone wrote on purpose has no fraction of a second."""
    folder = app(tmp_path)
    write_migration(folder, INIT, FROZEN_PG_INIT)
    path = write_migration(
        folder,
        NAME,
        f'ALTER TABLE "ev" ADD "d" TIMESTAMPTZ DEFAULT {default};\n'
        f'ALTER TABLE "ev" ALTER COLUMN "at" SET DEFAULT {default};',
    )
    assert lint(path, only=["frozen-default"]).findings == []


def test_a_text_column_holding_a_timestamp_is_not_judged(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(
        folder, INIT, 'CREATE TABLE "ev" ("id" INT, "label" VARCHAR(40));'
    )  # fmt: skip
    path = write_migration(
        folder,
        NAME,
        'ALTER TABLE "ev" ALTER COLUMN "label" SET DEFAULT \'2023-07-28 15:03:55.053110\';',
    )
    assert lint(path, only=["frozen-default", "unknown-object"]).findings == []


def test_a_frozen_default_is_one_value_for_every_row(pg: Postgres) -> None:
    pg.run(FROZEN_PG_INIT + FROZEN_PG_UP)
    pg.run("INSERT INTO ev DEFAULT VALUES")
    pg.run("SELECT pg_sleep(0.01)")
    pg.run("INSERT INTO ev DEFAULT VALUES")
    assert len(set(pg.values("SELECT at FROM ev"))) == 1
    assert len(pg.values("SELECT at FROM ev")) == 2


# -- 5. mysql-add-foreign-key -------------------------------------------------------


def test_real_aerich_fk_on_an_existing_mysql_table() -> None:
    """aerich 0.10.1 (fixture online/add_fk_existing): the ADD CONSTRAINT copies event."""
    path = find(AERICH / "mysql" / "migrations" / "online", "add_fk_existing")
    found = lint(path, dialect="mysql", only=["mysql-add-foreign-key"]).findings
    line = line_of(path, "ADD CONSTRAINT")
    assert summary(found) == [("mysql-add-foreign-key", path.name, "upgrade", line)]
    assert found[0].message == (
        "adds FOREIGN KEY fk_event_account_906c319a to event while foreign_key_checks is on: "
        "MySQL copies the whole table (ALGORITHM=COPY), and writes to event wait until the "
        "copy ends"
    )


MYSQL_LIVE = "CREATE TABLE `account` (`id` INT NOT NULL PRIMARY KEY);\nCREATE TABLE `event` (`id` INT NOT NULL PRIMARY KEY, `account_id` INT);"
ADD_FK = "ALTER TABLE `event` ADD CONSTRAINT `fk_event_account_906c319a` FOREIGN KEY (`account_id`) REFERENCES `account` (`id`)"


def test_mysql_add_foreign_key_quiet_and_refused(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(folder, INIT, MYSQL_LIVE)
    rule = ["mysql-add-foreign-key"]
    # the safe sequence
    path = write_migration(
        folder,
        NAME,
        f"SET foreign_key_checks = 0;\n{ADD_FK}, ALGORITHM=INPLACE, LOCK=NONE;\n"
        "SET foreign_key_checks = 1;",
    )
    assert lint(path, dialect="mysql", only=rule).findings == []
    # checks set back on before the ALTER: a copy again
    write_migration(
        folder, NAME, f"SET foreign_key_checks = 0;\nSET foreign_key_checks = 1;\n{ADD_FK};"
    )
    assert summary(lint(path, dialect="mysql", only=rule).findings) == [
        ("mysql-add-foreign-key", NAME, "upgrade", 10)
    ]
    # INPLACE asked for with the checks on: refused, an error
    write_migration(folder, NAME, f"{ADD_FK}, ALGORITHM=INPLACE, LOCK=NONE;")
    found = lint(path, dialect="mysql", only=rule).findings
    assert [(f.line, f.severity.name) for f in found] == [(8, "ERROR")]
    assert "the server refuses it" in found[0].message
    # a table this migration creates is empty
    write_migration(
        folder,
        NAME,
        "CREATE TABLE `log` (`id` INT NOT NULL PRIMARY KEY, `account_id` INT);\n"
        "ALTER TABLE `log` ADD CONSTRAINT `fk_log` FOREIGN KEY (`account_id`) REFERENCES `account` (`id`);",
    )
    assert lint(path, dialect="mysql", only=rule).findings == []
    # PostgreSQL is constraint-not-valid's
    write_migration(folder, NAME, ADD_FK.replace("`", '"') + ";")
    assert lint(path, dialect="postgres", only=rule).findings == []


def test_mariadb_adds_a_foreign_key_in_place_only_without_checks(maria: MariaDB) -> None:
    maria.run(MYSQL_LIVE)
    maria.run("INSERT INTO `account` VALUES (1);\nINSERT INTO `event` VALUES (1, 1), (2, 2)")
    for clause in ("ALGORITHM=INPLACE", "LOCK=NONE"):
        error = maria.error(f"{ADD_FK}, {clause}")
        assert error is not None and error[0] == 1846
        assert "Adding foreign keys needs foreign_key_checks=OFF" in error[1]
    # the copy checks the rows (and fails on the orphan)...
    error = maria.error(ADD_FK)
    assert error is not None and error[0] == 1452
    # ...the in-place add with the checks off does not look at them: check orphans first
    orphans = (
        "SELECT COUNT(*) FROM `event` e LEFT JOIN `account` a ON a.`id` = e.`account_id` "
        "WHERE e.`account_id` IS NOT NULL AND a.`id` IS NULL"
    )
    assert maria.values(orphans) == [1]
    assert (
        maria.error(f"SET foreign_key_checks = 0;\n{ADD_FK}, ALGORITHM=INPLACE, LOCK=NONE") is None
    )
    maria.run("SET foreign_key_checks = 1")
    assert maria.values(orphans) == [1]  # still there, unnoticed


# -- 6. an index dropped and re-created unchanged ------------------------------------

# aerich issues 363 and 315 (aerich 0.7.x, fixed by #377): every `aerich migrate` wrote
# the model's Meta.indexes again as DROP INDEX + CREATE INDEX. Hand-written in that
# shape: aerich 0.10.1 no longer does it (checked: a GinIndex/BrinIndex model gives no
# index statements in later migrations).
EVENT_PG = """
CREATE TABLE IF NOT EXISTS "event" ("id" VARCHAR(50) NOT NULL PRIMARY KEY, "field1" TSVECTOR, "field2" TIMESTAMPTZ);
CREATE INDEX "idx_event_field1_6c0de5" ON "event" USING GIN ("field1");
CREATE INDEX "idx_event_field2_a9c9a7" ON "event" USING BRIN ("field2");"""
REBUILD_PG = """
DROP INDEX "idx_event_field1_6c0de5";
DROP INDEX "idx_event_field2_a9c9a7";
CREATE INDEX "idx_event_field1_6c0de5" ON "event" USING GIN ("field1");
CREATE INDEX "idx_event_field2_a9c9a7" ON "event" USING BRIN ("field2");"""


def test_an_unchanged_rebuild_in_each_migration_is_one_finding_per_index(tmp_path: Path) -> None:
    folder = app(tmp_path)
    write_migration(folder, INIT, EVENT_PG)
    names = [f"{n}_2024010{n}000000_update.py" for n in (1, 2, 3)]
    for name in names:
        write_migration(folder, name, REBUILD_PG, REBUILD_PG)
    found = lint(folder, only=None).findings
    upgrade = [f for f in found if f.section == "upgrade"]
    assert summary(upgrade) == [
        ("non-concurrent-index", name, "upgrade", line) for name in names for line in (10, 11)
    ]
    assert all(", unchanged:" in f.message for f in upgrade)
    assert upgrade[0].message.startswith(
        "drops index idx_event_field1_6c0de5 (line 8) and builds it again without "
        "CONCURRENTLY, unchanged: event is locked for reads and writes"
    )


EVENT_MYSQL = "CREATE TABLE IF NOT EXISTS `event` (`id` VARCHAR(50) NOT NULL PRIMARY KEY, `title` VARCHAR(200), KEY `idx_event_title_71b86e` (`title`)) CHARACTER SET utf8mb4;"
REBUILD_MYSQL = "ALTER TABLE `event` DROP INDEX `idx_event_title_71b86e`;\nALTER TABLE `event` ADD INDEX `idx_event_title_71b86e` (`title`);"


def test_an_unchanged_rebuild_on_mysql(tmp_path: Path) -> None:
    """aerich 0.7's MySQL shape of the same rebuild: MySQL builds an index in place
    without blocking writes, so no lock finding; the two DDL statements commit one by
    one (implicit-commit, once for the file)."""
    folder = app(tmp_path)
    write_migration(folder, INIT, EVENT_MYSQL)
    names = [f"{n}_2024010{n}000000_update.py" for n in (1, 2)]
    for name in names:
        write_migration(folder, name, REBUILD_MYSQL, REBUILD_MYSQL)
    found = [f for f in lint(folder, dialect="mysql", only=None).findings if f.section == "upgrade"]
    assert summary(found) == [("implicit-commit", name, "upgrade", 9) for name in names]
    assert found[0].message.startswith("2 DDL statements in one upgrade (lines 8, 9)")


# -- the parts that must survive anything ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "_", "é" * 80, "a" * 200, "\x00", "x_ibfk_", "x_ibfk_999999999999999999999"],
)
def test_naming_never_raises(text: str) -> None:
    assert len(pg_object_name(text, (text, text), "fkey").encode("utf-8")) <= 63
    assert pg_unique_name(text, (text,), "key", lambda name: True).endswith(("key1000", "key"))
    assert aerich_index_name("uid", text, (text,)).startswith("uid_")
    assert aerich_index_name("uid", text, ()) == ""
    assert aerich_fk_name(text, text, text, text).startswith("fk_")
    assert mysql_fk_name(text, {text, f"{text}_ibfk_7", "x_ibfk_abc"}).endswith("_ibfk_8")


NASTY = [
    'DROP INDEX IF EXISTS "uid_";',
    'ALTER TABLE "nope" DROP CONSTRAINT IF EXISTS "fk_";',
    'CREATE TABLE IF NOT EXISTS "t" ("id" INT REFERENCES "t" ("id"), "id" INT UNIQUE);',
    'CREATE INDEX IF NOT EXISTS "i" ON "t" ();',
    "ALTER TABLE t ADD FOREIGN KEY () REFERENCES;",
    "SET foreign_key_checks = ;",
    "SET @@session.foreign_key_checks = 'OFF';",
    "ALTER TABLE `t` ADD CONSTRAINT FOREIGN KEY (`a`, `b`) REFERENCES `u` (`x`), ALGORITHM=INPLACE;",
    'ALTER TABLE "t" ALTER COLUMN "c" SET DEFAULT \'2023-13-99 99:99:99.9999999999\';',
    'ALTER TABLE "t" RENAME CONSTRAINT TO;',
]


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_garbage_does_not_break_the_new_rules(tmp_path: Path, dialect: str) -> None:
    folder = app(tmp_path)
    write_migration(folder, INIT, 'CREATE TABLE "t" ("id" INT PRIMARY KEY, "c" TIMESTAMP);')
    write_migration(folder, NAME, "\n".join(NASTY), "\n".join(reversed(NASTY)))
    rules = [*HISTORY, "frozen-default", "mysql-add-foreign-key", "drop-table"]
    result = lint(folder, dialect=dialect, only=rules)
    assert result.findings is not None  # it ran to the end
    # and each statement alone, with every rule
    for sql in NASTY:
        write_migration(folder, NAME, sql, sql)
        assert lint(folder, dialect=dialect, only=None).findings is not None


def test_the_new_rules_are_documented() -> None:
    for name in ("no-op-statement", "frozen-default", "mysql-add-foreign-key"):
        rule = BY_NAME[name]
        assert rule.why and rule.fix and rule.example and rule.hint and rule.summary
    assert [
        BY_NAME[n].code for n in ("no-op-statement", "frozen-default", "mysql-add-foreign-key")
    ] == [
        "AL205",
        "AL222",
        "AL326",
    ]
