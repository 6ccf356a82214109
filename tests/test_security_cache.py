"""A cache that arrives with the checkout is never trusted.

In a pull-request check the checked-out tree is a stranger's: nothing read from it,
the cache included, may change a verdict. The cache lives outside the project, and
every entry is signed with a key that never leaves the user's own cache folder, so
a forged, edited, moved or unsigned entry is a miss: the same findings and exit code
as ``--no-cache``.

Each attack tampers with the cache files wherever they are (in the checkout, as
before, or in the user cache folder), as a pull request could if they were in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AERICH, cli

DROP_FIELD = "4_20261122032410_drop_field.py"
ADD_INDEX = "7_20261122032411_add_index.py"
# What the models app's DROP COLUMN file must always report.
DROPS = [("drop-column", DROP_FIELD, 8), ("drop-column", DROP_FIELD, 9)]

Run = tuple[int, list[tuple[str, str, int]]]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own: the default cache folder and the key live in it."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    return home


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    """The postgres fixture project (three apps), as a pull request checks it out."""
    root = tmp_path / "project"
    shutil.copytree(AERICH / "postgres", root, ignore=shutil.ignore_patterns(".aerich_lint_cache"))
    return root


def lint(project: Path, *args: str) -> Run:
    """The real command: its exit code and (rule, file, line) of each finding."""
    proc = cli("--format", "json", "--dialect", "postgres", *args, ".", cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    found = json.loads(proc.stdout)["findings"]
    return proc.returncode, [(f["rule"], Path(f["path"]).name, f["line"]) for f in found]


def stored(project: Path, home: Path, pattern: str) -> list[Path]:
    """The cache files matching ``pattern``, in the checkout or in the user cache."""
    places = [project / ".aerich_lint_cache", home]
    return sorted({p for place in places for p in place.rglob(pattern) if p.is_file()})


def entry_of(project: Path, home: Path, migration: Path) -> Path:
    """The per-file entry of a migration (named by its content's sha256)."""
    digest = hashlib.sha256(migration.read_bytes()).hexdigest()
    (path,) = stored(project, home, f"{digest}.json")
    return path


def tamper(path: Path, edit: Callable[[Any], Any]) -> None:
    """Rewrite the JSON of a cache file, keeping whatever precedes it (a signature
    the attacker cannot recompute stays as it was)."""
    head, newline, body = path.read_bytes().rpartition(b"\n")
    path.write_bytes(head + newline + json.dumps(edit(json.loads(body))).encode())


def no_findings(data: Any) -> Any:
    return {**data, "findings": []}


def no_statements(entry: Any) -> Any:
    entry["sections"]["upgrade"]["statements"] = []
    return entry


@pytest.fixture
def cold(project: Path) -> Run:
    """What the project gives without any cache."""
    result = lint(project, "--no-cache")
    assert result[0] == 1
    assert all(f in result[1] for f in DROPS)
    return result


def test_emptied_results_change_nothing(project: Path, home: Path, cold: Run) -> None:
    """(a) An app's stored findings emptied (once: "All checks passed", exit 0)."""
    assert lint(project) == cold
    results = stored(project, home, "*.results.json")
    assert len(results) == 3  # one per app
    good = {p: p.read_bytes() for p in results}
    for path in results:
        tamper(path, no_findings)
    code, found = lint(project)
    assert (code, found) == cold
    assert code == 1 and all(f in found for f in DROPS)
    assert {p: p.read_bytes() for p in results} == good  # recomputed and signed again
    assert lint(project) == cold


def test_edited_facts_keep_the_drop_column(project: Path, home: Path, cold: Run) -> None:
    """(b) The cached statements of the DROP COLUMN file removed (once: no drop-column)."""
    assert lint(project) == cold
    for path in stored(project, home, "*.results.json"):
        path.unlink()  # a miss: the files' entries are read instead
    entry = entry_of(project, home, project / "migrations" / "models" / DROP_FIELD)
    good = entry.read_bytes()
    tamper(entry, no_statements)
    code, found = lint(project)
    assert (code, found) == cold
    assert code == 1 and [f for f in found if f[1] == DROP_FIELD][:2] == DROPS
    assert entry.read_bytes() == good  # the forged entry was replaced by a good one


def test_an_entry_moved_to_another_key_is_a_miss(project: Path, home: Path, cold: Run) -> None:
    """(d) A genuine entry (a file without drops) copied over the DROP COLUMN file's."""
    assert lint(project) == cold
    for path in stored(project, home, "*.results.json"):
        path.unlink()
    models = project / "migrations" / "models"
    entry = entry_of(project, home, models / DROP_FIELD)
    good = entry.read_bytes()
    shutil.copyfile(entry_of(project, home, models / ADD_INDEX), entry)
    code, found = lint(project)
    assert (code, found) == cold
    assert code == 1 and [f for f in found if f[1] == DROP_FIELD][:2] == DROPS
    assert entry.read_bytes() == good


def test_results_moved_to_another_app_are_a_miss(project: Path, home: Path, cold: Run) -> None:
    """(d) The clean app's stored findings (none to speak of) put in the models app's
    place: the name of each file is part of what is signed."""
    assert lint(project) == cold
    results = stored(project, home, "*.results.json")
    for path in results:
        for other in results:
            if other != path:
                shutil.copyfile(other, path)
                assert lint(project) == cold


def test_a_committed_cache_folder_is_ignored(
    project: Path, home: Path, cold: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(c) A pull request ships .aerich_lint_cache/ (made on the attacker's machine,
    then forged); a fresh CI machine neither reads it nor writes to it."""
    committed = project / ".aerich_lint_cache"
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(committed))
    assert lint(project) == cold  # the attacker's own run, with the attacker's key
    for path in committed.rglob("*.results.json"):
        tamper(path, no_findings)
    drop_field = project / "migrations" / "models" / DROP_FIELD
    tamper(entry_of(project, committed, drop_field), no_statements)
    before = {p: p.read_bytes() for p in committed.rglob("*") if p.is_file()}
    assert before
    # The CI machine: another home (so another key), no AERICH_LINT_CACHE_DIR.
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    ci_home = tmp_path / "ci-home"
    monkeypatch.setenv("HOME", str(ci_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(ci_home / ".cache"))
    code, found = lint(project)
    assert (code, found) == cold
    assert code == 1 and all(f in found for f in DROPS)
    assert {p: p.read_bytes() for p in committed.rglob("*") if p.is_file()} == before
    assert lint(project) == cold  # warm, from the CI machine's own cache
    assert stored(project, ci_home, "*.results.json")


def test_a_cache_folder_in_the_checkout_is_safe_when_chosen(
    project: Path, home: Path, cold: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AERICH_LINT_CACHE_DIR pointing into the checkout: the entries there are only
    trusted when signed with this machine's key, which is never put there."""
    inside = project / "cache"
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(inside))
    assert lint(project) == cold
    assert not list(inside.rglob("*key*"))
    for path in inside.rglob("*.results.json"):
        tamper(path, no_findings)
    assert lint(project) == cold
    for path in inside.rglob("*.results.json"):
        path.unlink()
    drop_field = project / "migrations" / "models" / DROP_FIELD
    tamper(entry_of(project, inside, drop_field), no_statements)
    assert lint(project) == cold


def test_unsigned_and_truncated_entries_are_misses(project: Path, home: Path, cold: Run) -> None:
    assert lint(project) == cold
    files = stored(project, home, "*.json")
    for path in files:  # the JSON alone, as the old format stored it
        path.write_bytes(path.read_bytes().rpartition(b"\n")[2])
    assert lint(project) == cold
    for path in stored(project, home, "*.json"):
        path.write_bytes(path.read_bytes()[:-7])
    assert lint(project) == cold


def broken_cache_home(kind: str, home: Path) -> None:
    cache = home / ".cache"
    if kind == "a file":
        cache.write_text("not a folder")
    else:
        cache.mkdir()
        cache.chmod(stat.S_IRUSR | stat.S_IXUSR)


@pytest.mark.parametrize("kind", ["a file", "read-only"])
@pytest.mark.parametrize("override", [False, True])
def test_no_key_means_no_cache(
    project: Path,
    home: Path,
    cold: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    override: bool,
) -> None:
    """(e) The key cannot be made (read-only home): the run is simply uncached, even
    with a writable AERICH_LINT_CACHE_DIR (an entry that cannot be signed is not
    written), with no traceback and nothing in the checkout."""
    if kind == "read-only" and (sys.platform == "win32" or os.geteuid() == 0):
        pytest.skip("permissions do not stop this user")
    broken_cache_home(kind, home)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if override:
        monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(elsewhere))
    try:
        for _ in range(2):
            proc = cli("--dialect", "postgres", ".", cwd=project)
            assert proc.returncode == 1 and proc.stderr == ""
            assert "4_20261122032410_drop_field.py:8:9: error drop-column" in proc.stdout
            assert lint(project) == cold
        assert not (project / ".aerich_lint_cache").exists()
        assert list(elsewhere.iterdir()) == []
    finally:
        if (home / ".cache").is_dir():
            (home / ".cache").chmod(stat.S_IRWXU)


def test_the_key_is_private_made_once_and_never_in_the_cache_folder(
    project: Path, home: Path, cold: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aerich_lint.cache import KEY_FILE

    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(elsewhere))
    assert lint(project) == cold
    key = home / ".cache" / "aerich-lint" / KEY_FILE
    assert key.is_file() and list(elsewhere.rglob(KEY_FILE)) == []
    if sys.platform != "win32":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    made = key.read_bytes()
    assert len(bytes.fromhex(made.decode())) == 32
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    assert lint(project) == cold
    assert lint(project) == cold
    assert key.read_bytes() == made


def test_a_damaged_key_is_replaced(project: Path, home: Path, cold: Run) -> None:
    """A key file that is not a key (or that others may read) is replaced: what was
    signed with it is then a miss, never trusted."""
    from aerich_lint.cache import KEY_FILE

    assert lint(project) == cold
    key = home / ".cache" / "aerich-lint" / KEY_FILE
    key.write_text("short")
    assert lint(project) == cold
    assert len(bytes.fromhex(key.read_text())) == 32
    if sys.platform != "win32":
        made = key.read_bytes()
        key.chmod(0o644)
        assert lint(project) == cold
        assert key.read_bytes() != made and stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize("checkout", ["pyproject", "git"])
def test_a_key_inside_the_checkout_is_never_used(
    project: Path,
    home: Path,
    cold: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    checkout: str,
) -> None:
    """A CI that keeps its cache folders in the checkout (XDG_CACHE_HOME=$PWD/.cache):
    a pull request could commit a key with entries signed by it. The cache is off,
    whether the checkout is known by its pyproject.toml or (without one) by its .git."""
    import hmac

    from aerich_lint.cache import KEY_FILE

    if checkout == "git":
        (project / "pyproject.toml").unlink()
        (project / ".git").mkdir()
        assert lint(project, "--no-cache") == cold
    assert lint(project) == cold  # the attacker's machine
    user = home / ".cache" / "aerich-lint"
    committed = project / ".cache" / "aerich-lint"
    shutil.copytree(user, committed)
    key = bytes.fromhex((committed / KEY_FILE).read_text())
    (root,) = [p for p in committed.iterdir() if p.is_dir()]
    for path in root.rglob("*.results.json"):
        data = json.dumps(no_findings(json.loads(path.read_bytes().partition(b"\n")[2])))
        name = path.relative_to(root).as_posix().encode()
        mac = hmac.new(key, name + b"\0" + data.encode(), "sha256").hexdigest()
        path.write_text(mac + "\n" + data)
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / ".cache"))
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(root))
    forged = lint(project)
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    assert lint(project) == forged == cold
    # Control: on a machine where that key were the real one, the forgery would work.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "machine"))
    shutil.copytree(project / ".cache", tmp_path / "machine")
    monkeypatch.setenv(
        "AERICH_LINT_CACHE_DIR", str(tmp_path / "machine" / "aerich-lint" / root.name)
    )
    assert lint(project) == (0, [])
