"""Every migration format aerich has written, and SQL known only at run time."""

from __future__ import annotations

import json
from pathlib import Path

from aerich_lint.load import load_file
from aerich_lint.load.models_state import decode_models_state, decoded
from conftest import AERICH, lint, summary, write_migration


def test_sql_format_0_4_3_to_0_6(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_20210101000000_init.sql").write_text(
        '-- upgrade --\nCREATE TABLE IF NOT EXISTS "user" ("id" SERIAL NOT NULL PRIMARY KEY, "name" TEXT);\n'
    )
    (folder / "1_20210102000000_update.sql").write_text(
        '-- upgrade --\nALTER TABLE "user" ADD "is_bot" BOOL NOT NULL  DEFAULT False;\n'
        'ALTER TABLE "user" DROP COLUMN "name";\n'
        '-- downgrade --\nALTER TABLE "user" DROP COLUMN "is_bot";\n'
    )
    result = lint(folder)
    assert summary(result.findings) == [
        ("missing-downgrade", "0_20210101000000_init.sql", "downgrade", 1),
        ("drop-column", "1_20210102000000_update.sql", "upgrade", 3),
    ]
    assert result.findings[0].severity.label == "info"


def test_sql_format_0_4_0_markers_and_missing_downgrade(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_init.sql").write_text('##### upgrade #####\nCREATE TABLE "a" ("id" INT);\n')
    (folder / "1_update.sql").write_text('##### upgrade #####\n\nALTER TABLE "a" ADD "b" INT;\n')
    result = lint(folder)
    assert summary(result.findings)[-1] == ("missing-downgrade", "1_update.sql", "downgrade", 1)
    assert result.findings[-1].severity.label == "warning"


def test_json_format_0_1_to_0_3(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_init.json").write_text(
        json.dumps({"upgrade": ['CREATE TABLE "a" ("id" INT, "b" INT)'], "downgrade": []})
    )
    (folder / "1_drop.json").write_text(
        '{\n  "upgrade": [\n    "ALTER TABLE \\"a\\" ADD \\"c\\" INT",\n'
        '    "ALTER TABLE \\"a\\" DROP COLUMN \\"b\\""\n  ],\n  "downgrade": []\n}\n'
    )
    result = lint(folder)
    drop = next(f for f in result.findings if f.rule == "drop-column")
    assert (drop.path.name, drop.section, drop.line, drop.column) == (
        "1_drop.json",
        "upgrade",
        4,
        6,
    )
    assert ("missing-downgrade", "1_drop.json", "downgrade", 6) in summary(result.findings)


def test_aerich_0_7_0_list_return(app_dir: Path) -> None:
    path = app_dir / "1_20230101000000_update.py"
    path.write_text(
        "from typing import List\n\nfrom tortoise import BaseDBAsyncClient\n\n\n"
        "async def upgrade(db: BaseDBAsyncClient) -> List[str]:\n"
        '    return [\n        \'ALTER TABLE "product" ADD "sku" VARCHAR(20)\',\n'
        '        \'ALTER TABLE "product" DROP COLUMN "name"\',\n    ]\n\n\n'
        "async def downgrade(db: BaseDBAsyncClient) -> List[str]:\n"
        '    return [\'ALTER TABLE "product" ADD "name" VARCHAR(200)\', '
        '\'ALTER TABLE "product" DROP COLUMN "sku"\']\n'
    )
    migration, _ = load_file(path, "models")
    assert migration.format == "py-list"
    result = lint(path)
    assert summary(result.findings) == [("drop-column", path.name, "upgrade", 9)]
    assert result.findings[0].column == 10  # after the opening quote


def test_escapes_and_implicit_concatenation_keep_positions(app_dir: Path) -> None:
    path = app_dir / "1_20240102000000_update.py"
    path.write_text(
        "async def upgrade(db) -> str:\n"
        '    return ("ALTER TABLE \\"product\\" ADD \\"x\\" INT;\\n"\n'
        '            "ALTER TABLE \\"product\\" DROP COLUMN \\"name\\";")\n\n\n'
        'async def downgrade(db) -> str:\n    return \'ALTER TABLE "product" DROP COLUMN "x";\'\n'
    )
    result = lint(path)
    drop = next(f for f in result.findings if f.rule == "drop-column")
    assert (drop.line, drop.column) == (3, 14)


def test_fstring_and_module_constants_are_executed(app_dir: Path) -> None:
    path = app_dir / "1_20240102000000_dynamic.py"
    path.write_text(
        'TABLE = "product"\n\n\n'
        "async def upgrade(db) -> str:\n"
        "    column = 'name'\n"
        '    return f\'ALTER TABLE "{TABLE}" DROP COLUMN "{column}";\'\n\n\n'
        "async def downgrade(db) -> str:\n"
        '    return f\'ALTER TABLE "{TABLE}" ADD "name" VARCHAR(200);\'\n'
    )
    result = lint(path)
    assert summary(result.findings) == [("drop-column", path.name, "upgrade", 6)]
    assert not list(app_dir.glob("__pycache__")), (
        "nothing may be written into the migrations folder"
    )


def test_sql_sent_through_the_client_is_linted_in_order(app_dir: Path) -> None:
    path = app_dir / "1_20240102000000_data.py"
    path.write_text(
        "from tortoise import BaseDBAsyncClient\n\n\n"
        "async def upgrade(db: BaseDBAsyncClient) -> str:\n"
        '    rows = await db.execute_query_dict(\'SELECT "id" FROM "product"\')\n'
        "    for row in rows:\n"
        "        pass\n"
        "    await db.execute_script('DELETE FROM \"product\"')\n"
        "    await db.execute_query('UPDATE \"product\" SET \"name\" = \\'x\\'')\n"
        '    return \'ALTER TABLE "product" DROP COLUMN "name";\'\n\n\n'
        "async def downgrade(db: BaseDBAsyncClient) -> str:\n"
        '    return \'ALTER TABLE "product" ADD "name" VARCHAR(200);\'\n'
    )
    result = lint(path)
    assert summary(result.findings) == [
        ("delete-without-where", path.name, "upgrade", 8),
        ("delete-without-where", path.name, "upgrade", 9),
        ("drop-column", path.name, "upgrade", 10),
    ]
    assert [f.severity.label for f in result.findings] == ["error", "warning", "error"]
    migration, _ = load_file(path, "models")
    assert migration.section("upgrade").dynamic


def test_models_state_is_decoded_without_pickle() -> None:
    path = next((AERICH / "postgres" / "migrations" / "models").glob("1_*.py"))
    migration, _ = load_file(path, "models")
    assert migration.has_models_state
    assert "models.Product" in decoded(migration)
    # a pickle payload is never unpickled: it is just not base64+zlib+json
    import base64
    import pickle
    import zlib

    import pytest

    from aerich_lint.load.models_state import ModelsStateError

    evil = base64.b64encode(zlib.compress(pickle.dumps(object))).decode()
    with pytest.raises(ModelsStateError):
        decode_models_state(evil)


def test_run_in_transaction_read_statically(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        "1_20240102000000_x.py",
        'ALTER TABLE "product" ADD "a" INT;',
        run_in_transaction=False,
    )
    migration, info = load_file(path, "models")
    assert migration.run_in_transaction is False
    assert migration.run_in_transaction_line == 3
    assert info is not None and not info.needs_exec
