"""Inline and file-wide suppressions, and the findings about them."""

from __future__ import annotations

from pathlib import Path

from conftest import lint, summary, write_migration

NAME = "1_20240102000000_change.py"
DOWN = 'ALTER TABLE "product" ADD "name" TEXT;\nALTER TABLE "product" ADD "price" INT;'


def findings(app_dir: Path, upgrade: str, downgrade: str = DOWN):
    return summary(lint(write_migration(app_dir, NAME, upgrade, downgrade)).findings)


def test_line_before_suppresses_that_statement_only(app_dir: Path) -> None:
    found = findings(
        app_dir,
        "-- aerich-lint: ignore drop-column legacy field, nobody reads it\n"
        'ALTER TABLE "product" DROP COLUMN "name";\n'
        'ALTER TABLE "product" DROP COLUMN "price";',
    )
    assert found == [("drop-column", NAME, "upgrade", 10)]


def test_trailing_comment_and_codes_and_lists(app_dir: Path) -> None:
    found = findings(
        app_dir,
        'ALTER TABLE "product" DROP COLUMN "name"; -- aerich-lint: ignore AL102\n'
        "-- aerich-lint: ignore truncate, drop-column\n"
        'ALTER TABLE "product" DROP COLUMN "price";',
    )
    # the truncate in the list suppresses nothing: reported as unused (info)
    assert found == [("unused-suppression", NAME, "upgrade", 9)]


def test_unknown_and_unused_suppressions(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        "-- aerich-lint: ignore drop-colum typo\n"
        'ALTER TABLE "product" DROP COLUMN "name";\n'
        "-- aerich-lint: ignore drop-table\n"
        'ALTER TABLE "product" ADD "x" INT;',
        'ALTER TABLE "product" DROP COLUMN "x";\nALTER TABLE "product" ADD "name" TEXT;',
    )
    result = lint(path)
    assert [(f.rule, f.line, f.severity.label) for f in result.findings] == [
        ("unknown-suppression", 8, "warning"),
        ("drop-column", 9, "error"),
        ("unused-suppression", 10, "info"),
    ]
    assert result.findings[0].message == "suppression names unknown rule 'drop-colum'"


def test_file_wide_in_python_comment(app_dir: Path) -> None:
    path = write_migration(app_dir, NAME, 'ALTER TABLE "product" DROP COLUMN "name";', "")
    path.write_text(
        "# aerich-lint: ignore-file drop-column, missing-downgrade reviewed\n" + path.read_text()
    )
    assert summary(lint(path).findings) == []


def test_file_wide_in_sql_file(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "0_init.sql").write_text('-- upgrade --\nCREATE TABLE "a" ("id" INT, "b" INT);\n')
    (folder / "1_x.sql").write_text(
        "-- aerich-lint: ignore-file drop-column\n-- upgrade --\n"
        'ALTER TABLE "a" DROP COLUMN "b";\n-- downgrade --\nALTER TABLE "a" ADD "b" INT;\n'
    )
    assert [f.rule for f in lint(folder).findings] == [
        "missing-downgrade"
    ]  # only the init's (info)


def test_unused_file_wide_suppression(app_dir: Path) -> None:
    path = write_migration(
        app_dir,
        NAME,
        'ALTER TABLE "product" ADD "x" INT;',
        'ALTER TABLE "product" DROP COLUMN "x";',
    )
    path.write_text("# aerich-lint: ignore-file truncate\n" + path.read_text())
    result = lint(path)
    assert [(f.rule, f.line, f.message) for f in result.findings] == [
        ("unused-suppression", 1, "file-wide suppression of truncate suppresses nothing")
    ]
