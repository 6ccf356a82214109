"""Bad input: a clear one-line message, the right exit code, never a traceback,
and the other files are still linted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import INIT_SQL, cli, write_migration

DROP = 'ALTER TABLE "product" DROP COLUMN "name";'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An app folder with one good-but-hazardous migration next to the bad one."""
    app = tmp_path / "migrations" / "models"
    write_migration(app, "0_20240101000000_init.py", INIT_SQL)
    write_migration(app, "1_20240102000000_drop.py", DROP, 'ALTER TABLE "product" ADD "name" TEXT;')
    return app


def run_json(*args: str, cwd: Path | None = None) -> tuple[int, dict, str]:
    proc = cli("--format", "json", "--dialect", "postgres", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stderr


def invalid(doc: dict) -> dict[str, str]:
    return {
        Path(f["path"]).name: f["message"]
        for f in doc["findings"]
        if f["rule"] == "invalid-migration"
    }


def still_linted(doc: dict) -> bool:
    return any(
        f["rule"] == "drop-column" and f["path"].endswith("1_20240102000000_drop.py")
        for f in doc["findings"]
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("2_x.py", b"async def upgrade(db):\n    return 'x'\n\x00\x00binary", "binary file"),
        (
            "2_x.py",
            b"# caf\xe9\nasync def upgrade(db):\n    return ''\n",
            "not valid UTF-8 (byte 0xe9 at line 1)",
        ),
        ("2_x.py", b"async def upgrade(db)\n    return ''\n", "Python syntax error"),
        ("2_x.py", b"async def downgrade(db):\n    return ''\n", "no upgrade() function"),
        # (only files that must be executed are imported: a static file is read from its AST)
        (
            "2_x.py",
            b"import no_such_module_here\nasync def upgrade(db):\n    sql = ''\n    return sql\n",
            "importing the migration raised ModuleNotFoundError",
        ),
        (
            "2_x.py",
            b"async def upgrade(db):\n    raise ValueError('boom')\n",
            "upgrade() raised ValueError: boom at line 2",
        ),
        (
            "2_x.py",
            b"async def upgrade(db):\n    n = 1\n    return n\n",
            "upgrade() returned int, expected str",
        ),
        (
            "2_x.py",
            b"import os\nasync def upgrade(db):\n    os._exit(3)\n",
            "killed the interpreter (exit code 3)",
        ),
        ("2_x.sql", b"ALTER TABLE x ADD y INT;\n", "no '-- upgrade --' section marker"),
        ("2_x.json", b'{"upgrade": [1, 2]}', '"upgrade" must be a list of SQL strings'),
        ("2_x.json", b"{not json", "invalid JSON"),
    ],
)
def test_bad_file_is_reported_and_others_linted(
    folder: Path, name: str, content: bytes, message: str
) -> None:
    (folder / name).write_bytes(content)
    code, doc, _ = run_json(str(folder))
    assert code == 1
    assert message in invalid(doc)[name]
    assert still_linted(doc)


def test_hanging_migration_times_out(folder: Path) -> None:
    (folder / "2_hang.py").write_text(
        "import time\n\nasync def upgrade(db):\n    time.sleep(600)\n    return ''\n"
    )
    (folder / "3_after.py").write_text(
        "X = 'DROP TABLE \"product\"'\n\nasync def upgrade(db):\n    return X\n"
    )
    code, doc, _ = run_json("--exec-timeout", "1", str(folder))
    assert code == 1
    assert invalid(doc)["2_hang.py"] == "executing the migration timed out after 1 s"
    # the file after the hanging one is executed in a fresh runner and still linted
    assert any(
        f["rule"] == "drop-table" and f["path"].endswith("3_after.py") for f in doc["findings"]
    )
    assert still_linted(doc)


def test_large_migration(folder: Path) -> None:
    statements = "\n".join(
        f'ALTER TABLE "product" ADD "c{i}" VARCHAR(100) NOT NULL DEFAULT \'{"x" * 40}\';'
        for i in range(60_000)
    )
    path = write_migration(folder, "2_20240103000000_big.py", statements + "\n" + DROP)
    assert path.stat().st_size > 5_000_000
    code, doc, _ = run_json(str(path))
    assert code == 1
    # 1_..._drop.py already dropped product.name: the replay says this DROP fails.
    drops = [f for f in doc["findings"] if f["rule"] in ("drop-column", "unknown-object")]
    assert [(f["rule"], f["line"]) for f in drops] == [("unknown-object", 8 + 60_000)]


def test_missing_path_is_exit_2_but_others_are_linted(folder: Path) -> None:
    code, doc, err = run_json(str(folder), "no/such/dir")
    assert code == 2
    assert "aerich-lint: error: no/such/dir: no such file or directory" in err
    assert still_linted(doc)


def test_empty_folder_warns_and_passes(tmp_path: Path) -> None:
    proc = cli(str(tmp_path))
    assert proc.returncode == 0
    assert f"{tmp_path}: no migrations found (aerich's or Tortoise ORM's native ones)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_symlink_loop_does_not_hang(tmp_path: Path, folder: Path) -> None:
    os.symlink(tmp_path, tmp_path / "loop")
    os.symlink(tmp_path / "missing", folder / "5_dangling.py")
    code, doc, _ = run_json(str(tmp_path))
    assert code == 1
    assert still_linted(doc)


def test_unknown_rule_is_usage_error(folder: Path) -> None:
    proc = cli("--select", "drop-colum", str(folder))
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "aerich-lint: error: --select: unknown rule 'drop-colum' (see `aerich-lint rules`)"
    )


def test_broken_config_is_usage_error(tmp_path: Path, folder: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aerich-lint\nselect = [")
    proc = cli(str(folder))
    assert proc.returncode == 2
    assert proc.stderr.startswith("aerich-lint: error: ") and "invalid TOML" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_config_key_is_usage_error(tmp_path: Path, folder: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.aerich-lint]\nselekt = ["drop-table"]\n')
    proc = cli(str(folder))
    assert proc.returncode == 2
    assert "unknown key 'selekt'" in proc.stderr
