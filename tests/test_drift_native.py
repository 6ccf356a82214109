"""`aerich-lint drift` on Tortoise ORM 1.x native migration apps, with the real tortoise.

Each test copies a fixture project of tests/fixtures/native/<dialect>/ (made by the
real `tortoise` CLI, up to date: `tortoise makemigrations` says 'No changes detected'),
edits its models and runs the real `aerich-lint drift` command. For native apps drift
answers what `tortoise makemigrations` would: its autodetector, run in the sandboxed
child, diffs the models against the state replayed from the migration files; nothing
connects (the sqlite URL's file is never created) and nothing is written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_security_drift import PHONE_HOME, SECRET, SECRET_NAME, SNOOP, Listener

from aerich_lint.drift import _native_result
from conftest import FIXTURES

NATIVE = FIXTURES / "native"
LEAF = {
    "postgres": "0013_concurrent_index",
    "mysql": "0012_runpython_no_reverse",
    "sqlite": "0012_runpython_no_reverse",
}
IN_SYNC = (
    "app models: in sync with {leaf}\n"
    "app clean: in sync with 0002_add_nullable\n"
    "2 apps in sync with their migrations.\n"
)


class Native:
    """A copy of a native fixture project and the real drift command run in it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def edit(self, module: str, old: str, new: str) -> None:
        path = self.root / module
        text = path.read_text()
        assert text.count(old) == 1, (old, text)
        path.write_text(text.replace(old, new))

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }

    def drift(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        proc = subprocess.run(
            [sys.executable, "-m", "aerich_lint", "drift", *args],
            cwd=self.root,
            env={**base, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
        assert not (self.root / "db.sqlite3").exists(), "the sqlite database was opened"
        return proc


def copy(dialect: str, tmp_path: Path) -> Native:
    """The fixture's project files (not its sqlmigrate/ or heads.txt)."""
    source = NATIVE / dialect
    root = tmp_path / "project"
    root.mkdir()
    for name in ("pyproject.toml", "settings.py"):
        shutil.copyfile(source / name, root / name)
    for app in ("models", "clean", "inventory"):
        if (source / app).is_dir():
            shutil.copytree(source / app, root / app)
    return Native(root)


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_unchanged_fixture_is_in_sync(dialect: str, tmp_path: Path) -> None:
    project = copy(dialect, tmp_path)
    before = project.files()
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout + proc.stderr
    assert proc.stdout == IN_SYNC.format(leaf=LEAF[dialect])
    assert project.files() == before


def test_two_leaves_are_named_and_noted(tmp_path: Path) -> None:
    project = copy("conflict", tmp_path)
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout + proc.stderr
    assert proc.stdout == (
        "app inventory: in sync with 0002_add_note and 0002_add_stock\n"
        "  note: 2 leaf migrations (0002_add_note and 0002_add_stock): tortoise has no "
        "conflict check; the next makemigrations depends on all of them\n"
        "1 app in sync with its migrations.\n"
    )


ADD_DROP_SQL = {
    "postgres": [
        'ALTER TABLE "author" ADD COLUMN "email" VARCHAR(120) NOT NULL UNIQUE;',
        'ALTER TABLE "author" DROP COLUMN "bio" CASCADE;',
    ],
    "mysql": [
        "ALTER TABLE `author` ADD COLUMN `email` VARCHAR(120) NOT NULL UNIQUE;",
        "ALTER TABLE `author` DROP COLUMN `bio`;",
    ],
}


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_field_added_and_removed(dialect: str, tmp_path: Path) -> None:
    project = copy(dialect, tmp_path)
    project.edit(
        "clean/models.py",
        "    bio = fields.TextField(null=True)\n",
        "    email = fields.CharField(max_length=120, unique=True)\n",
    )
    before = project.files()
    proc = project.drift("--app", "clean")
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "app clean: models changed since 0002_add_nullable, and no migration in "
        "clean/migrations records it",
        "  - clean.Author: field `email` added (CharField VARCHAR(120), NOT NULL, no default, "
        "unique)",
        "  - clean.Author: field `bio` removed (column dropped with its data)",
        "  operations `tortoise makemigrations clean` would write:",
        "    AddField: Add field email to Author",
        "    RemoveField: Remove field bio from Author",
        f"  SQL it would run ({dialect}, as `tortoise sqlmigrate` shows it):",
        *[f"    {line}" for line in ADD_DROP_SQL[dialect]],
        "1 of 1 app drifted (clean): generate the migration with "
        "`tortoise makemigrations clean` and commit it.",
    ]
    assert project.files() == before  # a dry run: no migration file written


def test_max_length_changed_json(tmp_path: Path) -> None:
    project = copy("postgres", tmp_path)
    project.edit("models/models.py", "max_length=300", "max_length=350")
    proc = project.drift("--format", "json")
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["drifted"] is True
    assert data["errors"] == []
    models, clean = data["apps"]
    assert models == {
        "app": "models",
        "kind": "native",
        "folder": "models/migrations",
        "dialect": "postgres",
        "last_migration": "0013_concurrent_index",
        "drifted": True,
        "changes": [
            {
                "model": "models.Product",
                "description": "type of `title` changed from VARCHAR(300) to VARCHAR(350)",
            }
        ],
        "operations": [
            {
                "operation": "AlterField",
                "description": "Alter field title on Product",
                "model": "Product",
                "field": "title",
            }
        ],
        "possible_renames": [],
        "sql": 'ALTER TABLE "product" ALTER COLUMN "title" TYPE VARCHAR(350);',
        "downgrade_sql": None,
        "sql_error": None,
        "unsupported": None,
        "fix": "tortoise makemigrations models",
        "notes": [],
        "error": None,
    }
    assert (clean["app"], clean["drifted"], clean["operations"], clean["sql"]) == (
        "clean",
        False,
        [],
        None,
    )


def test_sqlite_rename_inferred_and_type_change_unrunnable(tmp_path: Path) -> None:
    """A field replaced by one with the same definition is a RenameField (the data stays,
    not "dropped"); a type change is an AlterField tortoise cannot turn into SQL."""
    project = copy("sqlite", tmp_path)
    project.edit("clean/models.py", "    bio = fields.TextField", "    about = fields.TextField")
    project.edit(
        "models/models.py",
        "price = fields.DecimalField(max_digits=10, decimal_places=2)",
        "price = fields.FloatField()",
    )
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "app models: models changed since 0012_runpython_no_reverse, and no migration in "
        "models/migrations records it",
        "  - models.Product: type of `price` changed from DecimalField to FloatField "
        "(VARCHAR(40) to REAL)",
        "  operations `tortoise makemigrations models` would write:",
        "    AlterField: Alter field price on Product",
        "  tortoise cannot produce its SQL (ValueError: Automatic field type altering is not "
        "supported yet (field 'price'). Please use AlterFieldManual): `tortoise migrate` would "
        "fail the same way; change the models another way or edit the migration by hand.",
        "app clean: models changed since 0002_add_nullable, and no migration in "
        "clean/migrations records it",
        "  - clean.Author: field `bio` renamed to `about`: tortoise infers the rename without "
        "asking (same definition); the column keeps its data",
        "  operations `tortoise makemigrations clean` would write:",
        "    RenameField: Rename field bio to about on Author",
        "  SQL it would run (sqlite, as `tortoise sqlmigrate` shows it):",
        '    ALTER TABLE "author" RENAME COLUMN "bio" TO "about";',
        "2 of 2 apps drifted (models, clean): generate the migration with "
        "`tortoise makemigrations models`, `tortoise makemigrations clean` and commit it.",
    ]


def test_broken_models_module_is_one_line(tmp_path: Path) -> None:
    project = copy("sqlite", tmp_path)
    models = project.root / "clean" / "models.py"
    models.write_text(models.read_text() + "\nraise RuntimeError('half-written model')\n")
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "aerich-lint: error: cannot import the models of app clean (clean.models): "
        "RuntimeError: half-written model\n"
    )


def test_broken_migration_file_is_an_app_error(tmp_path: Path) -> None:
    project = copy("sqlite", tmp_path)
    migration = project.root / "clean" / "migrations" / "0002_add_nullable.py"
    migration.write_text(migration.read_text().replace("class Migration", "class Migrat", 1))
    proc = project.drift()
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines == [
        f"aerich-lint: error: app {app}: tortoise cannot replay the migrations in "
        f"{app}/migrations: ValueError: Migration 0002_add_nullable in app clean has no "
        "Migration class"
        for app in ("models", "clean")
    ]


def test_models_cannot_phone_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As tests/test_security_drift.py's settings case, from a native app's models module."""
    project = copy("postgres", tmp_path)
    monkeypatch.setenv(SECRET_NAME, SECRET)
    listener = Listener()
    models = project.root / "models" / "models.py"
    try:
        models.write_text(
            PHONE_HOME.format(name=SECRET_NAME, port=listener.port) + models.read_text()
        )
        proc = project.drift()
    finally:
        received = listener.close()
    assert received == []
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"aerich-lint: error: blocked a connection attempt (socket.getaddrinfo '127.0.0.1' "
        f"{listener.port}) while loading settings.TORTOISE_ORM, its models or migrations: "
        "drift never connects to a database; make importing them free of side effects\n"
    )
    assert SECRET not in proc.stdout + proc.stderr


def test_migration_sees_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration file (run when tortoise replays it) reads no variable and no hidden file."""
    project = copy("sqlite", tmp_path)
    monkeypatch.setenv(SECRET_NAME, SECRET)
    (project.root / ".env").write_text(f"TOKEN={SECRET}\n")
    migration = project.root / "clean" / "migrations" / "0001_initial.py"
    migration.write_text(SNOOP.format(name=SECRET_NAME, secret=SECRET) + migration.read_text())
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout + proc.stderr
    assert proc.stdout == IN_SYNC.format(leaf=LEAF["sqlite"])
    # and the same file does see it when the variable is passed on by name
    proc = project.drift("--pass-env", SECRET_NAME)
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "aerich-lint: error: app models: tortoise cannot replay the migrations in "
        "models/migrations: RuntimeError: the settings saw "
        f"{SECRET_NAME}"
    ), proc.stderr


def test_migration_cannot_write_into_the_project(tmp_path: Path) -> None:
    project = copy("sqlite", tmp_path)
    migration = project.root / "models" / "migrations" / "0001_initial.py"
    target = project.root / "models" / "migrations" / "0099_planted.py"
    migration.write_text(f"open({str(target)!r}, 'w').write('# planted')\n" + migration.read_text())
    proc = project.drift()
    assert proc.returncode == 2
    assert not target.exists()
    assert proc.stderr.startswith(
        f"aerich-lint: error: blocked a change to your migrations (write to {target})"
    ), proc.stderr


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "models", "kind": "native", "drifted": True, "sql": "DROP TABLE x"},
        {"name": "models", "kind": "native", "last": ["x" * 5000]},
        {"name": "models", "kind": "native", "operations": [["AddField"]]},
        {"name": "models", "kind": "native", "drifted": True, "old": {"a.B": []}},
        {"name": "models", "kind": "native", "sql": ["x"] * 5000},
    ],
)
def test_malformed_native_answer_is_an_error(raw: dict[str, object], tmp_path: Path) -> None:
    """The child runs project code: an answer out of shape is an app error, never a crash."""
    app = _native_result(raw, tmp_path)
    assert (app.name, app.drifted, app.sql, app.error) == (
        "models",
        False,
        [],
        "app models: the drift subprocess gave a malformed answer",
    )


def test_well_formed_native_answer_is_read(tmp_path: Path) -> None:
    app = _native_result(
        {
            "name": "clean",
            "kind": "native",
            "folder": str(tmp_path / "clean" / "migrations"),
            "drifted": True,
            "last": ["0002_add_nullable"],
            "dialect": "postgres",
            "operations": [{"op": "RemoveField", "text": "Remove field bio from Author",
                            "model": "Author", "field": "bio"}],
            "sql": ['ALTER TABLE "author" DROP COLUMN "bio" CASCADE'],
            "old": {"clean.Author": {"table": "author", "data_fields": [
                {"name": "bio", "field_type": "TextField", "db_field_types": {"": "TEXT"}}]}},
            "new": {"clean.Author": {"table": "author", "data_fields": []}},
        },
        tmp_path,
    )  # fmt: skip
    assert app.error is None
    assert (app.kind, app.drifted, app.last_migration) == ("native", True, "0002_add_nullable")
    assert [(c.model, c.text) for c in app.changes] == [
        ("clean.Author", "field `bio` removed (column dropped with its data)")
    ]
    assert [(o.kind, o.model, o.field) for o in app.operations] == [
        ("RemoveField", "Author", "bio")
    ]


def test_aerich_and_native_apps_side_by_side(tmp_path: Path) -> None:
    """One config, two aerich apps (built by the real aerich, as in tests/test_drift.py)
    and one native app: each drifts by its own tool's rules and gets its own fix."""
    from test_drift import Project, _build

    (tmp_path / "base").mkdir()
    _build(tmp_path / "base", "postgres")
    root = tmp_path / "project"
    shutil.copytree(tmp_path / "base" / "project", root)
    project = Project(root, tmp_path / "base" / "_guard")
    library = root / "library"
    shutil.copytree(NATIVE / "postgres" / "clean", library)
    for path in (library / "migrations").glob("0*.py"):
        text = path.read_text().replace("('clean', ", "('library', ")
        path.write_text(text.replace("'app': 'clean'", "'app': 'library'"))
    project.edit(
        "settings",
        '    "apps": {\n',
        '    "apps": {\n        "library": {"models": ["library.models"], "default_connection": '
        '"default", "migrations": "library.migrations"},\n',
    )
    aerich_files = {app: [p.name for p in project.migrations(app)] for app in ("models", "clean")}
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout + proc.stderr
    assert proc.stdout == (
        "app library: in sync with 0002_add_nullable\n"
        f"app models: in sync with {aerich_files['models'][-1]}\n"
        f"app clean: in sync with {aerich_files['clean'][-1]}\n"
        "3 apps in sync with their migrations.\n"
    )
    project.edit("library/models", "max_length=100", "max_length=120")
    project.edit(
        "models", "stock = fields.IntField(default=0)", "stock = fields.IntField(default=1)"
    )
    proc = project.drift()
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:5] == [
        "app library: models changed since 0002_add_nullable, and no migration in "
        "library/migrations records it",
        "  - library.Author: type of `name` changed from VARCHAR(100) to VARCHAR(120)",
        "  operations `tortoise makemigrations library` would write:",
        "    AlterField: Alter field name on Author",
        "  SQL it would run (postgres, as `tortoise sqlmigrate` shows it):",
    ]
    assert lines[6] == (
        f"app models: models changed since {aerich_files['models'][-1]}, and no migration in "
        "migrations/models records it"
    )
    assert lines[7] == "  - models.Product: default of `stock` changed from 0 to 1"
    assert lines[-1] == (
        "2 of 3 apps drifted (library, models): generate the migration with "
        "`tortoise makemigrations library`, `aerich --app models migrate` and commit it."
    )
    assert {app: [p.name for p in project.migrations(app)] for app in aerich_files} == aerich_files
