"""Each rule on short migrations: what it reports, and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lint, summary, write_migration

NAME = "1_20240102000000_change.py"


def check(
    app_dir: Path, upgrade: str, downgrade: str = "", rit: bool = True, dialect: str = "postgres"
):
    path = write_migration(app_dir, NAME, upgrade, downgrade, run_in_transaction=rit)
    return summary(lint(path, dialect=dialect).findings)


# -- destructive statements -------------------------------------------------


def test_drop_table_and_column(app_dir: Path) -> None:
    found = check(
        app_dir,
        'DROP TABLE IF EXISTS "category";\nALTER TABLE "product" DROP COLUMN "price";',
        'CREATE TABLE "category" ("id" INT);\nALTER TABLE "product" ADD "price" INT;',
    )
    assert found == [("drop-table", NAME, "upgrade", 8), ("drop-column", NAME, "upgrade", 9)]


def test_drops_of_objects_created_in_the_same_migration_are_quiet(app_dir: Path) -> None:
    found = check(
        app_dir,
        'CREATE TABLE "tmp" ("id" INT);\nALTER TABLE "product" ADD "x" INT;\n'
        'ALTER TABLE "product" DROP COLUMN "x";\nDROP TABLE "tmp";\nDELETE FROM "tmp";',
        "SELECT 1;",
    )
    assert found == []


def test_downgrade_dropping_what_its_upgrade_created_is_quiet(app_dir: Path) -> None:
    found = check(
        app_dir,
        'CREATE TABLE "tag" ("id" INT);\nALTER TABLE "product" ADD "sku" TEXT;',
        'DROP TABLE IF EXISTS "tag";\nALTER TABLE "product" DROP COLUMN "sku";',
    )
    assert found == []


def test_downgrade_dropping_an_older_object_is_reported(app_dir: Path) -> None:
    found = check(
        app_dir,
        'ALTER TABLE "product" ADD "sku" TEXT;',
        'ALTER TABLE "product" DROP COLUMN "sku";\nALTER TABLE "product" DROP COLUMN "name";',
    )
    assert found == [("drop-column", NAME, "downgrade", 14)]


def test_truncate(app_dir: Path) -> None:
    assert check(app_dir, 'TRUNCATE TABLE "product";', "SELECT 1;") == [
        ("truncate", NAME, "upgrade", 8)
    ]


def test_delete_and_update_without_where(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'DELETE FROM "product";\nUPDATE "product" SET "name" = \'x\';\n'
        'DELETE FROM "product" WHERE "id" = 1;\nUPDATE "product" SET "name" = \'y\' WHERE "id" = 2;',
        "SELECT 1;",
    )
    findings = lint(path).findings
    assert [(f.rule, f.line, f.severity.label) for f in findings] == [
        ("delete-without-where", 8, "error"),
        ("delete-without-where", 9, "warning"),
    ]
    assert findings[0].message == "DELETE without WHERE deletes every row of product"


# -- downgrades and transactions ----------------------------------------------


@pytest.mark.parametrize("downgrade", ["", "-- nothing to undo", ";;", "/* x */ ;"])
def test_missing_downgrade(app_dir: Path, downgrade: str) -> None:
    found = check(app_dir, 'ALTER TABLE "product" ADD "x" INT;', downgrade)
    assert found == [("missing-downgrade", NAME, "downgrade", 11)]


def test_missing_downgrade_function(app_dir: Path) -> None:
    path = app_dir / NAME
    path.write_text('async def upgrade(db):\n    return \'ALTER TABLE "product" ADD "x" INT;\'\n')
    findings = lint(path).findings
    assert summary(findings) == [("missing-downgrade", NAME, "downgrade", 1)]
    assert "has no downgrade" in findings[0].message


def test_empty_upgrade_needs_no_downgrade(app_dir: Path) -> None:
    assert check(app_dir, "-- nothing", "") == []


def test_non_transactional_lists_the_statements(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'CREATE INDEX "i1" ON "product" ("name");\nALTER TABLE "product" ADD "x" INT;',
        'ALTER TABLE "product" DROP COLUMN "x";\nDROP INDEX "i1";',
        run_in_transaction=False,
    )
    (finding,) = lint(path, dialect="sqlite").findings
    assert (finding.rule, finding.line, finding.section) == ("non-transactional", 3, "upgrade")
    assert "these 2 upgrade statements are not atomic" in finding.message
    assert "line 8 CREATE INDEX" in finding.message and "line 9 ALTER TABLE" in finding.message


def test_non_transactional_on_postgres_counts_separately_sent_sql(app_dir: Path) -> None:
    """PostgreSQL runs the returned script as one implicit transaction: only SQL sent
    through separate client calls can be half applied."""
    returned = write_migration(
        app_dir, NAME, 'ALTER TABLE "product" ADD "x" INT;\nALTER TABLE "product" ADD "y" INT;',
        'ALTER TABLE "product" DROP COLUMN "x";\nALTER TABLE "product" DROP COLUMN "y";',
        run_in_transaction=False,
    )
    assert lint(returned).findings == []
    calls = app_dir / "2_20240103000000_calls.py"
    calls.write_text(
        "RUN_IN_TRANSACTION = False\n\n\nasync def upgrade(db) -> str:\n"
        '    await db.execute_script(\'ALTER TABLE "product" ADD "z" INT\')\n'
        '    return \'UPDATE "product" SET "z" = 1 WHERE "z" IS NULL\'\n\n\n'
        "async def downgrade(db) -> str:\n    return 'ALTER TABLE \"product\" DROP COLUMN \"z\"'\n"
    )
    assert [(f.rule, f.line) for f in lint(calls).findings] == [("non-transactional", 1)]


def test_non_transactional_single_statement_is_quiet(app_dir: Path) -> None:
    found = check(app_dir, 'ALTER TABLE "product" ADD "x" INT;', 'DROP INDEX "i1";', rit=False)
    assert found == []
    # a lone CREATE INDEX CONCURRENTLY is not atomic either: info (tests/test_pg_semantics.py)
    found = check(
        app_dir,
        'CREATE INDEX CONCURRENTLY "i1" ON "product" ("name");',
        'DROP INDEX "i1";',
        rit=False,
    )
    assert found == [("non-transactional", NAME, "upgrade", 8)]


# -- renames --------------------------------------------------------------------


def test_rename_column_and_table(app_dir: Path) -> None:
    found = check(
        app_dir,
        'ALTER TABLE "product" RENAME COLUMN "name" TO "title";\nALTER TABLE "product" RENAME TO "item";',
        'ALTER TABLE "item" RENAME TO "product";\nALTER TABLE "product" RENAME COLUMN "title" TO "name";',
    )
    assert found == [("rename-column", NAME, "upgrade", 8), ("rename-table", NAME, "upgrade", 9)]


def test_mysql_change_and_rename_table_are_renames(app_dir: Path) -> None:
    found = check(
        app_dir,
        "ALTER TABLE `product` CHANGE `name` `title` VARCHAR(200) NOT NULL;\n"
        "ALTER TABLE `product` CHANGE `price` `price` DECIMAL(12,2) NOT NULL;\n"
        "RENAME TABLE `product` TO `item`;",
        "RENAME TABLE `item` TO `product`;\nALTER TABLE `product` CHANGE `title` `name` VARCHAR(200) NOT NULL;",
        dialect="mysql",
    )
    # CHANGE of a column to its own name is not a rename
    assert found == [("rename-column", NAME, "upgrade", 8), ("rename-table", NAME, "upgrade", 10)]


def test_probable_rename_needs_the_same_type(app_dir: Path) -> None:
    found = check(
        app_dir,
        'ALTER TABLE "product" ADD "product_name" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" ADD "name_length" INT NOT NULL DEFAULT 0;\n'
        'ALTER TABLE "product" DROP COLUMN "name";',
        'ALTER TABLE "product" ADD "name" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" DROP COLUMN "name_length";\nALTER TABLE "product" DROP COLUMN "product_name";',
    )
    # One finding, on the DROP that loses the data (drop-column leaves it to probable-rename);
    # the INT column added beside it is no candidate.
    assert found == [("probable-rename", NAME, "upgrade", 10)]


def test_probable_rename_of_a_table(app_dir: Path) -> None:
    found = check(
        app_dir,
        'DROP TABLE "product";\nCREATE TABLE "item" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
        'DROP TABLE "item";\nCREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
    )
    assert found == [("probable-rename", NAME, "upgrade", 8)]


def test_different_table_is_not_a_rename(app_dir: Path) -> None:
    found = check(
        app_dir,
        'ALTER TABLE "product" DROP COLUMN "name";\nALTER TABLE "other" ADD "name" VARCHAR(200);',
        'ALTER TABLE "other" DROP COLUMN "name";\nALTER TABLE "product" ADD "name" VARCHAR(200);',
    )
    assert found == [("drop-column", NAME, "upgrade", 8)]


# -- what the parser makes of the SQL -----------------------------------------------


def test_sql_syntax_and_unrecognized(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'ALTER TABLE "product" ADD "x" INT NOT NULL DEFAULT (;\n'
        'ALTER TABLE "product" INHERIT "base_product";\n'
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "ALTER TYPE mood ADD VALUE 'sad';\n"
        'ALTER TABLE "product" VALIDATE CONSTRAINT "c";\n'
        "VACUUM product;\nfrobnicate;",
        "SELECT 1;",
    )
    findings = lint(path).findings
    assert [(f.rule, f.line) for f in findings] == [
        ("sql-syntax", 8),
        ("unrecognized-sql", 9),
        ("sql-syntax", 14),  # PostgreSQL's own parser refuses it; sqlglot kept it opaque
    ]
    assert findings[0].message.startswith("invalid postgres SQL:")
    assert findings[2].message == 'invalid postgres SQL: syntax error at or near "frobnicate"'


def test_unterminated_string_still_checks_earlier_statements(app_dir: Path) -> None:
    found = check(
        app_dir,
        'ALTER TABLE "product" DROP COLUMN "name";\nUPDATE "product" SET "x" = \'oops;',
        "SELECT 1;",
    )
    assert found == [("drop-column", NAME, "upgrade", 8), ("sql-syntax", NAME, "upgrade", 9)]


def test_semicolons_inside_strings_and_dollar_quotes_do_not_split(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'UPDATE "product" SET "name" = \'a;b\' WHERE "id" = 1;\n'
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        'ALTER TABLE "product" DROP COLUMN "name";',
        'ALTER TABLE "product" ADD "name" TEXT;',
    )
    result = lint(path)
    assert summary(result.findings) == [("drop-column", NAME, "upgrade", 10)]
    migration_statements = 3
    assert result.files == 1 and migration_statements == 3
