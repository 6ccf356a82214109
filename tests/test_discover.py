"""Which app folders a path names, and in which order their files run."""

from __future__ import annotations

from pathlib import Path

from aerich_lint.discover import discover, migration_files
from conftest import INIT_SQL, lint, run_sandboxed_runner, write_migration


def test_aerich_order_is_numeric(tmp_path: Path) -> None:
    app = tmp_path / "models"
    for name in ["10_20240110_x.py", "2_20240102_x.py", "0_20240101_init.py", "1_20240101_x.py"]:
        write_migration(app, name, INIT_SQL)
    (app / "__init__.py").write_text("")
    (app / "README.md").write_text("")
    assert [p.name for p in migration_files(app)] == [
        "0_20240101_init.py",
        "1_20240101_x.py",
        "2_20240102_x.py",
        "10_20240110_x.py",
    ]


def test_location_pattern_with_app_placeholder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aerich]\ntortoise_orm = "x.Y"\nlocation = "./{app}/migrations"\n'
    )
    write_migration(tmp_path / "shop" / "migrations", "0_20240101_init.py", INIT_SQL)
    write_migration(tmp_path / "users" / "migrations", "0_20240101_init.py", INIT_SQL)
    write_migration(
        tmp_path / "users" / "migrations", "1_20240102_drop.py", 'DROP TABLE "product";', INIT_SQL
    )
    found = discover([str(tmp_path)])
    assert sorted(a.name for a in found.apps) == ["shop", "users"]
    # a single file keeps its app name from the pattern too
    single = discover([str(tmp_path / "users" / "migrations" / "1_20240102_drop.py")])
    assert [(a.name, sorted(a.reported or [])) for a in single.apps] == [
        ("users", ["1_20240102_drop.py"])
    ]


def test_project_without_aerich_config_finds_migrations_folders(tmp_path: Path) -> None:
    write_migration(tmp_path / "src" / "migrations" / "models", "0_20240101_init.py", INIT_SQL)
    write_migration(tmp_path / ".venv" / "lib" / "migrations" / "models", "0_x.py", INIT_SQL)
    write_migration(tmp_path / "node_modules" / "migrations" / "models", "0_x.py", INIT_SQL)
    found = discover([str(tmp_path)])
    assert [a.folder.relative_to(tmp_path).as_posix() for a in found.apps] == [
        "src/migrations/models"
    ]


def test_same_app_named_twice_is_linted_once(tmp_path: Path) -> None:
    app = tmp_path / "migrations" / "models"
    path = write_migration(app, "0_20240101_init.py", INIT_SQL)
    result = lint(app, tmp_path / "migrations", path)
    assert result.files == 1


def test_runner_serves_a_placeholder_tortoise_when_it_is_not_installed(tmp_path: Path) -> None:
    """In the pre-commit environment only aerich-lint is installed."""
    path = tmp_path / "1_x.py"
    path.write_text(
        "from tortoise import BaseDBAsyncClient\nfrom tortoise.transactions import in_transaction\n"
        "T = 'a'\n\nasync def upgrade(db: BaseDBAsyncClient) -> str:\n    return f'DROP TABLE {T}'\n"
    )
    # -S: no site-packages, so neither tortoise nor anything else installed is importable
    answer = run_sandboxed_runner(path, "postgres", ["-S"], tmp_path)
    assert answer["sections"]["upgrade"]["returned"] == ["DROP TABLE a"]
