"""Precision of models-state-mismatch, version-name and missing-downgrade on shapes
real projects have: MODELS_STATE rewritten by `aerich fix-migrations`, names written
from `--name` verbatim, and aerich inits that are not the app's version 0.

Where aerich writes the files, the real aerich does: `fix-migrations` on a SQLite file
database in the test's folder (it reads the aerich table), `migrate --offline --empty`
for names and `init-db` for an init numbered after the existing history.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.load import load_file
from aerich_lint.load.models_state import tables_of
from conftest import AERICH, INIT_SQL, lint, summary, write_migration

STATE = re.compile(r"\n\n\nMODELS_STATE = \(\n.*?\n\)\n", re.S)
MISMATCH = ["models-state-mismatch"]


def aerich(project: Path, app: str, *args: str) -> str:
    """The real aerich CLI (the one installed for the tests), in ``project``."""
    pytest.importorskip("aerich")
    proc = subprocess.run(
        [sys.executable, "-m", "aerich", "--app", app, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def project_copy(tmp_path: Path, dialect: str) -> Path:
    """An aerich fixture project (settings, models, pyproject, migrations)."""
    project = tmp_path / dialect
    shutil.copytree(AERICH / dialect, project, ignore=shutil.ignore_patterns(".aerich_lint_cache"))
    return project


def state_block(path: Path) -> str:
    found = STATE.search(path.read_text())
    assert found is not None, path
    return found.group(0)


def set_state(path: Path, block: str) -> None:
    """What `aerich fix-migrations` does to a file: the same SQL, another MODELS_STATE."""
    text = path.read_text()
    path.write_text(STATE.sub(lambda _: block, text) if STATE.search(text) else text + block)


def drop_state(path: Path) -> None:
    text = path.read_text()
    assert STATE.search(text), path
    path.write_text(STATE.sub("\n", text))


def tables(path: Path) -> dict[str, set[str]]:
    """The tables and columns of a file's MODELS_STATE."""
    migration, _ = load_file(path, "models")
    return tables_of(migration)


def history(tmp_path: Path, dialect: str = "postgres") -> Path:
    target = tmp_path / "migrations" / "models"
    shutil.copytree(AERICH / dialect / "migrations" / "models", target)
    return target


def infos(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message for f in result.findings if f.severity.label == "info"]


# -- 1. models-state-mismatch: states rewritten by `aerich fix-migrations` ---------------


def test_real_fix_migrations_output_is_one_info_and_the_real_mismatch(tmp_path: Path) -> None:
    """The SQLite fixture history without MODELS_STATE (aerich < 0.9.2 files), applied in
    one `aerich upgrade` (faked: the SQL is not run) with the final models, then
    `aerich fix-migrations`: every file gets the final state from the aerich table."""
    project = project_copy(tmp_path, "sqlite")
    folder = project / "migrations" / "models"
    files = sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    for path in files:
        drop_state(path)
    aerich_table = re.search(
        r'CREATE TABLE IF NOT EXISTS "aerich" \(.*?\);', files[0].read_text(), re.S
    )
    assert aerich_table is not None
    with sqlite3.connect(project / "db.sqlite3") as db:
        db.executescript(aerich_table.group(0))
    aerich(project, "models", "upgrade", "--fake")
    assert "Updated 9 migration files" in aerich(project, "models", "fix-migrations")
    # the state of each file is now that of the newest one: the schema after it
    assert {str(sorted(tables(p).items())) for p in files} == {
        str(sorted(tables(files[-1]).items()))
    }
    init, rename_table = find(folder, "init"), find(folder, "rename_table")
    result = lint(folder, dialect="sqlite", only=MISMATCH)
    # Before: 11 warnings on 0_init and 1_add_fields, whose (final) state disagrees with
    # their own SQL. Now: one info for the 8 rewritten files, and the real mismatch of
    # the newest file (aerich renames the m2m table in MODELS_STATE, not in SQL).
    assert summary(result.findings) == [
        ("models-state-mismatch", init.name, "file", line_of(init, "MODELS_STATE")),
        ("models-state-mismatch", rename_table.name, "file", line_of(rename_table, "MODELS_STATE")),
    ]
    assert [f.severity.label for f in result.findings] == ["info", "warning"]
    names = [p.name for p in files]
    assert result.findings[0].message == (
        f"MODELS_STATE of 8 files ({names[0]}, {names[1]}, ... {names[7]}) describes the schema "
        f"after migration {names[8]}, not after their own SQL: rewritten by `aerich "
        f"fix-migrations`? (their states are not checked further)"
    )
    assert result.findings[1].message == (
        "MODELS_STATE has table product_label, which the SQL history never creates (or dropped)"
    )

    # One file at a time (pre-commit), without the cache: each file gets what it got in
    # the run on the whole app (the info is in the first file of the rewritten ones).
    for path in files:
        alone = lint(path, dialect="sqlite", only=MISMATCH, cache=False)
        assert [(f.line, f.severity.label, f.message) for f in alone.findings] == [
            (f.line, f.severity.label, f.message)
            for f in result.findings
            if f.path.name == path.name
        ]

    # a statement removed by hand stays a warning: in the first file whose state is its own
    add_fields = find(folder, "add_fields")
    text = add_fields.read_text()
    edited = text.replace('ALTER TABLE "product" ADD "sku" VARCHAR(50);', "")
    assert edited != text
    add_fields.write_text(edited)
    result = lint(folder, dialect="sqlite", only=MISMATCH)
    line = line_of(rename_table, "MODELS_STATE")
    assert summary(result.findings) == [
        ("models-state-mismatch", init.name, "file", line_of(init, "MODELS_STATE")),
        ("models-state-mismatch", rename_table.name, "file", line),
    ]
    assert [f.message for f in result.findings[1:]] == [
        "MODELS_STATE has table product_label, which the SQL history never creates (or "
        "dropped); MODELS_STATE has column product.sku, which the SQL history does not",
    ]


def test_two_upgrades_rewrite_two_groups_of_files(tmp_path: Path) -> None:
    """A database that applied 0-4 with the models of 4, later 5-9 with the final ones:
    `fix-migrations` writes the state of 4 into 0-3 and the state of 9 into 5-8."""
    folder = history(tmp_path)
    files = sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    names = [p.name for p in files]
    at_4, at_9 = state_block(files[4]), state_block(files[9])
    for path in files[:4]:
        set_state(path, at_4)
    for path in files[5:9]:
        set_state(path, at_9)
    result = lint(folder, only=MISMATCH)
    rename_table = files[9]
    # one info for each run of rewritten files, where it starts; then the real mismatch
    assert summary(result.findings) == [
        ("models-state-mismatch", names[0], "file", line_of(files[0], "MODELS_STATE")),
        ("models-state-mismatch", names[5], "file", line_of(files[5], "MODELS_STATE")),
        ("models-state-mismatch", names[9], "file", line_of(rename_table, "MODELS_STATE")),
    ]
    assert [(f.severity.label, f.message) for f in result.findings] == [
        (
            "info",
            f"MODELS_STATE of 4 files ({names[0]}, {names[1]}, ... {names[3]}) describes the "
            f"schema after migration {names[4]}, not after their own SQL: rewritten by `aerich "
            f"fix-migrations`? (their states are not checked further)",
        ),
        (
            "info",
            f"MODELS_STATE of 4 files ({names[5]}, {names[6]}, ... {names[8]}) describes the "
            f"schema after migration {names[9]}, not after their own SQL: rewritten by `aerich "
            f"fix-migrations`? (their states are not checked further)",
        ),
        (
            "warning",
            "MODELS_STATE has table product_label, which the SQL history never creates (or dropped)",
        ),
    ]


def test_a_state_matching_the_replayed_schema_of_a_later_file(tmp_path: Path) -> None:
    """Files 0-3 carry the state of 4, and 4 has none left to compare with: the schema
    the SQL gives after 4 is what their states describe."""
    folder = history(tmp_path)
    files = sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    names = [p.name for p in files]
    at_4 = state_block(files[4])
    for path in files[:4]:
        set_state(path, at_4)
    drop_state(files[4])
    result = lint(folder, only=MISMATCH)
    rename_table = files[9]
    line = line_of(rename_table, "MODELS_STATE")
    assert summary(result.findings) == [
        ("models-state-mismatch", names[0], "file", line_of(files[0], "MODELS_STATE")),
        # 5 follows 4, which has no state: its own differences are all new to it
        # (none: its state fits its SQL), so only the m2m rename of 9 is left
        ("models-state-mismatch", names[9], "file", line),
    ]
    assert result.findings[0].message.startswith(
        f"MODELS_STATE of 4 files ({names[0]}, {names[1]}, ... {names[3]}) describes the schema "
        f"after migration {names[4]}, not after their own SQL"
    )
    assert [f.severity.label for f in result.findings] == ["info", "warning"]


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_aerich_m2m_rename_is_still_a_warning(tmp_path: Path, dialect: str) -> None:
    folder = history(tmp_path, dialect)
    rename_table = find(folder, "rename_table")
    line = line_of(rename_table, "MODELS_STATE")
    result = lint(folder, dialect=dialect, only=MISMATCH)
    assert summary(result.findings) == [
        ("models-state-mismatch", rename_table.name, "file", line),
    ]
    assert [f.message for f in result.findings] == [
        "MODELS_STATE has table product_label, which the SQL history never creates (or "
        "dropped); the SQL history still has table product_tag, which MODELS_STATE no longer "
        "has (its model was removed but the table was not dropped)",
    ]
    assert infos(result) == []


def test_a_lie_kept_by_the_next_files_state_is_not_a_rewrite(tmp_path: Path) -> None:
    """A later file with the same tables in its state (an index-only migration after the
    m2m rename) carries the same lie: it is still reported once, where it appears."""
    folder = history(tmp_path)
    rename_table = find(folder, "rename_table")
    later = write_migration(
        folder,
        "10_20261122032412_add_label_index.py",
        'CREATE INDEX "idx_label_name" ON "label" ("name");',
        'DROP INDEX "idx_label_name";',
    )
    set_state(later, state_block(rename_table))
    result = lint(folder, only=MISMATCH)
    line = line_of(rename_table, "MODELS_STATE")
    assert summary(result.findings) == [
        ("models-state-mismatch", rename_table.name, "file", line),
    ]
    assert infos(result) == []


def test_hand_removed_statement_without_a_rewrite_stays_where_it_is(tmp_path: Path) -> None:
    folder = history(tmp_path)
    add_fields = find(folder, "add_fields")
    text = add_fields.read_text()
    add_fields.write_text(text.replace('        ALTER TABLE "product" ADD "sku" VARCHAR(50);', ""))
    rename_table = find(folder, "rename_table")
    result = lint(folder, only=MISMATCH)
    assert summary(result.findings) == [
        ("models-state-mismatch", add_fields.name, "file", line_of(add_fields, "MODELS_STATE")),
        ("models-state-mismatch", rename_table.name, "file", line_of(rename_table, "MODELS_STATE")),
    ]
    assert result.findings[0].message == (
        "MODELS_STATE has column product.sku, which the SQL history does not"
    )
    assert infos(result) == []


# -- 2. version-name: what aerich's loader really skips ----------------------------------


def test_names_written_from_name_verbatim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_copy(tmp_path, "postgres")
    for name in ("add price-list", "Ajout des clés", "fix totals.v2"):
        aerich(project, "clean", "migrate", "--offline", "--empty", "--name", name)
    folder = project / "migrations" / "clean"
    spaced, accented, dotted = (
        find(folder, n) for n in ("add price-list", "Ajout des clés", "fix totals.v2")
    )
    assert [spaced.name[:2], accented.name[:2], dotted.name[:2]] == ["5_", "6_", "7_"]
    # aerich's own loader: runs the names with spaces, hyphens and accents, skips the dot
    from aerich.migrate import Migrate

    monkeypatch.setattr(Migrate, "migrate_location", folder, raising=False)
    listed = Migrate.get_all_version_files()
    assert spaced.name in listed and accented.name in listed and dotted.name not in listed
    result = lint(folder, only=["version-name"])
    # Before: a warning for each of the three ("not a name aerich writes").
    assert summary(result.findings) == [("version-name", dotted.name, "file", 1)]
    assert (
        result.findings[0].message
        == f"{dotted.name} has a dot in its name: aerich's loader skips it"
    )
    assert result.findings[0].severity.label == "warning"


def test_only_names_aerich_skips_or_cannot_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    write_migration(
        folder,
        "1_add_sku.py",
        'ALTER TABLE "product" ADD "sku" TEXT;',
        'ALTER TABLE "product" DROP COLUMN "sku";',
    )
    write_migration(
        folder,
        "02_20240103000000_add-price.py",
        'ALTER TABLE "product" ADD "price" INT;',
        'ALTER TABLE "product" DROP COLUMN "price";',
    )
    write_migration(
        folder,
        "3_20240104000000_Add Stock.py",
        'ALTER TABLE "product" ADD "stock" INT;',
        'ALTER TABLE "product" DROP COLUMN "stock";',
    )
    write_migration(
        folder, "fix_data.py", 'UPDATE "product" SET "name" = \'x\' WHERE "id" = 1;', "SELECT 1;"
    )
    write_migration(folder, "12.py", "SELECT 1;", "SELECT 1;")
    aerich_mod = pytest.importorskip("aerich.migrate")
    monkeypatch.setattr(aerich_mod.Migrate, "migrate_location", folder, raising=False)
    assert aerich_mod.Migrate.get_all_version_files() == [
        "0_20240101000000_init.py",
        "1_add_sku.py",
        "02_20240103000000_add-price.py",
        "3_20240104000000_Add Stock.py",
    ]
    result = lint(folder, only=["version-name"])
    assert summary(result.findings) == [
        ("version-name", "02_20240103000000_add-price.py", "file", 1),
        ("version-name", "12.py", "file", 1),
        ("version-name", "fix_data.py", "file", 1),
    ]
    assert [(f.severity.label, f.message) for f in result.findings] == [
        (
            "info",
            "version 02 has a leading zero: aerich runs it as 2, but `aerich downgrade -v 2` cannot find it (it looks for 2_...)",
        ),
        (
            "warning",
            "12.py has no version number before its first underscore: aerich never runs it",
        ),
        (
            "warning",
            "fix_data.py has no version number before its first underscore: aerich never runs it",
        ),
    ]


# -- 3. missing-downgrade: aerich's inits that are not version 0 --------------------------


def test_real_init_db_after_the_folder_was_emptied(tmp_path: Path) -> None:
    """`aerich init-db` on a database that has the app's migrations, with the folder
    emptied (re-initialised project), names its init after the last applied version:
    `9_<ts>_None.py`. With the old files restored next to it, it is not the first."""
    project = project_copy(tmp_path, "sqlite")
    folder = project / "migrations" / "models"
    old = tmp_path / "old"
    shutil.move(folder, old)
    # the database had applied 0-8: the aerich table and its rows
    aerich_table = re.search(
        r'CREATE TABLE IF NOT EXISTS "aerich" \(.*?\);', find(old, "init").read_text(), re.S
    )
    assert aerich_table is not None
    with sqlite3.connect(project / "db.sqlite3") as db:
        db.executescript(aerich_table.group(0))
        db.executemany(
            "INSERT INTO aerich (version, app, content) VALUES (?, 'models', '{}')",
            [(p.name,) for p in sorted(old.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))],
        )
    aerich(project, "models", "init-db")
    (reinit,) = folder.glob("*.py")
    assert re.fullmatch(r"9_\d{14}_None\.py", reinit.name)
    for path in old.glob("*.py"):
        shutil.copy(path, folder / path.name)
    init = find(folder, "init")
    result = lint(folder, dialect="sqlite", only=["missing-downgrade"])
    # Before: the re-init was a warning (not the app's first file).
    assert summary(result.findings) == [
        ("missing-downgrade", init.name, "downgrade", line_of(init, "async def downgrade")),
        ("missing-downgrade", reinit.name, "downgrade", line_of(reinit, "async def downgrade")),
    ]
    assert [f.severity.label for f in result.findings] == ["info", "info"]
    assert result.findings[1].message.endswith(
        '`aerich downgrade` stops at it with "No downgrade items found" (it creates the aerich '
        "table: an init of aerich, which has no downgrade)"
    )


def test_legacy_none_reinit_and_mysql_backticks(tmp_path: Path) -> None:
    # as in public projects: 0_<ts>_init.sql, then init-db again wrote 1_<ts>_None.sql
    folder = tmp_path / "migrations" / "models"
    folder.mkdir(parents=True)
    table = '"aerich" ("id" SERIAL NOT NULL PRIMARY KEY, "version" VARCHAR(255) NOT NULL, "app" VARCHAR(20) NOT NULL, "content" JSONB NOT NULL)'
    (folder / "0_20210715153425_init.sql").write_text(
        f'-- upgrade --\nCREATE TABLE IF NOT EXISTS "users" ("id" SERIAL NOT NULL PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS {table};\n'
    )
    (folder / "1_20210715153722_None.sql").write_text(
        f'-- upgrade --\nCREATE TABLE IF NOT EXISTS "users" ("id" SERIAL NOT NULL PRIMARY KEY, "username" VARCHAR(32) NOT NULL);\nCREATE TABLE IF NOT EXISTS {table};\n'
    )
    # the same without aerich's table (aerich.models in another app): the name says init
    other = tmp_path / "migrations" / "shop"
    other.mkdir()
    (other / "0_20210715153425_init.sql").write_text(
        '-- upgrade --\nCREATE TABLE IF NOT EXISTS "item" ("id" SERIAL NOT NULL PRIMARY KEY);\n'
    )
    (other / "1_20210715153722_None.sql").write_text(
        '-- upgrade --\nCREATE TABLE IF NOT EXISTS "item" ("id" SERIAL NOT NULL PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS "idx_item" ON "item" ("id");\n'
    )
    (other / "2_20210716000000_update.sql").write_text(
        '-- upgrade --\nCREATE TABLE IF NOT EXISTS "order" ("id" SERIAL NOT NULL PRIMARY KEY);\n'
    )
    result = lint(tmp_path / "migrations", only=["missing-downgrade"])
    assert summary(result.findings) == [
        ("missing-downgrade", "0_20210715153425_init.sql", "downgrade", 1),
        ("missing-downgrade", "1_20210715153722_None.sql", "downgrade", 1),
        ("missing-downgrade", "0_20210715153425_init.sql", "downgrade", 1),
        ("missing-downgrade", "1_20210715153722_None.sql", "downgrade", 1),
        ("missing-downgrade", "2_20210716000000_update.sql", "downgrade", 1),
    ]
    # a hand-written new table without its DROP stays a warning
    assert [f.severity.label for f in result.findings] == [
        "info",
        "info",
        "info",
        "info",
        "warning",
    ]
    assert [str(f.path.parent.name) for f in result.findings] == [
        "models",
        "models",
        "shop",
        "shop",
        "shop",
    ]

    # MySQL: aerich's table in backticks, in an init numbered 4 (squashed history)
    mysql = tmp_path / "mysql" / "models"
    mysql.mkdir(parents=True)
    real_init = find(AERICH / "mysql" / "migrations" / "models", "init")
    shutil.copy(real_init, mysql / real_init.name)
    squashed = mysql / "4_20261122032500_squash.py"
    shutil.copy(real_init, squashed)
    result = lint(mysql, dialect="mysql", only=["missing-downgrade"])
    assert summary(result.findings) == [
        (
            "missing-downgrade",
            real_init.name,
            "downgrade",
            line_of(real_init, "async def downgrade"),
        ),
        ("missing-downgrade", squashed.name, "downgrade", line_of(squashed, "async def downgrade")),
    ]
    assert [f.severity.label for f in result.findings] == ["info", "info"]


def test_first_file_is_an_init_only_when_it_looks_like_one(tmp_path: Path) -> None:
    """Files 0-2 were deleted: the first one left is a normal migration (a warning, it
    used to be info for being first) or a squashed schema dump (info)."""
    deleted = tmp_path / "deleted" / "models"
    write_migration(
        deleted, "3_20240104000000_add_stock.py", 'ALTER TABLE "product" ADD "stock" INT;'
    )
    squashed = tmp_path / "squashed" / "models"
    write_migration(
        squashed,
        "3_20240104000000_squash.py",
        INIT_SQL + '\nCREATE INDEX "idx_product_name" ON "product" ("name");',
    )
    write_migration(
        squashed, "4_20240105000000_add_stock.py", 'ALTER TABLE "product" ADD "stock" INT;'
    )
    result = lint(tmp_path / "deleted", tmp_path / "squashed", only=["missing-downgrade"])
    assert summary(result.findings) == [
        ("missing-downgrade", "3_20240104000000_add_stock.py", "downgrade", 11),
        ("missing-downgrade", "3_20240104000000_squash.py", "downgrade", 12),
        ("missing-downgrade", "4_20240105000000_add_stock.py", "downgrade", 11),
    ]
    assert [f.severity.label for f in result.findings] == ["warning", "info", "warning"]
    assert result.findings[0].message == (
        "the upgrade runs 1 statement but the migration has an empty downgrade: "
        '`aerich downgrade` stops at it with "No downgrade items found"'
    )
