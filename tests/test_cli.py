"""The command as users run it: output formats, exit codes, subcommands, pre-commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AERICH, ROOT, cli, write_migration

MODELS = AERICH / "postgres" / "migrations" / "models"


def test_text_output_is_ruff_like(tmp_path: Path) -> None:
    proc = cli("--no-color", str(MODELS))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    rename_no = next(MODELS.glob("3_*_rename_no.py"))
    rel = os.path.relpath(rename_no, Path.cwd())
    assert f"{rel}:9:9: error drop-column drops column product.name: its data is deleted" in lines
    assert (
        "  fix: stop using the column first; drop it in a later migration (or rename instead)"
        in lines
    )
    assert "app models: postgres (from the postgres connection in settings.TORTOISE_ORM)" in lines
    assert lines[-1] == "Found 21 problems (12 errors, 7 warnings, 2 info) in 10 migrations."


def test_json_output_fields(tmp_path: Path) -> None:
    proc = cli("--format", "json", str(MODELS), cwd=ROOT)
    doc = json.loads(proc.stdout)
    assert doc["version"] == 1 and doc["tool"]["name"] == "aerich-lint"
    drop = next(f for f in doc["findings"] if f["rule"] == "drop-table")
    assert drop == {
        "rule": "drop-table",
        "code": "AL101",
        "severity": "error",
        "path": drop["path"],
        "line": 10,
        "column": 9,
        "app": "models",
        "migration": Path(drop["path"]).stem,
        "version": 5,
        "section": "upgrade",
        "statement": 'DROP TABLE IF EXISTS "category"',
        "message": "drops table category: every row in it is deleted",
        "fix": "back the data up and drop the table in a later, separate migration",
    }
    assert drop["path"].startswith("tests/fixtures/aerich/postgres/migrations/models/5_")
    assert doc["summary"]["error"] == 12 and doc["summary"]["failed"] is True


def test_clean_run_exits_0(tmp_path: Path) -> None:
    proc = cli(str(AERICH / "postgres" / "migrations" / "clean"))
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "No finding at or above --fail-on warning."


def test_check_subcommand_and_fail_on(tmp_path: Path) -> None:
    assert (
        cli(
            "check", "--fail-on", "error", str(AERICH / "postgres" / "migrations" / "clean")
        ).returncode
        == 0
    )
    assert (
        cli("--fail-on", "info", str(AERICH / "postgres" / "migrations" / "clean")).returncode == 1
    )


def test_rules_and_explain() -> None:
    listing = cli("rules").stdout
    assert (
        "AL102  drop-column                   error     A column that already exists is dropped" in listing
    )
    text = cli("explain", "probable-rename").stdout
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in text
    assert "Rename name to full_name?" in text
    assert cli("explain", "AL101").stdout.startswith("drop-table (AL101)")
    bad = cli("explain", "nope")
    assert (
        bad.returncode == 2
        and bad.stderr.strip()
        == "aerich-lint: error: unknown rule 'nope' (see `aerich-lint rules`)"
    )
    rules = json.loads(cli("rules", "--format", "json").stdout)
    assert all(r["summary"] and r["why"] and r["example"] and r["fix"] and r["hint"] for r in rules)
    assert len({r["code"] for r in rules}) == len(rules)


def test_readme_rule_table_is_generated_from_the_rules() -> None:
    table = cli("rules", "--format", "markdown").stdout
    assert table in (ROOT / "README.md").read_text(), (
        "README rule table is stale: paste `aerich-lint rules --format markdown`"
    )


def test_single_files_report_only_themselves_with_folder_context(tmp_path: Path) -> None:
    app = tmp_path / "migrations" / "models"
    for f in MODELS.glob("*.py"):
        shutil.copy(f, app / f.name) if app.exists() else (
            app.mkdir(parents=True),
            shutil.copy(f, app / f.name),
        )
    init = next(app.glob("0_*.py"))
    drop_model = next(app.glob("5_*.py"))
    proc = cli("--format", "json", "--dialect", "postgres", str(init), str(drop_model))
    found = {
        (Path(f["path"]).name, f["rule"], f["severity"])
        for f in json.loads(proc.stdout)["findings"]
    }
    # the init is recognised as the first migration from the folder (info), and
    # nothing is reported for files that were not passed
    assert found == {
        (init.name, "missing-downgrade", "info"),
        (drop_model.name, "drop-column", "error"),
        (drop_model.name, "drop-table", "error"),
        # the whole history is replayed for context: its downgrade is known to be broken
        (drop_model.name, "downgrade-broken", "error"),
        (drop_model.name, "add-required-column", "error"),  # its downgrade re-adds category_id
    }


def test_precommit_manifest_is_valid() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e",
        },
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for pre-commit")
def test_real_precommit_hook_runs_on_staged_migrations(tmp_path: Path) -> None:
    """pre-commit installs the hook from this checkout (try-repo) and runs it."""
    repo = tmp_path / "repo"
    app = repo / "migrations" / "models"
    write_migration(
        app,
        "0_20240101000000_init.py",
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" TEXT);',
    )
    write_migration(
        app,
        "1_20240102000000_drop.py",
        'DROP TABLE "product";',
        'CREATE TABLE "product" ("id" INT);',
    )
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "aerich-lint",
            "--files",
            str(app / "1_20240102000000_drop.py"),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1_20240102000000_drop.py:8:1: error drop-table drops table product" in out
    assert "0_20240101000000_init.py" not in out  # only the passed file is reported
    # a clean migration passes the same hook
    clean = write_migration(app, "2_20240103000000_add.py", 'ALTER TABLE "tag" ADD "note" TEXT;', 'ALTER TABLE "tag" DROP COLUMN "note";')
    write_migration(app, "1_20240102000000_drop.py", 'CREATE TABLE "tag" ("id" SERIAL NOT NULL PRIMARY KEY);', 'DROP TABLE "tag";')
    passed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "aerich-lint", "--files", str(clean)],
        cwd=repo, capture_output=True, text=True, env=env, timeout=600,
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_plain_lint_imports_neither_tortoise_aerich_nor_asyncio() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from aerich_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main(['--dialect', 'postgres', {str(AERICH / 'postgres' / 'migrations')!r}])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('asyncio', 'tortoise', 'aerich', 'pypika') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "[]", proc.stderr
