"""The history replay: hand-edited copies of real aerich histories, and the
rules that only a replay can check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_aerich_fixtures import find, line_of

from conftest import AERICH, INIT_SQL, lint, summary, write_migration

HISTORY_RULES = [
    "unknown-object", "downgrade-broken", "downgrade-mismatch", "models-state-mismatch",
    "duplicate-version", "version-name", "old-format", "data-migration", "python-hazard",
]


def copy_history(tmp_path: Path, dialect: str) -> Path:
    target = tmp_path / "migrations" / "models"
    shutil.copytree(AERICH / dialect / "migrations" / "models", target)
    return target


def only(result, *rules: str) -> list[tuple[str, str, str, int]]:
    return [s for s in summary(result.findings) if s[0] in rules]


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_lost_migration_gives_unknown_objects(tmp_path: Path, dialect: str) -> None:
    app = copy_history(tmp_path, dialect)
    find(app, "add_fields").unlink()  # lost in a merge: it added customer.nickname, product.stock and sku
    result = lint(app, dialect=dialect, only=HISTORY_RULES)
    drop_field, type_change, add_index = find(app, "drop_field"), find(app, "type_change"), find(app, "add_index")
    q = "`" if dialect == "mysql" else '"'
    assert only(result, "unknown-object") == [
        ("unknown-object", drop_field.name, "upgrade", line_of(drop_field, f"DROP COLUMN {q}nickname")),
        ("unknown-object", type_change.name, "upgrade", line_of(type_change, f"{q}sku{q}")),
        ("unknown-object", type_change.name, "upgrade", line_of(type_change, f"{q}stock{q}")),
        ("unknown-object", add_index.name, "upgrade", line_of(add_index, f"({q}sku{q}, {q}stock{q})")),
    ]
    messages = [f.message for f in result.findings if f.rule == "unknown-object"]
    assert messages[0] == "drops column customer.nickname, which does not exist"
    assert messages[1] == "changes column product.sku, which does not exist"
    gap = [f for f in result.findings if f.rule == "version-name"]
    assert [(f.path.name, f.severity.label, f.message) for f in gap] == [
        (find(app, "rename_yes").name, "info", "version 2 follows 0: 1 version missing")
    ]


def test_reporting_one_file_still_replays_the_whole_history(tmp_path: Path) -> None:
    app = copy_history(tmp_path, "postgres")
    find(app, "add_fields").unlink()
    result = lint(find(app, "type_change"), only=["unknown-object"])
    assert [f.rule for f in result.findings] == ["unknown-object", "unknown-object"]
    assert {f.path.name for f in result.findings} == {find(app, "type_change").name}


def test_duplicate_versions(tmp_path: Path) -> None:
    app = copy_history(tmp_path, "postgres")
    original = find(app, "add_index")
    twin = app / original.name.replace("_add_index", "_from_other_branch")
    shutil.copy(original, twin)
    result = lint(app, only=["duplicate-version"])
    assert sorted((f.path.name, f.line, f.message) for f in result.findings) == sorted([
        (original.name, 1, f"version 7 is also used by {twin.name}"),
        (twin.name, 1, f"version 7 is also used by {original.name}"),
    ])
    assert {f.severity.label for f in result.findings} == {"error"}


def test_models_state_no_longer_matches_hand_edited_sql(tmp_path: Path) -> None:
    app = copy_history(tmp_path, "postgres")
    path = find(app, "add_fields")
    text = path.read_text()
    edited = text.replace('        ALTER TABLE "product" ADD "sku" VARCHAR(50);', "")
    assert edited != text
    path.write_text(edited)
    result = lint(app, only=["models-state-mismatch"])
    ours = [(f.path.name, f.line, f.message) for f in result.findings if f.path.name == path.name]
    assert ours == [
        (path.name, line_of(path, "MODELS_STATE"), "MODELS_STATE has column product.sku, which the SQL history does not")
    ]


def test_aerich_0_7_0_list_file_and_extra_dot(tmp_path: Path) -> None:
    app = copy_history(tmp_path, "postgres")
    path = find(app, "rename_yes")
    path.write_text(path.read_text().replace(
        'return """\n        ALTER TABLE "customer" RENAME COLUMN "name" TO "full_name";"""',
        'return [\'ALTER TABLE "customer" RENAME COLUMN "name" TO "full_name"\']',
    ))
    dotted = find(app, "m2m")
    dotted = dotted.rename(dotted.with_name(dotted.name.replace("_m2m", "_m2m.tags")))
    result = lint(app, only=["old-format", "version-name"])
    assert summary(result.findings) == [
        ("old-format", path.name, "file", 1),
        ("version-name", dotted.name, "file", 1),
    ]
    assert result.findings[0].severity.label == "warning"
    assert result.findings[1].message == f"{dotted.name} has a dot in its name: aerich's loader skips it"


def test_names_aerich_did_not_write(tmp_path: Path) -> None:
    app = tmp_path / "models"
    write_migration(app, "0_20240101000000_init.py", INIT_SQL)
    write_migration(app, "1_add_sku.py", 'ALTER TABLE "product" ADD "sku" TEXT;', 'ALTER TABLE "product" DROP COLUMN "sku";')
    write_migration(app, "fix_data.py", 'UPDATE "product" SET "name" = \'x\' WHERE "id" = 1;', "SELECT 1;")
    result = lint(app, only=["version-name"])
    # 1_add_sku.py has no timestamp, but aerich's loader runs it as version 1: no finding
    assert [(f.path.name, f.message) for f in result.findings] == [
        ("fix_data.py", "fix_data.py has no version number before its first underscore: aerich never runs it"),
    ]


def test_downgrade_that_creates_what_exists_or_uses_what_is_gone(app_dir: Path) -> None:
    path = write_migration(
        app_dir, "1_20240102000000_x.py",
        'ALTER TABLE "product" ADD "sku" TEXT;\nCREATE INDEX "idx_sku" ON "product" ("sku");',
        'CREATE TABLE "product" ("id" INT);\nDROP INDEX "idx_sku";\nALTER TABLE "product" DROP COLUMN "price";',
    )
    result = lint(path, only=["downgrade-broken"])
    assert [(f.line, f.message) for f in result.findings] == [
        (14, "creates table product, which already exists"),
        (16, "drops column product.price, which does not exist"),
    ]


def test_if_exists_and_a_history_that_does_not_start_at_zero(tmp_path: Path) -> None:
    app = tmp_path / "models"
    # starts at version 3: tables it never created may predate it, so they are not reported
    write_migration(app, "3_20240101000000_x.py", 'ALTER TABLE "legacy" DROP COLUMN "a";\nDROP TABLE IF EXISTS "nothing";', 'ALTER TABLE "legacy" ADD "a" INT;')
    assert lint(app, only=["unknown-object", "downgrade-broken"]).findings == []
    app2 = tmp_path / "models2"
    write_migration(app2, "0_20240101000000_init.py", INIT_SQL)
    write_migration(app2, "1_20240102000000_x.py", 'DROP TABLE IF EXISTS "nothing";\nDROP TABLE "legacy";', 'SELECT 1;')
    result = lint(app2, only=["unknown-object"])
    assert [(f.line, f.message) for f in result.findings] == [(9, "drops table legacy, which does not exist")]


def test_not_understood_statement_stops_replay_findings(app_dir: Path) -> None:
    write_migration(app_dir, "1_20240102000000_x.py", 'ALTER TABLE "product" INHERIT "base_product";', "SELECT 1;")
    path = write_migration(app_dir, "2_20240103000000_y.py", 'ALTER TABLE "somewhere" DROP COLUMN "a";', 'ALTER TABLE "somewhere" ADD "a" INT;')
    assert lint(path, only=["unknown-object"]).findings == []


def test_downgrade_mismatch_in_words(app_dir: Path) -> None:
    path = write_migration(
        app_dir, "1_20240102000000_x.py",
        'CREATE TABLE "tag" ("id" INT);\nALTER TABLE "product" ADD "sku" TEXT;\nALTER TABLE "product" ALTER COLUMN "name" TYPE TEXT;',
        'ALTER TABLE "product" DROP COLUMN "sku";',
    )
    result = lint(path, only=["downgrade-mismatch"])
    assert [(f.line, f.message) for f in result.findings] == [
        (13, "table tag created by the upgrade is left in place by the downgrade"),
        (13, "column product.name comes back as TEXT, was VARCHAR(200)"),
    ]


def test_data_migration(app_dir: Path) -> None:
    path = app_dir / "1_20240102000000_data.py"
    path.write_text(
        "RUN_IN_TRANSACTION = False\n\n\nasync def upgrade(db) -> str:\n"
        "    await db.execute_script('SELECT 1')\n"
        "    await db.execute_script(\"SELECT setval('product_id_seq', 100)\")\n"
        '    return \'UPDATE "product" SET "name" = \\\'x\\\' WHERE "id" > 10;\'\n\n\n'
        "async def downgrade(db) -> str:\n    return ''\n"
    )
    result = lint(path, only=["data-migration"])
    assert [(f.line, f.severity.label, f.message) for f in result.findings] == [
        # line 5 only reads; setval() changes the sequence
        (6, "warning", "runs SQL through db.execute_script(): review what it does to the data"),
        (7, "warning", "UPDATE changes rows of product"),
    ]


def test_python_hazards(app_dir: Path) -> None:
    path = app_dir / "1_20240102000000_py.py"
    path.write_text(
        "import asyncio\n\nasyncio.run(asyncio.sleep(0))\n\n\n"
        "async def upgrade(db):\n"
        "    await db.execute_query('SELECT 1')\n"
        "    await 'ALTER TABLE \"product\" ADD \"x\" INT'\n"
        "    return 'SELECT 1'\n\n\n"
        "def downgrade(db):\n"
        "    return 42\n"
    )
    result = lint(path, only=["python-hazard"])
    assert [(f.line, f.severity.label, f.message) for f in result.findings] == [
        (3, "warning", "`asyncio.run` at module level runs whenever aerich imports the file (migrate, heads, history, upgrade)"),
        (7, "warning", "upgrade() calls db.execute_query() in a file without MODELS_STATE: `aerich migrate` calls upgrade(None) to fill MODELS_STATE in and fails here (guard with `if db is None`, or add MODELS_STATE)"),
        (8, "error", "await on a string in upgrade(): TypeError at run time (return it instead)"),
        (12, "error", "downgrade() is not async: aerich awaits it and fails with TypeError"),
        (13, "error", "downgrade() returns int: aerich expects SQL text"),
    ]


def test_sql_format_history_is_replayed(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_20210101000000_init.sql").write_text('-- upgrade --\nCREATE TABLE "user" ("id" SERIAL NOT NULL PRIMARY KEY);\n')
    (folder / "1_20210102000000_update.sql").write_text(
        '-- upgrade --\nALTER TABLE "user" DROP COLUMN "name";\n-- downgrade --\nALTER TABLE "user" ADD "name" TEXT;\n'
    )
    result = lint(folder, only=["unknown-object", "old-format"])
    assert [(f.rule, f.path.name, f.line) for f in result.findings] == [
        ("old-format", "1_20210102000000_update.sql", 1),
        ("unknown-object", "1_20210102000000_update.sql", 2),
    ]
    assert result.findings[0].message == "this app's history has 2 .sql migrations from aerich < 0.7: current aerich does not run them"


def test_mysql_drop_index_on_table_is_tracked(tmp_path: Path) -> None:
    app = tmp_path / "models"
    write_migration(app, "0_20240101000000_init.py", "CREATE TABLE `product` (`id` INT NOT NULL PRIMARY KEY, `name` VARCHAR(20));")
    write_migration(app, "1_20240102000000_ix.py", "ALTER TABLE `product` ADD INDEX `idx_name` (`name`);", "DROP INDEX `idx_name` ON `product`;")
    path = write_migration(app, "2_20240103000000_drop.py", "DROP INDEX `idx_name` ON `product`;\nDROP INDEX `idx_name` ON `product`;", "SELECT 1;")
    result = lint(path, dialect="mysql", only=["unknown-object"])
    assert [(f.line, f.message) for f in result.findings] == [(9, "drops index idx_name, which no longer exists")]
