"""Precision (issue 12): statement rules that misjudged what real projects write.

Each case is a pattern seen in public aerich histories, as a small migration: the old
false finding is gone and the true findings are still there.
"""

from __future__ import annotations

from pathlib import Path

from conftest import cli, lint, summary, write_migration

NAME = "1_20240102000000_change.py"
ALL_DEFAULT = None  # lint(only=None): every rule enabled by default


def found(
    app_dir: Path,
    upgrade: str,
    downgrade: str = "",
    rules: list[str] | None = ALL_DEFAULT,
    rit: bool = True,
    dialect: str = "postgres",
) -> list[tuple[str, str, str, int]]:
    path = write_migration(app_dir, NAME, upgrade, downgrade, run_in_transaction=rit)
    return summary(lint(path, dialect=dialect, only=rules).findings)


def severities(app_dir: Path, rules: list[str], *sql: str) -> list[tuple[str, int, str]]:
    path = write_migration(app_dir, NAME, *sql)
    return [(f.rule, f.line, f.severity.label) for f in lint(path, only=rules).findings]


# -- one hazard, one finding -------------------------------------------------------------


def test_unique_index_on_a_live_table_is_one_finding(app_dir: Path) -> None:
    result = found(
        app_dir,
        'CREATE UNIQUE INDEX "uid_product_name" ON "product" ("name");\n'
        'CREATE INDEX "idx_product_name" ON "product" ("name");',
        rules=["non-concurrent-index", "add-unique"],
    )
    # add-unique owns the unique index (it says writes wait and duplicates fail);
    # the plain index is still non-concurrent-index's
    assert result == [("add-unique", NAME, "upgrade", 8), ("non-concurrent-index", NAME, "upgrade", 9)]


def test_unique_index_without_add_unique_is_still_reported(app_dir: Path) -> None:
    result = found(
        app_dir,
        'CREATE UNIQUE INDEX "uid_product_name" ON "product" ("name");',
        rules=["non-concurrent-index"],
    )
    assert result == [("non-concurrent-index", NAME, "upgrade", 8)]


def test_convincing_rename_is_one_error_on_the_drop(app_dir: Path) -> None:
    # aerich's "Rename name to full_name? [True]" answered no
    result = found(
        app_dir,
        'ALTER TABLE "product" ADD "full_name" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" DROP COLUMN "name";',
        'ALTER TABLE "product" ADD "name" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" DROP COLUMN "full_name";',
        rules=["probable-rename", "drop-column"],
    )
    assert result == [("probable-rename", NAME, "upgrade", 9)]


def test_lone_pair_with_unrelated_names_is_a_guess(app_dir: Path) -> None:
    # seen in a real project: test_field dropped, avatar added, both TEXT. aerich asked
    # "Rename test_field to avatar? [True]" and was told no, rightly.
    result = severities(
        app_dir,
        ["probable-rename", "drop-column"],
        'ALTER TABLE "product" ADD "avatar" TEXT;\nALTER TABLE "product" DROP COLUMN "test_field";',
        'ALTER TABLE "product" ADD "test_field" TEXT;\nALTER TABLE "product" DROP COLUMN "avatar";',
    )
    assert result == [("probable-rename", 8, "info"), ("drop-column", 9, "error")]


def test_similar_names_among_several_candidates_are_convincing(app_dir: Path) -> None:
    result = severities(
        app_dir,
        ["probable-rename", "drop-column"],
        'ALTER TABLE "product" ADD "notes" TEXT;\n'
        'ALTER TABLE "product" ADD "full_name" TEXT;\n'
        'ALTER TABLE "product" DROP COLUMN "name";\n'
        'ALTER TABLE "product" DROP COLUMN "remark";',
        'ALTER TABLE "product" ADD "name" TEXT;\nALTER TABLE "product" ADD "remark" TEXT;',
    )
    # name -> full_name is alike: the error; remark -> notes is a guess among several TEXT
    # columns: info on the ADD, and the drop keeps its own error
    assert result == [
        ("probable-rename", 8, "info"),
        ("probable-rename", 10, "error"),
        ("drop-column", 11, "error"),
    ]


def test_unrelated_names_of_a_common_type_are_a_guess(app_dir: Path) -> None:
    result = severities(
        app_dir,
        ["probable-rename", "drop-column"],
        'ALTER TABLE "product" ADD "is_featured" BOOL NOT NULL DEFAULT False;\n'
        'ALTER TABLE "product" ADD "in_stock" BOOL NOT NULL DEFAULT True;\n'
        'ALTER TABLE "product" DROP COLUMN "archived";',
        'ALTER TABLE "product" ADD "archived" BOOL NOT NULL DEFAULT False;',
    )
    assert result == [("probable-rename", 8, "info"), ("drop-column", 10, "error")]


def test_table_rename_is_one_error_on_the_drop(app_dir: Path) -> None:
    result = found(
        app_dir,
        'DROP TABLE "product";\n'
        'CREATE TABLE "item" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
        'DROP TABLE "item";\n'
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
        rules=["probable-rename", "drop-table"],
    )
    assert result == [("probable-rename", NAME, "upgrade", 8)]


def test_drop_of_a_missing_column_in_a_downgrade_is_downgrade_broken_only(app_dir: Path) -> None:
    # the upgrade adds "stock"; the downgrade drops "sku", which never existed
    result = found(
        app_dir,
        'ALTER TABLE "product" ADD "stock" INT;',
        'ALTER TABLE "product" DROP COLUMN "sku";\nALTER TABLE "product" DROP COLUMN "stock";',
        rules=["drop-column", "downgrade-broken"],
    )
    assert result == [("downgrade-broken", NAME, "downgrade", 13)]


def test_drop_of_a_missing_column_without_the_history_rule_is_drop_column(app_dir: Path) -> None:
    result = found(
        app_dir,
        'ALTER TABLE "product" ADD "stock" INT;',
        'ALTER TABLE "product" DROP COLUMN "sku";',
        rules=["drop-column"],
    )
    assert result == [("drop-column", NAME, "downgrade", 13)]


# -- read-only queries, backfills, nested helpers ----------------------------------------

INTROSPECT = (
    "RUN_IN_TRANSACTION = False\n\n\n"
    "async def upgrade(db) -> str:\n"
    "    rows = await db.execute_query_dict(\n"
    "        \"SELECT column_name FROM information_schema.columns WHERE table_name = 'product'\"\n"
    "    )\n"
    "    if not any(r['column_name'] == 'stock' for r in rows):\n"
    "        await db.execute_script('ALTER TABLE \"product\" ADD \"stock\" INT')\n"
    "    return ''\n\n\n"
    "async def downgrade(db) -> str:\n"
    "    return 'ALTER TABLE \"product\" DROP COLUMN \"stock\"'\n"
)


def test_introspection_is_neither_a_data_migration_nor_a_statement_to_keep_atomic(
    app_dir: Path,
) -> None:
    path = app_dir / NAME
    path.write_text(INTROSPECT)
    result = summary(lint(path, only=["data-migration", "non-transactional"]).findings)
    # the SELECT on information_schema (line 5) reads; the ALTER alone is atomic
    assert result == [("data-migration", NAME, "upgrade", 9)]


def test_two_writes_after_introspection_are_still_non_transactional(app_dir: Path) -> None:
    path = app_dir / NAME
    path.write_text(
        INTROSPECT.replace(
            "        await db.execute_script('ALTER",
            "        await db.execute_script('UPDATE \"product\" SET \"name\" = lower(\"name\")')\n"
            "        await db.execute_script('ALTER",
        )
    )
    result = summary(lint(path, only=["non-transactional"]).findings)
    assert result == [("non-transactional", NAME, "upgrade", 1)]


def test_sqlite_pragma_table_info_is_a_read(app_dir: Path) -> None:
    path = app_dir / NAME
    path.write_text(
        "async def upgrade(db) -> str:\n"
        "    await db.execute_query(\"PRAGMA table_info('product')\")\n"
        "    await db.execute_query(\"SELECT name FROM sqlite_master WHERE type = 'table'\")\n"
        "    await db.execute_query('SELECT nextval(\\'product_id_seq\\')')\n"
        "    return ''\n\n\n"
        "async def downgrade(db) -> str:\n"
        "    return ''\n"
    )
    result = summary(lint(path, only=["data-migration"], dialect="sqlite").findings)
    assert result == [("data-migration", NAME, "upgrade", 4)]  # nextval() writes


def test_backfill_of_a_column_added_in_the_same_migration_is_info(app_dir: Path) -> None:
    result = severities(
        app_dir,
        ["delete-without-where"],
        'ALTER TABLE "product" ADD "slug" VARCHAR(200);\n'
        'UPDATE "product" SET "slug" = lower("name");\n'
        'ALTER TABLE "product" ALTER COLUMN "slug" SET NOT NULL;\n'
        'UPDATE "product" SET "name" = upper("name");\n'
        'UPDATE "product" SET "slug" = "name", "name" = \'\';\n'
        'UPDATE "product" SET "name" = \'x\';',
    )
    # the backfill of the new column and a conversion of every row from its own values
    # are deliberate: info; a constant written over an existing column is a warning
    assert result == [
        ("delete-without-where", 9, "info"),
        ("delete-without-where", 11, "info"),
        ("delete-without-where", 12, "warning"),
        ("delete-without-where", 13, "warning"),
    ]


def test_a_nested_helpers_return_is_not_upgrades(app_dir: Path) -> None:
    path = app_dir / NAME
    path.write_text(
        "def _columns() -> dict:\n    return {}\n\n\n"
        "async def upgrade(db) -> str:\n"
        "    def quote(name: str) -> list:\n"
        "        return [name]\n\n"
        "    class Spec:\n"
        "        def size(self) -> int:\n"
        "            return 1\n\n"
        "    return 'ALTER TABLE ' + quote('product')[0] + ' ADD \"x\" INT'\n\n\n"
        "async def downgrade(db) -> dict:\n"
        "    return {}\n"
    )
    result = [(f.rule, f.line, f.message) for f in lint(path, only=["python-hazard"]).findings]
    assert result == [
        ("python-hazard", 17, "downgrade() returns dict: aerich expects SQL text"),
    ]


# -- DROP INDEX of an index the history never created ------------------------------------


def test_drop_index_the_complete_history_never_created_is_not_a_lock(app_dir: Path) -> None:
    write_migration(
        app_dir, "1_20240102000000_index.py", 'CREATE INDEX "idx_product_name_8f9a1b" ON "product" ("name");'
    )
    path = write_migration(
        app_dir,
        "2_20240103000000_drop.py",
        'DROP INDEX IF EXISTS "idx_product_sku_1a2b3c";\n'  # never created: a no-op
        'DROP INDEX "uid_product_code_4d5e6f";\n'  # aerich's name, never created
        'DROP INDEX "product_code_key";\n'  # a name the database gives: may exist
        'DROP INDEX "idx_product_name_8f9a1b";',  # created in 1: a real lock
    )
    result = summary(lint(path, only=["non-concurrent-index"]).findings)
    assert result == [
        ("non-concurrent-index", path.name, "upgrade", 10),
        ("non-concurrent-index", path.name, "upgrade", 11),
    ]


def test_client_calls_are_a_hazard_only_without_models_state(app_dir: Path) -> None:
    # aerich migrate calls upgrade(None) only on a newest file that lacks MODELS_STATE
    body = (
        "async def upgrade(db) -> str:\n"
        "    await db.execute_script('UPDATE \"product\" SET \"name\" = \\'x\\' WHERE \"id\" = 1')\n"
        "    return ''\n\n\n"
        "async def downgrade(db) -> str:\n"
        "    return ''\n"
    )
    with_state = app_dir / "1_20240102000000_data.py"
    with_state.write_text(body + '\n\nMODELS_STATE = (\n    "eJzLzU\\n"\n)\n')
    without = app_dir / "2_20240103000000_data.py"
    without.write_text(body)
    result = lint(with_state, without, only=["python-hazard"]).findings
    assert [(f.path.name, f.line, f.severity.label) for f in result] == [
        ("2_20240103000000_data.py", 2, "warning")
    ]


# -- what aerich itself keeps beside the migrations -------------------------------------


def test_old_models_py_is_aerichs_own_file_not_a_migration(tmp_path: Path) -> None:
    app = tmp_path / "migrations" / "models"
    app.mkdir(parents=True)
    (app / "0_20200924220306_init.json").write_text(
        '{"upgrade": ["CREATE TABLE IF NOT EXISTS \\"product\\" (\\"id\\" SERIAL NOT NULL PRIMARY KEY);"], "downgrade": []}'
    )
    (app / "1_20200924221025_update.json").write_text(
        '{"upgrade": ["DROP TABLE \\"product\\";"], "downgrade": []}'
    )
    # aerich 0.1-0.3 keeps the previous models here
    (app / "old_models.py").write_text("from tortoise import Model, fields\n\n\nclass Product(Model):\n    id = fields.IntField(pk=True)\n")
    result = lint(app, only=None)
    assert sorted((f.rule, f.path.name) for f in result.findings if f.severity.label != "info") == [
        ("drop-table", "1_20200924221025_update.json"),
        ("missing-downgrade", "1_20200924221025_update.json"),
    ]
    # passed by pre-commit on its own, it is not linted either
    assert lint(app / "old_models.py", only=None).findings == []


def test_pyproject_with_cr_cr_lf_line_ends_reads_as_aerich_reads_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(
        b'[tool.aerich]\r\r\ntortoise_orm = "app.settings.TORTOISE_ORM"\r\r\nlocation = "./migrations"\r\r\n'
        b"\r\r\n[tool.aerich-lint]\r\r\ndialect = \"mysql\"\r\r\n"
    )
    write_migration(tmp_path / "migrations" / "models", "0_20240101000000_init.py", "CREATE TABLE `t` (`id` INT NOT NULL PRIMARY KEY);")
    proc = cli(str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "app models: mysql (from [tool.aerich-lint] dialect" in proc.stdout


# -- an index dropped and built again: one finding, and what PostgreSQL really locks ------

REBUILD = (
    'DROP INDEX "idx_product_name_8f9a1b";\n'
    'ALTER TABLE "product" ADD "stock" INT;\n'
    'CREATE INDEX "idx_product_name_8f9a1b" ON "product" ("name");\n'
    'CREATE INDEX "idx_product_stock_2c3d4e" ON "product" ("stock");'
)


def test_index_dropped_and_rebuilt_is_one_finding_on_the_create(app_dir: Path) -> None:
    write_migration(
        app_dir, "1_20240102000000_index.py", 'CREATE INDEX "idx_product_name_8f9a1b" ON "product" ("name");'
    )
    path = write_migration(app_dir, "2_20240103000000_rebuild.py", REBUILD)
    result = lint(path, only=["non-concurrent-index"]).findings
    assert [(f.rule, f.line) for f in result] == [
        ("non-concurrent-index", 10),
        ("non-concurrent-index", 11),
    ]
    assert result[0].message == (
        "drops index idx_product_name_8f9a1b (line 8) and builds it again without "
        "CONCURRENTLY, unchanged: product is locked for reads and writes (the DROP's "
        "ACCESS EXCLUSIVE lock) until the migration commits"
    )


def test_drop_index_holds_access_exclusive_through_the_rebuild_on_postgres() -> None:
    """The claim above, on the real server: in aerich's transaction the DROP INDEX's
    ACCESS EXCLUSIVE lock on the table is still held after the CREATE INDEX."""
    import asyncio
    import secrets

    import asyncpg  # type: ignore[import-untyped]

    from conftest import server_url

    url = server_url("postgres")
    name = f"aerich_lint_{secrets.token_hex(4)}"

    async def modes() -> set[str]:
        admin = await asyncpg.connect(url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            conn = await asyncpg.connect(url.rsplit("/", 1)[0] + "/" + name)
            try:
                await conn.execute(
                    'CREATE TABLE "product" ("id" SERIAL PRIMARY KEY, "name" TEXT);'
                    'CREATE INDEX "idx_product_name_8f9a1b" ON "product" ("name");'
                )
                async with conn.transaction():
                    await conn.execute(REBUILD)
                    rows = await conn.fetch(
                        "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
                        "AND relation = 'product'::regclass"
                    )
                    return {r["mode"] for r in rows}
            finally:
                await conn.close()
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await admin.close()

    assert "AccessExclusiveLock" in asyncio.run(modes())


# -- aerich's rollback of a unique index, and DO blocks ---------------------------------


def test_rollback_of_a_unique_index_that_drops_the_wrong_name_is_downgrade_broken(
    app_dir: Path,
) -> None:
    # what aerich 0.8-0.10 writes for unique=True on an existing field (seen in real
    # projects): the downgrade drops idx_..., the upgrade created uid_...
    path = write_migration(
        app_dir,
        NAME,
        'CREATE UNIQUE INDEX "uid_product_name_266d85" ON "product" ("name");',
        'DROP INDEX "idx_product_name_266d85";',
    )
    result = lint(path, only=["downgrade-broken", "downgrade-mismatch"])
    assert [(f.rule, f.section, f.line) for f in result.findings] == [
        ("downgrade-broken", "downgrade", 13)
    ]  # not also downgrade-mismatch's "index ... left in place"
    assert result.findings[0].message == (
        "drops index idx_product_name_266d85, which does not exist (the index is "
        "uid_product_name_266d85, on product: aerich's rollback of a unique index names the "
        "idx_ index instead of the uid_ one)"
    )


def test_history_rules_stay_quiet_after_a_do_block(app_dir: Path) -> None:
    write_migration(
        app_dir,
        "1_20240102000000_guarded.py",
        "DO $$ BEGIN\n"
        "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'stock') THEN\n"
        '    ALTER TABLE "product" ADD COLUMN "stock" INT;\n'
        "END IF;\n"
        "END $$;",
    )
    later = write_migration(
        app_dir,
        "2_20240103000000_use.py",
        'ALTER TABLE "product" ALTER COLUMN "stock" TYPE BIGINT;\n'
        'ALTER TABLE "product" DROP COLUMN "name";',
    )
    result = lint(later, only=["unknown-object", "drop-column"])
    # the DO block added "stock": nothing says it is unknown; the drop is still reported
    assert summary(result.findings) == [("drop-column", later.name, "upgrade", 9)]


def test_downgrade_differences_the_previous_code_survives_are_info(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'ALTER TABLE "product" ALTER COLUMN "name" SET DEFAULT \'2025-03-05T13:33:01\';\n'
        'ALTER TABLE "product" ADD "note" TEXT;\n'
        'ALTER TABLE "product" ADD "code" VARCHAR(10) NOT NULL DEFAULT \'\';\n'
        'ALTER TABLE "product" ADD "sku" VARCHAR(10) NOT NULL;\n'
        'CREATE TABLE "tag" ("id" SERIAL NOT NULL PRIMARY KEY);',
        # aerich writes the default's text of its own run; forgets the rest
        'ALTER TABLE "product" ALTER COLUMN "name" SET DEFAULT \'2025-03-30 14:41:29\';',
    )
    result = lint(path, only=["downgrade-mismatch"]).findings
    assert sorted((f.severity.label, f.message) for f in result) == [
        ("info", "column product.code added by the upgrade is left in place by the downgrade"),
        (
            "info",
            "column product.name comes back with default '2025-03-30 14:41:29', was none",
        ),
        ("info", "column product.note added by the upgrade is left in place by the downgrade"),
        ("info", "table tag created by the upgrade is left in place by the downgrade"),
        (
            "warning",
            "column product.sku added by the upgrade is left in place by the downgrade: NOT NULL "
            "without a default, so the previous code's INSERTs fail",
        ),
    ]
    assert {f.line for f in result} == {15}  # the downgrade


def test_sqlite_unique_columns_of_two_tables_are_two_indexes(app_dir: Path) -> None:
    write_migration(
        app_dir,
        "1_20240102000000_user.py",
        'CREATE TABLE IF NOT EXISTS "user" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "email" VARCHAR(255) NOT NULL UNIQUE);',
        'DROP TABLE IF EXISTS "user";',
    )
    path = write_migration(
        app_dir,
        "2_20240103000000_entity.py",
        'CREATE TABLE IF NOT EXISTS "entity" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "email" VARCHAR(255) NOT NULL UNIQUE);',
        'DROP TABLE IF EXISTS "entity";',
    )
    # dropping entity (and its autoindex) leaves user's UNIQUE email index alone
    assert lint(path, dialect="sqlite", only=["downgrade-mismatch"]).findings == []


def test_drop_if_exists_of_what_no_migration_created_is_a_warning(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'ALTER TABLE "product" DROP COLUMN IF EXISTS "download_files";\n'  # never created
        'DROP TABLE IF EXISTS "legacy_report";\n'  # never created
        'ALTER TABLE "product" DROP COLUMN IF EXISTS "name";\n'  # there: its data goes
        'DROP TABLE IF EXISTS "product";',  # there
    )
    result = lint(path, only=["drop-column", "drop-table"]).findings
    # absent (a no-op) or made outside the migrations (generate_schemas): not certain
    assert [(f.rule, f.line, f.severity.label) for f in result] == [
        ("drop-column", 8, "warning"),
        ("drop-table", 9, "warning"),
        ("drop-column", 10, "error"),
        ("drop-table", 11, "error"),
    ]
    assert result[1].message.startswith(
        "drops table legacy_report if it exists: no migration of this history created it"
    )


def test_drop_if_exists_in_a_history_that_does_not_start_at_0_is_reported(tmp_path: Path) -> None:
    # the table may predate the visible history: the drop may delete data
    path = write_migration(
        tmp_path / "migrations" / "models",
        "3_20240103000000_drop.py",
        'DROP TABLE IF EXISTS "legacy_report";',
    )
    result = summary(lint(path, only=["drop-table"]).findings)
    assert result == [("drop-table", path.name, "upgrade", 8)]


def test_sqlite_foreign_key_to_a_table_created_later_is_fine(app_dir: Path) -> None:
    """SQLite looks a foreign key's table up when rows are written, not at CREATE TABLE
    (checked on the sqlite3 module here); PostgreSQL refuses the same statement."""
    import sqlite3

    write_migration(app_dir, "1_20240102000000_series.py", 'CREATE TABLE "series" ("id" INTEGER PRIMARY KEY);')
    sql = (
        'DROP TABLE IF EXISTS "series";\n'
        'CREATE TABLE "video" ("id" INTEGER PRIMARY KEY, "series_id" INT REFERENCES "series" ("id"));\n'
        'CREATE TABLE "series" ("id" INTEGER PRIMARY KEY);'
    )
    con = sqlite3.connect(":memory:")
    con.execute("PRAGMA foreign_keys = ON")
    con.executescript('CREATE TABLE "series" ("id" INTEGER PRIMARY KEY);' + sql)
    path = write_migration(app_dir, "2_20240103000000_rebuild.py", sql)
    assert lint(path, dialect="sqlite", only=["unknown-object"]).findings == []
    assert summary(lint(path, dialect="postgres", only=["unknown-object"]).findings) == [
        ("unknown-object", path.name, "upgrade", 9)
    ]
