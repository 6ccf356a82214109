"""`aerich-lint verify` replays a stranger's migrations: they must not harm the run.

A pull request's migrations run on a scratch database. Their Python runs in a
sandboxed child (no network, no credentials, killed at the deadline); the SQL they
return or send through the client is vetted first, and what acts outside the
scratch database is never run; a verify that is stopped drops its scratch database,
and the next run drops those that killed runs left. Everything here runs the real
command against the real servers (PostgreSQL and MariaDB from
AERICH_LINT_TEST_POSTGRES_URL / AERICH_LINT_TEST_MYSQL_URL, see conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aerich_lint.model import Dialect
from conftest import ROOT, cli, lint, scratch_databases, server_url, summary, write_migration

INIT = {
    "postgres": 'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
    "mysql": "CREATE TABLE `product` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(200) NOT NULL);",
    "sqlite": 'CREATE TABLE "product" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL);',
}
NAME = "1_20240101000001_change.py"
ENGINES = ["sqlite", "postgres", "mysql"]


# --- helpers ---------------------------------------------------------------------------


async def _admin(url: str, sql: str) -> list[dict[str, Any]]:
    from aerich_lint.verify.database import Server

    server = Server.parse(url)
    creds = server.credentials
    client = server.client_class()(connection_name="aerich_lint_test_admin", **creds)
    await client.create_connection(with_db=bool(creds.get("database")))
    try:
        return list(await client.execute_query_dict(sql))
    finally:
        await client.close()


def admin(url: str, sql: str) -> list[dict[str, Any]]:
    """One statement on the server, outside any scratch database."""
    return asyncio.run(_admin(url, sql))


def databases(url: str) -> set[str]:
    query = (
        "SELECT datname AS name FROM pg_database"
        if url.startswith("postgres")
        else "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA"
    )
    return {str(r["name"]) for r in admin(url, query)}


def drop_database(url: str, name: str) -> None:
    q = f'"{name}"' if url.startswith("postgres") else f"`{name}`"
    admin(url, f"DROP DATABASE IF EXISTS {q}")


@pytest.fixture
def server() -> Iterator[Callable[[str], str]]:
    """``server(engine)``: the engine's URL (the test is skipped without it). Afterwards
    no new aerich_lint_* database may be left on it. (What a failing test left is
    dropped as verify's next run would: only databases of processes that are gone, so
    that a verify running beside the tests keeps its own.)"""
    before: dict[str, set[str]] = {}

    def url_of(engine: str) -> str:
        url = server_url(engine)
        if engine != "sqlite" and url not in before:
            before[url] = scratch_databases(url)
        return url

    yield url_of
    from aerich_lint.verify.database import Server as Target
    from aerich_lint.verify.database import drop_leftovers

    left: dict[str, set[str]] = {}
    for url, names in before.items():
        new = scratch_databases(url) - names
        if new:
            left[url] = new
            asyncio.run(drop_leftovers(Target.parse(url)))
    assert not left, f"verify left scratch databases behind: {left}"


Server = Callable[[str], str]


def folder_with(tmp_path: Path, engine: str, text: str, name: str = NAME) -> Path:
    """An app folder: an init migration and ``text`` as the next one."""
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT[engine])
    (folder / name).write_text(text)
    return folder


def run(
    folder: Path, url: str, *extra: str, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = cli(
        "verify", str(folder), "--database-url", url, "--format", "json", *extra, timeout=timeout
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return proc, doc


def findings(doc: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [
        (f["rule"], Path(f["path"]).name, f["section"], f["line"]) for f in doc.get("findings", [])
    ]


def message(doc: dict[str, Any]) -> str:
    (only,) = doc["findings"]
    return str(only["message"])


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# --- the migration's Python cannot end, kill or stall the run --------------------------

EXIT_AT_IMPORT = """\
import os

from tortoise import BaseDBAsyncClient

os._exit(0)


async def upgrade(db: BaseDBAsyncClient) -> str:
    return "SELECT 1"
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_os_exit_at_import_is_an_upgrade_failure(
    engine: str, tmp_path: Path, server: Server
) -> None:
    url = server(engine)
    folder = folder_with(tmp_path, engine, EXIT_AT_IMPORT)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "file", 5)]
    assert message(doc) == "the upgrade fails: importing the file called os._exit(0)"


EXIT_IN_UPGRADE = """\
import os

from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_query("SELECT 1")
    os._exit(0)
    return "SELECT 1"
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_os_exit_in_upgrade_is_an_upgrade_failure(
    engine: str, tmp_path: Path, server: Server
) -> None:
    url = server(engine)
    folder = folder_with(tmp_path, engine, EXIT_IN_UPGRADE)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 8)]
    assert message(doc) == "the upgrade fails: upgrade() called os._exit(0)"


SYS_EXIT = """\
import sys

from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    sys.exit(0)
"""


def test_sys_exit_in_upgrade_is_an_upgrade_failure(tmp_path: Path, server: Server) -> None:
    url = server("postgres")
    folder = folder_with(tmp_path, "postgres", SYS_EXIT)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 7)]
    assert message(doc) == "the upgrade fails: upgrade() raised SystemExit: 0"


def test_sys_exit_at_import_is_an_upgrade_failure(tmp_path: Path, server: Server) -> None:
    url = server("mysql")
    text = "import sys\n\nsys.exit(0)\n\n\nasync def upgrade(db):\n    return 'SELECT 1'\n"
    folder = folder_with(tmp_path, "mysql", text)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "file", 3)]
    assert message(doc) == "the upgrade fails: importing the file raised SystemExit: 0"


LOW_LEVEL_EXIT = """\
import posix


async def upgrade(db):
    posix._exit(3)
"""


def test_an_exit_past_the_guard_is_still_a_failure(tmp_path: Path, server: Server) -> None:
    url = server("postgres")
    folder = folder_with(tmp_path, "postgres", LOW_LEVEL_EXIT)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 4)]  # the def line
    assert message(doc) == (
        "the upgrade fails: upgrade() ended its process (exit code 3) without returning"
    )


DIES_OF_A_SIGNAL = """\
import sys


async def upgrade(db):
    sys.setrecursionlimit(10**7)
    nested = []
    for _ in range(10**6):
        nested = [nested]
    repr(nested)
"""


def test_a_migration_that_dies_of_a_signal_is_a_failure(tmp_path: Path, server: Server) -> None:
    # repr() overflows the C stack: the kernel kills the process with SIGSEGV.
    url = server("postgres")
    folder = folder_with(tmp_path, "postgres", DIES_OF_A_SIGNAL)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 9)]
    assert message(doc) == "the upgrade fails: upgrade() ended its process: it was killed (SIGSEGV)"


ABORTS = """\
import os


async def upgrade(db):
    os.abort()
"""


def test_a_fatal_signal_is_reported_at_its_line(tmp_path: Path, server: Server) -> None:
    url = server("mysql")
    folder = folder_with(tmp_path, "mysql", ABORTS)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 5)]
    # (In a PID namespace the child is its PID 1, which SIGABRT cannot kill: abort()
    # then ends it with SIGSEGV.)
    assert message(doc) in (
        "the upgrade fails: upgrade() ended its process: it was killed (SIGABRT)",
        "the upgrade fails: upgrade() ended its process: it was killed (SIGSEGV)",
    )


KILLS_PARENT = """\
import os
import signal


async def upgrade(db):
    os.kill(os.getppid(), signal.SIGKILL)
    return "SELECT 1"
"""


def test_a_migration_cannot_kill_its_parent(tmp_path: Path, server: Server) -> None:
    url = server("postgres")
    folder = folder_with(tmp_path, "postgres", KILLS_PARENT)
    # Under a shell that stays, so that if the migration reached its parent it would
    # kill that shell and not the test run.
    command = [sys.executable, "-m", "aerich_lint", "verify", str(folder)]
    proc = subprocess.run(
        ["sh", "-c", '"$@"; exit $?', "sh", *command, "--database-url", url, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    doc = json.loads(proc.stdout)
    # Refused by the sandbox: not verified (a warning naming why), never a pass.
    assert findings(doc) == [("not-executed", NAME, "upgrade", 6)]
    assert message(doc) == (
        "verify runs upgrade() to apply it, but the sandbox refuses os.kill: not verified"
    )


SLEEPS = """\
import time


async def upgrade(db):
    await db.execute_query("SELECT 1")
    time.sleep(1000)
    return "SELECT 1"
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_blocking_sleep_is_stopped_at_the_timeout(
    engine: str, tmp_path: Path, server: Server
) -> None:
    url = server(engine)
    folder = folder_with(tmp_path, engine, SLEEPS)
    started = time.monotonic()
    proc, doc = run(folder, url, "--timeout", "3", timeout=60)
    took = time.monotonic() - started
    assert took < 3 + 8, took
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 6)]
    assert message(doc) == (
        "the upgrade fails: upgrade() did not return within 3 s (--timeout); it was at line 6"
    )


NEVER_RETURNS = """\
import asyncio


async def upgrade(db):
    await asyncio.Event().wait()
"""


def test_a_section_that_never_returns_is_stopped_at_the_timeout(
    tmp_path: Path, server: Server
) -> None:
    url = server("postgres")
    folder = folder_with(tmp_path, "postgres", NEVER_RETURNS)
    started = time.monotonic()
    proc, doc = run(folder, url, "--timeout", "2", timeout=60)
    assert time.monotonic() - started < 2 + 8
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 4)]
    assert message(doc) == "the upgrade fails: upgrade() did not return within 2 s (--timeout)"


SNOOPS = """\
import os
import socket


async def upgrade(db):
    if any("127.0.0.1" in value for value in os.environ.values()):
        raise RuntimeError("the database URL is in the environment")
    socket.socket().connect(("127.0.0.1", {port}))
    return "SELECT 1"
"""


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_migration_has_no_credentials_and_no_network(
    engine: str, tmp_path: Path, server: Server
) -> None:
    url = server(engine)
    port = 5432 if engine == "postgres" else 3306
    folder = folder_with(tmp_path, engine, SNOOPS.format(port=port))
    proc = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "verify", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(ROOT), AERICH_LINT_DATABASE_URL=url),
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert findings(doc) == [("not-executed", NAME, "upgrade", 8)]
    assert message(doc) == (
        "verify runs upgrade() to apply it, but the sandbox refuses socket.connect: "
        "not verified"
    )


# --- what the child sees of the database ----------------------------------------------

QUERIES_PG = """\
import datetime
import decimal
import uuid

from tortoise import BaseDBAsyncClient
from tortoise.backends.base_postgres.client import BasePostgresClient
from tortoise.exceptions import OperationalError


async def upgrade(db: BaseDBAsyncClient) -> str:
    assert isinstance(db, BasePostgresClient), type(db).__mro__
    count, rows = await db.execute_query(
        "SELECT now() AS at, CURRENT_DATE AS day, 1.5::numeric AS n, gen_random_uuid() AS u, "
        "'\\\\x0102'::bytea AS b, interval '90 minutes' AS span, ARRAY[1, 2] AS a, "
        "NULL AS nothing, true AS yes, $1::numeric + 1 AS plus",
        [decimal.Decimal("1.25")],
    )
    row = rows[0]
    assert count == 1
    assert isinstance(row["at"], datetime.datetime) and row["at"].tzinfo is not None, row
    assert isinstance(row["day"], datetime.date), row
    assert row["n"] == decimal.Decimal("1.5"), row
    assert isinstance(row["u"], uuid.UUID), row
    assert row["b"] == b"\\x01\\x02", row
    assert row["span"] == datetime.timedelta(minutes=90), row
    assert row["a"] == [1, 2] and row["nothing"] is None and row["yes"] is True, row
    assert row["plus"] == decimal.Decimal("2.25") and row[9] == row["plus"], row
    assert list(row.keys())[:2] == ["at", "day"], row
    (found,) = await db.execute_query_dict(
        "SELECT count(*) AS n FROM \\"product\\" WHERE \\"name\\" <> $1", ["x"]
    )
    try:
        await db.execute_query("SELECT * FROM nope")
    except OperationalError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("no error")
    return 'ALTER TABLE "product" ADD "n%d" INT' % found["n"]


async def downgrade(db: BaseDBAsyncClient) -> str:
    rows = await db.execute_query_dict(
        "SELECT column_name AS c FROM information_schema.columns "
        "WHERE table_name = 'product' AND column_name LIKE 'n%'"
    )
    return 'ALTER TABLE "product" DROP COLUMN "%s"' % rows[0]["c"]
"""


def test_forwarded_queries_give_the_child_python_values(tmp_path: Path, server: Server) -> None:
    url = server("postgres")
    # The error of the forwarded SELECT would abort the migration's transaction:
    # outside one, the next statements still run.
    text = QUERIES_PG.replace(
        "from tortoise import", "RUN_IN_TRANSACTION = False\n\nfrom tortoise import", 1
    )
    folder = folder_with(tmp_path, "postgres", text)
    proc, doc = run(folder, url)
    assert findings(doc) == [], doc.get("findings")
    assert proc.returncode == 0, proc.stderr
    assert doc["verify"]["verified"] == 1


QUERY_FAILS = """\
from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    rows = await db.execute_query_dict("SELECT `nope` FROM `product`")
    return "SELECT 1"
"""


def test_a_failing_forwarded_query_is_reported_at_its_line(tmp_path: Path, server: Server) -> None:
    url = server("mysql")
    folder = folder_with(tmp_path, "mysql", QUERY_FAILS)
    proc, doc = run(folder, url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 5)]
    assert message(doc) == (
        "the upgrade fails: upgrade() raised OperationalError: (1054, \"Unknown column 'nope' "
        "in 'SELECT'\")"
    ) or message(doc).startswith("the upgrade fails: upgrade() raised OperationalError: (1054")


# --- statements that act outside the scratch database are never run -------------------


@pytest.fixture
def canary() -> Iterator[Any]:
    """A real database on a server, for a migration to try to drop or write to."""
    made: list[tuple[str, str]] = []

    def make(url: str) -> str:
        name = f"canary_{secrets.token_hex(4)}"
        q = f'"{name}"' if url.startswith("postgres") else f"`{name}`"
        admin(url, f"CREATE DATABASE {q}")
        made.append((url, name))
        return name

    yield make
    for url, name in made:
        drop_database(url, name)


DROPS_RETURNED = """\
from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = False


async def upgrade(db: BaseDBAsyncClient) -> str:
    return \"\"\"
        {sql}\"\"\"
"""


@pytest.mark.parametrize(
    ("engine", "sql", "what"),
    [
        ("postgres", "DROP DATABASE IF EXISTS {db};", "DROP DATABASE {db}"),
        ("mysql", "DROP DATABASE IF EXISTS {db};", "DROP DATABASE {db}"),
        ("mysql", "DROP SCHEMA {db};", "DROP SCHEMA {db}"),
        ("mysql", "/*!50000 DROP DATABASE {db} */;", "DROP DATABASE {db}"),
    ],
)
def test_drop_database_of_another_database_is_refused(
    engine: str,
    sql: str,
    what: str,
    tmp_path: Path,
    server: Server,
    canary: Any,
) -> None:
    url = server(engine)
    name = canary(url)
    folder = folder_with(tmp_path, engine, DROPS_RETURNED.format(sql=sql.format(db=name)))
    proc, doc = run(folder, url)
    assert name in databases(url), "the migration dropped another database"
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 8)]
    assert message(doc) == (
        f"the upgrade fails: verify refuses to run {what.format(db=name)}: it acts on another "
        "database of the server, outside the scratch database (the migration is not verified)"
    )


DROPS_FORWARDED = """\
from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = False


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_query("SELECT 1")
    await db.execute_script("DROP DATABASE {db}")
    return "SELECT 1"
"""


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_a_forwarded_drop_database_is_refused(
    engine: str, tmp_path: Path, server: Server, canary: Any
) -> None:
    url = server(engine)
    name = canary(url)
    folder = folder_with(tmp_path, engine, DROPS_FORWARDED.format(db=name))
    proc, doc = run(folder, url)
    assert name in databases(url), "the migration dropped another database"
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 8)]
    assert message(doc) == (
        f"the upgrade fails: verify refuses to run DROP DATABASE {name}: it acts on another "
        "database of the server, outside the scratch database (the migration is not verified)"
    )


WRITES_ELSEWHERE = """\
from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    return \"\"\"
        CREATE TABLE `t` (`id` INT);
        CREATE TABLE {db}.`stolen` (`id` INT);\"\"\"
"""


def test_mysql_statements_on_another_database_are_refused(
    tmp_path: Path, server: Server, canary: Any
) -> None:
    url = server("mysql")
    name = canary(url)
    folder = folder_with(tmp_path, "mysql", WRITES_ELSEWHERE.format(db=name))
    proc, doc = run(folder, url)
    tables = admin(
        url, f"SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{name}'"
    )
    assert tables == []
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 7)]
    assert message(doc) == (
        f"the upgrade fails: verify refuses to run this statement: it names database {name}, "
        "outside the scratch database (the migration is not verified)"
    )


SERVER_CHANGES = """\
from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = False


async def upgrade(db: BaseDBAsyncClient) -> str:
    return \"\"\"
        {sql}\"\"\"
"""


# Each: the statement, how verify names it, why it refuses it, what shows the change
# on the server (the same before and after the run) and how to undo it should it run.
SERVER_CASES = [
    (
        "postgres",
        "ALTER SYSTEM SET work_mem = '7MB';",
        "ALTER SYSTEM",
        "changes the server",
        "SELECT setting FROM pg_file_settings WHERE name = 'work_mem'",
        "ALTER SYSTEM RESET work_mem",
    ),
    (
        "postgres",
        "CREATE ROLE aerich_lint_intruder SUPERUSER;",
        "CREATE ROLE",
        "changes the server's roles and users",
        "SELECT rolname FROM pg_roles WHERE rolname = 'aerich_lint_intruder'",
        "DROP ROLE IF EXISTS aerich_lint_intruder",
    ),
    (
        "postgres",
        "COPY \"product\" TO PROGRAM 'cat > /tmp/aerich_lint_intruder';",
        "COPY ... PROGRAM",
        "runs a program or reads or writes a file on the database server's host",
        "SELECT (pg_stat_file('/tmp/aerich_lint_intruder', true)).size AS size",
        "COPY (SELECT 1) TO PROGRAM 'rm -f /tmp/aerich_lint_intruder; cat > /dev/null'",
    ),
    (
        "postgres",
        "SELECT pg_terminate_backend(1);",
        "pg_terminate_backend()",
        "changes the server",
        "SELECT 1 AS one",
        "",
    ),
    (
        "mysql",
        "SET GLOBAL max_connect_errors = 4242;",
        "SET GLOBAL",
        "changes the server",
        "SELECT @@GLOBAL.max_connect_errors AS v",
        "",
    ),
    (
        "mysql",
        "CREATE USER aerich_lint_intruder;",
        "CREATE USER",
        "changes the server's roles and users",
        "SELECT User FROM mysql.user WHERE User = 'aerich_lint_intruder'",
        "DROP USER IF EXISTS aerich_lint_intruder",
    ),
]


@pytest.mark.parametrize(("engine", "sql", "what", "why", "probe", "undo"), SERVER_CASES)
def test_statements_that_change_the_server_are_refused(
    engine: str,
    sql: str,
    what: str,
    why: str,
    probe: str,
    undo: str,
    tmp_path: Path,
    server: Server,
) -> None:
    url = server(engine)
    folder = folder_with(tmp_path, engine, SERVER_CHANGES.format(sql=sql))
    if undo:
        admin(url, undo)
    before = admin(url, probe)
    restore = undo
    if engine == "mysql" and "GLOBAL" in sql:
        restore = f"SET GLOBAL max_connect_errors = {before[0]['v']}"
    try:
        proc, doc = run(folder, url)
        assert admin(url, probe) == before, "the statement ran"
    finally:
        if restore:
            admin(url, restore)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 8)]
    assert message(doc) == (
        f"the upgrade fails: verify refuses to run {what}: it {why}, outside the scratch "
        "database (the migration is not verified)"
    )


def test_a_refusal_cannot_be_suppressed_and_stops_the_app(
    tmp_path: Path, server: Server, canary: Any
) -> None:
    url = server("postgres")
    name = canary(url)
    sql = f"-- aerich-lint: ignore upgrade-failed\n        DROP DATABASE {name};"
    folder = folder_with(tmp_path, "postgres", DROPS_RETURNED.format(sql=sql))
    write_migration(folder, "2_20240101000002_more.py", 'ALTER TABLE "product" ADD "x" INT;')
    proc, doc = run(folder, url)
    assert name in databases(url)
    assert proc.returncode == 1, proc.stderr
    assert findings(doc) == [("upgrade-failed", NAME, "upgrade", 9)]
    assert any("was not verified" in w for w in doc["summary"]["warnings"]), doc["summary"]


# --- a stopped verify drops its scratch database --------------------------------------

SLEEP_SQL = {"postgres": "SELECT pg_sleep(30);", "mysql": "SELECT SLEEP(30);"}


def _children() -> list[int]:
    """Processes running verify's sandboxed child."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"aerich_lint.verify._child" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize(
    ("engine", "signum", "where"),
    [
        ("postgres", signal.SIGTERM, "sql"),
        ("postgres", signal.SIGHUP, "sql"),
        ("mysql", signal.SIGTERM, "sql"),
        ("mysql", signal.SIGHUP, "sql"),
        ("postgres", signal.SIGTERM, "python"),
        ("mysql", signal.SIGINT, "python"),
    ],
)
def test_a_stopped_verify_drops_its_scratch_database(
    engine: str,
    signum: signal.Signals,
    where: str,
    tmp_path: Path,
    server: Server,
) -> None:
    url = server(engine)
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT[engine])
    if where == "sql":
        write_migration(folder, NAME, SLEEP_SQL[engine])
    else:
        (folder / NAME).write_text("import time\n\n\nasync def upgrade(db):\n    time.sleep(30)\n")
    before = scratch_databases(url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aerich_lint", "verify", str(folder), "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (scratch_databases(url) - before):
            time.sleep(0.1)
        assert scratch_databases(url) - before, "verify never created its scratch database"
        time.sleep(1.5)  # into the sleep
        stopped = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert time.monotonic() - stopped < 10
    assert proc.returncode == 128 + signum, err
    expected = {
        signal.SIGINT: ("aerich-lint: interrupted", "aerich-lint: aborted"),
        signal.SIGTERM: ("aerich-lint: terminated (SIGTERM); the scratch database was dropped",),
        signal.SIGHUP: ("aerich-lint: terminated (SIGHUP); the scratch database was dropped",),
    }[signum]
    assert err.strip().splitlines()[-1] in expected, err
    assert "Traceback" not in err
    assert scratch_databases(url) - before == set()
    for _ in range(50):
        if not _children():
            break
        time.sleep(0.1)
    assert _children() == []


# --- the next run drops what killed runs left -----------------------------------------


def _mark(url: str, name: str, host: str, pid: int, started: str, created: float) -> None:
    """A scratch database as a verify run marks it: which process on which host
    (and PID namespace: containers sharing a host name have PIDs of their own)."""
    ns = os.readlink("/proc/self/ns/pid") if host == socket.gethostname() else "pid:[1]"
    owner = {"host": host, "ns": ns, "pid": pid, "started": started, "created": created}
    if url.startswith("postgres"):
        admin(url, f'CREATE DATABASE "{name}"')
        text = "aerich-lint verify scratch database " + json.dumps(owner)
        admin(url, f"COMMENT ON DATABASE \"{name}\" IS '{text}'")
    else:
        admin(url, f"CREATE DATABASE `{name}`")
        admin(
            url,
            f"CREATE TABLE `{name}`.`aerich_lint_owner` (`host` VARCHAR(255) NOT NULL, "
            "`ns` VARCHAR(64) NOT NULL, `pid` BIGINT NOT NULL, `started` VARCHAR(64) NOT NULL, "
            "`created` DOUBLE NOT NULL)",
        )
        admin(
            url,
            f"INSERT INTO `{name}`.`aerich_lint_owner` VALUES "
            f"('{host}', '{ns}', {pid}, '{started}', {created})",
        )


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("engine", ["postgres", "mysql"])
def test_the_next_run_drops_what_killed_runs_left(
    engine: str, tmp_path: Path, server: Server
) -> None:
    url = server(engine)
    host = socket.gethostname()
    now = time.time()
    hexes = [secrets.token_hex(6) for _ in range(6)]
    dead, live, reused, unmarked, far_old, far_new = (f"aerich_lint_{h}" for h in hexes)
    _mark(url, dead, host, _dead_pid(), "", now - 60)
    _mark(url, live, host, os.getpid(), "", now - 60)
    _mark(url, reused, host, os.getpid(), "not-this-process", now - 60)  # the pid was reused
    admin(
        url,
        f'CREATE DATABASE "{unmarked}"'
        if engine == "postgres"
        else f"CREATE DATABASE `{unmarked}`",
    )
    _mark(url, far_old, "elsewhere.invalid", 4242, "", now - 25 * 3600)
    _mark(url, far_new, "elsewhere.invalid", 4242, "", now - 3600)
    oddly_named = "aerich_lint_x"
    admin(
        url,
        f'CREATE DATABASE "{oddly_named}"'
        if engine == "postgres"
        else f"CREATE DATABASE `{oddly_named}`",
    )
    try:
        folder = tmp_path / "migrations" / "models"
        write_migration(folder, "0_20240101000000_init.py", INIT[engine])
        proc, doc = run(folder, url)
        assert proc.returncode == 0, proc.stderr
        assert findings(doc) == []
        left = scratch_databases(url)
        assert {dead, reused, far_old} & left == set()
        assert {live, unmarked, far_new, oddly_named} <= left
        warnings = doc["summary"]["warnings"]
        assert [w for w in warnings if "killed runs" in w] == [
            "dropped 3 scratch databases that killed runs of verify left behind: "
            + ", ".join(sorted([dead, reused, far_old]))
        ]
    finally:
        for name in (dead, live, reused, unmarked, far_old, far_new, oddly_named):
            drop_database(url, name)


# --- drop-database: the static rule ---------------------------------------------------


def _rule(
    app_dir: Path, upgrade: str, downgrade: str = "SELECT 1;", dialect: str = "postgres"
) -> list[tuple[str, str, str, int]]:
    path = write_migration(app_dir, NAME, upgrade, downgrade)
    return summary(lint(path, dialect=dialect, only=["drop-database"]).findings)


def test_drop_database_rule_reports_a_dropped_database(app_dir: Path) -> None:
    assert _rule(app_dir, 'DROP DATABASE IF EXISTS "shop";') == [
        ("drop-database", NAME, "upgrade", 8)
    ]
    assert _rule(app_dir, "DROP DATABASE `shop`;", dialect="mysql") == [
        ("drop-database", NAME, "upgrade", 8)
    ]


def test_drop_database_rule_messages(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        "SELECT 1;\nDROP SCHEMA `shop`;\nDROP DATABASE IF EXISTS `legacy`;",
        "SELECT 1;",
    )
    result = lint(path, dialect="mysql", only=["drop-database"])
    assert [(f.line, f.severity.label, f.message) for f in result.findings] == [
        (
            9,
            "error",
            "drops database shop (DROP SCHEMA is DROP DATABASE on MySQL): every table in it and their rows are deleted",
        ),
        (10, "error", "drops database legacy: every table in it and their rows are deleted"),
    ]


def test_drop_database_rule_postgres_schemas(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'DROP SCHEMA "audit" CASCADE;\nDROP SCHEMA "empty";\nDROP SCHEMA IF EXISTS "a", "b" CASCADE;',
        "SELECT 1;",
    )
    result = lint(path, dialect="postgres", only=["drop-database"])
    assert [(f.line, f.message) for f in result.findings] == [
        (8, "drops schema audit with CASCADE: every table in it and their rows are deleted"),
        (10, "drops schemas a, b with CASCADE: every table in them and their rows are deleted"),
    ]


def test_drop_database_rule_leaves_what_the_migration_created(app_dir: Path) -> None:
    # a downgrade that drops the schema its own upgrade created
    assert (
        _rule(
            app_dir,
            'CREATE SCHEMA "audit";\nCREATE TABLE "audit"."log" ("id" INT);',
            'DROP SCHEMA "audit" CASCADE;',
        )
        == []
    )
    assert _rule(app_dir, "CREATE DATABASE `tmp`;\nDROP DATABASE `tmp`;", dialect="mysql") == []


def test_drop_database_rule_on_sql_sqlglot_does_not_parse(app_dir: Path) -> None:
    assert _rule(app_dir, 'DROP DATABASE "shop" WITH (FORCE);') == [
        ("drop-database", NAME, "upgrade", 8)
    ]


def test_drop_database_rule_is_registered() -> None:
    from aerich_lint.rules.registry import lookup

    rule = lookup("AL105")
    assert rule is not None and rule.name == "drop-database"
    assert lookup("drop-database") is rule
    assert rule.severity.label == "error"


# --- the list of refused statements, without a server ---------------------------------

REFUSED = [
    ("postgres", "DROP DATABASE other"),
    ("postgres", "DROP DATABASE other WITH (FORCE)"),
    ("postgres", "CREATE DATABASE other"),
    ("postgres", "ALTER DATABASE other RENAME TO x"),
    ("postgres", "ALTER SYSTEM SET work_mem = '1GB'"),
    ("postgres", "alter   system reset all"),
    ("postgres", "CREATE ROLE r"),
    ("postgres", "CREATE USER u WITH PASSWORD 'x'"),
    ("postgres", "ALTER ROLE postgres PASSWORD 'x'"),
    ("postgres", "DROP ROLE r"),
    ("postgres", "DROP USER IF EXISTS u"),
    ("postgres", "GRANT pg_read_server_files TO app"),
    ("postgres", "REVOKE pg_monitor FROM app"),
    ("postgres", "GRANT CONNECT ON DATABASE other TO app"),
    ("postgres", "COPY t FROM PROGRAM 'id'"),
    ("postgres", "COPY t TO '/tmp/x'"),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'curl x'"),
    ("postgres", "LOAD 'auto_explain'"),
    ("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"),
    ("postgres", "SELECT pg_read_file('/etc/passwd')"),
    ("postgres", "SELECT lo_import('/etc/passwd')"),
    ("postgres", "SELECT dblink_exec('dbname=postgres', 'DROP DATABASE x')"),
    ("postgres", "SELECT pg_reload_conf()"),
    ("postgres", "\\connect other"),
    ("postgres", "CREATE TABLESPACE t LOCATION '/tmp'"),
    ("postgres", "CREATE EXTENSION IF NOT EXISTS dblink"),
    ("postgres", "CREATE EXTENSION plpython3u"),
    ("postgres", "CREATE FUNCTION f() RETURNS int LANGUAGE c AS '/lib/x.so', 'f'"),
    ("postgres", "DO $$ BEGIN EXECUTE 'CREATE ROLE r'; END $$"),
    ("postgres", "DO $$ BEGIN CREATE ROLE r; END $$"),
    ("postgres", "CREATE FUNCTION f() RETURNS void AS $$ ALTER ROLE x SUPERUSER $$ LANGUAGE sql"),
    ("postgres", "COMMENT ON DATABASE postgres IS 'x'"),
    ("postgres", "REASSIGN OWNED BY a TO b"),
    ("postgres", "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p"),
    ("postgres", "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw"),
    ("mysql", "DROP DATABASE other"),
    ("mysql", "DROP SCHEMA other"),
    ("mysql", "CREATE SCHEMA other"),
    ("mysql", "ALTER DATABASE other CHARACTER SET utf8mb4"),
    ("mysql", "/*!50000 DROP DATABASE other */"),
    ("mysql", "SELECT 1 /*! ; DROP DATABASE other */"),
    ("mysql", "SET GLOBAL max_connections = 1"),
    ("mysql", "SET @@global.max_connections = 1"),
    ("mysql", "SET PERSIST max_connections = 1"),
    ("mysql", "SET sql_mode = '', GLOBAL max_connections = 1"),
    ("mysql", "CREATE USER u"),
    ("mysql", "DROP USER u"),
    ("mysql", "RENAME USER a TO b"),
    ("mysql", "SET PASSWORD FOR root = 'x'"),
    ("mysql", "GRANT SELECT ON t TO app"),
    ("mysql", "REVOKE ALL ON *.* FROM app"),
    ("mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE t"),
    ("mysql", "SELECT * INTO OUTFILE '/tmp/x' FROM t"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')"),
    ("mysql", "KILL 5"),
    ("mysql", "SHUTDOWN"),
    ("mysql", "FLUSH PRIVILEGES"),
    ("mysql", "INSTALL PLUGIN x SONAME 'y.so'"),
    ("mysql", "PREPARE s FROM @sql"),
    ("mysql", "EXECUTE IMMEDIATE 'DROP DATABASE x'"),
    ("mysql", "USE other"),
    ("mysql", "DROP TABLE other.t"),
    ("mysql", "RENAME TABLE t TO other.t"),
    ("mysql", "CREATE TABLE t (id INT) DATA DIRECTORY = '/tmp'"),
    ("mysql", "CREATE PROCEDURE p() BEGIN DROP DATABASE other; END"),
    ("mysql", "CREATE EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP DO DROP DATABASE other"),
    ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS x"),
    ("sqlite", "VACUUM INTO '/tmp/x.db'"),
    ("sqlite", "SELECT load_extension('x')"),
]

ALLOWED = [
    ("postgres", 'CREATE TABLE "t" ("id" INT)'),
    ("postgres", 'DROP SCHEMA "audit" CASCADE'),
    ("postgres", 'CREATE SCHEMA "audit"'),
    ("postgres", 'GRANT SELECT ON "t" TO app'),
    ("postgres", "CREATE EXTENSION IF NOT EXISTS pgcrypto"),
    ("postgres", "SET LOCAL lock_timeout = '2s'"),
    ("postgres", "SET search_path = app"),
    ("postgres", "COPY t FROM STDIN"),
    ("postgres", "COMMENT ON TABLE \"t\" IS 'we create role-based access; drop database later'"),
    ("postgres", "INSERT INTO t (note) VALUES ('ALTER SYSTEM')"),
    ("postgres", 'DO $$ BEGIN ALTER TABLE "t" ADD "x" INT; END $$'),
    ("postgres", "SELECT set_config('x.y', '1', true)"),
    ("postgres", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql"),
    ("mysql", "CREATE TABLE `t` (`id` INT)"),
    ("mysql", "SET SESSION sql_mode = ''"),
    ("mysql", "SET @@session.sql_mode = ''"),
    ("mysql", "SET FOREIGN_KEY_CHECKS = 0"),
    ("mysql", "SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
    ("mysql", "UPDATE `t` SET `t`.`x` = 1"),
    ("mysql", "ALTER DATABASE CHARACTER SET utf8mb4"),
    ("mysql", "CREATE PROCEDURE p() BEGIN UPDATE t SET x = 1; END"),
    ("sqlite", 'CREATE TABLE "t" ("id" INTEGER)'),
    ("sqlite", "PRAGMA foreign_keys = OFF"),
    ("sqlite", "ATTACH DATABASE ':memory:' AS scratch2"),
]


@pytest.mark.parametrize(("engine", "sql"), REFUSED)
def test_statements_verify_refuses(engine: str, sql: str) -> None:
    from aerich_lint.verify.guard import Guard

    guard = Guard(Dialect(engine), scratch="aerich_lint_0123456789ab", others={"other", "mysql"})
    assert guard.refusal(sql) is not None, sql


@pytest.mark.parametrize(("engine", "sql"), ALLOWED)
def test_statements_verify_runs(engine: str, sql: str) -> None:
    from aerich_lint.verify.guard import Guard

    guard = Guard(Dialect(engine), scratch="aerich_lint_0123456789ab", others={"other", "mysql"})
    assert guard.refusal(sql) is None, (sql, guard.refusal(sql))


# --- --no-exec: only aerich's template files are applied ------------------------------


def test_no_exec_applies_template_files_and_runs_no_python(tmp_path: Path, server: Server) -> None:
    url = server("postgres")
    canary = tmp_path / "ran"
    text = (
        f"from pathlib import Path\n\nPath({str(canary)!r}).touch()\n\n\n"
        "async def upgrade(db):\n    return 'SELECT 1'\n"
    )
    folder = folder_with(tmp_path, "postgres", text)
    proc, doc = run(folder, url, "--no-exec")
    assert findings(doc) == [("not-executed", NAME, "file", 1)]
    assert message(doc) == (
        "verify applies this file by running its Python, and executing project code is "
        "off: not verified"
    )
    assert proc.returncode == 1, proc.stderr
    assert not canary.exists()
    # Without --no-exec the file is run, in the sandbox (so the checks above can fail).
    _, doc = run(folder, url)
    assert findings(doc) == [("not-executed", NAME, "file", 3)]
    assert message(doc) == (
        "verify runs the file to apply it, but the sandbox refuses writing files: not verified"
    )
    assert not canary.exists()
