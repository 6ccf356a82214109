"""SQLite's own parser judges the statements sqlglot cannot read
(``parse/sqlite_grammar.py``): what SQLite refuses is sql-syntax, with its message;
what it accepts is never sql-syntax. Each verdict is checked against the real SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aerich_lint.parse import sqlite_grammar
from conftest import lint, write_migration

VERSION = sqlite3.sqlite_version

# (statement, what aerich-lint reports, SQLite's refusal if any)
CASES = [
    # aerich 0.4's downgrade of an added column (found on the study corpus)
    (
        'ALTER TABLE "league" DROP COLUMN "name" TEXT;',
        "sql-syntax",
        'near "TEXT": syntax error',
    ),
    # sqlglot reads these, wrongly, as invalid: SQLite runs them
    ('CREATE TABLE "t2" ("a" INTEGER NOT NULL ON CONFLICT IGNORE);', "unrecognized-sql", None),
    (
        'CREATE TABLE "t3" ("a" INTEGER, CHECK ("a" > 0) ON CONFLICT IGNORE);',
        "unrecognized-sql",
        None,
    ),
    # both refuse it
    (
        'CREATE TABLE "kv" ("k" TEXT PRIMARY KEY "v" TEXT) WITHOUT ROWID;',
        "sql-syntax",
        'near ""v"": syntax error',
    ),
    ('ALTER TABLE "product" MODIFY "name" TEXT;', "sqlite-unsupported-alter", None),
]


@pytest.mark.parametrize(("sql", "rule", "refusal"), CASES)
def test_sqlite_decides_what_sqlglot_cannot_read(
    tmp_path: Path, sql: str, rule: str, refusal: str | None
) -> None:
    db = sqlite3.connect(":memory:")
    db.execute('CREATE TABLE "league" ("id" INTEGER PRIMARY KEY, "name" TEXT)')
    db.execute('CREATE TABLE "product" ("id" INTEGER PRIMARY KEY, "name" TEXT)')
    if refusal is None and rule == "unrecognized-sql":
        db.execute(sql)  # the server runs it
    elif refusal is not None:
        with pytest.raises(sqlite3.OperationalError, match="syntax error"):
            db.execute(sql)
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", 'CREATE TABLE "league" ("id" INT);')
    write_migration(folder, "1_20240102000000_change.py", sql)
    result = lint(tmp_path, dialect="sqlite", only=["sql-syntax", "unrecognized-sql", rule])
    mine = [f for f in result.findings if f.path.name.startswith("1_")]
    assert [(f.rule, f.section) for f in mine] == [(rule, "upgrade")]
    if refusal is not None:
        assert mine[0].message == f"invalid sqlite SQL: {refusal} (SQLite {VERSION})"


def test_judging_runs_nothing(tmp_path: Path) -> None:
    """EXPLAIN compiles, never runs: no file written, no database attached, no table
    made in the judge's own database."""
    target = tmp_path / "copy.db"
    assert sqlite_grammar.judge_statement(f"VACUUM INTO '{target}'") is None
    assert sqlite_grammar.judge_statement(f"ATTACH DATABASE '{target}' AS other") is None
    assert sqlite_grammar.judge_statement('CREATE TABLE "made" ("a" INT)') is None
    assert not target.exists()
    tables = sqlite_grammar._connection().execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []
    refusal = sqlite_grammar.judge_statement("SELEC 1")
    assert refusal is not None and refusal.message.startswith('near "SELEC": syntax error')
