"""A table the migration did not create is live, whether or not the visible history
created it: projects whose first migrations were squashed or deleted, or whose schema
came from ``generate_schemas``, get their lock and row findings too."""

from __future__ import annotations

from pathlib import Path

from conftest import lint, summary, write_migration

UPGRADE = """
CREATE INDEX "idx_users_email" ON "users" ("email");
ALTER TABLE "users" ADD "nick" VARCHAR(20) NOT NULL;
ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;
"""
RULES = ["non-concurrent-index", "add-required-column", "set-not-null", "unknown-object"]
EXPECTED = [
    ("non-concurrent-index", "upgrade", 8),
    ("add-required-column", "upgrade", 9),
    ("set-not-null", "upgrade", 10),
]


def _found(folder: Path, name: str) -> list[tuple[str, str, int]]:
    result = lint(folder, only=RULES)
    assert not result.errors
    return sorted(
        ((r, s, line) for r, f, s, line in summary(result.findings) if f == name),
        key=lambda row: row[2],
    )


def test_a_history_that_starts_late_still_has_live_tables(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    # versions 0-2 were squashed away; 3 touches another table
    write_migration(folder, "3_20240101000000_other.py", 'ALTER TABLE "shop" ADD "x" INT;')
    write_migration(folder, "4_20240102000000_users.py", UPGRADE)
    assert _found(folder, "4_20240102000000_users.py") == EXPECTED


def test_a_lone_migration_has_live_tables(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "7_20240102000000_users.py", UPGRADE)
    assert _found(folder, "7_20240102000000_users.py") == EXPECTED


def test_a_complete_history_that_never_created_the_table_fails_instead(tmp_path: Path) -> None:
    """From version 0 on, a table no migration created is missing: the statements fail
    (unknown-object, one finding each), they lock nothing."""
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder, "0_20240101000000_init.py", 'CREATE TABLE "shop" ("id" SERIAL PRIMARY KEY);'
    )
    write_migration(folder, "1_20240102000000_users.py", UPGRADE)
    found = _found(folder, "1_20240102000000_users.py")
    assert {rule for rule, _, _ in found} == {"unknown-object"}
    assert [line for _, _, line in found] == [8, 9, 10]


def test_created_in_the_same_migration_is_not_live(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder,
        "4_20240102000000_users.py",
        'CREATE TABLE "users" ("id" SERIAL PRIMARY KEY, "email" VARCHAR(100));\n' + UPGRADE,
    )
    assert _found(folder, "4_20240102000000_users.py") == []
