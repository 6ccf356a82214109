"""`aerich-lint drift`: real Tortoise projects, real aerich offline migrations.

Each dialect's base project (two apps, `models` and `clean`, each initialised
with `aerich init-migrations`) is built once per module by the real aerich CLI
in a subprocess, with the offline guard of tests/fixtures/generate.py. Every
test copies it, edits the models and runs the real `aerich-lint drift`
command, again under that guard: the guard's log proves that aerich-lint did
not try to reach a database (every URL points at db.invalid, or at a sqlite
file that must never be opened). Its subprocess runs in the sandbox, which the
guard does not reach: drift's own guard and the sandbox's refuse connections
there (tests/test_security_drift.py tries).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aerich_lint.drift.changes import Rename, describe_changes
from conftest import FIXTURES, ROOT


def _load_generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fixture_generate", FIXTURES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


generate = _load_generate()

URLS = {
    "postgres": "postgres://u:p@db.invalid:5432/prod",
    "mysql": "mysql://u:p@db.invalid:3306/prod",
    "sqlite": "sqlite://prod.sqlite3",
}

SETTINGS = """\
TORTOISE_ORM = {{
    "connections": {{"default": "{url}", "clean": "{url}"}},
    "apps": {{
        "models": {{"models": ["models", "aerich.models"], "default_connection": "default"}},
        "clean": {{"models": ["clean"], "default_connection": "clean"}},
    }},
}}
"""

MODELS = """\
from tortoise import fields
from tortoise.models import Model


class Product(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    stock = fields.IntField(default=0)
    sku = fields.CharField(max_length=50, null=True)
"""

CLEAN = """\
from tortoise import fields
from tortoise.models import Model


class Note(Model):
    id = fields.IntField(primary_key=True)
    body = fields.TextField()
"""


class Project:
    """A copy of a base project, and the guarded aerich / aerich-lint commands."""

    def __init__(self, root: Path, guard_dir: Path) -> None:
        self.root = root
        self.guard_dir = guard_dir
        self.guard_log = guard_dir / "blocked.log"

    def edit(self, module: str, old: str, new: str) -> None:
        path = self.root / f"{module}.py"
        text = path.read_text()
        assert text.count(old) == 1, (old, text)
        path.write_text(text.replace(old, new))

    def aerich(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return generate.Runner(self.root, self.guard_dir).run(*args, stdin=stdin)

    def drift(
        self, *args: str, guarded: bool = True, cwd: Path | None = None, may_connect: bool = False
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        if guarded:
            env.update(PYTHONPATH=str(self.guard_dir), AERICH_FIXTURE_GUARD_LOG=str(self.guard_log))
        proc = subprocess.run(
            [sys.executable, "-m", "aerich_lint", "drift", *args],
            cwd=cwd or self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if guarded and not may_connect:
            blocked = self.guard_log.read_text() if self.guard_log.exists() else ""
            assert blocked == "", f"a connection was attempted:\n{blocked}"
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def migrations(self, app: str = "models") -> list[Path]:
        return sorted(
            (self.root / "migrations" / app).glob("*.py"), key=lambda p: int(p.name.split("_")[0])
        )


def _build(base: Path, dialect: str) -> None:
    guard_dir = generate.make_guard(base)
    root = base / "project"
    root.mkdir()
    (root / "settings.py").write_text(SETTINGS.format(url=URLS[dialect]))
    (root / "models.py").write_text(MODELS)
    (root / "clean.py").write_text(CLEAN)
    runner = generate.Runner(root, guard_dir)
    runner.self_test()
    runner.run("init", "-t", "settings.TORTOISE_ORM")
    runner.run("--app", "models", "init-migrations")
    runner.run("--app", "clean", "init-migrations")


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One aerich-initialised project per dialect, built on first use."""
    return {}


@pytest.fixture
def make(bases: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Any:
    def make(dialect: str = "postgres") -> Project:
        if dialect not in bases:
            base = tmp_path_factory.mktemp(f"drift-base-{dialect}")
            _build(base, dialect)
            bases[dialect] = base
        base = bases[dialect]
        shutil.copytree(base / "project", tmp_path / "project")
        guard_dir = tmp_path / "_guard"
        shutil.copytree(base / "_guard", guard_dir)
        (guard_dir / "blocked.log").unlink(missing_ok=True)
        return Project(tmp_path / "project", guard_dir)

    return make


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def bullets(out: str, app: str = "models") -> list[str]:
    """The change lines printed under one app's header."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"app {app}: "))
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("  - "):
            break
        found.append(line[4:])
    return found


def sql_block(out: str) -> str:
    """The SQL printed for the (first) drifted app, statements one per line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "would generate:" in line)
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block)


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


# ---------------------------------------------------------------------------
# in sync, and each kind of change
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_in_sync_exits_0_and_touches_nothing(make: Any, dialect: str) -> None:
    project = make(dialect)
    before = snapshot(project.root)
    proc = project.drift()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    models_init = project.migrations("models")[0].name
    clean_init = project.migrations("clean")[0].name
    assert proc.stdout == (
        f"app models: in sync with {models_init}\n"
        f"app clean: in sync with {clean_init}\n"
        "2 apps in sync with their migrations.\n"
    )
    assert proc.stderr == ""
    # nothing written: no migration, no bytecode, no sqlite database file
    assert snapshot(project.root) == before


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_field_added(make: Any, dialect: str) -> None:
    project = make(dialect)
    project.edit(
        "models",
        "    sku = fields.CharField(max_length=50, null=True)\n",
        "    sku = fields.CharField(max_length=50, null=True)\n"
        "    price = fields.DecimalField(max_digits=10, decimal_places=2, default=0)\n",
    )
    before = snapshot(project.root)
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    column = "VARCHAR(40)" if dialect == "sqlite" else "DECIMAL(10,2)"  # tortoise's type on SQLite
    assert bullets(proc.stdout) == [
        f"models.Product: field `price` added (DecimalField {column}, NOT NULL, default 0)"
    ]
    assert sql_block(proc.stdout) == (
        f"ALTER TABLE {q(dialect, 'product')} ADD {q(dialect, 'price')} {column} NOT NULL DEFAULT 0;"
    )
    assert f"app clean: in sync with {project.migrations('clean')[0].name}" in proc.stdout
    assert proc.stdout.endswith(
        "1 of 2 apps drifted (models): generate the migration with "
        "`aerich --app models migrate` and commit it.\n"
    )
    assert snapshot(project.root) == before  # the migration aerich would write went to a copy


def test_field_removed(make: Any) -> None:
    project = make("postgres")
    project.edit("models", "    sku = fields.CharField(max_length=50, null=True)\n", "")
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bullets(proc.stdout) == [
        "models.Product: field `sku` removed (column dropped with its data)"
    ]
    assert sql_block(proc.stdout) == 'ALTER TABLE "product" DROP COLUMN "sku";'


def test_rename_is_reported_and_never_waits_for_input(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "models",
        "    name = fields.CharField(max_length=200)\n",
        "    title = fields.CharField(max_length=200)\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(project.guard_dir), AERICH_FIXTURE_GUARD_LOG=str(project.guard_log))
    # stdin stays open: a prompt would wait for ever (the timeout fails the test)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aerich_lint", "drift"],
        cwd=project.root,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.stdin is not None
    proc.stdin.close()
    assert code == 1, out + err
    assert bullets(out) == [
        "models.Product: possible rename of `name` to `title`: `aerich migrate` asks "
        '"Rename name to title?"; the SQL below is the answer no (adds `title`, drops `name` '
        "and its data)"
    ]
    assert sql_block(out) == (
        'ALTER TABLE "product" ADD "title" VARCHAR(200) NOT NULL;\n'
        'ALTER TABLE "product" DROP COLUMN "name";'
    )
    assert not project.guard_log.exists() or project.guard_log.read_text() == ""
    data = json.loads(project.drift("--format", "json").stdout)
    assert data["apps"][0]["possible_renames"] == [
        {"model": "models.Product", "old": "name", "new": "title"}
    ]


def test_default_changed(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "models", "stock = fields.IntField(default=0)", "stock = fields.IntField(default=1)"
    )
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bullets(proc.stdout) == ["models.Product: default of `stock` changed from 0 to 1"]
    assert sql_block(proc.stdout) == 'ALTER TABLE "product" ALTER COLUMN "stock" SET DEFAULT 1;'


def test_change_aerich_cannot_write_on_sqlite_is_still_drift(make: Any) -> None:
    project = make("sqlite")
    project.edit(
        "models", "stock = fields.IntField(default=0)", "stock = fields.IntField(default=1)"
    )
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bullets(proc.stdout) == ["models.Product: default of `stock` changed from 0 to 1"]
    assert (
        "  aerich cannot write this migration: Alter column default is unsupported in SQLite. "
        "Write its SQL by hand in `aerich --app models migrate --empty` (its MODELS_STATE records "
        "the change), or undo the change.\n"
    ) in proc.stdout
    assert "would generate" not in proc.stdout


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_new_model(make: Any, dialect: str) -> None:
    project = make(dialect)
    project.edit(
        "models",
        "    sku = fields.CharField(max_length=50, null=True)\n",
        "    sku = fields.CharField(max_length=50, null=True)\n\n\n"
        "class Tag(Model):\n"
        "    id = fields.IntField(primary_key=True)\n"
        "    label = fields.CharField(max_length=50, unique=True)\n",
    )
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bullets(proc.stdout) == ["models.Tag: new model Tag (table `tag`: `id`, `label`)"]
    assert sql_block(proc.stdout).startswith(f"CREATE TABLE IF NOT EXISTS {q(dialect, 'tag')} (")


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_index_added(make: Any, dialect: str) -> None:
    project = make(dialect)
    project.edit(
        "models",
        "    sku = fields.CharField(max_length=50, null=True)\n",
        "    sku = fields.CharField(max_length=50, null=True)\n\n"
        "    class Meta:\n"
        '        indexes = (("sku", "stock"),)\n',
    )
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert bullets(proc.stdout) == ["models.Product: index on (sku, stock) added"]
    sql = sql_block(proc.stdout)
    if dialect == "postgres":
        assert re.fullmatch(
            r'CREATE INDEX IF NOT EXISTS "idx_product_sku_\w+" ON "product" \("sku", "stock"\);',
            sql,
        ), sql
    else:
        assert re.fullmatch(
            r"ALTER TABLE `product` ADD INDEX `idx_product_sku_\w+` \(`sku`, `stock`\);", sql
        ), sql


def test_several_changes_in_order_and_json(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "models",
        "    sku = fields.CharField(max_length=50, null=True)\n",
        "    sku = fields.CharField(max_length=50, unique=True)\n"
        "    maker = fields.ForeignKeyField('models.Maker', related_name='products', null=True)\n\n\n"
        "class Maker(Model):\n"
        "    id = fields.IntField(primary_key=True)\n",
    )
    proc = project.drift("--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["drifted"] is True
    assert [(a["app"], a["drifted"]) for a in data["apps"]] == [("models", True), ("clean", False)]
    models = data["apps"][0]
    assert models["dialect"] == "postgres"
    assert models["last_migration"] == project.migrations()[0].name
    assert models["changes"] == [
        {"model": "models.Maker", "description": "new model Maker (table `maker`: `id`)"},
        {"model": "models.Product", "description": "`sku` is now NOT NULL"},
        {"model": "models.Product", "description": "`sku` is now unique"},
        {
            "model": "models.Product",
            "description": "foreign key `maker` to models.Maker added (column `maker_id`, NULL, ON DELETE CASCADE)",
        },
    ]
    assert 'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;' in models["sql"]
    assert 'ALTER TABLE "product" ADD "maker_id" INT;' in models["sql"]
    assert 'CREATE TABLE IF NOT EXISTS "maker"' in models["sql"]
    assert models["downgrade_sql"]
    assert data["apps"][1]["sql"] is None and data["apps"][1]["changes"] == []
    assert data["errors"] == []


def test_two_apps_only_one_drifted_and_app_option(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "clean",
        "    body = fields.TextField()\n",
        "    body = fields.TextField()\n    pinned = fields.BooleanField(default=False)\n",
    )
    proc = project.drift()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith(
        f"app models: in sync with {project.migrations('models')[0].name}\n"
    )
    assert bullets(proc.stdout, "clean") == [
        "clean.Note: field `pinned` added (BooleanField BOOL, NOT NULL, default False)"
    ]
    assert 'ALTER TABLE "note" ADD "pinned" BOOL NOT NULL DEFAULT False;' in proc.stdout
    assert "1 of 2 apps drifted (clean)" in proc.stdout
    only_models = project.drift("--app", "models")
    assert only_models.returncode == 0, only_models.stdout + only_models.stderr
    assert "app clean" not in only_models.stdout
    assert only_models.stdout.endswith("1 app in sync with its migrations.\n")
    unknown = project.drift("--app", "shop")
    assert unknown.returncode == 2
    assert (
        unknown.stderr
        == "aerich-lint: error: no app 'shop' in settings.TORTOISE_ORM (its apps: models, clean)\n"
    )


def test_sql_is_what_aerich_migrate_writes_and_then_in_sync(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "models",
        "    name = fields.CharField(max_length=200)\n",
        "    title = fields.CharField(max_length=200)\n"
        "    price = fields.DecimalField(max_digits=10, decimal_places=2, default=0)\n",
    )
    project.edit(
        "models", "stock = fields.IntField(default=0)", "stock = fields.IntField(default=5)"
    )
    drift = project.drift()
    assert drift.returncode == 1, drift.stdout + drift.stderr
    proc = project.aerich("--app", "models", "migrate", "--offline", "--name", "next", stdin="n\n")
    assert "Rename name to title?" in proc.stdout
    written = project.migrations()[-1]
    assert written.name.startswith("1_") and written.name.endswith("_next.py")
    upgrade, _ = generate.migration_sql(written)
    assert " ".join(sql_block(drift.stdout).split()) == " ".join(upgrade.split())
    again = project.drift()
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith(f"app models: in sync with {written.name}\n")


def test_committed_fixture_projects_are_in_sync() -> None:
    """The fixture projects' models are the last step of their histories."""
    proc = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "drift", str(FIXTURES / "aerich" / "postgres")],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.endswith("3 apps in sync with their migrations.\n")


# ---------------------------------------------------------------------------
# errors: exit code 2, one line on stderr
# ---------------------------------------------------------------------------


def test_config_that_fails_to_import(make: Any) -> None:
    project = make("postgres")
    settings = project.root / "settings.py"
    settings.write_text(
        'import os\nURL = os.environ["AERICH_LINT_TEST_DATABASE_URL"]\n' + settings.read_text()
    )
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "aerich-lint: error: cannot import the Tortoise config settings.TORTOISE_ORM: "
        "KeyError: 'AERICH_LINT_TEST_DATABASE_URL'\n"
    )


def test_models_that_fail_to_import(make: Any) -> None:
    project = make("sqlite")
    project.edit(
        "models",
        "from tortoise import fields\n",
        "from tortoise import fields\nimport no_such_module_here\n",
    )
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stderr == (
        "aerich-lint: error: cannot import the models of app models (models): "
        "ModuleNotFoundError: No module named 'no_such_module_here'\n"
    )


def test_history_without_models_state(make: Any) -> None:
    project = make("postgres")
    newest = project.migrations()[-1]
    text = newest.read_text()
    stripped = re.sub(r"\nMODELS_STATE = \(.*?\)\n", "\n", text, flags=re.S)
    assert stripped != text
    newest.write_text(stripped)
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stderr == (
        f"aerich-lint: error: app models: the newest migration {newest.name} has no MODELS_STATE, "
        "so there is nothing to compare the models with: run `aerich fix-migrations` (against a "
        "database where every migration is applied) to add it\n"
    )
    assert proc.stdout.startswith("app clean: in sync")  # the other app is still compared


def test_missing_migrations_folder(make: Any) -> None:
    project = make("postgres")
    shutil.rmtree(project.root / "migrations" / "clean")
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stderr == (
        "aerich-lint: error: app clean: migrations folder migrations/clean does not exist: run "
        "`aerich --app clean init-migrations` (or `aerich --app clean init-db`)\n"
    )


def test_no_project_config_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "drift", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "aerich-lint: error: no pyproject.toml with [tool.aerich] or [tool.tortoise] at or above "
    )
    assert proc.stderr.count("\n") == 1
    missing = subprocess.run(
        [sys.executable, "-m", "aerich_lint", "drift", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert missing.returncode == 2
    assert missing.stderr == f"aerich-lint: error: {tmp_path / 'nope'}: no such file or directory\n"


def test_connection_attempt_is_blocked_not_waited_for(make: Any) -> None:
    """drift's own guard, without the test's: a settings module that looks the host up."""
    project = make("postgres")
    settings = project.root / "settings.py"
    settings.write_text(
        settings.read_text() + 'import socket\nsocket.getaddrinfo("db.invalid", 5432)\n'
    )
    started = time.monotonic()
    proc = project.drift(guarded=False)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2
    assert proc.stderr == (
        "aerich-lint: error: blocked a connection attempt (socket.getaddrinfo 'db.invalid' 5432) "
        "while loading settings.TORTOISE_ORM, its models or migrations: drift never connects "
        "to a database; make importing them free of side effects\n"
    )
    # drift's subprocess runs in the sandbox: with a fixed environment (the test's guard,
    # a sitecustomize on PYTHONPATH, is not loaded there) and its own audit hooks (and,
    # where the kernel allows, no network at all); the guard watches the parent only
    settings.write_text(settings.read_text().replace('socket.getaddrinfo("db.invalid", 5432)', ""))
    proc = project.drift("--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not project.guard_log.exists()
    assert json.loads(proc.stdout)["sandbox"].endswith("audit hooks")


def test_write_into_migrations_is_blocked(make: Any) -> None:
    project = make("postgres")
    project.edit(
        "models",
        "from tortoise import fields\n",
        "from tortoise import fields\nopen('migrations/models/9_evil.py', 'w').close()\n",
    )
    before = snapshot(project.root)
    proc = project.drift()
    assert proc.returncode == 2
    target = project.root / "migrations" / "models" / "9_evil.py"
    assert proc.stderr.startswith(
        f"aerich-lint: error: blocked a change to your migrations (write to {target.relative_to(project.root)}) "
    ), proc.stderr
    assert snapshot(project.root) == before


def test_timeout(make: Any) -> None:
    project = make("sqlite")
    settings = project.root / "settings.py"
    settings.write_text("import time\ntime.sleep(60)\n" + settings.read_text())
    started = time.monotonic()
    proc = project.drift("--timeout", "1")
    assert time.monotonic() - started < 30
    assert proc.returncode == 2
    assert proc.stderr == (
        "aerich-lint: error: importing settings.TORTOISE_ORM and diffing its models took more "
        "than 1 s (does importing them wait on something? see --timeout)\n"
    )


def test_path_and_config_options(make: Any) -> None:
    project = make("postgres")
    from_above = project.drift("project", cwd=project.root.parent)
    assert from_above.returncode == 0, from_above.stdout + from_above.stderr
    from_below = project.drift(cwd=project.root / "migrations" / "models")
    assert from_below.returncode == 0, from_below.stdout + from_below.stderr
    by_config = project.drift(
        "--config", str(project.root / "pyproject.toml"), cwd=project.root.parent
    )
    assert by_config.returncode == 0, by_config.stdout + by_config.stderr
    assert by_config.stdout.endswith("2 apps in sync with their migrations.\n")


def test_cli_process_imports_neither_tortoise_aerich_nor_asyncio(make: Any) -> None:
    project = make("postgres")
    code = (
        "import sys, io, contextlib\n"
        "from aerich_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main(['drift', {str(project.root)!r}])\n"
        "    except SystemExit as exc:\n"
        "        code = exc.code\n"
        "print(code, sorted(m for m in ('asyncio', 'tortoise', 'aerich', 'pypika') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.stdout.strip() == "0 []", proc.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for pre-commit")
def test_precommit_drift_hook(make: Any, tmp_path: Path) -> None:
    project = make("postgres")
    project.edit(
        "models", "stock = fields.IntField(default=0)", "stock = fields.IntField(default=2)"
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    git_env = {
        **env,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True, env=git_env)
    subprocess.run(["git", "add", "."], cwd=project.root, check=True, env=git_env)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "aerich-lint-drift",
            "--all-files",
        ],
        cwd=project.root,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "models.Product: default of `stock` changed from 0 to 2" in out


# ---------------------------------------------------------------------------
# changes in words, without tortoise: hand-made descriptions
# ---------------------------------------------------------------------------


def _field(name: str, **kw: Any) -> dict[str, Any]:
    field = {
        "name": name,
        "field_type": "IntField",
        "db_column": name,
        "nullable": False,
        "unique": False,
        "indexed": False,
        "default": None,
        "db_default": "__NOT_SET__",
        "description": None,
        "db_field_types": {"": "INT"},
    }
    field.update(kw)
    return field


def _model(name: str, table: str, *fields: dict[str, Any], **kw: Any) -> dict[str, Any]:
    model = {
        "name": name,
        "table": table,
        "description": None,
        "unique_together": [],
        "indexes": [],
        "pk_field": _field("id"),
        "data_fields": list(fields),
        "fk_fields": [],
        "o2o_fields": [],
        "m2m_fields": [],
    }
    model.update(kw)
    return model


def test_words_for_removed_model_renamed_table_and_types() -> None:
    old = {
        "models.A": _model(
            "models.A",
            "a",
            _field("n"),
            _field("s", field_type="CharField", db_field_types={"": "VARCHAR(50)"}),
        ),
        "models.Gone": _model("models.Gone", "gone"),
        "models.Aerich": _model("models.Aerich", "aerich"),
    }
    new = {
        "models.A": _model(
            "models.A",
            "a2",
            _field("n", field_type="BigIntField", db_field_types={"": "BIGINT"}, nullable=True),
            _field(
                "s",
                field_type="CharField",
                db_field_types={"": "VARCHAR(30)", "mysql": "VARCHAR(31)"},
                default="x",
            ),
            unique_together=[["n", "s"]],
        ),
    }
    changes = describe_changes(old, new, "postgres", skip=("models.Aerich",))
    assert [(c.model, c.text) for c in changes] == [
        ("models.A", "table renamed from `a` to `a2`"),
        ("models.A", "type of `n` changed from IntField to BigIntField (INT to BIGINT)"),
        ("models.A", "`n` is now nullable"),
        ("models.A", "type of `s` changed from VARCHAR(50) to VARCHAR(30)"),
        ("models.A", "default of `s` set to 'x'"),
        ("models.A", "unique together (n, s) added"),
        ("models.Gone", "model removed (table `gone` dropped with its data)"),
    ]
    assert describe_changes(old, new, "mysql", skip=("models.Aerich",))[3].text == (
        "type of `s` changed from VARCHAR(50) to VARCHAR(31)"
    )


def test_words_for_class_rename_m2m_and_renames() -> None:
    old = {
        "models.Old": _model(
            "models.Old",
            "t",
            _field("a"),
            m2m_fields=[{"name": "tags", "model_name": "models.Tag", "through": "t_tag"}],
        )
    }
    new = {
        "models.New": _model(
            "models.New", "t", _field("b"), _field("c", nullable=True, indexed=True)
        )
    }
    changes = describe_changes(old, new, "sqlite", renames=[Rename("models.New", "a", "b")])
    assert [c.text for c in changes] == [
        "model class renamed from Old",
        "field `c` added (IntField INT, NULL, indexed)",
        'possible rename of `a` to `b`: `aerich migrate` asks "Rename a to b?"; the SQL below is '
        "the answer no (adds `b`, drops `a` and its data)",
        "many-to-many `tags` removed (table `t_tag` dropped with its data)",
    ]


def test_words_for_defaults_and_indexes() -> None:
    old = {
        "m.A": _model(
            "m.A",
            "a",
            _field("d", default=1),
            _field("f", default="<function m.now>"),
            indexes=[["d", "f"]],
        )
    }
    new = {
        "m.A": _model(
            "m.A",
            "a",
            _field("d"),
            _field("f", default="<function m.later>"),
            indexes=[
                {"fields": ["d"], "expressions": [], "name": "ix_d", "type": "GIN", "extra": ""}
            ],
        )
    }
    assert [c.text for c in describe_changes(old, new, "postgres")] == [
        "default of `d` removed (was 1)",
        "default of `f` changed from the function m.now to the function m.later",
        "GIN index `ix_d` on (d) added",
        "index on (d, f) removed",
    ]
