"""[tool.aerich-lint] and its command-line overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import cli, write_migration

UP = 'ALTER TABLE "product" DROP COLUMN "name";\nUPDATE "product" SET "price" = 0;'
DOWN = 'ALTER TABLE "product" ADD "name" TEXT;'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    app = tmp_path / "migrations" / "models"
    write_migration(
        app,
        "0_20240101000000_init.py",
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" TEXT, "price" INT);',
    )
    write_migration(app, "1_20240102000000_change.py", UP, DOWN)
    (tmp_path / "pyproject.toml").write_text('[tool.aerich]\nlocation = "./migrations"\n')
    return tmp_path


def configure(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.aerich]\nlocation = "./migrations"\n\n[tool.aerich-lint]\n' + body
    )


def rules(project: Path, *args: str) -> tuple[int, list[tuple[str, str]]]:
    proc = cli("--format", "json", *args, ".", cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    return proc.returncode, [(f["rule"], f["severity"]) for f in doc["findings"]]


def test_defaults(project: Path) -> None:
    code, found = rules(project)
    assert code == 1
    assert found == [
        ("missing-downgrade", "info"),  # 0_: the init
        ("old-format", "info"),  # 1_, the newest: no MODELS_STATE
        ("drop-column", "error"),
        ("data-migration", "info"),  # same statement: ordered by rule name
        ("delete-without-where", "warning"),
    ]


def test_select_ignore_severity(project: Path) -> None:
    configure(
        project,
        'select = ["AL1"]\nignore = ["drop-column"]\n[tool.aerich-lint.severity]\ndelete-without-where = "info"\n',
    )
    assert rules(project) == (0, [("missing-downgrade", "info"), ("delete-without-where", "info")])


def test_cli_overrides_config(project: Path) -> None:
    configure(project, 'select = ["drop-column"]\nfail-on = "error"\n')
    assert rules(project) == (1, [("drop-column", "error")])
    assert rules(project, "--select", "delete-without-where") == (
        0,
        [("delete-without-where", "warning")],
    )
    assert rules(project, "--select", "delete-without-where", "--fail-on", "warning")[0] == 1
    assert rules(project, "--ignore", "drop-column") == (0, [])


def test_exclude_and_per_file_ignores(project: Path) -> None:
    configure(
        project,
        'exclude = ["migrations/models/0_*"]\nignore = ["old-format", "data-migration"]\n'
        '[tool.aerich-lint.per-file-ignores]\n"*_change.py" = ["drop-column"]\n',
    )
    assert rules(project)[1] == [("delete-without-where", "warning")]


def test_dialect_from_config(project: Path) -> None:
    configure(project, 'dialect = "sqlite"\n')
    proc = cli(".", cwd=project)
    assert "app models: sqlite (from [tool.aerich-lint] dialect)" in proc.stdout


def test_settings_that_fail_to_import_fall_back_and_say_so(project: Path) -> None:
    (project / "settings.py").write_text(
        "import os\nTORTOISE_ORM = {'connections': {'default': os.environ['DATABASE_URL']}}\n"
    )
    (project / "pyproject.toml").write_text(
        '[tool.aerich]\ntortoise_orm = "settings.TORTOISE_ORM"\nlocation = "./migrations"\nsrc_folder = "./."\n'
    )
    proc = cli(".", cwd=project)
    assert proc.returncode == 1
    assert (
        "could not import settings.TORTOISE_ORM (KeyError: 'DATABASE_URL'); inferred from the SQL (SERIAL)"
        in proc.stdout
    )
    assert not (project / "__pycache__").exists()


def test_settings_dialect_per_app(project: Path) -> None:
    (project / "settings.py").write_text(
        "TORTOISE_ORM = {'connections': {'default': 'mysql://u:p@db.invalid:3306/x'},"
        " 'apps': {'models': {'models': ['models'], 'default_connection': 'default'}}}\n"
    )
    (project / "pyproject.toml").write_text(
        '[tool.tortoise]\ntortoise_orm = "settings.TORTOISE_ORM"\nlocation = "./migrations"\n'
    )
    assert (
        "app models: mysql (from the mysql connection in settings.TORTOISE_ORM)"
        in cli(".", cwd=project).stdout
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('dialect = "oracle"\n', "unknown dialect 'oracle'"),
        ('fail-on = "fatal"\n', "unknown severity 'fatal'"),
        ('select = "drop-colum"\n', "select: unknown rule 'drop-colum'"),
        ("exec-timeout = -1\n", "exec-timeout must be a positive number"),
        ('[tool.aerich-lint.severity]\nnope = "error"\n', "severity: unknown rule 'nope'"),
    ],
)
def test_bad_config_is_exit_2_with_one_line(project: Path, body: str, message: str) -> None:
    configure(project, body)
    proc = cli(".", cwd=project)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
