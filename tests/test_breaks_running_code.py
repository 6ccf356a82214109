"""``breaks-running-code`` on real git repositories holding real aerich migrations
(tests/fixtures/aerich/postgres): with ``--since main``, each migration the branch adds
is judged against the running code's models, the MODELS_STATE of main's newest file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import AERICH, cli, write_migration

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

FIXTURES = {d: AERICH / d / "migrations" / "models" for d in ("postgres", "mysql")}
APP = Path("migrations") / "models"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@e",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@e",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


def repo_with(
    tmp_path: Path, base: list[int], branch: list[int], dialect: str = "postgres"
) -> Path:
    """main holds aerich's migrations ``base``; the feature branch adds ``branch``."""
    repo = tmp_path / "repo"
    (repo / APP).mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    for version in base:
        shutil.copy(next(FIXTURES[dialect].glob(f"{version}_*.py")), repo / APP)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "applied")
    _git(repo, "checkout", "-q", "-b", "feature")
    for version in branch:
        shutil.copy(next(FIXTURES[dialect].glob(f"{version}_*.py")), repo / APP)
    return repo


def found(repo: Path, *args: str, dialect: str = "postgres") -> list[tuple[str, str, int, str]]:
    proc = cli("--dialect", dialect, "--format", "json", *args, ".", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return [
        (Path(f["path"]).name[:2], f["rule"], f["line"], f["message"])
        for f in json.loads(proc.stdout)["findings"]
        if f["rule"] in ("breaks-running-code", "drop-column", "drop-table", "rename-column")
        or f["rule"].startswith("rename")
        or f["rule"] == "column-type-change"
    ]


def test_fields_dropped_while_the_running_code_reads_them(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, [0, 1, 2, 3], [4])
    assert found(repo, "--since", "main") == [
        ("4_", "breaks-running-code", 8, "drops column customer.nickname, which the running "
         "code's Customer.nickname still reads: every query of Customer fails until the new "
         "release serves, and the column's data is deleted"),
        ("4_", "breaks-running-code", 9, "drops column customer.age, which the running "
         "code's Customer.age still reads: every query of Customer fails until the new "
         "release serves, and the column's data is deleted"),
    ]  # fmt: skip
    # without --since the running code is unknown: the drops are drop-column's
    assert [(f[1], f[2]) for f in found(repo) if f[0] == "4_"] == [
        ("drop-column", 8),
        ("drop-column", 9),
    ]


def test_a_model_dropped_and_a_table_renamed(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, [0, 1, 2, 3, 4], [5])
    hits = found(repo, "--since", "main")
    assert [(f[1], f[2]) for f in hits] == [
        ("breaks-running-code", 9),  # DROP COLUMN category_id: Product.category still reads it
        ("breaks-running-code", 10),  # DROP TABLE category
    ]
    assert hits[1][3].startswith(
        "drops table category, which the running code's model Category still uses"
    )
    repo = repo_with(tmp_path / "b", [0, 1, 2, 3, 4, 5, 6, 7, 8], [9])
    assert [(f[1], f[2], f[3]) for f in found(repo, "--since", "main")] == [
        ("breaks-running-code", 8, "renames table tag to label while the running code's "
         "model Tag still uses tag: every query of Tag fails until the new release serves"),
    ]  # fmt: skip


def test_a_rename_aerich_was_told_of_still_breaks_the_running_code(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, [0, 1], [2])
    assert [(f[1], f[2]) for f in found(repo, "--since", "main")] == [("breaks-running-code", 8)]
    # without --since: rename-column's warning, as before
    assert [(f[1], f[2]) for f in found(repo)] == [("rename-column", 8)]


def test_a_column_narrowed_below_the_models_max_length(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, [0, 1, 2, 3, 4, 5], [6], dialect="mysql")
    # column-type-change's error already says it: one finding for the statement
    hits = found(repo, "--since", "main", dialect="mysql")
    assert [(f[1], f[2]) for f in hits] == [("column-type-change", 8), ("column-type-change", 9)]
    # with that rule off, this one says what it means to the running code
    hits = found(repo, "--since", "main", "--ignore", "column-type-change", dialect="mysql")
    assert [(f[1], f[2], f[3]) for f in hits] == [
        ("breaks-running-code", 8, "narrows product.sku to VARCHAR(30) while the running "
         "code's Product.sku allows max_length=50: its writes of longer values fail until "
         "the new release serves"),
    ]  # fmt: skip


def test_what_the_running_code_never_had_is_not_its_break(tmp_path: Path) -> None:
    """A column the branch itself added and drops again, and a table no model of the
    running code maps, are not the running code's."""
    repo = repo_with(tmp_path, [0, 1, 2, 3], [])
    write_migration(
        repo / APP,
        "4_20261122032410_scratch.py",
        'ALTER TABLE "customer" ADD "tmp" INT; ALTER TABLE "customer" DROP COLUMN "tmp";\n'
        'DROP TABLE IF EXISTS "legacy_audit";',
    )
    rules = {f[1] for f in found(repo, "--since", "main")}
    assert "breaks-running-code" not in rules
