"""Shared helpers: write aerich-style migrations and run the linter on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from aerich_lint.lint import Options, Result, run
from aerich_lint.model import Dialect, Finding


# Every test (and every aerich-lint process it starts) gets its own cache folder, and
# its own user cache folder (where the cache's signing key lives): never the real home's.
@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
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
    "sql-syntax",
    "unrecognized-sql",
    "invalid-migration",
    "unknown-suppression",
    "unused-suppression",
    "drop-table",
    "drop-column",
    "truncate",
    "delete-without-where",
    "missing-downgrade",
    "non-transactional",
    "rename-column",
    "rename-table",
    "probable-rename",
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


def run_sandboxed_runner(path: Path, dialect: str, flags: list[str], tmp: Path) -> dict:
    """The runner as the sandbox starts it, but with the interpreter flags given."""
    read, write = os.pipe()
    settings = {"answer_fd": write, "tmp": str(tmp), "read_roots": [str(tmp)], "cpu": 60}
    env = {"PYTHONPATH": str(ROOT), "AERICH_LINT_SANDBOX": json.dumps(settings)}
    request = {"path": str(path), "sections": ["upgrade"], "dialect": dialect}
    proc = subprocess.Popen(
        [sys.executable, *flags, "-m", "aerich_lint.load._runner"],
        stdin=subprocess.PIPE, pass_fds=(write,), env=env, text=True,
    )  # fmt: skip
    os.close(write)
    proc.communicate(json.dumps(request) + "\n", timeout=120)
    with os.fdopen(read) as answers:
        lines = [json.loads(line) for line in answers]
    assert lines[0]["sandbox"].endswith("audit hooks")
    answer: dict = lines[-1]
    return answer


# --- real database servers (verify) ---------------------------------------------------

SERVER_URL_VARS = {
    "postgres": "AERICH_LINT_TEST_POSTGRES_URL",
    "mysql": "AERICH_LINT_TEST_MYSQL_URL",
}


def server_url(engine: str) -> str:
    """The test server for an engine: skipped when its variable is unset, except in
    CI (AERICH_LINT_REQUIRE_DATABASES), where a skipped database test is a failure."""
    if engine == "sqlite":
        return "sqlite://:memory:"
    var = SERVER_URL_VARS[engine]
    url = os.environ.get(var, "")
    if not url:
        message = (
            f"{var} is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres, "
            "mysql://root:@127.0.0.1:3306/mysql)"
        )
        if os.environ.get("AERICH_LINT_REQUIRE_DATABASES"):
            pytest.fail(message + " and AERICH_LINT_REQUIRE_DATABASES is set")
        pytest.skip(message)
    return url


def scratch_databases(url: str) -> set[str]:
    """The aerich_lint_* databases on a server (what verify must leave none of)."""
    import asyncio

    from aerich_lint.verify.database import Server

    server = Server.parse(url)
    if server.engine is Dialect.SQLITE:
        return set()
    query = {
        Dialect.POSTGRES: "SELECT datname AS name FROM pg_database",
        Dialect.MYSQL: "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA",
    }[server.engine]

    async def names() -> set[str]:
        creds = server.credentials
        client = server.client_class()(connection_name="aerich_lint_test", **creds)
        await client.create_connection(with_db=bool(creds.get("database")))
        try:
            rows = await client.execute_query_dict(query)
        finally:
            await client.close()
        return {str(r["name"]) for r in rows if str(r["name"]).startswith("aerich_lint_")}

    return asyncio.run(names())


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each engine's URL; the test fails if it leaves a scratch database behind."""
    url = server_url(request.param)
    before = scratch_databases(url)
    yield url
    assert scratch_databases(url) - before == set(), "verify left a scratch database behind"
