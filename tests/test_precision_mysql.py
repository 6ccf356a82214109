"""Precision of three MySQL rules on what aerich really writes, with every claim about
MariaDB checked on the real server:

* change-loses-attributes: the MODIFY aerich writes for a field made `null=True` (or
  losing its description) is the intended change when no MODELS_STATE says so (aerich
  before 0.8, `.sql` files): its downgrade restates the attribute. Real losses stay.
* column-type-change: MySQL and MariaDB pick INSTANT or INPLACE by themselves; only the
  changes they copy the table for are reported, with the server and the lock.
* implicit-commit: a prefix of additions left behind by a failure loses nothing; drops,
  renames, MODIFYs, required columns, keys on existing columns and data changes do.

The SQL of the "aerich" cases is what aerich 0.10.1 wrote (`aerich migrate --offline`,
AERICH_MYSQL_VERSION=8.0, driven as tests/fixtures/generate.py does) for the model
change named in each comment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.model import Finding
from aerich_lint.targets import parse_target
from conftest import AERICH, lint, server_url, summary, write_migration

NAME = "1_20240102000000_change.py"


def app(tmp_path: Path, init: str) -> Path:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", init)
    return folder


# -- change-loses-attributes ----------------------------------------------------------

# aerich 0.10.1's init for: name CharField(100), note CharField(50, description="a
# note"), title CharField(40), qty IntField(db_default=5)
CUSTOMER = """CREATE TABLE IF NOT EXISTS `customer` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `name` VARCHAR(100) NOT NULL,
    `note` VARCHAR(50) NOT NULL COMMENT 'a note',
    `title` VARCHAR(40) NOT NULL,
    `qty` INT NOT NULL DEFAULT 5
) CHARACTER SET utf8mb4;"""

# (file, upgrade, downgrade) aerich wrote, one model change each
AERICH_CHANGES = [
    (  # name: null=True
        "1_20240102000000_name_null.py",
        "ALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100);",
        "ALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100) NOT NULL;",
    ),
    (  # note: description removed
        "2_20240103000000_note_no_comment.py",
        "ALTER TABLE `customer` MODIFY COLUMN `note` VARCHAR(50) NOT NULL;",
        "ALTER TABLE `customer` MODIFY COLUMN `note` VARCHAR(50) NOT NULL COMMENT 'a note';",
    ),
    (  # title: max_length 40 -> 60 and null=True at once (aerich writes the MODIFY twice)
        "3_20240104000000_title_widen_null.py",
        "ALTER TABLE `customer` MODIFY COLUMN `title` VARCHAR(60);\n"
        "ALTER TABLE `customer` MODIFY COLUMN `title` VARCHAR(60);",
        "ALTER TABLE `customer` MODIFY COLUMN `title` VARCHAR(40) NOT NULL;\n"
        "ALTER TABLE `customer` MODIFY COLUMN `title` VARCHAR(40) NOT NULL;",
    ),
    (  # qty: null=True; aerich leaves the db_default out of its MODIFY (a real loss)
        "4_20240105000000_qty_null.py",
        "ALTER TABLE `customer` MODIFY COLUMN `qty` INT;",
        "ALTER TABLE `customer` MODIFY COLUMN `qty` INT NOT NULL;",
    ),
]


def test_aerich_nullability_and_comment_changes_without_models_state(tmp_path: Path) -> None:
    """Files without MODELS_STATE: before, each of the four was reported ("without its NOT
    NULL", "without its COMMENT", "without its NOT NULL", "without its NOT NULL, DEFAULT
    5"); the downgrades restate NOT NULL and the comment, so only qty's default is lost."""
    folder = app(tmp_path, CUSTOMER)
    for name, up, down in AERICH_CHANGES:
        write_migration(folder, name, up, down)
    result = lint(folder, dialect="mysql", only=["change-loses-attributes"])
    assert summary(result.findings) == [
        ("change-loses-attributes", "4_20240105000000_qty_null.py", "upgrade", 8)
    ]
    assert result.findings[0].message == (
        "MODIFY qty restates customer.qty without its DEFAULT 5: MySQL replaces the whole "
        "definition, so the column loses its default"
    )


def test_legacy_sql_migration_made_nullable_is_quiet(tmp_path: Path) -> None:
    """aerich 0.4-0.6 `.sql` files never carry MODELS_STATE."""
    folder = tmp_path / "migrations" / "models"
    folder.mkdir(parents=True)
    (folder / "0_20210101000000_init.sql").write_text(f"-- upgrade --\n{CUSTOMER}\n")
    legacy = folder / "1_20210102000000_update.sql"
    legacy.write_text(
        "-- upgrade --\nALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100);\n"
        "-- downgrade --\nALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100) NOT NULL;\n"
    )
    assert summary(lint(folder, dialect="mysql", only=["change-loses-attributes"]).findings) == []
    # the same file whose downgrade forgets NOT NULL too: nothing says the loss is meant
    legacy.write_text(
        "-- upgrade --\nALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100);\n"
        "-- downgrade --\nALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(100);\n"
    )
    assert summary(lint(folder, dialect="mysql", only=["change-loses-attributes"]).findings) == [
        ("change-loses-attributes", legacy.name, "upgrade", 2)
    ]


def test_real_losses_are_still_reported(tmp_path: Path) -> None:
    # aerich for MySQL 5.7: a rename written as CHANGE without the NOT NULL, whose
    # downgrade (`CHANGE full_name name VARCHAR(100)`) forgets it as well
    rename_yes = find(AERICH / "mysql57" / "migrations" / "models", "rename_yes")
    assert summary(lint(rename_yes, dialect=None, only=["change-loses-attributes"]).findings) == [
        ("change-loses-attributes", rename_yes.name, "upgrade", line_of(rename_yes, "CHANGE name"))
    ]
    # hand-written MODIFYs that only mean to change the type, with a downgrade that
    # forgets the same attributes
    up = (
        "ALTER TABLE `customer` MODIFY `qty` BIGINT;\n"
        "ALTER TABLE `customer` MODIFY `id` BIGINT NOT NULL;\n"
        "ALTER TABLE `customer` MODIFY `note` VARCHAR(80) NOT NULL;"
    )
    down = (
        "ALTER TABLE `customer` MODIFY `note` VARCHAR(50) NOT NULL;\n"
        "ALTER TABLE `customer` MODIFY `id` INT NOT NULL;\n"
        "ALTER TABLE `customer` MODIFY `qty` INT;"
    )
    path = write_migration(app(tmp_path, CUSTOMER), NAME, up, down)
    found = lint(path, dialect="mysql", only=["change-loses-attributes"]).findings
    assert summary(found) == [
        ("change-loses-attributes", NAME, "upgrade", 8),
        ("change-loses-attributes", NAME, "upgrade", 9),
        ("change-loses-attributes", NAME, "upgrade", 10),
    ]
    assert [f.message.split(":")[0] for f in found] == [
        "MODIFY qty restates customer.qty without its NOT NULL, DEFAULT 5",
        "MODIFY id restates customer.id without its AUTO_INCREMENT",
        "MODIFY note restates customer.note without its COMMENT",
    ]


# -- column-type-change -----------------------------------------------------------------


@dataclass(frozen=True)
class TypeCase:
    name: str
    column: str  # the column `v` before
    change: str  # the ALTER TABLE action
    mariadb: str  # what MariaDB 10.4.3+ does (checked on the server): INSTANT, INPLACE, COPY
    # targets on which the linter reports the change as a table copy (the others: quiet)
    copies_on: tuple[str, ...]


ALL = ("mysql:5.7", "mysql:8.0", "mariadb:10.2", "mariadb:10.3", "mariadb:10.11")
MYSQL = ("mysql:5.7", "mysql:8.0")
TYPE_CASES = [
    # aerich: CharField max_length 40 -> 60 (160 -> 240 bytes: one length byte still)
    TypeCase(
        "aerich_40_to_60",
        "VARCHAR(40) NOT NULL",
        "MODIFY COLUMN `v` VARCHAR(60) NOT NULL",
        "INSTANT",
        (),
    ),
    # aerich: max_length 100 -> 300 (400 -> 1200 bytes: two length bytes already)
    TypeCase(
        "aerich_100_to_300",
        "VARCHAR(100) NOT NULL",
        "MODIFY COLUMN `v` VARCHAR(300) NOT NULL",
        "INSTANT",
        (),
    ),
    # aerich (fixture online/widen_varchar): 50 -> 200 crosses 255 bytes (200 -> 800)
    TypeCase(
        "aerich_50_to_200",
        "VARCHAR(50) NOT NULL",
        "MODIFY COLUMN `v` VARCHAR(200) NOT NULL",
        "COPY",
        ALL,
    ),
    TypeCase("boundary_63_to_64", "VARCHAR(63)", "MODIFY COLUMN `v` VARCHAR(64)", "COPY", ALL),
    # at most 127 bytes: MariaDB 10.4.3+ crosses instantly, MySQL and MariaDB 10.3 copy
    TypeCase(
        "mariadb_31_to_64",
        "VARCHAR(31)",
        "MODIFY COLUMN `v` VARCHAR(64)",
        "INSTANT",
        (*MYSQL, "mariadb:10.2", "mariadb:10.3"),
    ),
    TypeCase("from_128_bytes", "VARCHAR(32)", "MODIFY COLUMN `v` VARCHAR(64)", "COPY", ALL),
    # aerich: max_length 40 -> 60 with null=True: in place, rebuilt, writes go on
    TypeCase(
        "aerich_widen_and_null",
        "VARCHAR(40) NOT NULL",
        "MODIFY COLUMN `v` VARCHAR(60)",
        "INPLACE",
        (),
    ),
    TypeCase(
        "rename_and_widen",
        "VARCHAR(40) NOT NULL",
        "CHANGE `v` `w` VARCHAR(60) NOT NULL",
        "INSTANT",
        (),
    ),
    TypeCase(
        "enum_appended",
        "ENUM('a','b') NOT NULL",
        "MODIFY `v` ENUM('a','b','c') NOT NULL",
        "INSTANT",
        (),
    ),
    TypeCase(
        "enum_reordered",
        "ENUM('a','b') NOT NULL",
        "MODIFY `v` ENUM('c','a','b') NOT NULL",
        "COPY",
        ALL,
    ),
    TypeCase(
        "set_outgrows_a_byte",
        "SET('a','b','c','d','e','f','g','h')",
        "MODIFY `v` SET('a','b','c','d','e','f','g','h','i')",
        "COPY",
        ALL,
    ),
    TypeCase("int_to_bigint", "INT NOT NULL", "MODIFY COLUMN `v` BIGINT NOT NULL", "COPY", ALL),
    TypeCase(
        "decimal_precision",
        "DECIMAL(10,2) NOT NULL",
        "MODIFY COLUMN `v` DECIMAL(12,2) NOT NULL",
        "COPY",
        ALL,
    ),
    TypeCase("varchar_to_text", "VARCHAR(100)", "MODIFY COLUMN `v` TEXT", "COPY", ALL),
    TypeCase(
        "bool_is_tinyint", "BOOL NOT NULL", "MODIFY COLUMN `v` TINYINT(1) NOT NULL", "INSTANT", ()
    ),
]


def type_change_findings(
    tmp_path: Path, case: TypeCase, target: str, clause: str = ""
) -> list[Finding]:
    init = (
        "CREATE TABLE IF NOT EXISTS `t` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, "
        f"`v` {case.column}) CHARACTER SET utf8mb4;"
    )
    folder = app(tmp_path / target.replace(":", "_"), init)
    path = write_migration(folder, NAME, f"ALTER TABLE `t` {case.change}{clause};", "SELECT 1;")
    kw = {"target_versions": [parse_target(target)]}
    return lint(path, dialect="mysql", only=["column-type-change"], **kw).findings


@pytest.mark.parametrize("case", TYPE_CASES, ids=[c.name for c in TYPE_CASES])
def test_column_type_change_per_target(tmp_path: Path, case: TypeCase) -> None:
    for target in ALL:
        found = type_change_findings(tmp_path, case, target)
        if target in case.copies_on:
            assert summary(found) == [("column-type-change", NAME, "upgrade", 8)], target
            assert found[0].severity.label == "warning"
            server = "MariaDB" if target.startswith("mariadb") else "MySQL"
            version = target.split(":")[1]
            assert f"{server} {version} copies the whole table for it (ALGORITHM=COPY" in (
                found[0].message
            )
            assert found[0].message.endswith("reads go on, writes wait until the copy is done")
        else:
            assert summary(found) == [], target


def test_column_type_change_messages(tmp_path: Path) -> None:
    by_name = {c.name: c for c in TYPE_CASES}
    (found,) = type_change_findings(tmp_path / "a", by_name["aerich_50_to_200"], "mysql:8.0")
    assert found.message == (
        "changes t.v from VARCHAR(50) to VARCHAR(200): MySQL 8.0 copies the whole table for "
        "it (ALGORITHM=COPY: its length prefix grows from 1 to 2 bytes, 200 to 800 bytes in "
        "utf8mb4): reads go on, writes wait until the copy is done"
    )
    (found,) = type_change_findings(tmp_path / "b", by_name["int_to_bigint"], "mariadb:10.11")
    assert found.message == (
        "changes t.v from INT to BIGINT: MariaDB 10.11 copies the whole table for it "
        "(ALGORITHM=COPY): reads go on, writes wait until the copy is done"
    )
    # a clause the server cannot honour: it refuses, the upgrade fails there
    (found,) = type_change_findings(
        tmp_path / "c", by_name["int_to_bigint"], "mariadb:10.11", ", ALGORITHM=INPLACE"
    )
    assert found.message == (
        "changes t.v from INT to BIGINT with ALGORITHM=INPLACE: MariaDB 10.11 can only do it "
        "by copying the table, so it refuses the statement (ERROR 1846) and the upgrade "
        "stops here"
    )
    # MySQL 8.0 lengthens a VARCHAR in place, never instantly; MariaDB 10.3+ instantly
    instant = ", ALGORITHM=INSTANT"
    case = by_name["aerich_40_to_60"]
    assert summary(type_change_findings(tmp_path / "d", case, "mariadb:10.11", instant)) == []
    (found,) = type_change_findings(tmp_path / "e", case, "mysql:8.0", instant)
    assert found.message == (
        "changes t.v from VARCHAR(40) to VARCHAR(60) with ALGORITHM=INSTANT: MySQL 8.0 can "
        "only do it in place, so it refuses the statement (ERROR 1846) and the upgrade stops "
        "here"
    )
    inplace = ", ALGORITHM=INPLACE, LOCK=NONE"
    assert summary(type_change_findings(tmp_path / "f", case, "mysql:8.0", inplace)) == []


def test_real_aerich_widenings(tmp_path: Path) -> None:
    # the fixture's widen_varchar (50 -> 200) copies: still reported
    online = AERICH / "mysql" / "migrations" / "online"
    widen = find(online, "widen_varchar")
    found = lint(online, dialect=None, only=["column-type-change"]).findings
    assert summary(found) == [
        ("column-type-change", widen.name, "upgrade", line_of(widen, "VARCHAR(200)"))
    ]
    # aerich's MODIFYs for max_length 100 -> 300 and 40 -> 60 (+ null=True): before,
    # "copies the table unless asked not to"; the server does both in place by itself
    init = (
        "CREATE TABLE IF NOT EXISTS `product` (\n    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,\n"
        "    `name` VARCHAR(100) NOT NULL,\n    `title` VARCHAR(40) NOT NULL\n) CHARACTER SET utf8mb4;"
    )
    path = write_migration(
        app(tmp_path, init),
        NAME,
        "ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(300) NOT NULL;\n"
        "ALTER TABLE `product` MODIFY COLUMN `title` VARCHAR(60);\n"
        "ALTER TABLE `product` MODIFY COLUMN `title` VARCHAR(60);",
        "ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(100) NOT NULL;\n"
        "ALTER TABLE `product` MODIFY COLUMN `title` VARCHAR(40) NOT NULL;\n"
        "ALTER TABLE `product` MODIFY COLUMN `title` VARCHAR(40) NOT NULL;",
    )
    for target in ALL:
        kw = {"target_versions": [parse_target(target)]}
        assert lint(path, dialect="mysql", only=["column-type-change"], **kw).findings == []


# -- the MariaDB server says which algorithm it uses -------------------------------------


def connect(url: str, autocommit: bool = True) -> Any:
    import pymysql  # aiomysql's own driver, installed with the test extras

    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        autocommit=autocommit,
    )


class MariaDB:
    """A scratch database of its own on the test server (AERICH_LINT_TEST_MYSQL_URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn = connect(url)
        self.version = str(self.scalar("SELECT VERSION()"))
        self.database = f"precision_mysql_{uuid.uuid4().hex[:10]}"
        self.run(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")
        self.run(f"USE `{self.database}`")

    def run(self, sql: str) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(sql)

    def scalar(self, sql: str) -> object:
        with self.conn.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
        return row[0] if row else None

    def error(self, sql: str) -> int | None:
        """The server's error number for the statement, None when it succeeds."""
        import pymysql

        try:
            self.run(sql)
        except pymysql.MySQLError as exc:
            return int(exc.args[0])
        return None

    def table(self, columns: str) -> None:
        self.run("DROP TABLE IF EXISTS `t`")
        self.run(
            f"CREATE TABLE `t` (`id` INT NOT NULL PRIMARY KEY, {columns}) CHARACTER SET utf8mb4"
        )

    def accepts(self, columns: str, alter: str) -> bool:
        """Does a fresh table accept the ALTER (ALGORITHM/LOCK clauses included)?"""
        self.table(columns)
        return self.error(f"ALTER TABLE `t` {alter}") is None

    def close(self) -> None:
        try:
            self.run(f"DROP DATABASE IF EXISTS `{self.database}`")
        finally:
            self.conn.close()

    def left_behind(self) -> bool:
        conn = connect(self.url)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SHOW DATABASES")
                return self.database in {str(row[0]) for row in cursor.fetchall()}
        finally:
            conn.close()


@pytest.fixture(scope="module")
def mariadb() -> Iterator[MariaDB]:
    server = MariaDB(server_url("mysql"))
    try:
        if "mariadb" not in server.version.lower():
            pytest.skip(f"the test server is not MariaDB ({server.version})")
        yield server
    finally:
        server.close()
    assert not server.left_behind(), "the scratch database was left behind"


def server_target(server: MariaDB) -> str:
    """The linter's target for the server itself, e.g. mariadb:10.11."""
    match = re.match(r"(\d+)\.(\d+)", server.version)
    assert match is not None
    return f"mariadb:{match.group(1)}.{match.group(2)}"


@pytest.mark.parametrize("case", TYPE_CASES, ids=[c.name for c in TYPE_CASES])
def test_mariadb_uses_the_claimed_algorithm(
    mariadb: MariaDB, tmp_path: Path, case: TypeCase
) -> None:
    column = f"`v` {case.column}"
    instant = mariadb.accepts(column, f"{case.change}, ALGORITHM=INSTANT")
    nocopy = mariadb.accepts(column, f"{case.change}, ALGORITHM=NOCOPY")
    inplace = mariadb.accepts(column, f"{case.change}, ALGORITHM=INPLACE, LOCK=NONE")
    no_lock = mariadb.accepts(column, f"{case.change}, LOCK=NONE")
    copy = mariadb.accepts(column, f"{case.change}, ALGORITHM=COPY, LOCK=SHARED")
    assert copy  # every change can be copied
    if case.mariadb == "INSTANT":
        assert instant and nocopy and inplace and no_lock
    elif case.mariadb == "INPLACE":  # rebuilt in place, writes go on
        assert (instant, nocopy, inplace, no_lock) == (False, False, True, True)
    else:  # COPY: neither in place nor without a lock (writes wait)
        assert (instant, nocopy, inplace, no_lock) == (False, False, False, False)
    # and the linter says the same for this server
    target = server_target(mariadb)
    reported = summary(type_change_findings(tmp_path, case, target))
    assert reported == (
        [("column-type-change", NAME, "upgrade", 8)] if case.mariadb == "COPY" else []
    )


def test_mariadb_refuses_an_online_clause_for_a_copy(mariadb: MariaDB) -> None:
    mariadb.table("`v` INT NOT NULL")
    assert mariadb.error("ALTER TABLE `t` MODIFY `v` BIGINT NOT NULL, ALGORITHM=INPLACE") == 1846
    assert mariadb.error("ALTER TABLE `t` MODIFY `v` BIGINT NOT NULL, LOCK=NONE") == 1846
    # the copy keeps readers going (LOCK=SHARED) but cannot let writers in
    assert (
        mariadb.error("ALTER TABLE `t` MODIFY `v` BIGINT NOT NULL, ALGORITHM=COPY, LOCK=NONE")
        == 1846
    )


def test_mariadb_modify_replaces_the_whole_definition(mariadb: MariaDB) -> None:
    """What change-loses-attributes says: MODIFY drops whatever it does not restate, and
    aerich's downgrade MODIFY puts NOT NULL back."""
    mariadb.table("`qty` INT NOT NULL DEFAULT 5 COMMENT 'in stock'")
    columns = (
        "SELECT CONCAT_WS('|', IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '-'), COLUMN_COMMENT) "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' "
        "AND COLUMN_NAME = 'qty'"
    )
    assert mariadb.scalar(columns) == "NO|5|in stock"
    mariadb.run("ALTER TABLE `t` MODIFY COLUMN `qty` INT")  # aerich's upgrade for null=True
    assert mariadb.scalar(columns) == "YES|NULL|"
    mariadb.run("ALTER TABLE `t` MODIFY COLUMN `qty` INT NOT NULL")  # its downgrade
    assert mariadb.scalar(columns) == "NO|-|"
    # aerich's order (COMMENT before DEFAULT) is accepted
    mariadb.run("ALTER TABLE `t` MODIFY COLUMN `qty` INT COMMENT 'in stock' DEFAULT 5")
    assert mariadb.scalar(columns) == "YES|5|in stock"


# -- implicit-commit ------------------------------------------------------------------

SHOP = """CREATE TABLE IF NOT EXISTS `customer` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `name` VARCHAR(100) NOT NULL,
    `nickname` VARCHAR(50),
    `email` VARCHAR(200)
) CHARACTER SET utf8mb4;"""

# aerich's init for Customer(id, name)
AERICH_INIT = """CREATE TABLE IF NOT EXISTS `customer` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `name` VARCHAR(100) NOT NULL
) CHARACTER SET utf8mb4;"""

# aerich for: new models Note and Order (FK to Customer, unique ref, indexed total);
# Customer.score IntField(default=0), .joined DatetimeField(null=True, db_index=True),
# .nickname CharField(50, null=True)
AERICH_ADDITIONS = (
    """CREATE TABLE IF NOT EXISTS `note` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `body` LONGTEXT NOT NULL
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS `order` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `ref` VARCHAR(20) NOT NULL UNIQUE,
    `total` DECIMAL(10,2) NOT NULL,
    `customer_id` INT NOT NULL,
    CONSTRAINT `fk_order_customer_b68904f0` FOREIGN KEY (`customer_id`) REFERENCES `customer` (`id`) ON DELETE CASCADE,
    KEY `idx_order_total_301ce5` (`total`)
) CHARACTER SET utf8mb4;
ALTER TABLE `customer` ADD `score` INT NOT NULL DEFAULT 0;
ALTER TABLE `customer` ADD `joined` DATETIME(6);
ALTER TABLE `customer` ADD `nickname` VARCHAR(50);
ALTER TABLE `customer` ADD INDEX `idx_customer_joined_d4878f` (`joined`);""",
    """ALTER TABLE `customer` DROP INDEX `idx_customer_joined_d4878f`;
ALTER TABLE `customer` DROP COLUMN `score`;
ALTER TABLE `customer` DROP COLUMN `joined`;
ALTER TABLE `customer` DROP COLUMN `nickname`;
DROP TABLE IF EXISTS `order`;
DROP TABLE IF EXISTS `note`;""",
)
# aerich, next: Customer.email CharField(200, null=True) added, .nickname removed
AERICH_ADD_AND_DROP = (
    "ALTER TABLE `customer` ADD `email` VARCHAR(200);\n"
    "ALTER TABLE `customer` DROP COLUMN `nickname`;",
    "ALTER TABLE `customer` ADD `nickname` VARCHAR(50);\n"
    "ALTER TABLE `customer` DROP COLUMN `email`;",
)


def implicit(tmp_path: Path, up: str) -> list[tuple[str, str, str, int]]:
    path = write_migration(app(tmp_path, SHOP), NAME, up, "SELECT 1;")
    return summary(lint(path, dialect="mysql", only=["implicit-commit"]).findings)


def test_implicit_commit_quiet_on_additions(tmp_path: Path) -> None:
    folder = app(tmp_path / "aerich", AERICH_INIT)
    write_migration(folder, "1_20240102000000_additions.py", *AERICH_ADDITIONS)
    write_migration(folder, "2_20240103000000_add_and_drop.py", *AERICH_ADD_AND_DROP)
    # before: both reported, the first on line 21 (after `ADD score`, which a re-run
    # fails on), the second on the DROP, which is the last statement: a failure there
    # leaves only the new, empty email column behind
    assert summary(lint(folder, dialect="mysql", only=["implicit-commit"]).findings) == []
    # a new column, its backfill and its keys: all on what nothing used before
    keyed = (
        "ALTER TABLE `customer` ADD `ref` VARCHAR(20);\n"
        "UPDATE `customer` SET `ref` = CONCAT('c', `id`) WHERE `ref` IS NULL;\n"
        "ALTER TABLE `customer` ADD UNIQUE INDEX `uid_customer_ref` (`ref`);\n"
        "ALTER TABLE `customer` ADD `referrer_id` INT;\n"
        "ALTER TABLE `customer` ADD CONSTRAINT `fk_customer_referrer` FOREIGN KEY (`referrer_id`) REFERENCES `customer` (`id`);"
    )
    assert implicit(tmp_path / "keyed", keyed) == []
    # aerich's twice-written MODIFY (type and null=True at once): the second repeats the first
    twice = (
        "ALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(120);\n"
        "ALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(120);"
    )
    assert implicit(tmp_path / "twice", twice) == []


def test_implicit_commit_kept_where_a_half_applied_state_hurts(tmp_path: Path) -> None:
    add_required = "ALTER TABLE `customer` ADD `code` VARCHAR(10) NOT NULL;\nALTER TABLE `customer` ADD `x` INT;"
    drop_then_add = (
        "ALTER TABLE `customer` DROP COLUMN `email`;\nALTER TABLE `customer` ADD `x` INT;"
    )
    rename = "ALTER TABLE `customer` RENAME COLUMN `email` TO `mail`;\nALTER TABLE `customer` ADD `x` INT;"
    modify = "ALTER TABLE `customer` MODIFY COLUMN `name` VARCHAR(120) NOT NULL;\nALTER TABLE `customer` ADD `x` INT;"
    unique = "ALTER TABLE `customer` ADD UNIQUE INDEX `uid_email` (`email`);\nALTER TABLE `customer` ADD `x` INT;"
    data = (
        "UPDATE `customer` SET `nickname` = `name` WHERE `nickname` IS NULL;\n"
        "ALTER TABLE `customer` ADD `x` INT;\nALTER TABLE `customer` ADD `y` INT;"
    )
    for i, up in enumerate([add_required, drop_then_add, rename, modify, unique, data]):
        assert implicit(tmp_path / str(i), up) == [("implicit-commit", NAME, "upgrade", 9)], up
    path = write_migration(app(tmp_path / "m", SHOP), NAME, data, "SELECT 1;")
    (found,) = lint(path, dialect="mysql", only=["implicit-commit"]).findings
    assert found.message == (
        "2 DDL statements in one upgrade (lines 9, 10): MySQL commits each by itself, so if "
        "this one or a later one fails, line 8 stays applied and aerich records nothing: its "
        "data change is done, and a re-run of the file repeats it"
    )
    # the real aerich files: a required column, a drop, two MODIFYs, a unique index first
    folder = AERICH / "mysql" / "migrations" / "models"
    steps = ("add_fields", "rename_no", "drop_field", "drop_model", "type_change", "add_index")
    want = [
        ("implicit-commit", p.name, "upgrade", line_of(p, "ALTER TABLE", after="def upgrade") + 1)
        for p in (find(folder, step) for step in steps)
    ]
    assert summary(lint(folder, dialect=None, only=["implicit-commit"]).findings) == want


def test_mariadb_commits_before_each_ddl(mariadb: MariaDB) -> None:
    """The premises: a DDL statement commits what ran before it even when it fails; a NOT
    NULL column without a default breaks the inserts of code that does not know it."""
    mariadb.table("`name` VARCHAR(20) NOT NULL")
    mariadb.run("START TRANSACTION")
    mariadb.run("INSERT INTO `t` (`id`, `name`) VALUES (1, 'a')")
    assert mariadb.error("ALTER TABLE `t` ADD `x` INT, ADD `x` INT") == 1060  # duplicate
    mariadb.run("ROLLBACK")
    assert mariadb.scalar("SELECT COUNT(*) FROM `t`") == 1  # committed by the failed ALTER
    mariadb.run("ALTER TABLE `t` ADD `nick` VARCHAR(50) NULL")  # an addition: old inserts work
    assert mariadb.error("INSERT INTO `t` (`id`, `name`) VALUES (2, 'b')") is None
    mariadb.run("ALTER TABLE `t` ADD `code` VARCHAR(10) NOT NULL")  # a required column
    assert mariadb.error("INSERT INTO `t` (`id`, `name`) VALUES (3, 'c')") == 1364


def test_mariadb_refuses_to_drop_a_column_its_foreign_key_uses(
    mariadb: MariaDB, tmp_path: Path
) -> None:
    """What the replay says of tortoise's RemoveField of a ForeignKeyField on MySQL (the
    native fixture 0010_drop_model): the server refuses the DROP COLUMN while the
    foreign key is there (MariaDB 1553; MySQL 8.0 says 1828), and accepts it once the
    foreign key is dropped."""
    mariadb.run("DROP TABLE IF EXISTS `t`")
    mariadb.run("DROP TABLE IF EXISTS `category`")
    mariadb.run("CREATE TABLE `category` (`id` INT NOT NULL PRIMARY KEY) ENGINE=InnoDB")
    create = (
        "CREATE TABLE `t` (`id` INT NOT NULL PRIMARY KEY, `category_id` INT NOT NULL, "
        "CONSTRAINT `fk_t_category` FOREIGN KEY (`category_id`) REFERENCES `category` (`id`) "
        "ON DELETE CASCADE) ENGINE=InnoDB"
    )
    mariadb.run(create)
    assert mariadb.error("ALTER TABLE `t` DROP COLUMN `category_id`") == 1553
    assert mariadb.error("ALTER TABLE `t` DROP FOREIGN KEY `fk_t_category`") is None
    assert mariadb.error("ALTER TABLE `t` DROP COLUMN `category_id`") is None
    mariadb.run("DROP TABLE `t`")
    mariadb.run("DROP TABLE `category`")
    # and the linter says so, on the DROP COLUMN, once
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder,
        "0_20240101000000_init.py",
        "CREATE TABLE `category` (`id` INT NOT NULL PRIMARY KEY);\n"
        + create.replace(" ENGINE=InnoDB", "")
        + ";",
    )
    write_migration(
        folder,
        "1_20240102000000_drop.py",
        "ALTER TABLE `t` DROP COLUMN `category_id`;",
        "ALTER TABLE `t` ADD `category_id` INT NOT NULL;",
    )
    result = lint(folder, dialect="mysql", only=["unknown-object", "downgrade-broken"])
    assert summary(result.findings) == [
        ("unknown-object", "1_20240102000000_drop.py", "upgrade", 8)
    ]
    assert "MariaDB (error 1553) refuse" in result.findings[0].message
