"""The parse cache: same findings warm and cold, keyed by content, never in the
way (never inside a migrations folder, never trusted when corrupt)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AERICH, cli, write_migration


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the postgres fixture project, with its cache in the project."""
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    root = tmp_path / "project"
    shutil.copytree(AERICH / "postgres", root, ignore=shutil.ignore_patterns(".aerich_lint_cache"))
    return root


def findings(project: Path, *args: str) -> list[dict]:
    proc = cli("--format", "json", "--dialect", "postgres", *args, ".", cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_warm_run_gives_the_same_findings_without_sqlglot(project: Path) -> None:
    cold = findings(project)
    cache = project / ".aerich_lint_cache"
    assert len(list(cache.glob("*/*.json"))) == 3  # one per app
    assert (cache / ".gitignore").read_text() == "*\n"
    assert findings(project) == cold
    code = (
        "import sys, io, contextlib\nfrom aerich_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--dialect', 'postgres', '.'])\n    except SystemExit:\n        pass\n"
        "print(any(m.startswith('sqlglot') for m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AERICH_LINT_CACHE_DIR"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env=env)
    assert proc.stdout.strip() == "False", proc.stderr


def test_an_edit_is_seen_and_nothing_lands_in_migrations(project: Path) -> None:
    findings(project)
    path = next((project / "migrations" / "models").glob("4_*_drop_field.py"))
    path.write_text(path.read_text().replace('DROP COLUMN "age";', 'DROP COLUMN "age";\n        TRUNCATE "product";'))
    rules = {f["rule"] for f in findings(project) if f["path"].endswith(path.name)}
    assert "truncate" in rules
    written = [p for p in (project / "migrations").rglob("*") if p.suffix not in (".py",) and p.is_file()]
    assert written == [] and not list((project / "migrations").rglob("__pycache__"))


def test_no_cache_writes_nothing(project: Path) -> None:
    findings(project, "--no-cache")
    assert not (project / ".aerich_lint_cache").exists()


def test_corrupt_cache_is_ignored(project: Path) -> None:
    cold = findings(project)
    for f in (project / ".aerich_lint_cache").glob("*/*.json"):
        f.write_text('{"format": 1, "entries": {"x": 1}} garbage')
    assert findings(project) == cold


def test_executed_migrations_are_not_cached(tmp_path: Path) -> None:
    app = tmp_path / "migrations" / "models"
    write_migration(app, "0_20240101000000_init.py", 'CREATE TABLE "product" ("id" INT, "name" TEXT);')
    (tmp_path / "sqlsource.py").write_text('SQL = \'ALTER TABLE "product" ADD "x" INT\'\n')
    (app / "1_20240102000000_dyn.py").write_text(
        "from sqlsource import SQL\n\nasync def upgrade(db):\n    return SQL\n\n"
        "async def downgrade(db):\n    return 'SELECT 1'\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.aerich-lint]\ndialect = "postgres"\n')
    first = cli("--format", "json", ".", cwd=tmp_path)
    assert not [f for f in json.loads(first.stdout)["findings"] if f["rule"] == "drop-table"]
    (tmp_path / "sqlsource.py").write_text('SQL = \'DROP TABLE "product"\'\n')
    second = json.loads(cli("--format", "json", ".", cwd=tmp_path).stdout)["findings"]
    assert [f["rule"] for f in second if f["rule"] == "drop-table"] == ["drop-table"]
