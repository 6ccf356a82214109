"""Shared helpers: write aerich-style migrations and run the linter on them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from aerich_lint.lint import Options, Result, run
from aerich_lint.model import Dialect, Finding


# Every test (and every aerich-lint process it starts) gets its own cache folder.
@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # Tests that need CI behaviour set these themselves.
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
AERICH = FIXTURES / "aerich"

TEMPLATE = '''from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = {rit}


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
{upgrade}"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
{downgrade}"""
'''


def write_migration(
    folder: Path,
    name: str,
    upgrade: str,
    downgrade: str = "",
    run_in_transaction: bool = True,
) -> Path:
    """An aerich 0.8+ style file whose SQL starts on line 8 (upgrade)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        TEMPLATE.format(
            rit=run_in_transaction,
            upgrade=dedent(upgrade).strip("\n"),
            downgrade=dedent(downgrade).strip("\n"),
        )
    )
    return path


INIT_SQL = 'CREATE TABLE IF NOT EXISTS "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);'


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """An app folder with an init migration, so later files are not the first."""
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    return folder


# The statement-level rules. Tests of one of them run with just these, so that
# their hand-written migrations (no MODELS_STATE, loose downgrades) are not also
# judged by the history rules, which have tests of their own.
STATEMENT_RULES = [
    "sql-syntax", "unrecognized-sql", "invalid-migration", "unknown-suppression",
    "unused-suppression", "drop-table", "drop-column", "truncate", "delete-without-where",
    "missing-downgrade", "non-transactional", "rename-column", "rename-table", "probable-rename",
]


def lint(
    *paths: Path | str,
    dialect: str | None = "postgres",
    only: list[str] | None = STATEMENT_RULES,
    **kw: object,
) -> Result:
    """Lint in-process; ``only=None`` runs every rule enabled by default."""
    options = Options(
        paths=[str(p) for p in paths],
        dialect=Dialect(dialect) if dialect else None,
        select=only,
        **kw,  # type: ignore[arg-type]
    )
    return run(options)


def summary(findings: list[Finding]) -> list[tuple[str, str, str, int]]:
    """(rule, file name, section, line) of each finding: what tests compare."""
    return [(f.rule, f.path.name, f.section, f.line) for f in findings]


def rules_in(result: Result, name: str | None = None) -> list[str]:
    return [f.rule for f in result.findings if name is None or f.path.name == name]


def cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "aerich_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
