"""What the Tortoise config says (which database each app uses) is kept in the cache
(``prepare/answers.py``): a run whose config and the project modules it imports are
unchanged imports it no more; any change to them, and only that, reads it again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aerich_lint import dialect
from aerich_lint.options import Options
from aerich_lint.prepare import prepare
from conftest import ROOT

SHOP = ROOT / "examples" / "shop"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy)
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(tmp_path / "cache"))
    return copy


@pytest.fixture
def imports(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The project roots whose config was imported (the real child still runs)."""
    seen: list[Path] = []
    real = dialect.from_tortoise_config

    def counted(project, timeout):  # type: ignore[no-untyped-def]
        seen.append(project.root)
        return real(project, timeout)

    monkeypatch.setattr(dialect, "from_tortoise_config", counted)
    return seen


def reasons(project: Path, **kw: object) -> list[str]:
    prepared = prepare(Options(paths=[str(project)], **kw))  # type: ignore[arg-type]
    return [f"{j.dialect.value}: {j.app.dialect_reason}" for j in prepared.apps]


FROM_CONFIG = "postgres: from the postgres connection in shop.settings.TORTOISE_ORM"


def test_an_unchanged_config_is_not_imported_again(shop: Path, imports: list[Path]) -> None:
    assert reasons(shop) == [FROM_CONFIG]
    assert len(imports) == 1
    assert reasons(shop) == [FROM_CONFIG]
    assert len(imports) == 1  # answered from the cache
    assert reasons(shop, cache=False) == [FROM_CONFIG]
    assert len(imports) == 2  # an uncached run imports it


def test_a_changed_config_or_module_it_imports_is_read_again(
    shop: Path, imports: list[Path]
) -> None:
    settings = shop / "shop" / "settings.py"
    (shop / "shop" / "urls.py").write_text('URL = "postgres://shop:secret@db.invalid/shop"\n')
    text = settings.read_text()
    old = '"default": "postgres://shop:secret@db.invalid:5432/shop",'
    assert old in text
    settings.write_text("from shop.urls import URL\n" + text.replace(old, '"default": URL,'))
    assert reasons(shop) == [FROM_CONFIG]
    assert reasons(shop) == [FROM_CONFIG]
    assert len(imports) == 1
    # the module the settings import, not the settings themselves
    (shop / "shop" / "urls.py").write_text('URL = "mysql://shop:secret@db.invalid/shop"\n')
    assert reasons(shop) == ["mysql: from the mysql connection in shop.settings.TORTOISE_ORM"]
    assert len(imports) == 2
    # pyproject.toml names the config: changing it is a new question
    pyproject = shop / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# edited\n")
    reasons(shop)
    assert len(imports) == 3


def test_a_config_that_fails_is_tried_again(shop: Path, imports: list[Path]) -> None:
    (shop / "shop" / "settings.py").write_text("raise RuntimeError('no settings here')\n")
    first = reasons(shop)
    assert first[0].startswith("postgres: could not import shop.settings.TORTOISE_ORM")
    assert reasons(shop) == first
    assert len(imports) == 2


def test_the_dialect_given_needs_no_config(shop: Path, imports: list[Path]) -> None:
    from aerich_lint.model import Dialect

    assert reasons(shop, dialect=Dialect.MYSQL) == ["mysql: from --dialect"]
    assert imports == []
