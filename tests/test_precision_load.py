"""Precision of loading: aerich's own .sql splitting, migrations that ask which database
they run on, history findings after a file that could not be read, CRLF and CR files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AERICH, INIT_SQL, lint, run_sandboxed_runner, summary, write_migration

HISTORY_RULES = [
    "unknown-object",
    "downgrade-broken",
    "downgrade-mismatch",
    "models-state-mismatch",
]


# --- 1. aerich 0.6 .sql files: the downgrade marker right after the last statement -----


@pytest.mark.parametrize(
    ("upgrade", "downgrade"),
    [("-- upgrade --", "-- downgrade --"), ("##### upgrade #####", "##### downgrade #####")],
)
def test_sql_downgrade_marker_on_the_line_of_the_last_upgrade_statement(
    tmp_path: Path, upgrade: str, downgrade: str
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_20210101000000_init.sql").write_text(
        f"{upgrade}\n"
        'CREATE TABLE IF NOT EXISTS "user" ("id" SERIAL NOT NULL PRIMARY KEY, "name" TEXT, "age" INT);\n'
    )
    # As aerich 0.6 writes it: no line break between the last statement and the marker.
    (folder / "1_20210102000000_update.sql").write_text(
        f"{upgrade}\n"
        'ALTER TABLE "user" ADD "email" TEXT;\n'
        f'ALTER TABLE "user" DROP COLUMN "age";{downgrade}\n'
        'ALTER TABLE "user" ADD "age" INT NOT NULL;\n'
        'ALTER TABLE "user" DROP COLUMN "email";\n'
    )
    (folder / "2_20210103000000_update.sql").write_text(
        f"{upgrade}\n"
        'ALTER TABLE "user" ALTER COLUMN "email" SET DEFAULT \'\';\n'
        f"{downgrade}\n"
        'ALTER TABLE "user" ALTER COLUMN "email" DROP DEFAULT;\n'
    )
    result = lint(folder, only=None)
    # Before: the downgrade ran as part of the upgrade (email dropped again), so file 1
    # had no downgrade (missing-downgrade) and file 2 used a column that did not exist
    # (unknown-object, downgrade-broken).
    assert summary(result.findings) == [
        ("missing-downgrade", "0_20210101000000_init.sql", "downgrade", 1),
        ("downgrade-mismatch", "1_20210102000000_update.sql", "downgrade", 3),
        ("drop-column", "1_20210102000000_update.sql", "upgrade", 3),
        ("add-required-column", "1_20210102000000_update.sql", "downgrade", 4),
        ("old-format", "2_20210103000000_update.sql", "file", 1),
    ]
    required = result.findings[3]
    assert (required.line, required.column) == (4, 1)  # the downgrade's own statement
    assert required.message.startswith("adds NOT NULL column user.age without a default")


def test_sql_marker_after_text_only_as_aerich_writes_it(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_20210101000000_init.sql").write_text(
        '-- upgrade --\nCREATE TABLE "a" ("id" INT, "b" INT, "c" INT);\n'
    )
    # "-- Downgrade --" after a statement is a comment to aerich (it looks for the exact
    # text), so it stays in the upgrade and the file has no downgrade.
    (folder / "1_20210102000000_x.sql").write_text(
        '-- upgrade --\nALTER TABLE "a" DROP COLUMN "b"; -- Downgrade --\n'
        'ALTER TABLE "a" DROP COLUMN "c";\n'
    )
    assert summary(lint(folder).findings) == [
        ("missing-downgrade", "0_20210101000000_init.sql", "downgrade", 1),
        ("missing-downgrade", "1_20210102000000_x.sql", "downgrade", 1),
        ("drop-column", "1_20210102000000_x.sql", "upgrade", 2),
        ("drop-column", "1_20210102000000_x.sql", "upgrade", 3),
    ]


# --- 2a. migrations that branch on the database they run on ----------------------------

DIALECT_BRANCH = '''from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    if db.schema_generator.DIALECT == "postgres":
        return """
        ALTER TABLE "product" DROP COLUMN "name";"""
    return """
        ALTER TABLE `product` DROP COLUMN `sku`;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    if db.capabilities.dialect == "mysql":
        return "ALTER TABLE `product` ADD `sku` VARCHAR(20);"
    return 'ALTER TABLE "product" ADD "name" VARCHAR(200);'
'''

ISINSTANCE_BRANCH = """from tortoise import BaseDBAsyncClient
from tortoise.backends.asyncpg import AsyncpgDBClient
from tortoise.backends.mysql import MySQLClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    if isinstance(db, MySQLClient):
        await db.execute_script("ALTER TABLE `product` DROP COLUMN `sku`")
    elif isinstance(db, AsyncpgDBClient):
        await db.execute_script('ALTER TABLE "product" DROP COLUMN "name"')
    else:
        raise RuntimeError(f"unsupported client {type(db).__name__}")
    return ""


async def downgrade(db: BaseDBAsyncClient) -> str:
    if isinstance(db, MySQLClient):
        return "ALTER TABLE `product` ADD `sku` VARCHAR(20);"
    return 'ALTER TABLE "product" ADD "name" VARCHAR(200);'
"""

MYSQL_INIT = (
    "CREATE TABLE IF NOT EXISTS `product` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, "
    "`name` VARCHAR(200) NOT NULL, `sku` VARCHAR(20));"
)


def _app(tmp_path: Path, dialect: str, source: str) -> Path:
    folder = tmp_path / dialect / "migrations" / "models"
    write_migration(
        folder, "0_20240101000000_init.py", MYSQL_INIT if dialect == "mysql" else INIT_SQL
    )
    path = folder / "1_20240102000000_branch.py"
    path.write_text(source)
    return path


@pytest.mark.parametrize(
    ("dialect", "line"),
    [("postgres", 6), ("mysql", 8)],  # the return statement of the branch taken
)
def test_branch_on_schema_generator_dialect(tmp_path: Path, dialect: str, line: int) -> None:
    path = _app(tmp_path, dialect, DIALECT_BRANCH)
    result = lint(path, dialect=dialect)
    # Before: AttributeError (the stand-in client had no schema_generator), invalid-migration.
    assert summary(result.findings) == [("drop-column", path.name, "upgrade", line)]
    column = "product.name" if dialect == "postgres" else "product.sku"
    assert result.findings[0].message == f"drops column {column}: its data is deleted"


@pytest.mark.parametrize(("dialect", "line"), [("postgres", 10), ("mysql", 8)])
def test_branch_on_isinstance_of_tortoise_client(tmp_path: Path, dialect: str, line: int) -> None:
    path = _app(tmp_path, dialect, ISINSTANCE_BRANCH)
    result = lint(path, dialect=dialect)
    # Before: neither isinstance held, upgrade() raised RuntimeError: invalid-migration.
    assert summary(result.findings) == [("drop-column", path.name, "upgrade", line)]
    column = "product.name" if dialect == "postgres" else "product.sku"
    assert result.findings[0].message == f"drops column {column}: its data is deleted"


PROBE = """from tortoise import BaseDBAsyncClient
from tortoise.backends.asyncpg import AsyncpgDBClient
from tortoise.backends.mysql import MySQLClient
from tortoise.backends.psycopg import PsycopgClient
from tortoise.backends.sqlite.client import SqliteClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    kinds = [c.__name__ for c in (AsyncpgDBClient, PsycopgClient, MySQLClient, SqliteClient)
             if isinstance(db, c)]
    assert isinstance(db, BaseDBAsyncClient)
    return " ".join([db.capabilities.dialect, db.schema_generator.DIALECT, *kinds])
"""


@pytest.mark.parametrize("placeholder", [False, True], ids=["tortoise", "no-tortoise"])
def test_stand_in_client_looks_like_the_dialects_client(tmp_path: Path, placeholder: bool) -> None:
    """With tortoise installed (its classes; a backend whose driver is missing, such as
    psycopg here, gets a placeholder module) and without it (the placeholder tortoise)."""
    path = tmp_path / "1_x.py"
    path.write_text(PROBE)
    flags = ["-S"] if placeholder else []  # -S: no site-packages, so no tortoise
    answers = [
        run_sandboxed_runner(path, dialect, flags, tmp_path)["sections"]["upgrade"]
        for dialect in ("postgres", "mysql", "sqlite")
    ]
    assert [a.get("returned") for a in answers] == [
        ["postgres postgres AsyncpgDBClient PsycopgClient"],
        ["mysql mysql MySQLClient"],
        ["sqlite sqlite SqliteClient"],
    ]


def test_statically_read_files_are_not_executed(app_dir: Path) -> None:
    marker = app_dir.parent / "imported"
    path = write_migration(
        app_dir, "1_20240102000000_x.py", 'ALTER TABLE "product" DROP COLUMN "name";'
    )
    path.write_text(f"open({str(marker)!r}, 'w').close()\n" + path.read_text())
    assert summary(lint(path).findings) == [
        ("drop-column", path.name, "upgrade", 9),
        ("missing-downgrade", path.name, "downgrade", 12),
    ]
    assert not marker.exists()


# --- 2b. after a file whose SQL could not be read, the replay stays quiet ----------------

BROKEN = {
    "upgrade raises": (
        "async def upgrade(db) -> str:\n    raise RuntimeError('no such setting')\n\n\n"
        "async def downgrade(db) -> str:\n    return 'DROP TABLE \"tag\";'\n",
        (
            "invalid-migration",
            "upgrade",
            1,
            "upgrade() raised RuntimeError: no such setting at line 2",
        ),
    ),
    "upgrade returns no SQL": (
        "TAG = {'create': 'CREATE TABLE \"tag\" (\"id\" INT);'}\n\n\n"
        "async def upgrade(db) -> str:\n    return TAG\n",
        ("invalid-migration", "upgrade", 4, "upgrade() returned dict, expected str"),
    ),
    "import raises": (  # (a file that returns a literal is read, never imported)
        "import no_such_module_here\n\nSQL = no_such_module_here.CREATE_TAG\n\n\n"
        "async def upgrade(db) -> str:\n    return SQL\n",
        (
            "invalid-migration",
            "file",
            1,
            "importing the migration raised ModuleNotFoundError: No module named "
            "'no_such_module_here' at line 1",
        ),
    ),
    "syntax error": (
        'async def upgrade(db) -> str:\n    return \'CREATE TABLE "tag" ("id" INT);\n',
        (
            "invalid-migration",
            "file",
            2,
            "Python syntax error: unterminated string literal (detected at line 2)",
        ),
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_history_rules_stay_quiet_after_a_file_that_could_not_be_read(
    tmp_path: Path, case: str
) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder, "0_20240101000000_init.py",
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200), "note" TEXT);',
    )  # fmt: skip
    source, (rule, section, line, message) = BROKEN[case]
    (folder / "1_20240102000000_broken.py").write_text(source)
    write_migration(
        folder, "2_20240103000000_drop.py",
        'ALTER TABLE "product" DROP COLUMN "note";\n    ALTER TABLE "tag" ADD "x" INT;',
        'ALTER TABLE "tag" DROP COLUMN "x";\n    ALTER TABLE "product" ADD "note" TEXT;',
    )  # fmt: skip
    result = lint(folder, only=["invalid-migration", "drop-column", *HISTORY_RULES])
    # Before (for the files that loaded but whose upgrade or downgrade raised): the replay
    # went on without "tag" and reported unknown-object and downgrade-broken in file 2
    # (and downgrade-broken for the downgrade of the failed upgrade in file 1).
    assert summary(result.findings) == [
        (rule, "1_20240102000000_broken.py", section, line),
        ("drop-column", "2_20240103000000_drop.py", "upgrade", 8),
    ]
    assert result.findings[0].message == message


def test_history_rules_still_judge_the_files_before_the_unreadable_one(app_dir: Path) -> None:
    write_migration(
        app_dir,
        "1_20240102000000_x.py",
        'ALTER TABLE "nothing" ADD "x" INT;',
        'ALTER TABLE "nothing" DROP COLUMN "x";',
    )
    (app_dir / "2_20240103000000_broken.py").write_text(
        "async def upgrade(db) -> str:\n    raise ValueError\n"
    )
    write_migration(
        app_dir,
        "3_20240104000000_y.py",
        'ALTER TABLE "nowhere" ADD "x" INT;',
        'ALTER TABLE "nowhere" DROP COLUMN "x";',
    )
    result = lint(app_dir, only=["invalid-migration", *HISTORY_RULES])
    assert summary(result.findings) == [
        ("unknown-object", "1_20240102000000_x.py", "upgrade", 8),
        ("downgrade-broken", "1_20240102000000_x.py", "downgrade", 13),
        ("invalid-migration", "2_20240103000000_broken.py", "upgrade", 1),
    ]


def test_statements_after_one_not_understood_are_not_judged_by_the_replay(app_dir: Path) -> None:
    path = write_migration(
        app_dir, "1_20240102000000_x.py",
        'ALTER TABLE "missing" ADD "a" INT;\n    ALTER TABLE "product" INHERIT "base_product";\n'
        '    ALTER TABLE "also_missing" ADD "b" INT;',
        'ALTER TABLE "product" DROP COLUMN "never_there";',
    )  # fmt: skip
    result = lint(path, only=[*HISTORY_RULES, "unrecognized-sql"])
    # Before: also unknown-object for line 10 and downgrade-broken for line 13, which come
    # after a statement the linter does not understand (it may have created them).
    assert summary(result.findings) == [
        ("unknown-object", path.name, "upgrade", 8),
        ("unrecognized-sql", path.name, "upgrade", 9),
    ]


def test_the_file_of_a_statement_not_understood_is_not_compared_with_its_state(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "migrations" / "models"
    shutil.copytree(AERICH / "postgres" / "migrations" / "models", folder)
    path = next(folder.glob("1_*_add_fields.py"))
    text = path.read_text()
    edited = text.replace(
        'ALTER TABLE "product" ADD "sku" VARCHAR(50);',
        'ALTER TABLE "product" INHERIT "base_product";',
    )
    assert edited != text
    path.write_text(edited)
    result = lint(folder, only=[*HISTORY_RULES, "unrecognized-sql"])
    # Before: also downgrade-broken (line 17, drops product.sku) and models-state-mismatch
    # (MODELS_STATE has product.sku): the replay took the statement for one that does nothing.
    assert summary(result.findings) == [("unrecognized-sql", path.name, "upgrade", 10)]


# --- 3. CRLF and CR line endings ---------------------------------------------------------


def _write(folder: Path, name: str, text: str, newline: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.replace("\n", newline).encode())


def _history(root: Path, newline: str) -> Path:
    py = root / "migrations" / "models"
    for path in (
        write_migration(py, "0_20240101000000_init.py", INIT_SQL),
        write_migration(
            py, "1_20240102000000_drop.py",
            'ALTER TABLE "product" ADD "x" INT;\n    ALTER TABLE "product" DROP COLUMN "name";',
            'ALTER TABLE "product" DROP COLUMN "x";\n    ALTER TABLE "product" ADD "name" VARCHAR(200);',
        ),
    ):  # fmt: skip
        path.write_bytes(path.read_text().replace("\n", newline).encode())
    _write(
        py, "2_20240103000000_concat.py",
        "async def upgrade(db) -> str:\n"
        '    return ("ALTER TABLE \\"product\\" ADD \\"y\\" TEXT;\\n"\n'
        '            "ALTER TABLE \\"product\\" DROP COLUMN \\"x\\";")\n\n\n'
        "async def downgrade(db) -> str:\n"
        "    return r'''\n"
        'ALTER TABLE "product" ADD "x" INT;\n'
        'ALTER TABLE "product" DROP COLUMN "y";\'\'\'\n',
        newline,
    )  # fmt: skip
    sql = root / "migrations" / "legacy"
    _write(
        sql,
        "0_20210101000000_init.sql",
        '-- upgrade --\nCREATE TABLE "user" ("id" SERIAL NOT NULL PRIMARY KEY, "name" TEXT);\n',
        newline,
    )
    _write(
        sql,
        "1_20210102000000_x.sql",
        '-- upgrade --\nALTER TABLE "user" ADD "a" INT;\n  ALTER TABLE "user" DROP COLUMN "name";-- downgrade --\nALTER TABLE "user" ADD "name" TEXT;\n   ALTER TABLE "user" DROP COLUMN "a";\n',
        newline,
    )
    old = root / "migrations" / "oldest"
    _write(
        old,
        "0_init.json",
        '{"upgrade": ["CREATE TABLE \\"a\\" (\\"id\\" INT, \\"b\\" INT)"], "downgrade": []}',
        newline,
    )
    _write(
        old,
        "1_drop.json",
        '{\n  "upgrade": [\n    "ALTER TABLE \\"a\\" ADD \\"c\\" TEXT",\n    "ALTER TABLE \\"a\\" DROP COLUMN \\"b\\""\n  ],\n  "downgrade": ["ALTER TABLE \\"a\\" DROP COLUMN \\"c\\"", "ALTER TABLE \\"a\\" ADD \\"b\\" INT"]\n}\n',
        newline,
    )
    return root / "migrations"


def _positions(folder: Path) -> list[tuple[str, str, str, int, int]]:
    return [(f.rule, f.path.name, f.section, f.line, f.column) for f in lint(folder).findings]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_endings_do_not_move_findings(tmp_path: Path, newline: str) -> None:
    expected = _positions(_history(tmp_path / "lf", "\n"))
    assert expected == [
        ("missing-downgrade", "0_20210101000000_init.sql", "downgrade", 1, 1),
        ("drop-column", "1_20210102000000_x.sql", "upgrade", 3, 3),
        ("missing-downgrade", "0_20240101000000_init.py", "downgrade", 11, 1),
        ("drop-column", "1_20240102000000_drop.py", "upgrade", 9, 5),
        ("drop-column", "2_20240103000000_concat.py", "upgrade", 3, 14),
        ("missing-downgrade", "0_init.json", "downgrade", 1, 1),
        ("drop-column", "1_drop.json", "upgrade", 4, 6),
    ]
    # Before: CRLF put the .py findings on the `return` line (9 -> 7, 3 -> 2), CR broke
    # every position and made the .sql files invalid-migration.
    assert _positions(_history(tmp_path / "other", newline)) == expected


def test_utf8_error_line_counts_cr_line_breaks(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    _write(
        folder, "0_20210101000000_init.sql", '-- upgrade --\nCREATE TABLE "a" ("id" INT);\n', "\n"
    )
    (folder / "1_20210102000000_x.sql").write_bytes(b"-- upgrade --\r\rSELECT '\xff';\r")
    result = lint(folder)
    assert summary(result.findings) == [
        ("missing-downgrade", "0_20210101000000_init.sql", "downgrade", 1),
        ("invalid-migration", "1_20210102000000_x.sql", "file", 3),
    ]
    assert result.findings[1].message == "not valid UTF-8 (byte 0xff at line 3)"
