"""The real aerich's offline output for postgres, mysql and sqlite, linted.

Expected lines are found from the statement text in the generated file, so the
test checks the linter's line mapping, not a copy of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AERICH, lint, summary

DIALECTS = ["postgres", "mysql", "sqlite"]


def q(dialect: str, name: str) -> str:
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


def find(folder: Path, step: str) -> Path:
    matches = sorted(folder.glob(f"*_{step}.py"))
    assert len(matches) == 1, f"no single *_{step}.py in {folder}"
    return matches[0]


def line_of(path: Path, needle: str, after: str = "") -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


@pytest.mark.parametrize("dialect", DIALECTS)
def test_hazardous_history(dialect: str) -> None:
    folder = AERICH / dialect / "migrations" / "models"
    result = lint(folder, dialect=None, only=None)  # dialect from the project's Tortoise config
    assert [a.dialect.value for a in result.apps if a.dialect] == [dialect]
    t = lambda name: q(dialect, name)
    init, rename_yes, rename_no = (
        find(folder, "init"),
        find(folder, "rename_yes"),
        find(folder, "rename_no"),
    )
    add_fields = find(folder, "add_fields")
    drop_field, drop_model, rename_table = (
        find(folder, "drop_field"),
        find(folder, "drop_model"),
        find(folder, "rename_table"),
    )
    expected = [
        ("missing-downgrade", init.name, "downgrade", line_of(init, "async def downgrade")),
        (
            "rename-column",
            rename_yes.name,
            "upgrade",
            line_of(rename_yes, f"RENAME COLUMN {t('name')}"),
        ),
        # the rename answered no (name -> title): the drop loses the data; whether it was a
        # rename is a guess with names this unlike (info, on the ADD)
        ("probable-rename", rename_no.name, "upgrade", line_of(rename_no, f"ADD {t('title')}")),
        ("drop-column", rename_no.name, "upgrade", line_of(rename_no, f"DROP COLUMN {t('name')}")),
        (
            "drop-column",
            drop_field.name,
            "upgrade",
            line_of(drop_field, f"DROP COLUMN {t('nickname')}"),
        ),
        ("drop-column", drop_field.name, "upgrade", line_of(drop_field, f"DROP COLUMN {t('age')}")),
        (
            "drop-column",
            drop_model.name,
            "upgrade",
            line_of(drop_model, f"DROP COLUMN {t('category_id')}"),
        ),
        (
            "drop-table",
            drop_model.name,
            "upgrade",
            line_of(drop_model, f"DROP TABLE IF EXISTS {t('category')}"),
        ),
        ("rename-table", rename_table.name, "upgrade", line_of(rename_table, f"{t('tag')} RENAME")),
        # the history replay (issue 3): aerich's own downgrade that fails (on SQLite the
        # ADD CONSTRAINT is refused anyway, sqlite-unsupported-alter below, and a foreign
        # key's table is only looked up when rows are written)
        (
            ("downgrade-broken", drop_model.name, "downgrade", line_of(drop_model, "FOREIGN KEY", after="def downgrade"))
            if dialect != "sqlite"
            else ("downgrade-mismatch", drop_model.name, "downgrade", line_of(drop_model, "async def downgrade"))
        ),
        # aerich records the m2m table as product_label after the rename but writes no SQL
        # for it: one finding saying both sides
        ("models-state-mismatch", rename_table.name, "file", line_of(rename_table, "MODELS_STATE")),
        # issue 4: NOT NULL columns without a default added to tables with rows, in upgrades
        # and in aerich's downgrades (downgrade-mismatch defers these to add-required-column)
        ("add-required-column", add_fields.name, "upgrade", line_of(add_fields, f"ADD {t('nickname')}")),
        ("add-required-column", rename_no.name, "upgrade", line_of(rename_no, f"ADD {t('title')}")),
        ("add-required-column", rename_no.name, "downgrade",
         line_of(rename_no, f"ADD {t('name')} VARCHAR(200) NOT NULL", after="def downgrade")),
        ("add-required-column", drop_field.name, "downgrade",
         line_of(drop_field, f"ADD {t('nickname')} VARCHAR(50) NOT NULL", after="def downgrade")),
        ("add-required-column", drop_model.name, "downgrade",
         line_of(drop_model, f"ADD {t('category_id')}", after="def downgrade")),
    ]
    if dialect in ("postgres", "mysql"):
        type_change = find(folder, "type_change")
        expected += [
            ("column-type-change", type_change.name, "upgrade", line_of(type_change, t("sku"))),
            ("column-type-change", type_change.name, "upgrade", line_of(type_change, t("stock"))),
        ]
    if dialect == "postgres":
        add_index = find(folder, "add_index")
        expected += [
            ("add-unique", add_index.name, "upgrade", line_of(add_index, "CREATE UNIQUE INDEX")),
            ("non-concurrent-index", add_index.name, "upgrade", line_of(add_index, '("sku", "stock")')),
            ("non-concurrent-index", add_index.name, "upgrade", line_of(add_index, '("title")')),
        ]
    if dialect == "mysql":  # each DDL commits by itself: the second of each file is reported
        # (type_change too: its first MODIFY stays behind when the second fails)
        steps = ("add_fields", "rename_no", "drop_field", "drop_model", "type_change", "add_index")
        for step in steps:
            path = find(folder, step)
            expected.append(("implicit-commit", path.name, "upgrade", line_of(path, "ALTER TABLE", after="def upgrade") + 1))
    if dialect == "sqlite":  # aerich writes MySQL's ALTER syntax for the dropped FK
        expected += [
            ("sqlite-unsupported-alter", drop_model.name, "upgrade", line_of(drop_model, "DROP FOREIGN KEY")),
            ("sqlite-unsupported-alter", drop_model.name, "downgrade", line_of(drop_model, "ADD CONSTRAINT")),
        ]
    assert sorted(summary(result.findings)) == sorted(expected)
    severities = {f.rule: f.severity.label for f in result.findings}
    assert severities["missing-downgrade"] == "info"  # aerich's init never has a downgrade
    assert severities["probable-rename"] == "info"
    assert severities["rename-column"] == "warning"
    messages = {f.rule: f.message for f in result.findings}
    assert dialect == "sqlite" or messages["downgrade-broken"] == (
        "constraint fk_product_category_b9cd9984 of product references table category, which does not exist"
    )
    assert "product_label" in " ".join(f.message for f in result.findings if f.rule == "models-state-mismatch")
    assert result.failed


@pytest.mark.parametrize("dialect", DIALECTS)
def test_clean_history_has_no_warning(dialect: str) -> None:
    result = lint(AERICH / dialect / "migrations" / "clean", dialect=None, only=None)
    assert [(f.rule, f.severity.label) for f in result.findings] == [("missing-downgrade", "info")]
    assert result.files == 5
    assert not result.failed


@pytest.mark.parametrize("dialect", DIALECTS)
def test_columns_point_at_the_statement(dialect: str) -> None:
    folder = AERICH / dialect / "migrations" / "models"
    path = find(folder, "rename_no")
    result = lint(path, dialect=dialect)
    drop = next(f for f in result.findings if f.rule == "drop-column")
    line = path.read_text().splitlines()[drop.line - 1]
    assert line[drop.column - 1 :].startswith("ALTER TABLE")
    assert drop.statement == f"ALTER TABLE {q(dialect, 'product')} DROP COLUMN {q(dialect, 'name')}"


def test_project_root_uses_aerich_location_and_every_app() -> None:
    result = lint(AERICH / "postgres", dialect=None)
    assert sorted(a.name for a in result.apps) == ["clean", "models", "online"]
    assert all("settings.TORTOISE_ORM" in a.dialect_reason for a in result.apps)


def test_dialect_inferred_without_config(tmp_path: Path) -> None:
    # Same SQL, copied out of its project: no pyproject, so the SQL decides.
    for dialect, marker in [
        ("postgres", "SERIAL"),
        ("mysql", "backtick"),
        ("sqlite", "AUTOINCREMENT"),
    ]:
        target = tmp_path / dialect / "models"
        target.mkdir(parents=True)
        src = AERICH / dialect / "migrations" / "models"
        for f in src.glob("*.py"):
            (target / f.name).write_text(f.read_text())
        result = lint(target, dialect=None)
        assert result.apps[0].dialect.value == dialect
        assert marker in result.apps[0].dialect_reason


def test_mysql_before_8_renames_with_change() -> None:
    """aerich for MySQL 5.7 writes `CHANGE name full_name VARCHAR(100)`: a rename, which
    also restates the column without its NOT NULL."""
    folder = AERICH / "mysql57" / "migrations" / "models"
    rename_yes = find(folder, "rename_yes")
    result = lint(rename_yes, dialect=None, only=None)
    change = line_of(rename_yes, "CHANGE name full_name")
    assert sorted(summary(result.findings)) == sorted([
        ("rename-column", rename_yes.name, "upgrade", change),
        ("change-loses-attributes", rename_yes.name, "upgrade", change),
        ("downgrade-mismatch", rename_yes.name, "downgrade", line_of(rename_yes, "async def downgrade")),
    ])
    messages = {f.rule: f.message for f in result.findings}
    assert messages["rename-column"].startswith("renames column customer.name to full_name")
    assert messages["downgrade-mismatch"] == "column customer.name comes back nullable, was NOT NULL"
    assert "NOT NULL" in messages["change-loses-attributes"]
