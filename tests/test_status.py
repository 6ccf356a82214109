"""``aerich-lint status`` on real databases that the real ``aerich upgrade`` migrated:
PostgreSQL, MariaDB and SQLite. Each test makes its own database and drops it."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import server_url

FIXTURE = Path(__file__).parent / "fixtures" / "aerich" / "sqlite" / "migrations"
AERICH = str(Path(sys.executable).parent / "aerich")
MODELS = """from tortoise import fields, models


class Customer(models.Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    nickname = fields.CharField(max_length=50, null=True)
    email = fields.CharField(max_length=200, index=True)
"""
SETTINGS = """import os

TORTOISE_ORM = {
    "connections": {"default": os.environ["STATUS_DB_URL"]},
    "apps": {"models": {"models": ["models", "aerich.models"], "default_connection": "default"}},
}
"""


async def _run(url: str, *statements: str) -> list[dict[str, Any]]:
    from aerich_lint.verify.database import Server

    server = Server.parse(url)
    client = server.client_class()(connection_name="status_test", **server.credentials)
    await client.create_connection(with_db=True)
    try:
        for sql in statements[:-1]:
            await client.execute_script(sql)
        return list(await client.execute_query_dict(statements[-1])) if statements else []
    finally:
        await client.close()


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(engine, URL) of a new, empty database."""
    engine = request.param
    if engine == "sqlite":
        yield engine, f"sqlite://{tmp_path / 'db.sqlite3'}"
        return
    admin = server_url(engine)
    name = f"al_status_{secrets.token_hex(4)}"
    asyncio.run(_run(admin, f"CREATE DATABASE {name}", "SELECT 1 AS one"))
    base = admin.rsplit("/", 1)[0]
    try:
        yield engine, f"{base}/{name}"
    finally:
        asyncio.run(_run(admin, f"DROP DATABASE {name}", "SELECT 1 AS one"))


def _aerich(project: Path, url: str, *args: str) -> None:
    env = {**os.environ, "STATUS_DB_URL": url, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [AERICH, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _project(tmp_path: Path, url: str) -> Path:
    """init-db, then a migration that adds a field, upgraded: two applied files."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "models.py").write_text(MODELS)
    (project / "settings.py").write_text(SETTINGS)
    _aerich(project, url, "init", "-t", "settings.TORTOISE_ORM")
    _aerich(project, url, "init-db")
    (project / "models.py").write_text(MODELS + "    age = fields.IntField(null=True)\n")
    _aerich(project, url, "migrate", "--name", "add_age")
    _aerich(project, url, "upgrade")
    return project


def _status(project: Path, url: str, *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aerich_lint",
            "status",
            "migrations",
            "--database-url",
            url,
            "--format",
            "json",
            *args,
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STATUS_DB_URL": url},
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _found(report: dict[str, Any], rules: set[str]) -> list[tuple[str, str, int]]:
    return sorted(
        (f["rule"], Path(f["path"]).name, f["line"])
        for f in report["findings"]
        if f["rule"] in rules
    )


STATUS_RULES = {"applied-file-missing", "applied-state-differs", "schema-drift"}


def _files(project: Path) -> list[Path]:
    return sorted((project / "migrations" / "models").glob("*.py"))


def test_an_upgraded_database_is_in_order(database: tuple[str, str], tmp_path: Path) -> None:
    _engine, url = database
    project = _project(tmp_path, url)
    code, report = _status(project, url)
    assert _found(report, STATUS_RULES) == []
    (app,) = report["status"]["apps"]
    assert [Path(n).name for n in app["applied"]] == [p.name for p in _files(project)]
    assert app["pending"] == []
    assert code == 0


def test_each_status_finding(database: tuple[str, str], tmp_path: Path) -> None:
    engine, url = database
    project = _project(tmp_path, url)
    q = '"' if engine != "mysql" else "`"
    init, add_age = _files(project)
    # rows, a column dropped by hand, the init's recorded models edited by hand
    rows = [
        f"INSERT INTO {q}customer{q} ({q}name{q}, {q}email{q}) VALUES ('n{i}', 'e{i}')"
        for i in range(30)
    ]
    record = asyncio.run(
        _run(
            url, f"SELECT {q}content{q} AS c FROM {q}aerich{q} WHERE {q}version{q} = '{init.name}'"
        )
    )
    content = record[0]["c"]
    content = json.loads(content) if isinstance(content, (str, bytes)) else content
    content["models.Customer"]["description"] = "edited by hand"
    text = json.dumps(content).replace("'", "''")
    asyncio.run(
        _run(
            url,
            *rows,
            f"UPDATE {q}aerich{q} SET {q}content{q} = '{text}' WHERE {q}version{q} = '{init.name}'",
            f"ALTER TABLE {q}customer{q} DROP COLUMN {q}nickname{q}",
            "SELECT 1 AS one",
        )
    )
    # the second file renamed after it ran; a pending one that drops email
    renamed = add_age.with_name(add_age.name.split("_", 1)[0] + "_20990101000000_add_age.py")
    add_age.rename(renamed)
    (project / "models.py").write_text(
        MODELS.replace("    nickname = fields.CharField(max_length=50, null=True)\n", "").replace(
            "    email = fields.CharField(max_length=200, index=True)\n", ""
        )
        + "    age = fields.IntField(null=True)\n"
    )
    _aerich(project, url, "migrate", "--name", "drop_email")
    drop = next(p for p in _files(project) if p.name.startswith("2_"))
    code, report = _status(project, url)
    found = _found(report, STATUS_RULES)
    assert ("applied-file-missing", renamed.name, 1) in found
    assert ("applied-state-differs", init.name, 1) in found
    drift = [f for f in report["findings"] if f["rule"] == "schema-drift"]
    # (after the newest applied file: the renamed one ran under its old name)
    assert [(Path(f["path"]).name, f["line"]) for f in drift] == [(renamed.name, 1)]
    assert "table customer: column nickname is missing" in drift[0]["message"]
    states = [f for f in report["findings"] if f["rule"] == "applied-state-differs"]
    assert "models.Customer: description changed in the file" in states[0]["message"]
    # the pending drop: its finding, and the table's size with the values it deletes
    drops = [f for f in report["findings"] if f["rule"] == "drop-column"]
    # (aerich drops nickname too: the models it diffs still had it)
    assert sorted((Path(f["path"]).name, f["message"].split(":")[0]) for f in drops) == [
        (drop.name, "drops column customer.email"),
        (drop.name, "drops column customer.nickname"),
    ]
    (app,) = report["status"]["apps"]
    assert app["pending"] == [renamed.name, drop.name]
    (impact,) = [i for i in app["impacts"] if i["column"] == "email"]
    assert (impact["table"], impact["column"], impact["rows"], impact["values"]) == (
        "customer",
        "email",
        30,
        30,
    )
    assert impact["rows_exact"] is True
    assert code == 1


def _catalog(url: str, engine: str) -> Any:
    from aerich_lint.verify.database import Server
    from aerich_lint.verify.introspect import snapshot

    async def read() -> Any:
        server = Server.parse(url)
        client = server.client_class()(connection_name="status_snap", **server.credentials)
        await client.create_connection(with_db=True)
        try:
            schema = await snapshot(client, server.engine)
            q = '"' if engine != "mysql" else "`"
            rows = await client.execute_query_dict(
                f"SELECT {q}version{q} AS v, {q}content{q} AS c FROM {q}aerich{q} ORDER BY {q}id{q}"
            )
            return schema, [(r["v"], str(r["c"])) for r in rows]
        finally:
            await client.close()

    return asyncio.run(read())


def test_status_changes_nothing(database: tuple[str, str], tmp_path: Path) -> None:
    engine, url = database
    project = _project(tmp_path, url)
    before = _catalog(url, engine)
    _status(project, url, "--export-stats", str(tmp_path / "stats.json"))
    assert _catalog(url, engine) == before
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert "customer" in stats["tables"]


def test_the_session_refuses_writes(database: tuple[str, str], tmp_path: Path) -> None:
    from aerich_lint.status.connect import read_only

    _engine, url = database
    _project(tmp_path, url)

    async def write() -> str:
        async with read_only(url) as session:
            try:
                await session.execute_query_dict("CREATE TABLE sneaky (id INT)")
            except Exception as exc:
                return type(exc).__name__ + ": " + str(exc)
            return "written"

    outcome = asyncio.run(write())
    assert outcome != "written"
    assert "read" in outcome.lower()  # read-only transaction / readonly database / query_only


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aerich_lint",
            "status",
            str(FIXTURE),
            "--database-url",
            f"sqlite://{tmp_path / 'none.sqlite3'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"aerich-lint: error: status on sqlite://{tmp_path / 'none.sqlite3'}: no database "
        f"file {tmp_path / 'none.sqlite3'}"
    ]


# What the real aerich leaves of the fixture histories (tests/fixtures/aerich) on each
# server: PostgreSQL applies all; MariaDB stops at online/4 (NOT NULL DEFAULT NULL);
# SQLite stops at models/5 and at online/1, whose ADD COLUMN ran before its ADD
# CONSTRAINT failed (aerich's executescript commits each statement there).
FIXTURE_DRIFT = {
    "postgres": [],
    "mysql": [],
    "sqlite": [("schema-drift", "1_20261122041438_add_fk_existing.py", 8)],
}


def test_the_fixture_histories_upgraded_by_aerich(
    database: tuple[str, str], tmp_path: Path
) -> None:
    import re
    import shutil

    engine, url = database
    project = tmp_path / "fixture"
    shutil.copytree(Path(__file__).parent / "fixtures" / "aerich" / engine, project)
    settings = project / "settings.py"
    settings.write_text(
        re.sub(r'"(postgres|mysql|sqlite)://[^"]*"', f'"{url}"', settings.read_text())
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    for app in ("models", "clean", "online"):
        subprocess.run(
            [AERICH, "--app", app, "upgrade"],
            cwd=project,
            env=env,
            capture_output=True,
            timeout=120,
        )
    _, report = _status(project, url)
    assert _found(report, STATUS_RULES) == FIXTURE_DRIFT[engine]
    applied = {a["app"]: len(a["applied"]) for a in report["status"]["apps"]}
    assert applied["clean"] == 5
