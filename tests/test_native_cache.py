"""The SQL tortoise generates for native migrations is kept in the cache
(``prepare/answers.py``): reused while the migration files, the project modules
generating imported and the installed tortoise are unchanged, generated again as soon
as one of them changes, and never trusted when its signature does not verify."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aerich_lint.model import UPGRADE
from aerich_lint.options import Options
from aerich_lint.prepare import Prepared, answers, prepare
from conftest import FIXTURES

SQLITE = FIXTURES / "native" / "sqlite"
NULLABLE = "models/migrations/0003_add_nullable.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(SQLITE, copy)
    return copy


def run(project: Path, **kw: object) -> Prepared:
    return prepare(Options(paths=[str(project)], **kw))  # type: ignore[arg-type]


def executed(prepared: Prepared) -> dict[str, int]:
    return {job.source.name: job.app.executed for job in prepared.apps}


def sql_of(prepared: Prepared, name: str) -> str:
    (migration,) = [m for job in prepared.apps for m in job.migrations if m.name == name]
    return " ".join(s.sql for s in migration.statements(UPGRADE))


def entries(root: Path) -> list[Path]:
    return sorted(root.rglob("entries/native-*.json"))


def test_a_second_run_generates_nothing_and_gives_the_same_sql(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path / "cache"))
    first = run(project)
    assert executed(first) == {"clean": 2, "models": 12}
    assert len(entries(tmp_path / "cache")) == 1
    second = run(project)
    assert executed(second) == {"clean": 0, "models": 0}  # nothing of the project ran
    for name in ("0003_add_nullable", "0009_drop_field", "0002_add_nullable"):
        assert sql_of(second, name) == sql_of(first, name) != ""
    assert 'ADD COLUMN "sku" VARCHAR(50)' in sql_of(second, "0003_add_nullable")
    # uncached runs never read it
    assert executed(run(project, cache=False)) == {"clean": 2, "models": 12}


def test_an_edited_migration_or_module_it_imports_is_generated_again(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path / "cache"))
    path = project / NULLABLE
    text = path.read_text()
    assert "max_length=50" in text
    (project / "models" / "sizes.py").write_text("SKU = 80\n")
    path.write_text(
        "from models.sizes import SKU\n" + text.replace("max_length=50", "max_length=SKU")
    )
    assert "VARCHAR(80)" in sql_of(run(project), "0003_add_nullable")
    assert executed(run(project)) == {"clean": 0, "models": 0}
    # a module the migration imports, not a migration file itself
    (project / "models" / "sizes.py").write_text("SKU = 90\n")
    again = run(project)
    assert executed(again)["models"] == 12
    assert "VARCHAR(90)" in sql_of(again, "0003_add_nullable")
    # the migration file
    path.write_text(path.read_text().replace("max_length=SKU", "max_length=120"))
    assert "VARCHAR(120)" in sql_of(run(project), "0003_add_nullable")


def test_a_new_migration_is_generated(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path / "cache"))
    run(project)
    (project / "clean" / "migrations" / "0003_more.py").write_text(
        "from tortoise import migrations\nfrom tortoise.migrations import operations as ops\n"
        "from tortoise import fields\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('clean', '0002_add_nullable')]\n\n"
        "    operations = [\n        ops.AddField(model_name='Author', name='nick', "
        "field=fields.CharField(null=True, max_length=30)),\n    ]\n"
    )
    after = run(project)
    assert executed(after) == {"clean": 3, "models": 12}
    assert 'ADD COLUMN "nick" VARCHAR(30)' in sql_of(after, "0003_more")


def test_an_entry_that_does_not_verify_or_another_tortoise_is_not_used(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path / "cache"))
    run(project)
    (entry,) = entries(tmp_path / "cache")
    signed = entry.read_bytes()
    # a forged answer: the SQL of 0003 replaced, the signature kept
    entry.write_bytes(signed.replace(b'VARCHAR(50)', b'VARCHAR(51)'))
    forged = run(project)
    assert executed(forged)["models"] == 12
    assert "VARCHAR(51)" not in sql_of(forged, "0003_add_nullable")
    assert executed(run(project))["models"] == 0  # written again, and verified
    monkeypatch.setattr(answers, "tortoise_stamp", lambda: "another tortoise")
    assert executed(run(project))["models"] == 12
