"""The SQL of Tortoise ORM's native migrations, computed in the sandbox without a
database (``aerich_lint.load.native``).

The projects are made with the real ``tortoise makemigrations``; their connections
point at hosts that never resolve (``db.invalid``) and at a SQLite file that must
never be created. What is computed is compared with ``tortoise sqlmigrate``'s own
statements (its API, which the CLI prints), and a few statements are spelled out:
they are the hazards the linter is for.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from aerich_lint.load.native import (
    MAX_SQL,
    NativeSQL,
    OperationSQL,
    native_sql,
    read_answer,
)

pytest.importorskip("tortoise.migrations.loader")

TORTOISE = [sys.executable, "-c", "from tortoise.cli.cli import main; main()"]
URLS = {
    "postgres": "postgres://u:p@db.invalid:5432/x",
    "mysql": "mysql://u:p@db.invalid:3306/x",
    "sqlite": "sqlite://{root}/never.sqlite3",
}
DIALECTS = tuple(URLS)
SETTINGS = """\
TORTOISE_ORM = {{
    "connections": {{"default": {url!r}}},
    "apps": {{
        "app": {{
            "models": ["app.models"],
            "default_connection": "default",
            "migrations": "app.migrations",
        }},
    }},
}}
"""
MODELS = [
    # 0001_initial
    """
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    code = fields.CharField(max_length=20)
    qty = fields.IntField()
    """,
    # 0002_add_active: a required boolean with a default
    """
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=50)
    code = fields.CharField(max_length=20)
    qty = fields.IntField()
    active = fields.BooleanField(default=False)
    """,
    # 0003_rename_widen: name -> title, 50 -> 200 characters
    """
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    code = fields.CharField(max_length=20)
    qty = fields.IntField()
    active = fields.BooleanField(default=False)
    """,
    # 0004_type_change: INT -> BIGINT
    """
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    code = fields.CharField(max_length=20)
    qty = fields.BigIntField()
    active = fields.BooleanField(default=False)
    """,
    # 0005_unique_code
    """
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    code = fields.CharField(max_length=20, unique=True)
    qty = fields.BigIntField()
    active = fields.BooleanField(default=False)
    """,
]
NAMES = ["initial", "add_active", "rename_widen", "type_change", "unique_code"]
RUN_SQL = """\
from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("app", "0005_unique_code")]

    operations = [
        ops.RunSQL(
            ["UPDATE item SET qty = 0", "DELETE FROM item WHERE qty < 0"],
            reverse_sql=["UPDATE item SET qty = 1", "SELECT 2"],
        ),
        ops.RunSQL(["INSERT INTO item (code) VALUES ('a')", "SELECT 3"]),
    ]
"""
# Sorts before 0006_sql by name, runs after it by its dependency.
RUN_PYTHON = """\
from tortoise import migrations
from tortoise.migrations import operations as ops


async def forwards(apps, schema_editor):
    raise AssertionError("RunPython code must never run")


class Migration(migrations.Migration):
    dependencies = [("app", "0006_sql")]
    atomic = False

    operations = [ops.RunPython(forwards)]
"""
PLAN = [
    "0001_initial",
    "0002_add_active",
    "0003_rename_widen",
    "0004_type_change",
    "0005_unique_code",
    "0006_sql",
    "0006_0_data",
]


def _settings(root: Path, dialect: str) -> None:
    url = URLS[dialect].format(root=root)
    (root / f"settings_{dialect}.py").write_text(SETTINGS.format(url=url))


def _build(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    for dialect in DIALECTS:
        _settings(root, dialect)
    for body, name in zip(MODELS, NAMES, strict=True):
        (root / "app" / "models.py").write_text(
            "from tortoise import fields, models\n\n\nclass Item(models.Model):\n"
            + dedent(body).strip("\n").replace("\n", "\n    ").join(["    ", "\n"])
        )
        done = subprocess.run(
            [*TORTOISE, "-c", "settings_postgres.TORTOISE_ORM", "makemigrations", "-n", name],
            cwd=root,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    folder = root / "app" / "migrations"
    (folder / "0006_sql.py").write_text(RUN_SQL)
    (folder / "0006_0_data.py").write_text(RUN_PYTHON)
    assert sorted(p.name for p in folder.glob("0*.py")) == sorted(f"{n}.py" for n in PLAN)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("native"))


@pytest.fixture(scope="module")
def computed(project: Path) -> dict[str, NativeSQL]:
    """Each dialect's SQL, from the sandbox (one child per dialect)."""
    found = {
        dialect: native_sql(
            project, [str(project)], f"settings_{dialect}.TORTOISE_ORM", {}, timeout=60
        )
        for dialect in DIALECTS
    }
    assert not (project / "never.sqlite3").exists()
    return found


def _ops(result: NativeSQL, migration: str, direction: str) -> list[OperationSQL]:
    entry = result.apps["app"].migrations[migration]
    return entry.forward if direction == "forward" else entry.backward


def _sql(result: NativeSQL, migration: str, direction: str = "forward") -> list[list[str]]:
    return [op.sql for op in _ops(result, migration, direction)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_plan_and_graph(computed: dict[str, NativeSQL], dialect: str) -> None:
    result = computed[dialect]
    assert result.error is None
    assert result.refused == ""
    assert result.sandbox  # it ran confined
    app = result.apps["app"]
    assert app.dialect == dialect  # from the connection's URL: none was given
    assert app.graph_error is None
    assert app.plan == PLAN  # by the dependencies, not by file name
    assert app.leaves == ["0006_0_data"]
    assert set(app.migrations) == set(PLAN)
    for name, entry in app.migrations.items():
        assert entry.error is None, name
        assert entry.path.endswith(f"app/migrations/{name}.py")
    assert app.migrations["0006_0_data"].atomic is False
    assert app.migrations["0001_initial"].atomic is True
    kinds = [op.kind for op in _ops(result, "0003_rename_widen", "forward")]
    assert kinds == ["AddField", "RemoveField"]  # the rename is lost
    assert [op.operation for op in _ops(result, "0003_rename_widen", "backward")] == [1, 0]


def test_postgres_statements(computed: dict[str, NativeSQL]) -> None:
    result = computed["postgres"]
    # A required boolean: its default is the model's, not the column's.
    assert _sql(result, "0002_add_active") == [
        ['ALTER TABLE "item" ADD COLUMN "active" BOOL NOT NULL']
    ]
    # The rename is a new NOT NULL column and a dropped one: the data is lost.
    assert _sql(result, "0003_rename_widen") == [
        ['ALTER TABLE "item" ADD COLUMN "title" VARCHAR(200) NOT NULL'],
        ['ALTER TABLE "item" DROP COLUMN "name" CASCADE'],
    ]
    assert _sql(result, "0003_rename_widen", "backward") == [
        ['ALTER TABLE "item" ADD COLUMN "name" VARCHAR(50) NOT NULL'],
        ['ALTER TABLE "item" DROP COLUMN "title" CASCADE'],
    ]
    assert _sql(result, "0004_type_change") == [
        ['ALTER TABLE "item" ALTER COLUMN "qty" TYPE BIGINT']
    ]
    assert _sql(result, "0004_type_change", "backward") == [
        ['ALTER TABLE "item" ALTER COLUMN "qty" TYPE INT']
    ]
    assert _sql(result, "0005_unique_code") == [
        ['ALTER TABLE "item" ADD CONSTRAINT "uid_item_code_4345e3" UNIQUE ("code")']
    ]
    assert _sql(result, "0005_unique_code", "backward") == [
        ['ALTER TABLE "item" DROP CONSTRAINT "uid_item_code_4345e3"']
    ]
    assert _sql(result, "0001_initial", "backward") == [['DROP TABLE "item" CASCADE']]


def test_mysql_statements(computed: dict[str, NativeSQL]) -> None:
    result = computed["mysql"]
    assert _sql(result, "0002_add_active") == [
        ["ALTER TABLE `item` ADD COLUMN `active` BOOL NOT NULL"]
    ]
    assert _sql(result, "0003_rename_widen") == [
        ["ALTER TABLE `item` ADD COLUMN `title` VARCHAR(200) NOT NULL"],
        ["ALTER TABLE `item` DROP COLUMN `name`"],
    ]
    # MySQL's type change: MODIFY COLUMN, then a PostgreSQL statement MySQL rejects.
    assert _sql(result, "0004_type_change") == [
        [
            "ALTER TABLE `item` MODIFY COLUMN `qty` BIGINT NOT NULL",
            'ALTER TABLE `item` ALTER COLUMN "qty" TYPE BIGINT',
        ]
    ]
    # The unique key is created as uidx_..., the rollback drops uid_...: it fails.
    assert _sql(result, "0005_unique_code") == [
        ["ALTER TABLE `item` ADD UNIQUE KEY `uidx_item_code_4345e3` (`code`)"]
    ]
    assert _sql(result, "0005_unique_code", "backward") == [
        ["DROP INDEX `uid_item_code_4345e3` ON `item`"]
    ]


def test_sqlite_statements(computed: dict[str, NativeSQL]) -> None:
    result = computed["sqlite"]
    assert _sql(result, "0002_add_active") == [
        ['ALTER TABLE "item" ADD COLUMN "active" INT NOT NULL']
    ]
    # Dropping a column remakes the table, one statement a list item.
    assert _sql(result, "0003_rename_widen")[1] == [
        'CREATE TABLE "new__item" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
        '"code" VARCHAR(20) NOT NULL, "qty" INT NOT NULL, "active" INT NOT NULL, '
        '"title" VARCHAR(200) NOT NULL)',
        'INSERT INTO "new__item" ("id", "code", "qty", "active", "title")\n'
        '                SELECT "id", "code", "qty", "active", "title"\n'
        '                FROM "item"',
        'DROP TABLE "item"',
        'ALTER TABLE "new__item" RENAME TO "item"',
    ]
    unique = _sql(result, "0005_unique_code")[0]
    assert '"code" VARCHAR(20) NOT NULL UNIQUE' in unique[0]
    assert '"code" VARCHAR(20) NOT NULL,' in _sql(result, "0005_unique_code", "backward")[0][0]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_run_sql_and_run_python(computed: dict[str, NativeSQL], dialect: str) -> None:
    result = computed[dialect]
    forward = _ops(result, "0006_sql", "forward")
    assert [(op.kind, op.sql, op.error) for op in forward] == [
        ("RunSQL", ["UPDATE item SET qty = 0", "DELETE FROM item WHERE qty < 0"], None),
        ("RunSQL", ["INSERT INTO item (code) VALUES ('a')", "SELECT 3"], None),
    ]
    backward = _ops(result, "0006_sql", "backward")
    assert [op.operation for op in backward] == [1, 0]
    assert backward[0].sql == []
    assert backward[0].error is not None and "not reversible" in backward[0].error
    assert (backward[1].sql, backward[1].error) == (["UPDATE item SET qty = 1", "SELECT 2"], None)
    (python,) = _ops(result, "0006_0_data", "forward")
    assert python.kind == "RunPython" and python.sql == []
    assert python.error is not None and "cannot be represented as SQL" in python.error
    (back,) = _ops(result, "0006_0_data", "backward")
    assert back.error is not None and "not reversible" in back.error


def test_type_change_tortoise_cannot_generate(tmp_path: Path) -> None:
    """An operation whose SQL tortoise refuses is an error of that operation only."""
    root = tmp_path
    (root / "app" / "migrations").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "migrations" / "__init__.py").write_text("")
    _settings(root, "postgres")
    (root / "app" / "migrations" / "0001_initial.py").write_text(
        dedent(
            """\
            from tortoise import fields, migrations
            from tortoise.migrations import operations as ops


            class Migration(migrations.Migration):
                initial = True
                operations = [
                    ops.CreateModel(
                        name="Item",
                        fields=[
                            ("id", fields.IntField(generated=True, primary_key=True)),
                            ("qty", fields.IntField()),
                        ],
                        options={"table": "item", "app": "app", "pk_attr": "id"},
                        bases=["Model"],
                    ),
                    ops.AlterField(
                        model_name="Item", name="qty", field=fields.CharField(max_length=10)
                    ),
                    ops.AddField(
                        model_name="Item", name="code", field=fields.CharField(max_length=5)
                    ),
                ]
            """
        )
    )
    result = native_sql(root, [str(root)], "settings_postgres.TORTOISE_ORM", {}, 60)
    forward = result.apps["app"].migrations["0001_initial"].forward
    assert [op.kind for op in forward] == ["CreateModel", "AlterField", "AddField"]
    assert forward[1].sql == []
    assert forward[1].error is not None
    assert "Automatic field type altering is not supported" in forward[1].error
    assert forward[2].sql == ['ALTER TABLE "item" ADD COLUMN "code" VARCHAR(5) NOT NULL']
    assert forward[0].error is None and forward[2].error is None


SQLMIGRATE = """
import asyncio, importlib, json, sys
from tortoise import Tortoise
from tortoise.migrations.api import sqlmigrate

async def main():
    module, _, attr = sys.argv[1].rpartition(".")
    config = getattr(importlib.import_module(module), attr)
    out = {}
    for name, backward in json.loads(sys.argv[2]):
        try:
            lines = await sqlmigrate(config=config, app_label="app",
                                     migration_name=name, backward=backward)
        except Exception as exc:
            lines = ["ERROR " + str(exc)]
        out[f"{name} {backward}"] = [s for s in lines if not s.startswith("--")]
        await Tortoise.close_connections()
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_same_as_sqlmigrate(project: Path, computed: dict[str, NativeSQL], dialect: str) -> None:
    """Every statement, in order, is what tortoise's sqlmigrate collects (offline:
    it does not connect either)."""
    wanted = [(name, backward) for name in PLAN[:6] for backward in (False, True)]
    done = subprocess.run(
        [sys.executable, "-c", SQLMIGRATE, f"settings_{dialect}.TORTOISE_ORM", json.dumps(wanted)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    result = computed[dialect]
    for name, backward in wanted:
        ops = _ops(result, name, "backward" if backward else "forward")
        if any(op.error for op in ops):  # sqlmigrate refuses the whole migration
            assert theirs[f"{name} {backward}"][0].startswith("ERROR"), name
            continue
        ours = [s for op in ops for s in op.sql]
        assert ours == theirs[f"{name} {backward}"], (name, backward)
    assert not (project / "never.sqlite3").exists()


OTHER_SETTINGS = """\
TORTOISE_ORM = {
    "connections": {
        "default": "postgres://u:p@db.invalid:5432/x",
        "second": "mysql://u:p@db.invalid:3306/x",
    },
    "apps": {
        "app": {"models": ["app.models"], "migrations": "app.migrations"},
        "other": {
            "models": ["other.models"],
            "default_connection": "second",
            "migrations": "other.migrations",
        },
    },
}
"""
OTHER_MIGRATION = """\
from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("other", "0000_missing")]
    operations = [ops.RunSQL("SELECT 1")]
"""


def test_broken_module_and_broken_graph(project: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(project, root)
    (root / "app" / "migrations" / "0007_broken.py").write_text('raise RuntimeError("boom")\n')
    (root / "other" / "migrations").mkdir(parents=True)
    (root / "other" / "__init__.py").write_text("")
    (root / "other" / "migrations" / "__init__.py").write_text("")
    (root / "other" / "migrations" / "0001_initial.py").write_text(OTHER_MIGRATION)
    (root / "settings_two.py").write_text(OTHER_SETTINGS)
    result = native_sql(root, [str(root)], "settings_two.TORTOISE_ORM", {"app": "sqlite"}, 60)
    assert result.error is None
    app, other = result.apps["app"], result.apps["other"]
    assert app.dialect == "sqlite"  # as asked, not the URL's
    assert other.dialect == "mysql"
    broken = app.migrations["0007_broken"]
    assert broken.error is not None and "RuntimeError: boom" in broken.error
    assert broken.forward == [] and broken.backward == []
    assert broken.path.endswith("0007_broken.py")
    assert app.graph_error is None
    assert app.plan == [*PLAN, "0007_broken"]
    for name in PLAN:
        assert app.migrations[name].error is None
    assert _sql(result, "0002_add_active") == [
        ['ALTER TABLE "item" ADD COLUMN "active" INT NOT NULL']
    ]
    assert other.graph_error is not None and "0000_missing" in other.graph_error
    assert other.plan == ["0001_initial"]
    assert other.migrations["0001_initial"].forward[0].sql == ["SELECT 1"]


def test_config_errors(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TORTOISE_ORM = 3\n")
    result = native_sql(tmp_path, [str(tmp_path)], "settings.TORTOISE_ORM", {}, 60)
    assert result.apps == {}
    assert result.error is not None and "not a dict" in result.error
    result = native_sql(tmp_path, [str(tmp_path)], "missing_module.X", {}, 60)
    assert result.error is not None and "ModuleNotFoundError" in result.error


NO_NETWORK = """
import json, sys
seen = []
# (socket.__new__ is asyncio's own socketpair: the event loop's wake-up pipe.)
WATCHED = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
           "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
           "socket.gethostbyaddr", "socket.getnameinfo", "sqlite3.connect"}
def hook(event, args):
    if event in WATCHED:
        seen.append([event, repr(args)[:200]])
sys.addaudithook(hook)
from aerich_lint.load._native_runner import _answer
answer = _answer({"root": sys.argv[1], "sys_path": [sys.argv[1]],
                  "config": sys.argv[2], "dialects": {}})
print(json.dumps({"seen": seen, "apps": sorted(answer["apps"]), "error": answer["error"]}))
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_nothing_connects(project: Path, dialect: str) -> None:
    """Outside the sandbox too: no socket, no name lookup, no SQLite file opened."""
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(project), f"settings_{dialect}.TORTOISE_ORM"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {"seen": [], "apps": ["app"], "error": None}
    assert not (project / "never.sqlite3").exists()


def test_answer_is_checked_and_bounded() -> None:
    huge = "x" * (MAX_SQL + 10)
    result = read_answer(
        {
            "apps": {
                "app": {
                    "dialect": 3,
                    "plan": ["0001", 2, None],
                    "leaves": "0001",
                    "graph_error": ["no"],
                    "migrations": {
                        "0001": {
                            "path": 5,
                            "atomic": "yes",
                            "forward": [
                                {"operation": 0, "kind": "RunSQL", "sql": [huge, 7, "SELECT 1"]},
                                {"operation": -1, "kind": "X", "sql": []},
                                {"operation": True, "kind": "X", "sql": []},
                                "junk",
                            ],
                            "backward": {"not": "a list"},
                            "error": None,
                        },
                        "0002": "junk",
                    },
                },
                "": {},
                "bad": None,
            },
            "error": 1,
            "refused": None,
        }
    )
    assert result.error is None and result.refused == ""
    assert set(result.apps) == {"app", "bad"}
    app = result.apps["app"]
    assert (app.dialect, app.plan, app.leaves, app.graph_error) == ("", ["0001"], [], None)
    first = app.migrations["0001"]
    assert (first.path, first.atomic, first.backward) == ("", True, [])
    (op,) = first.forward
    assert op.sql[0].endswith("[truncated]") and len(op.sql[0]) < MAX_SQL + 20
    assert op.sql[1] == "SELECT 1"
    assert app.migrations["0002"].forward == []
    assert result.notes
    assert read_answer(None, "timed out after 1 s").error == (
        "reading the native migrations timed out after 1 s"
    )


def test_config_as_dict(project: Path) -> None:
    """The config dict itself (as the settings runner reads it), dialects as given."""
    config = {
        "connections": {"default": URLS["postgres"]},
        "apps": {"app": {"models": ["app.models"], "migrations": "app.migrations"}},
    }
    result = native_sql(project, [str(project)], config, {"app": "mysql"}, 60)
    assert result.error is None
    assert result.apps["app"].dialect == "mysql"
    assert result.apps["app"].plan == PLAN
    assert _sql(result, "0002_add_active") == [
        ["ALTER TABLE `item` ADD COLUMN `active` BOOL NOT NULL"]
    ]
