"""The MySQL / SQLite / all-dialect online-safety rules (AL320-AL325): what each
reports, exactly where, and what it must leave alone; on hand-written migrations
and on the real aerich output in tests/fixtures/aerich."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.targets import parse_target
from conftest import AERICH, lint, summary, write_migration

NAME = "1_20240102000000_change.py"
OURS = [
    "implicit-commit",
    "change-loses-attributes",
    "mysql-unsupported-syntax",
    "sqlite-unsupported-alter",
    "sqlite-pragma-in-transaction",
    "add-required-column",
]

MYSQL_INIT = """CREATE TABLE IF NOT EXISTS `product` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `name` VARCHAR(200) NOT NULL,
    `stock` INT NOT NULL DEFAULT 5 COMMENT 'in stock',
    `sku` VARCHAR(50),
    `category_id` INT
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS `category` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT);"""

SQLITE_INIT = """CREATE TABLE IF NOT EXISTS "product" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "email" VARCHAR(200) NOT NULL UNIQUE,
    "sku" VARCHAR(50),
    "note" TEXT
);
CREATE INDEX "idx_product_sku" ON "product" ("sku");
CREATE TABLE IF NOT EXISTS "category" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL);"""

INITS = {
    "mysql": MYSQL_INIT,
    "sqlite": SQLITE_INIT,
    "postgres": 'CREATE TABLE IF NOT EXISTS "product" ("id" SERIAL NOT NULL PRIMARY KEY, '
    '"name" VARCHAR(200) NOT NULL);',
}


def app(tmp_path: Path, dialect: str) -> Path:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INITS[dialect])
    return folder


def run(
    tmp_path: Path,
    dialect: str,
    upgrade: str,
    downgrade: str = "SELECT 1;",
    rit: bool = True,
    target: str | None = None,
    only: list[str] | None = None,
) -> list[tuple[str, str, str, int]]:
    path = write_migration(app(tmp_path, dialect), NAME, upgrade, downgrade, rit)
    kw = {"target_versions": [parse_target(target)]} if target else {}
    return summary(lint(path, dialect=dialect, only=only or OURS, **kw).findings)


def messages(tmp_path: Path, dialect: str, upgrade: str, downgrade: str = "SELECT 1;", **kw):
    path = write_migration(app(tmp_path, dialect), NAME, upgrade, downgrade)
    return [f.message for f in lint(path, dialect=dialect, only=OURS, **kw).findings]


def down(upgrade: str, k: int = 0) -> int:
    """Line of the k-th downgrade line of a file written by write_migration."""
    return 8 + len(upgrade.strip("\n").splitlines()) + 4 + k


def fixture_findings(folder: Path, rules: list[str]) -> list[tuple[str, str, str, int]]:
    return summary(lint(folder, dialect=None, only=rules).findings)


# -- implicit-commit (AL320) ---------------------------------------------------


def test_implicit_commit_once_on_the_second_ddl_statement(tmp_path: Path) -> None:
    # line 8 is not a mere addition: a NOT NULL column without a default on a table with
    # rows (the old code's inserts fail); three nullable ADDs are quiet (test_precision_mysql)
    up = (
        "ALTER TABLE `product` ADD `a` INT NOT NULL;\n"
        "ALTER TABLE `product` ADD `b` INT;\n"
        "ALTER TABLE `product` ADD `c` INT;"
    )
    path = write_migration(app(tmp_path, "mysql"), NAME, up, "SELECT 1;")
    (finding,) = lint(path, dialect="mysql", only=["implicit-commit"]).findings
    assert (finding.rule, finding.path.name, finding.section, finding.line) == (
        "implicit-commit",
        NAME,
        "upgrade",
        9,
    )
    assert finding.severity.label == "warning"
    assert "3 DDL statements in one upgrade (lines 8, 9, 10)" in finding.message
    assert "line 8 stays applied" in finding.message


def test_implicit_commit_ignores_dml_only_and_single_ddl(tmp_path: Path) -> None:
    dml = (
        "UPDATE `product` SET `sku` = 'x' WHERE `sku` IS NULL;\n"
        "INSERT INTO `category` (`id`) VALUES (1);\n"
        "DELETE FROM `category` WHERE `id` = 2;"
    )
    assert run(tmp_path / "a", "mysql", dml) == []
    one = "ALTER TABLE `product` ADD `a` INT;\nUPDATE `product` SET `a` = 1 WHERE `a` IS NULL;"
    assert run(tmp_path / "b", "mysql", one) == []


def test_implicit_commit_starts_after_the_first_change_that_hurts_when_left(
    tmp_path: Path,
) -> None:
    # additions first (a new table, a nullable column): left behind they lose nothing
    up = (
        "CREATE TABLE IF NOT EXISTS `tag` (`id` INT NOT NULL PRIMARY KEY);\n"
        "ALTER TABLE `product` ADD `a` INT;\n"
        "ALTER TABLE `product` DROP COLUMN `sku`;\n"
        "ALTER TABLE `product` ADD `b` INT;"
    )
    found = run(tmp_path, "mysql", up, only=["implicit-commit"])
    assert found == [("implicit-commit", NAME, "upgrade", 11)]
    # repeatable is not harmless: the MODIFY and the DROP stay behind if a later one fails
    repeatable = (
        "CREATE TABLE IF NOT EXISTS `tag` (`id` INT NOT NULL PRIMARY KEY);\n"
        "ALTER TABLE `product` MODIFY `sku` VARCHAR(60);\n"
        "DROP TABLE IF EXISTS `old`;\n"
        "ALTER TABLE `product` ADD `a` INT;"
    )
    assert run(tmp_path / "r", "mysql", repeatable, only=["implicit-commit"]) == [
        ("implicit-commit", NAME, "upgrade", 10)
    ]
    additions = (
        "CREATE TABLE IF NOT EXISTS `tag` (`id` INT NOT NULL PRIMARY KEY);\n"
        "ALTER TABLE `product` ADD `a` INT;\n"
        "ALTER TABLE `product` ADD `b` INT;"
    )
    assert run(tmp_path / "a", "mysql", additions, only=["implicit-commit"]) == []


def test_implicit_commit_skips_temporary_tables_other_dialects_and_non_transactional(
    tmp_path: Path,
) -> None:
    temp = "CREATE TEMPORARY TABLE `t` (`id` INT);\nALTER TABLE `product` ADD `a` INT;"
    assert run(tmp_path / "t", "mysql", temp, only=["implicit-commit"]) == []
    two = 'ALTER TABLE "product" ADD "a" INT;\nALTER TABLE "product" ADD "b" INT;'
    assert run(tmp_path / "p", "postgres", two, only=["implicit-commit"]) == []
    assert run(tmp_path / "s", "sqlite", two, only=["implicit-commit"]) == []
    mysql_two = two.replace('"', "`")
    assert run(tmp_path / "n", "mysql", mysql_two, rit=False, only=["implicit-commit"]) == []


def test_implicit_commit_on_real_aerich_output() -> None:
    folder = AERICH / "mysql" / "migrations" / "models"
    add_fields, drop_model = find(folder, "add_fields"), find(folder, "drop_model")
    found = fixture_findings(folder, ["implicit-commit"])
    assert ("implicit-commit", add_fields.name, "upgrade", line_of(add_fields, "ADD `stock`")) in (
        found
    )
    assert (
        "implicit-commit",
        drop_model.name,
        "upgrade",
        line_of(drop_model, "DROP COLUMN `category_id`"),
    ) in found
    # aerich's init only has CREATE TABLE IF NOT EXISTS: a re-run goes through
    assert not [f for f in found if f[1] == find(folder, "init").name]
    # a MODIFY left behind (re-runnable or not) is a half-migrated column
    type_change = find(folder, "type_change")
    assert (
        "implicit-commit",
        type_change.name,
        "upgrade",
        line_of(type_change, "MODIFY COLUMN `stock`"),
    ) in found
    # the online app's add_fk_existing: a nullable column, then its foreign key; if the
    # key fails, the empty column left behind hurts nobody
    online = AERICH / "mysql" / "migrations" / "online"
    assert fixture_findings(online, ["implicit-commit"]) == []


# -- change-loses-attributes (AL321) ----------------------------------------------


def test_change_loses_not_null_on_aerich_mysql57_rename() -> None:
    folder = AERICH / "mysql57" / "migrations" / "models"
    rename_yes = find(folder, "rename_yes")
    result = lint(rename_yes, dialect=None, only=["change-loses-attributes"])
    assert summary(result.findings) == [
        (
            "change-loses-attributes",
            rename_yes.name,
            "upgrade",
            line_of(rename_yes, "CHANGE name full_name"),
        )
    ]
    assert result.findings[0].message == (
        "CHANGE name full_name restates customer.name without its NOT NULL: MySQL replaces "
        "the whole definition, so the column becomes nullable"
    )


def test_modify_loses_default_comment_and_auto_increment(tmp_path: Path) -> None:
    up = (
        "ALTER TABLE `product` MODIFY `stock` BIGINT;\n"
        "ALTER TABLE `product` MODIFY `id` BIGINT NOT NULL;\n"
        "ALTER TABLE `product` MODIFY `name` VARCHAR(300) NOT NULL;\n"
        "ALTER TABLE `product` MODIFY `sku` VARCHAR(60);"
    )
    found = messages(tmp_path, "mysql", up)
    assert [m for m in found if "restates" in m] == [
        "MODIFY stock restates product.stock without its NOT NULL, DEFAULT 5, COMMENT: MySQL "
        "replaces the whole definition, so the column becomes nullable, loses its default, "
        "loses its comment",
        "MODIFY id restates product.id without its AUTO_INCREMENT: MySQL replaces the whole "
        "definition, so the column stops generating values",
    ]
    assert run(tmp_path / "lines", "mysql", up, only=["change-loses-attributes"]) == [
        ("change-loses-attributes", NAME, "upgrade", 8),
        ("change-loses-attributes", NAME, "upgrade", 9),
    ]


def test_modify_restating_everything_is_quiet(tmp_path: Path) -> None:
    up = (
        "ALTER TABLE `product` MODIFY `stock` BIGINT NOT NULL DEFAULT 5 COMMENT 'in stock';\n"
        "ALTER TABLE `product` MODIFY `id` BIGINT NOT NULL AUTO_INCREMENT;"
    )
    assert run(tmp_path, "mysql", up, only=["change-loses-attributes"]) == []


def test_change_meant_by_the_models_or_the_downgrade_is_quiet(tmp_path: Path) -> None:
    # aerich writes `MODIFY name VARCHAR(200)` when the field becomes null=True
    state = {
        "models.Product": {
            "table": "product",
            "pk_field": {"db_column": "id", "generated": True, "nullable": False},
            "data_fields": [
                {"db_column": "name", "nullable": True, "default": None, "description": None}
            ],
        }
    }
    raw = base64.b64encode(zlib.compress(json.dumps(state).encode())).decode()
    folder = app(tmp_path, "mysql")
    path = write_migration(
        folder,
        NAME,
        "ALTER TABLE `product` MODIFY `name` VARCHAR(200);",
        "ALTER TABLE `product` MODIFY `name` VARCHAR(200) NOT NULL;",
    )
    path.write_text(path.read_text() + f'\n\nMODELS_STATE = "{raw}"\n')
    assert summary(lint(path, dialect="mysql", only=["change-loses-attributes"]).findings) == []
    # the real set_not_null step: its downgrade makes the column nullable again on purpose
    online = AERICH / "mysql" / "migrations" / "online"
    assert fixture_findings(online, ["change-loses-attributes"]) == []
    assert (
        fixture_findings(AERICH / "mysql" / "migrations" / "models", ["change-loses-attributes"])
        == []
    )


# -- mysql-unsupported-syntax (AL322) ----------------------------------------------


RENAME = "ALTER TABLE `product` RENAME COLUMN `sku` TO `code`;"


@pytest.mark.parametrize(
    ("target", "reported"),
    [
        (None, False),
        ("mysql:5.7", True),
        ("mysql:8.0", False),
        ("mariadb:10.4", True),
        ("mariadb:10.5.1", True),
        ("mariadb:10.5", False),
        ("mariadb:10.6", False),
    ],
)
def test_rename_column_depends_on_the_target(
    tmp_path: Path, target: str | None, reported: bool
) -> None:
    found = run(tmp_path, "mysql", RENAME, target=target, only=["mysql-unsupported-syntax"])
    assert found == ([("mysql-unsupported-syntax", NAME, "upgrade", 8)] if reported else [])


def test_rename_column_message_names_the_target(tmp_path: Path) -> None:
    path = write_migration(app(tmp_path, "mysql"), NAME, RENAME, "SELECT 1;")
    result = lint(
        path,
        dialect="mysql",
        only=["mysql-unsupported-syntax"],
        target_versions=[parse_target("mysql:5.7")],
    )
    (finding,) = result.findings
    assert finding.severity.label == "error"
    assert finding.message == (
        "RENAME COLUMN needs MySQL 8.0 (target: mysql 5.7): write CHANGE sku code with the "
        "column's full definition"
    )


def test_mariadb_only_if_exists_clauses(tmp_path: Path) -> None:
    up = (
        "ALTER TABLE `product` DROP COLUMN IF EXISTS `sku`;\n"
        "ALTER TABLE `product` ADD COLUMN IF NOT EXISTS `code` INT;\n"
        "CREATE INDEX IF NOT EXISTS `idx_code` ON `product` (`code`);\n"
        "ALTER TABLE `product` DROP FOREIGN KEY IF EXISTS `fk_x`;\n"
        "ALTER TABLE `product` ADD `ok` INT;"
    )
    expected = [("mysql-unsupported-syntax", NAME, "upgrade", line) for line in (8, 9, 10, 11)]
    assert run(tmp_path / "my", "mysql", up, only=["mysql-unsupported-syntax"]) == expected
    assert (
        run(tmp_path / "ma", "mysql", up, target="mariadb:10.11", only=["mysql-unsupported-syntax"])
        == []
    )
    found = messages(tmp_path / "msg", "mysql", up)
    assert "DROP COLUMN IF EXISTS is MariaDB syntax: MySQL rejects the statement" in found


def test_postgres_alter_column_forms_on_mysql(tmp_path: Path) -> None:
    up = (
        "ALTER TABLE `product` ALTER COLUMN `sku` TYPE VARCHAR(60);\n"
        "ALTER TABLE `product` ALTER COLUMN `sku` SET NOT NULL;\n"
        "ALTER TABLE `product` ALTER COLUMN `sku` SET DEFAULT 'x';\n"
        "ALTER TABLE `product` ALTER COLUMN `sku` DROP DEFAULT;"
    )
    found = run(tmp_path, "mysql", up, target="mariadb:10.11", only=["mysql-unsupported-syntax"])
    assert found == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 8),
        ("mysql-unsupported-syntax", NAME, "upgrade", 9),
    ]


def test_drop_constraint_and_check_need_recent_mysql(tmp_path: Path) -> None:
    up = "ALTER TABLE `product` DROP CONSTRAINT `c1`;\nALTER TABLE `product` DROP CHECK `c2`;"
    rule = ["mysql-unsupported-syntax"]
    assert run(tmp_path / "a", "mysql", up, target="mysql:8.0", only=rule) == []
    assert run(tmp_path / "b", "mysql", up, target="mysql:8.0.18", only=rule) == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 8)
    ]
    assert run(tmp_path / "c", "mysql", up, target="mysql:5.7", only=rule) == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 8),
        ("mysql-unsupported-syntax", NAME, "upgrade", 9),
    ]


def test_not_null_default_null_is_refused_on_mysql() -> None:
    folder = AERICH / "mysql" / "migrations" / "online"
    default_now = find(folder, "add_default_now")
    found = [f for f in fixture_findings(folder, OURS) if f[1] == default_now.name]
    # the statement fails outright: not also reported as a required column
    assert found == [
        (
            "mysql-unsupported-syntax",
            default_now.name,
            "upgrade",
            line_of(default_now, "ADD `created_at`"),
        )
    ]


def test_algorithm_instant_lock_none_is_honoured(tmp_path: Path) -> None:
    rule = ["mysql-unsupported-syntax"]
    add = "ALTER TABLE `product` ADD `code` INT, ALGORITHM=INSTANT, LOCK=NONE;"
    assert run(tmp_path / "a", "mysql", add) == []  # no finding from any of these rules
    assert run(tmp_path / "b", "mysql", add, target="mysql:5.7", only=rule) == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 8)
    ]
    drop = "ALTER TABLE `product` DROP COLUMN `sku`, ALGORITHM=INSTANT;"
    assert run(tmp_path / "c", "mysql", drop, only=rule) == []
    assert run(tmp_path / "d", "mysql", drop, target="mysql:8.0.28", only=rule) == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 8)
    ]
    index = (
        "ALTER TABLE `product` ADD INDEX `idx_sku` (`sku`), ALGORITHM=INPLACE, LOCK=NONE;\n"
        "ALTER TABLE `product` ADD INDEX `idx_name` (`name`), ALGORITHM=INSTANT;"
    )
    assert run(tmp_path / "e", "mysql", index, only=rule) == [
        ("mysql-unsupported-syntax", NAME, "upgrade", 9)
    ]


def test_online_foreign_key_needs_foreign_key_checks_off(tmp_path: Path) -> None:
    rule = ["mysql-unsupported-syntax"]
    fk = (
        "ALTER TABLE `product` ADD CONSTRAINT `fk_cat` FOREIGN KEY (`category_id`) "
        "REFERENCES `category` (`id`), ALGORITHM=INPLACE, LOCK=NONE;"
    )
    found = messages(tmp_path / "a", "mysql", fk)
    assert found == [
        "ALGORITHM=INPLACE cannot add a foreign key while foreign_key_checks is on: the server "
        "refuses the statement"
    ]
    off = "SET foreign_key_checks = 0;\n" + fk + "\nSET foreign_key_checks = 1;"
    assert run(tmp_path / "b", "mysql", off, only=rule) == []
    plain = fk.replace(", ALGORITHM=INPLACE, LOCK=NONE", "")
    assert run(tmp_path / "c", "mysql", plain, only=rule) == []


# -- sqlite-unsupported-alter (AL323) ----------------------------------------------


def test_aerich_foreign_keys_on_sqlite_are_reported_on_their_lines() -> None:
    folder = AERICH / "sqlite" / "migrations" / "models"
    drop_model = find(folder, "drop_model")
    found = fixture_findings(folder, ["sqlite-unsupported-alter"])
    assert found == [
        (
            "sqlite-unsupported-alter",
            drop_model.name,
            "upgrade",
            line_of(drop_model, "DROP FOREIGN KEY"),
        ),
        (
            "sqlite-unsupported-alter",
            drop_model.name,
            "downgrade",
            line_of(drop_model, "ADD CONSTRAINT", after="def downgrade"),
        ),
    ]
    online = AERICH / "sqlite" / "migrations" / "online"
    add_fk = find(online, "add_fk_existing")
    assert fixture_findings(online, ["sqlite-unsupported-alter"]) == [
        ("sqlite-unsupported-alter", add_fk.name, "upgrade", line_of(add_fk, "ADD CONSTRAINT")),
        (
            "sqlite-unsupported-alter",
            add_fk.name,
            "downgrade",
            line_of(add_fk, "DROP FOREIGN KEY", after="def downgrade"),
        ),
    ]


def test_sqlite_has_no_alter_column_modify_or_constraints(tmp_path: Path) -> None:
    up = (
        'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(60);\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" SET DEFAULT \'x\';\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" DROP DEFAULT;\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;\n'
        'ALTER TABLE "product" MODIFY COLUMN "sku" VARCHAR(60);\n'
        'ALTER TABLE "product" CHANGE "sku" "code" VARCHAR(60);\n'
        'ALTER TABLE "product" DROP PRIMARY KEY;\n'
        'ALTER TABLE "product" ADD CONSTRAINT "uq_name" UNIQUE ("name");\n'
        'ALTER TABLE "product" ADD "a" INT, ADD "b" INT;\n'
        'ALTER TABLE "product" ADD "c" INT;'
    )
    found = run(tmp_path, "sqlite", up, only=["sqlite-unsupported-alter"])
    assert found == [("sqlite-unsupported-alter", NAME, "upgrade", line) for line in range(8, 17)]
    texts = messages(tmp_path / "m", "sqlite", up)
    assert (
        "SQLite has no ALTER TABLE ... MODIFY (MySQL syntax): changing a column needs a table rebuild"
        in texts
    )
    assert "ALTER COLUMN ... SET NOT NULL needs SQLite 3.53 (target: sqlite 3.35)" in texts
    assert "SQLite's ALTER TABLE makes one change per statement: split it" in texts
    # MODIFY / CHANGE are reported by this rule, not as unrecognized SQL
    unrecognized = run(tmp_path / "u", "sqlite", up, only=["unrecognized-sql"])
    assert unrecognized == []


def test_sqlite_version_targets(tmp_path: Path) -> None:
    rule = ["sqlite-unsupported-alter"]
    nn = 'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;'
    assert run(tmp_path / "a", "sqlite", nn, target="sqlite:3.53", only=rule) == []
    check = 'ALTER TABLE "product" ADD CONSTRAINT "ck" CHECK ("id" > 0);'
    assert run(tmp_path / "b", "sqlite", check, target="sqlite:3.53", only=rule) == []
    assert run(tmp_path / "c", "sqlite", check, only=rule) == [
        ("sqlite-unsupported-alter", NAME, "upgrade", 8)
    ]
    drop = 'ALTER TABLE "product" DROP COLUMN "note";'
    assert run(tmp_path / "d", "sqlite", drop, only=rule) == []
    assert run(tmp_path / "e", "sqlite", drop, target="sqlite:3.34", only=rule) == [
        ("sqlite-unsupported-alter", NAME, "upgrade", 8)
    ]
    rename = 'ALTER TABLE "product" RENAME COLUMN "note" TO "remark";'
    assert run(tmp_path / "f", "sqlite", rename, target="sqlite:3.25", only=rule) == []
    assert run(tmp_path / "g", "sqlite", rename, target="sqlite:3.24", only=rule) == [
        ("sqlite-unsupported-alter", NAME, "upgrade", 8)
    ]


def test_sqlite_drop_column_that_the_schema_still_uses(tmp_path: Path) -> None:
    up = (
        'ALTER TABLE "product" DROP COLUMN "sku";\n'
        'ALTER TABLE "product" DROP COLUMN "email";\n'
        'ALTER TABLE "product" DROP COLUMN "note";'
    )
    found = run(tmp_path, "sqlite", up, only=["sqlite-unsupported-alter"])
    assert found == [
        ("sqlite-unsupported-alter", NAME, "upgrade", 8),
        ("sqlite-unsupported-alter", NAME, "upgrade", 9),
    ]
    texts = messages(tmp_path / "m", "sqlite", up)
    assert "SQLite cannot drop product.sku: index idx_product_sku uses it" in texts
    assert "SQLite cannot drop product.email: it is UNIQUE" in texts
    # the index dropped first: the column can go
    ok = 'DROP INDEX "idx_product_sku";\nALTER TABLE "product" DROP COLUMN "sku";'
    assert run(tmp_path / "ok", "sqlite", ok, only=["sqlite-unsupported-alter"]) == []


def test_sqlite_add_column_restrictions(tmp_path: Path) -> None:
    rule = ["sqlite-unsupported-alter"]
    up = (
        'ALTER TABLE "product" ADD "code" VARCHAR(20) UNIQUE;\n'
        'ALTER TABLE "product" ADD "created" TIMESTAMP DEFAULT CURRENT_TIMESTAMP;\n'
        'ALTER TABLE "product" ADD "cat_id" INT NOT NULL DEFAULT 1 REFERENCES "category" ("id");\n'
        'ALTER TABLE "product" ADD COLUMN IF NOT EXISTS "x" INT;\n'
        'ALTER TABLE "product" ADD "ok" INT DEFAULT NULL REFERENCES "category" ("id");'
    )
    assert run(tmp_path, "sqlite", up, only=rule) == [
        ("sqlite-unsupported-alter", NAME, "upgrade", line) for line in (8, 9, 10, 11)
    ]
    # a table created in the same migration has no rows: only the UNIQUE column fails
    new = (
        'CREATE TABLE "tag" ("id" INTEGER PRIMARY KEY);\n'
        'ALTER TABLE "tag" ADD "created" TIMESTAMP DEFAULT CURRENT_TIMESTAMP;\n'
        'ALTER TABLE "tag" ADD "code" VARCHAR(20) UNIQUE;'
    )
    assert run(tmp_path / "n", "sqlite", new, only=rule) == [
        ("sqlite-unsupported-alter", NAME, "upgrade", 10)
    ]


def test_sqlite_rule_stays_on_sqlite(tmp_path: Path) -> None:
    up = 'ALTER TABLE "product" ALTER COLUMN "name" TYPE VARCHAR(300);'
    assert run(tmp_path, "postgres", up, only=["sqlite-unsupported-alter"]) == []


# -- sqlite-pragma-in-transaction (AL324) ------------------------------------------


def test_pragma_foreign_keys_in_a_transaction(tmp_path: Path) -> None:
    up = 'PRAGMA foreign_keys = OFF;\nDROP TABLE "category";\nPRAGMA foreign_keys = ON;'
    dn = "PRAGMA foreign_keys=OFF;"
    rule = ["sqlite-pragma-in-transaction"]
    assert run(tmp_path / "a", "sqlite", up, dn, only=rule) == [
        ("sqlite-pragma-in-transaction", NAME, "upgrade", 8),
        ("sqlite-pragma-in-transaction", NAME, "upgrade", 10),
        ("sqlite-pragma-in-transaction", NAME, "downgrade", down(up)),
    ]
    # RUN_IN_TRANSACTION = False: the upgrade's PRAGMA works; the downgrade still runs in one
    assert run(tmp_path / "b", "sqlite", up, dn, rit=False, only=rule) == [
        ("sqlite-pragma-in-transaction", NAME, "downgrade", down(up))
    ]
    (message, *_) = messages(tmp_path / "c", "sqlite", up)
    assert message.startswith("PRAGMA foreign_keys = OFF in an upgrade with RUN_IN_TRANSACTION")


def test_other_pragmas_and_reading_foreign_keys_are_quiet(tmp_path: Path) -> None:
    up = "PRAGMA foreign_keys;\nPRAGMA defer_foreign_keys = ON;\nPRAGMA foreign_key_check;"
    assert run(tmp_path, "sqlite", up, only=["sqlite-pragma-in-transaction"]) == []


# -- add-required-column (AL325) ----------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_add_required_column_on_real_aerich_output(dialect: str) -> None:
    folder = AERICH / dialect / "migrations" / "models"
    q = (lambda n: f"`{n}`") if dialect == "mysql" else (lambda n: f'"{n}"')
    add_fields, drop_field = find(folder, "add_fields"), find(folder, "drop_field")
    found = fixture_findings(folder, ["add-required-column"])
    assert (
        "add-required-column",
        add_fields.name,
        "upgrade",
        line_of(add_fields, f"ADD {q('nickname')}"),
    ) in found
    assert not [
        f
        for f in found
        if f[3] == line_of(add_fields, f"ADD {q('stock')}") and f[1] == add_fields.name
    ]
    assert (
        "add-required-column",
        drop_field.name,
        "downgrade",
        line_of(drop_field, f"ADD {q('nickname')}", after="def downgrade"),
    ) in found
    rename_no, drop_model = find(folder, "rename_no"), find(folder, "drop_model")
    assert sorted(found) == sorted(
        [
            (
                "add-required-column",
                add_fields.name,
                "upgrade",
                line_of(add_fields, f"ADD {q('nickname')}"),
            ),
            (
                "add-required-column",
                rename_no.name,
                "upgrade",
                line_of(rename_no, f"ADD {q('title')}"),
            ),
            (
                "add-required-column",
                rename_no.name,
                "downgrade",
                line_of(rename_no, f"ADD {q('name')}", after="def downgrade"),
            ),
            (
                "add-required-column",
                drop_field.name,
                "downgrade",
                line_of(drop_field, f"ADD {q('nickname')}", after="def downgrade"),
            ),
            (
                "add-required-column",
                drop_model.name,
                "downgrade",
                line_of(drop_model, f"ADD {q('category_id')}", after="def downgrade"),
            ),
        ]
    )
    assert (
        fixture_findings(AERICH / dialect / "migrations" / "clean", ["add-required-column"]) == []
    )


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_add_required_column_on_the_online_app(dialect: str) -> None:
    folder = AERICH / dialect / "migrations" / "online"
    q = (lambda n: f"`{n}`") if dialect == "mysql" else (lambda n: f'"{n}"')
    required, default_now = find(folder, "add_required"), find(folder, "add_default_now")
    expected = [
        ("add-required-column", required.name, "upgrade", line_of(required, f"ADD {q('tier')}"))
    ]
    if dialect != "mysql":  # NOT NULL DEFAULT NULL: on MySQL a syntax finding instead
        expected.append(
            (
                "add-required-column",
                default_now.name,
                "upgrade",
                line_of(default_now, f"ADD {q('created_at')}"),
            )
        )
    assert sorted(fixture_findings(folder, ["add-required-column"])) == sorted(expected)


def test_add_required_column_messages_per_dialect(tmp_path: Path) -> None:
    pg = messages(
        tmp_path / "p", "postgres", 'ALTER TABLE "product" ADD "code" VARCHAR(20) NOT NULL;'
    )
    assert pg == [
        "adds NOT NULL column product.code without a default to an existing table: PostgreSQL "
        "fails the statement as soon as product has a row"
    ]
    my = messages(tmp_path / "m", "mysql", "ALTER TABLE `product` ADD `code` VARCHAR(20) NOT NULL;")
    assert my == [
        "adds NOT NULL column product.code without a default to an existing table: MySQL fills "
        "the rows of product with '' or 0, and inserts from code that does not set it fail in "
        "strict mode"
    ]
    lite = messages(
        tmp_path / "s",
        "sqlite",
        'ALTER TABLE "product" ADD "code" VARCHAR(20) NOT NULL DEFAULT NULL;',
    )
    assert lite == [
        "adds NOT NULL column product.code with DEFAULT NULL to an existing table: SQLite "
        "refuses it as soon as product has a row"
    ]


def test_add_required_column_precision(tmp_path: Path) -> None:
    rule = ["add-required-column"]
    quiet = (
        'CREATE TABLE "tag" ("id" SERIAL NOT NULL PRIMARY KEY);\n'
        'ALTER TABLE "tag" ADD "name" VARCHAR(50) NOT NULL;\n'
        'ALTER TABLE "product" ADD "stock" INT NOT NULL DEFAULT 0;\n'
        'ALTER TABLE "product" ADD "seq" SERIAL;\n'
        'ALTER TABLE "product" ADD "n" INT GENERATED ALWAYS AS IDENTITY NOT NULL;\n'
        'ALTER TABLE "product" ADD "note" TEXT;'
    )
    # and the downgrade re-adding to the table the upgrade created is quiet too
    assert (
        run(tmp_path / "a", "postgres", quiet, 'ALTER TABLE "tag" ADD "x" INT NOT NULL;', only=rule)
        == []
    )
    up = 'ALTER TABLE "product" ADD "code" VARCHAR(20) NOT NULL;'
    dn = 'ALTER TABLE "product" ADD "old" VARCHAR(20) NOT NULL;'
    assert run(tmp_path / "b", "postgres", up, dn, only=rule) == [
        ("add-required-column", NAME, "upgrade", 8),
        ("add-required-column", NAME, "downgrade", down(up)),
    ]
    mysql = "ALTER TABLE `product` ADD `id2` INT NOT NULL AUTO_INCREMENT UNIQUE;"
    assert run(tmp_path / "c", "mysql", mysql, only=rule) == []


def test_readded_not_null_column_is_reported_once() -> None:
    """downgrade-mismatch defers the re-added NOT NULL column to add-required-column
    when that rule is enabled, and reports it itself when it is not."""
    folder = AERICH / "postgres" / "migrations" / "models"
    drop_field = find(folder, "drop_field")
    at = line_of(drop_field, 'ADD "nickname"', after="def downgrade")

    def rules_here(only: list[str]) -> list[str]:
        result = lint(folder, dialect=None, only=only)
        return sorted(f.rule for f in result.findings if f.path.name == drop_field.name and f.line == at)

    assert rules_here(["add-required-column", "downgrade-mismatch"]) == ["add-required-column"]
    assert rules_here(["downgrade-mismatch"]) == ["downgrade-mismatch"]


# -- the cache ------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_warm_cache_gives_the_same_findings(tmp_path: Path, dialect: str) -> None:
    """The rules read facts only: a warm run (statements restored from the cache,
    no sqlglot trees) finds exactly what the cold one did."""
    folder = app(tmp_path, dialect)
    q = (lambda n: f"`{n}`") if dialect == "mysql" else (lambda n: f'"{n}"')
    up = (
        f"ALTER TABLE {q('product')} ADD {q('code')} VARCHAR(20) NOT NULL;\n"
        f"ALTER TABLE {q('product')} MODIFY {q('sku')} VARCHAR(60);\n"
        f"ALTER TABLE {q('product')} ADD {q('d')} INT NOT NULL DEFAULT NULL, ALGORITHM=INSTANT;\n"
        f"ALTER TABLE {q('product')} DROP COLUMN {q('sku')};\n"
        f"PRAGMA foreign_keys = OFF;"
        if dialect == "sqlite"
        else f"ALTER TABLE {q('product')} ADD {q('code')} VARCHAR(20) NOT NULL;\n"
        f"ALTER TABLE {q('product')} MODIFY {q('stock')} BIGINT;\n"
        f"ALTER TABLE {q('product')} ADD {q('d')} INT NOT NULL DEFAULT NULL, ALGORITHM=INSTANT;\n"
        f"ALTER TABLE {q('product')} ADD INDEX {q('i')} ({q('name')}), ALGORITHM=INSTANT;"
    )
    path = write_migration(folder, NAME, up, "SELECT 1;")
    cold = summary(lint(path, dialect=dialect, only=OURS).findings)
    warm = summary(lint(path, dialect=dialect, only=OURS).findings)
    assert warm == cold
    assert {rule for rule, *_ in cold} >= (
        {"add-required-column", "sqlite-unsupported-alter", "sqlite-pragma-in-transaction"}
        if dialect == "sqlite"
        else {
            "add-required-column",
            "implicit-commit",
            "change-loses-attributes",
            "mysql-unsupported-syntax",
        }
    )


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_a_new_table_with_required_columns_gives_nothing(tmp_path: Path, dialect: str) -> None:
    q = (lambda n: f"`{n}`") if dialect == "mysql" else (lambda n: f'"{n}"')
    up = (
        f"CREATE TABLE IF NOT EXISTS {q('tag')} ({q('id')} INT NOT NULL PRIMARY KEY, "
        f"{q('name')} VARCHAR(50) NOT NULL, {q('slug')} VARCHAR(50) NOT NULL);\n"
        f"ALTER TABLE {q('tag')} ADD {q('rank')} INT NOT NULL;"
    )
    assert run(tmp_path, dialect, up, f"DROP TABLE {q('tag')};") == []
