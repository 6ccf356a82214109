"""`aerich-lint verify` on real servers, with migrations the real aerich wrote.

PostgreSQL and MariaDB come from AERICH_LINT_TEST_POSTGRES_URL and
AERICH_LINT_TEST_MYSQL_URL (skipped when unset, failed in CI); SQLite always
runs. Every test checks that no scratch database is left behind (``server``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.model import Finding
from aerich_lint.verify import VerifyOptions, VerifyResult, run_verify
from conftest import AERICH, ROOT, cli, scratch_databases, server_url, write_migration


def verify(*paths: Path | str, url: str, **kw: object) -> VerifyResult:
    return run_verify(VerifyOptions(paths=[str(p) for p in paths], database_url=url, **kw))  # type: ignore[arg-type]


def found(result: VerifyResult) -> list[tuple[str, str, str, int]]:
    return [(f.rule, f.path.name, f.section, f.line) for f in result.findings]


def one(result: VerifyResult, rule: str, name: str) -> Finding:
    matches = [f for f in result.findings if f.rule == rule and f.path.name == name]
    assert len(matches) == 1, found(result)
    return matches[0]


def engine_of(url: str) -> str:
    return url.split("://", 1)[0]


def fixture_dialect(url: str) -> str:
    return {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}[engine_of(url)]


# --- what must be caught -----------------------------------------------------------


def test_clean_history_verifies_without_a_finding(server: str) -> None:
    folder = AERICH / fixture_dialect(server) / "migrations" / "clean"
    before = sorted(p.name for p in folder.rglob("*"))
    result = verify(folder, url=server)
    assert result.errors == []
    assert result.findings == []
    assert result.files == 5
    assert result.verified == 4  # the init migration has no downgrade
    assert result.no_downgrade == 1
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written there


def test_postgres_hazards_of_the_aerich_history() -> None:
    url = server_url("postgres")
    folder = AERICH / "postgres" / "migrations" / "models"
    result = verify(folder, url=url)
    assert result.errors == []
    add_fields, drop_field, drop_model, rename_no = (
        find(folder, "add_fields"),
        find(folder, "drop_field"),
        find(folder, "drop_model"),
        find(folder, "rename_no"),
    )
    assert [(f.rule, f.path.name, f.section) for f in result.findings] == [
        ("upgrade-failed", add_fields.name, "upgrade"),
        ("upgrade-failed", rename_no.name, "upgrade"),  # ADD "title" NOT NULL
        ("downgrade-failed", rename_no.name, "downgrade"),  # ADD "name" NOT NULL
        ("downgrade-failed", drop_field.name, "downgrade"),
        ("downgrade-failed", drop_model.name, "downgrade"),
        ("downgrade-failed", drop_model.name, "downgrade"),
    ]
    # A NOT NULL column without default, added to a table with rows.
    add = one(result, "upgrade-failed", add_fields.name)
    assert add.line == line_of(add_fields, 'ADD "nickname" VARCHAR(50) NOT NULL')
    assert add.section == "upgrade"
    assert add.message == (
        "the upgrade fails once the tables have rows (it succeeds on empty tables): "
        'column "nickname" of relation "customer" contains null values'
    )
    # The drop-field downgrade re-adds the NOT NULL column without a default.
    down = one(result, "downgrade-failed", drop_field.name)
    assert down.line == line_of(
        drop_field, 'ADD "nickname" VARCHAR(50) NOT NULL', after="downgrade"
    )
    assert "contains null values" in down.message
    # The drop-model downgrade: with rows the NOT NULL column fails first; on empty
    # tables the foreign key to the table it never re-creates.
    model = [f for f in result.findings if f.path.name == drop_model.name]
    assert [(f.rule, f.section, f.line) for f in model] == [
        ("downgrade-failed", "downgrade", line_of(drop_model, 'ADD "category_id" INT NOT NULL')),
        (
            "downgrade-failed",
            "downgrade",
            line_of(drop_model, 'ADD CONSTRAINT "fk_product_category'),
        ),
    ]
    assert 'column "category_id" of relation "product" contains null values' in model[0].message
    assert model[1].message == (
        'on empty tables the downgrade fails here: relation "category" does not exist'
    )


def test_mariadb_drop_model_downgrade_fails_on_the_missing_table() -> None:
    url = server_url("mysql")
    folder = AERICH / "mysql" / "migrations" / "models"
    result = verify(folder, url=url)
    assert result.errors == []
    drop_model = find(folder, "drop_model")
    failure = one(result, "downgrade-failed", drop_model.name)
    assert failure.line == line_of(drop_model, "ADD CONSTRAINT `fk_product_category")
    assert "(error 1005)" in failure.message or "(error 1824)" in failure.message
    # MySQL fills a NOT NULL column added without default: no upgrade-failed there.
    assert not [f for f in result.findings if f.rule == "upgrade-failed"]


def test_sqlite_history_stops_where_sqlite_refuses(tmp_path: Path) -> None:
    folder = AERICH / "sqlite" / "migrations" / "models"
    result = verify(folder, url="sqlite://:memory:")
    add_fields, drop_model = find(folder, "add_fields"), find(folder, "drop_model")
    add = one(result, "upgrade-failed", add_fields.name)
    assert "Cannot add a NOT NULL column with default value NULL" in add.message
    assert "it succeeds on empty tables" in add.message
    stop = one(result, "upgrade-failed", drop_model.name)
    assert stop.line == line_of(drop_model, "DROP FOREIGN KEY")
    assert stop.message.startswith("the upgrade fails:")
    assert any("not verified" in w and drop_model.name in w for w in result.warnings)


CONCURRENTLY = 'CREATE INDEX CONCURRENTLY "idx_product_name" ON "product" ("name");'


def test_concurrently_inside_the_transaction(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    path = write_migration(
        folder, "1_20240101000001_index.py", CONCURRENTLY, 'DROP INDEX "idx_product_name";'
    )
    result = verify(folder, url=url)
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 8)]
    assert result.findings[0].message == (
        "the upgrade fails: CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
    )


def test_concurrently_alone_outside_a_transaction_passes(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    write_migration(
        folder,
        "1_20240101000001_index.py",
        CONCURRENTLY,
        'DROP INDEX "idx_product_name";',
        run_in_transaction=False,
    )
    result = verify(folder, url=url)
    assert result.findings == []
    assert result.verified == 1


def test_several_statements_outside_a_transaction_are_one_on_postgres(tmp_path: Path) -> None:
    """aerich sends the returned string in one piece: PostgreSQL makes it one
    implicit transaction, so CONCURRENTLY fails even with RUN_IN_TRANSACTION = False."""
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    path = write_migration(
        folder,
        "1_20240101000001_index.py",
        'ALTER TABLE "product" ADD "note" TEXT;\n' + CONCURRENTLY,
        'ALTER TABLE "product" DROP COLUMN "note";',
        run_in_transaction=False,
    )
    result = verify(folder, url=url)
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 9)]
    assert "as one transaction, even with RUN_IN_TRANSACTION = False" in result.findings[0].message


INIT = 'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);'


def test_roundtrip_mismatch_says_what_differs(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    path = write_migration(
        folder,
        "1_20240101000001_change.py",
        """
        ALTER TABLE "product" ADD "note" TEXT;
        CREATE INDEX "idx_product_name" ON "product" ("name");
        ALTER TABLE "product" ALTER COLUMN "name" TYPE VARCHAR(300);
        """,
        'ALTER TABLE "product" DROP COLUMN "note";',
    )
    result = verify(folder, url=url)
    differs = [f for f in result.findings if f.section == "downgrade"]
    assert [(f.rule, f.line) for f in differs] == [
        ("roundtrip-mismatch", line_of(path, "DROP COLUMN"))
    ]
    message = differs[0].message
    assert message.startswith("after upgrade and downgrade the schema differs from before: ")
    assert 'index "idx_product_name" on "product" is left over' in message
    assert "character varying(200)" in message and "character varying(300)" in message
    # Upgrading again fails on the index the downgrade left behind.
    again = [f for f in result.findings if "applying the upgrade again" in f.message]
    assert [(f.rule, f.line) for f in again] == [
        ("roundtrip-mismatch", line_of(path, 'CREATE INDEX "idx_product_name"'))
    ]
    assert 'relation "idx_product_name" already exists' in again[0].message


def test_python_errors_and_dynamic_sql(tmp_path: Path) -> None:
    """upgrade() runs with the real client: it can query the database; what it
    raises is reported at its line."""
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT.replace("SERIAL", "INTEGER"))
    (folder / "1_20240101000001_dynamic.py").write_text(
        "from tortoise import BaseDBAsyncClient\n"
        "\n"
        "\n"
        "async def upgrade(db: BaseDBAsyncClient) -> str:\n"
        "    count, _ = await db.execute_query('SELECT * FROM \"product\"')\n"
        '    return \'ALTER TABLE "product" ADD "n%d" INT\' % count\n'
        "\n"
        "\n"
        "async def downgrade(db: BaseDBAsyncClient) -> str:\n"
        "    raise ValueError('no way back')\n"
    )
    result = verify(folder, url="sqlite://:memory:")
    assert found(result) == [("downgrade-failed", "1_20240101000001_dynamic.py", "downgrade", 10)]
    assert result.findings[0].message == (
        "the downgrade fails: downgrade() raised ValueError: no way back"
    )


# --- locks ---------------------------------------------------------------------------


def test_lock_report_on_postgres() -> None:
    url = server_url("postgres")
    folder = AERICH / "postgres" / "migrations" / "models"
    result = verify(folder, url=url, locks=True)
    assert result.locks is not None
    type_change = find(folder, "type_change")
    narrow = line_of(type_change, "TYPE VARCHAR(30)")
    entry = next(e for e in result.locks if e.path.name == type_change.name and e.line == narrow)
    assert entry.locks[0] == ("product", "ACCESS EXCLUSIVE")
    assert entry.rewritten == ["product"]
    lock = [
        f for f in result.findings if f.rule == "exclusive-lock" and f.path.name == type_change.name
    ]
    assert lock and lock[0].line == narrow
    assert lock[0].message == (
        'takes an ACCESS EXCLUSIVE lock on "product" and rewrites the table, held until the '
        "migration commits; no lock_timeout is set"
    )
    # A new table's own statements are not in the report.
    init = find(folder, "init")
    assert not [e for e in result.locks if e.path.name == init.name]


def test_lock_timeout_bounds_a_catalog_only_change(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    write_migration(
        folder,
        "1_20240101000001_add.py",
        """SET LOCAL lock_timeout = '2s';\nALTER TABLE "product" ADD "note" TEXT;""",
        'ALTER TABLE "product" DROP COLUMN "note";',
    )
    result = verify(folder, url=url, locks=True)
    assert result.findings == []
    assert result.locks is not None
    assert [(e.line, e.locks, e.rewritten, e.lock_timeout) for e in result.locks] == [
        (9, [("product", "ACCESS EXCLUSIVE")], [], "2s")
    ]


# --- scope, outputs and errors -------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_since_round_trips_only_the_new_migrations(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    folder = repo / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT.replace("SERIAL", "INTEGER"))
    # Already merged: its downgrade is broken, but it is not this branch's business.
    write_migration(
        folder,
        "1_20240101000001_old.py",
        'ALTER TABLE "product" ADD "old" INT;',
        'ALTER TABLE "nope" DROP COLUMN "old";',
    )
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    new = write_migration(
        folder,
        "2_20240101000002_new.py",
        'ALTER TABLE "product" ADD "new" INT;',
        'ALTER TABLE "product" DROP COLUMN "nope";',
    )
    result = verify(folder, url="sqlite://:memory:", since="main")
    assert found(result) == [("downgrade-failed", new.name, "downgrade", 13)]
    assert result.files == 1
    assert result.verified == 1


def test_migrations_for_another_engine_are_a_usage_error() -> None:
    proc = cli("verify", str(AERICH / "postgres" / "migrations" / "clean"), "--format", "json")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "aerich-lint: error: app clean: its migrations are written for postgres (from the "
        "postgres connection in settings.TORTOISE_ORM); verify them on a postgres server: "
        "--database-url postgres://USER@HOST:5432/postgres"
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oracle://x@y/z", "expected postgres://, mysql:// or sqlite:// URL"),
        ("postgres://postgres:secret@127.0.0.1:1/postgres", "cannot connect to"),
    ],
)
def test_bad_database_urls_are_one_line_errors(url: str, message: str) -> None:
    proc = cli("verify", str(AERICH / "postgres" / "migrations" / "clean"), "--database-url", url)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aerich-lint: error: ")
    assert message in lines[0]
    assert "secret" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_json_and_exit_code(server: str) -> None:
    folder = AERICH / fixture_dialect(server) / "migrations" / "online"
    proc = cli("verify", str(folder), "--database-url", server, "--format", "json", timeout=300)
    doc = json.loads(proc.stdout)
    assert proc.returncode == (1 if doc["findings"] else 0), proc.stderr
    assert doc["verify"]["server"].split()[0] in ("PostgreSQL", "MariaDB", "MySQL", "SQLite")
    assert doc["verify"]["database"] == server
    assert {f["rule"] for f in doc["findings"]} <= {"upgrade-failed", "downgrade-failed"}
    assert "Traceback" not in proc.stderr


def test_online_history_on_postgres_finds_the_data_traps() -> None:
    url = server_url("postgres")
    folder = AERICH / "postgres" / "migrations" / "online"
    result = verify(folder, url=url)
    traps = {f.path.name: f.message for f in result.findings if f.rule == "upgrade-failed"}
    for step in ("set_not_null", "add_default_now", "add_required"):
        path = find(folder, step)
        assert "fails once the tables have rows (it succeeds on empty tables)" in traps[path.name]
    assert len(traps) == 3


def test_scratch_database_is_dropped_on_ctrl_c(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT)
    write_migration(folder, "1_20240101000001_slow.py", "SELECT pg_sleep(30);")
    before = scratch_databases(url)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "aerich_lint", "verify", str(folder), "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (scratch_databases(url) - before):
        time.sleep(0.1)
    assert scratch_databases(url) - before, "verify never created its scratch database"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] in ("aerich-lint: aborted", "aerich-lint: interrupted")
    assert "Traceback" not in err
    assert scratch_databases(url) - before == set()


def test_missing_driver_message_names_the_extra(tmp_path: Path) -> None:
    # A Python that cannot import asyncpg: the message says which extra to install.
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "asyncpg.py").write_text("raise ImportError('No module named asyncpg')\n")
    env = dict(os.environ, PYTHONPATH=f"{stub}{os.pathsep}{ROOT}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aerich_lint",
            "verify",
            str(AERICH / "postgres" / "migrations" / "clean"),
            "--database-url",
            "postgres://postgres@127.0.0.1:5432/postgres",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "pip install 'aerich-lint[postgres]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_progress_lines_only_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    shutil.copytree(AERICH / "sqlite" / "migrations" / "clean", folder)
    lines: list[str] = []
    verify(folder, url="sqlite://:memory:", progress=lines.append)
    assert len(lines) == 5
    assert lines[0].startswith("[1/5] models/0_") and "ok (no downgrade)" in lines[0]
    assert lines[1].startswith("[2/5] models/1_") and ": ok (" in lines[1]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit", "markdown"])
def test_every_output_format_carries_the_findings(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT.replace("SERIAL", "INTEGER"))
    path = write_migration(
        folder,
        "1_20240101000001_broken.py",
        'ALTER TABLE "product" ADD "note" TEXT;',
        'ALTER TABLE "missing" DROP COLUMN "note";',
    )
    proc = cli("verify", str(folder), "--format", fmt, "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert "downgrade-failed" in proc.stdout
    assert path.name in proc.stdout
    assert "no such table: missing" in proc.stdout
    if fmt == "sarif":
        rules = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]
        assert "downgrade-failed" in {r["id"] for r in rules} | {r.get("name") for r in rules}


def test_suppressions_and_configuration_apply(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT.replace("SERIAL", "INTEGER"))
    path = write_migration(
        folder,
        "1_20240101000001_broken.py",
        'ALTER TABLE "product" ADD "note" TEXT;',
        "-- aerich-lint: ignore downgrade-failed the table is gone in production\n"
        'ALTER TABLE "missing" DROP COLUMN "note";',
    )
    assert verify(folder, url="sqlite://:memory:").findings == []
    # the static check does not call that suppression unused: only verify can use it
    proc = cli(str(path), "--dialect", "sqlite")
    assert "unused-suppression" not in proc.stdout
    # a rule ignored in the configuration is not reported either
    path.write_text(path.read_text().replace("-- aerich-lint: ignore downgrade-failed", "--"))
    assert [f.rule for f in verify(folder, url="sqlite://:memory:").findings] == [
        "downgrade-failed"
    ]
    (tmp_path / "pyproject.toml").write_text('[tool.aerich-lint]\nignore = ["AL402"]\n')
    assert verify(folder, url="sqlite://:memory:").findings == []
