"""``deleted-migration`` (``--since``): a migration that existed at the merge base and
is deleted or renamed on the branch, on real git repositories holding real aerich
migrations (tests/fixtures/aerich/postgres)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_review_since import APP, _git, check, make_repo, name

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def rows(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str, int, str]]:
    doc = json.loads(proc.stdout)
    return [
        (f["path"], f["rule"], f["section"], f["line"], f["message"])
        for f in doc["findings"]
        if f["rule"] == "deleted-migration"
    ]


def since(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return check(repo, "--format", "json", "--since", "main", *args, "migrations")


def test_a_deleted_migration_is_an_error_on_its_base_path(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    _git(repo, "rm", "-q", str(APP / name(3)))
    _git(repo, "commit", "-q", "-m", "squash")
    proc = since(repo)
    assert proc.returncode == 1, proc.stderr
    found = rows(proc)
    assert [(Path(p).as_posix(), r, s, line) for p, r, s, line, _ in found] == [
        ((APP / name(3)).as_posix(), "deleted-migration", "file", 1)
    ]
    assert "deleted on this branch" in found[0][4]
    assert json.loads(proc.stdout)["findings"][0]["severity"] == "error"
    # the same in the text format, with the exit code of an error
    text = check(repo, "--since", "main", "migrations")
    assert text.returncode == 1
    assert f"{(APP / name(3)).as_posix()}:1:1: error deleted-migration this migration existed" in (
        text.stdout.replace("\\", "/")
    )


def test_a_deletion_not_yet_committed_counts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / APP / name(5)).unlink()  # unstaged
    assert [Path(r[0]).name for r in rows(since(repo))] == [name(5)]


def test_a_rename_is_reported_on_the_new_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    new = "4_20261122032410_drop_fields.py"
    _git(repo, "mv", str(APP / name(4)), str(APP / new))
    _git(repo, "commit", "-q", "-m", "rename")
    found = rows(since(repo))
    assert [(Path(p).name, s, line) for p, _, s, line, _ in found] == [(new, "file", 1)]
    assert found[0][4].startswith(f"renamed from {name(4)}: aerich records applied migrations")


def test_a_plain_mv_and_a_rename_with_an_edit_are_renames(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    # mv without git: the new file is untracked; found by its identical bytes
    (repo / APP / name(2)).rename(repo / APP / "2_20990101000000_moved.py")
    # git mv and a small edit: git's rename detection
    edited = repo / APP / "5_20990101000000_edited.py"
    _git(repo, "mv", str(APP / name(5)), str(edited.relative_to(repo)))
    edited.write_text(edited.read_text() + "\n# a comment\n")
    _git(repo, "add", str(edited.relative_to(repo)))
    found = {Path(p).name: m for p, _, _, _, m in rows(since(repo))}
    assert set(found) == {"2_20990101000000_moved.py", "5_20990101000000_edited.py"}
    assert found["2_20990101000000_moved.py"].startswith(f"renamed from {name(2)}")
    assert found["5_20990101000000_edited.py"].startswith(f"renamed from {name(5)}")


def test_quiet_without_since_for_other_files_and_when_files_are_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / APP / "notes.txt").write_text("x")
    (repo / APP / "__init__.py").write_text("")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "extras")
    _git(repo, "branch", "-f", "main")
    for extra in ("notes.txt", "__init__.py"):
        (repo / APP / extra).unlink()
    assert rows(since(repo)) == []  # not migrations
    (repo / APP / name(3)).unlink()
    proc = check(repo, "--format", "json", "migrations")
    assert "deleted-migration" not in proc.stdout  # only with --since
    # naming some files of the folder is not a question about the folder
    proc = check(repo, "--format", "json", "--since", "main", str(APP / name(4)))
    assert rows(proc) == []
    assert len(rows(since(repo))) == 1


def test_an_old_format_pair_is_one_migration(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = repo / APP
    app.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (app / "0_20200101000000_init.sql").write_text(
        '-- upgrade --\nCREATE TABLE "a" ("id" SERIAL PRIMARY KEY);\n'
        '-- downgrade --\nDROP TABLE "a";\n'
    )
    (app / "1_20200102000000_b.sql").write_text(
        '-- upgrade --\nCREATE TABLE "b" ("id" SERIAL PRIMARY KEY);\n'
        '-- downgrade --\nDROP TABLE "b";\n'
    )
    (app / "1_20200102000000_b.json").write_text("{}")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "old")
    _git(repo, "checkout", "-q", "-b", "feature")
    (app / "1_20200102000000_b.sql").unlink()
    (app / "1_20200102000000_b.json").unlink()
    found = rows(since(repo))
    assert len(found) == 1 and Path(found[0][0]).stem == "1_20200102000000_b"


def test_ignored_by_configuration_and_suppressed_in_the_renamed_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / APP / name(3)).unlink()
    assert rows(since(repo, "--ignore", "deleted-migration")) == []
    (repo / "pyproject.toml").write_text(
        '[tool.aerich-lint]\nper-file-ignores = { "migrations/models/3_*" = ["deleted-migration"] }\n'
    )
    assert rows(since(repo)) == []
    new = repo / APP / "4_20990101000000_renamed.py"
    (repo / APP / name(4)).rename(new)
    new.write_text(
        "# aerich-lint: ignore-file deleted-migration never deployed\n" + new.read_text()
    )
    _git(repo, "add", "-A")
    proc = since(repo)
    assert rows(proc) == []
    assert "unused-suppression" not in proc.stdout


def test_the_review_lists_deleted_migrations_first(tmp_path: Path) -> None:
    from test_review_since import review

    repo = make_repo(tmp_path)
    (repo / APP / name(3)).unlink()
    report = review(repo, "--since", "main", "migrations").stdout
    lines = report.splitlines()
    head = lines.index("### Deleted migrations")
    row = next(line for line in lines[head:] if name(3) in line)
    assert row.startswith(
        f"| `{(APP / name(3)).as_posix()}` | error | `deleted-migration` (AL231) |"
    )
    assert "No migration to review." in lines[head:]
