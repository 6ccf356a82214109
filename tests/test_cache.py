"""The parse cache: same findings warm and cold, keyed by content, never in the
way (outside the project, never trusted when corrupt). Attacks on it: test_security_cache."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AERICH, cli, write_migration


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the postgres fixture project, with its cache in the default place."""
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    root = tmp_path / "project"
    shutil.copytree(AERICH / "postgres", root, ignore=shutil.ignore_patterns(".aerich_lint_cache"))
    return root


def cache_of(project: Path) -> Path:
    """Where a project's cache goes by default: the user cache folder (conftest points
    XDG_CACHE_HOME at a temporary one), in a subfolder named after the project and
    keyed by its resolved path."""
    key = hashlib.sha256(str(project.resolve()).encode()).hexdigest()[:16]
    return Path(os.environ["XDG_CACHE_HOME"]) / "aerich-lint" / f"{project.name}-{key}"


def findings(project: Path, *args: str, path: str = ".") -> list[dict]:
    proc = cli("--format", "json", "--dialect", "postgres", *args, path, cwd=project)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_warm_run_gives_the_same_findings_without_sqlglot(project: Path) -> None:
    before = sorted(project.rglob("*"))
    cold = findings(project)
    assert sorted(project.rglob("*")) == before  # nothing in the checkout
    cache = cache_of(project)
    migrations = list((project / "migrations").rglob("*.py"))
    assert len(list(cache.glob("*/files/postgres/*.json"))) == len(migrations)
    assert len(list(cache.glob("*/*.results.json"))) == 3  # one per app
    assert (cache / ".gitignore").read_text() == "*\n"
    assert findings(project) == cold
    # without the stored findings, the files come from the cache: still no sqlglot
    for stored in cache.glob("*/*.results.json"):
        stored.unlink()
    code = (
        "import sys, io, contextlib\nfrom aerich_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--dialect', 'postgres', '.'])\n    except SystemExit:\n        pass\n"
        "print(any(m.startswith(('sqlglot', 'pglast')) for m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AERICH_LINT_CACHE_DIR"}
    for _ in range(2):  # the run that writes the findings back, and one that reads them
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env=env
        )
        assert proc.stdout.strip() == "False", proc.stderr
    assert findings(project) == cold


def test_an_edit_is_seen_and_nothing_lands_in_migrations(project: Path) -> None:
    findings(project)
    path = next((project / "migrations" / "models").glob("4_*_drop_field.py"))
    path.write_text(
        path.read_text().replace(
            'DROP COLUMN "age";', 'DROP COLUMN "age";\n        TRUNCATE "product";'
        )
    )
    rules = {f["rule"] for f in findings(project) if f["path"].endswith(path.name)}
    assert "truncate" in rules
    written = [
        p for p in (project / "migrations").rglob("*") if p.suffix not in (".py",) and p.is_file()
    ]
    assert written == [] and not list((project / "migrations").rglob("__pycache__"))


def test_no_cache_writes_nothing(project: Path) -> None:
    findings(project, "--no-cache")
    assert not (project / ".aerich_lint_cache").exists()
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "aerich-lint").exists()  # not even a key


def test_corrupt_cache_is_ignored(project: Path) -> None:
    cold = findings(project)
    stored = list(cache_of(project).rglob("*.json"))
    assert stored
    for f in stored:
        f.write_text('{"format": 1, "entries": {"x": 1}} garbage')
    assert findings(project) == cold
    for f in stored:
        f.write_text('{"cache_format": 5, "sections": 1, "key": "x", "tables": 3}')
    assert findings(project) == cold


def test_stored_findings_follow_the_configuration(project: Path) -> None:
    cold = findings(project)
    assert any(f["rule"] == "drop-column" for f in cold)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.aerich-lint]\nignore = ["drop-column"]\n')
    warm = findings(project)
    assert [f for f in cold if f["rule"] != "drop-column"] == warm
    assert any(f["rule"] == "drop-table" for f in warm)
    assert findings(project, "--ignore", "drop-table") == [
        f for f in warm if f["rule"] != "drop-table"
    ]
    pyproject.write_text(pyproject.read_text().replace('ignore = ["drop-column"]', ""))
    assert findings(project) == cold


def test_one_file_resumes_the_replay_from_a_stored_state(project: Path) -> None:
    """pre-commit on the newest file (edited) and on a middle one: the cache's replay
    state gives exactly what a full replay gives."""
    folder = project / "migrations" / "models"
    files = sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    newest, middle = files[-1], files[len(files) // 2]
    findings(project)  # the full run stores the states before and after the newest file
    states = cache_of(project)
    assert len(list(states.glob("*/states/*.json"))) >= 2
    for path in (newest, middle, newest):
        path.write_text(path.read_text() + "\n# edited\n")
        for _ in range(2):  # the first run stores the state before the file, the next uses it
            warm = findings(project, path=str(path.relative_to(project)))
            cold = findings(project, "--no-cache", path=str(path.relative_to(project)))
            assert warm == cold
            assert {Path(f["path"]).name for f in warm} == {path.name}


def test_parallel_parsing_gives_the_same_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AERICH_LINT_JOBS", "1")
    sequential = findings(project, "--no-cache")
    monkeypatch.setenv("AERICH_LINT_JOBS", "2")
    assert findings(project, "--no-cache") == sequential
    assert findings(project) == sequential  # what the workers parsed, cached
    assert findings(project) == sequential


def test_worker_count() -> None:
    from aerich_lint.prepare.workers import MIN_FILES, workers

    os.environ.pop("AERICH_LINT_JOBS", None)
    assert workers(1) == 1 and workers(MIN_FILES - 1) == 1  # pre-commit: no pool
    assert 1 <= workers(5000) <= 8


def test_two_runs_can_share_the_cache(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AERICH_LINT_CACHE_DIR"}
    command = [
        sys.executable,
        "-m",
        "aerich_lint",
        "--format",
        "json",
        "--dialect",
        "postgres",
        ".",
    ]
    runs = [
        subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, env=env) for _ in range(3)
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0])["findings"] for p in runs]
    assert outputs[0] == outputs[1] == outputs[2] == findings(project)


def test_an_upgrade_of_aerich_lint_starts_a_new_cache(project: Path) -> None:
    cache = cache_of(project)
    stale = cache / "0.0.1-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "x.results.json").write_text("{}")
    findings(project)
    assert not stale.exists()
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 1


def test_a_new_parser_version_starts_a_new_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlglot's and pglast's verdicts are stored: another build of either is a new
    cache version, found by its installed files without importing it."""
    from aerich_lint import cache

    seen: list[str] = []
    real = cache._installed

    def stamped(spec: object) -> str:
        name = getattr(spec, "name", "?")
        seen.append(name)
        return real(spec) + (":rebuilt" if name == rebuilt else "")  # type: ignore[arg-type]

    prints = {}
    for rebuilt in ("none", "sqlglot", "pglast"):
        cache.fingerprint.cache_clear()
        monkeypatch.setattr(cache, "_installed", stamped)
        prints[rebuilt] = cache.fingerprint()
    cache.fingerprint.cache_clear()
    assert len(set(prints.values())) == 3
    assert seen[:2] == ["sqlglot", "pglast"]
    assert real(None) == "?"


def test_executed_migrations_are_not_cached(tmp_path: Path) -> None:
    app = tmp_path / "migrations" / "models"
    write_migration(
        app, "0_20240101000000_init.py", 'CREATE TABLE "product" ("id" INT, "name" TEXT);'
    )
    (tmp_path / "sqlsource.py").write_text('SQL = \'ALTER TABLE "product" ADD "x" INT\'\n')
    (app / "1_20240102000000_dyn.py").write_text(
        "from sqlsource import SQL\n\nasync def upgrade(db):\n    return SQL\n\n"
        "async def downgrade(db):\n    return 'SELECT 1'\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.aerich-lint]\ndialect = "postgres"\n')
    first = cli("--format", "json", ".", cwd=tmp_path)
    assert not [f for f in json.loads(first.stdout)["findings"] if f["rule"] == "drop-table"]
    (tmp_path / "sqlsource.py").write_text("SQL = 'DROP TABLE \"product\"'\n")
    second = json.loads(cli("--format", "json", ".", cwd=tmp_path).stdout)["findings"]
    assert [f["rule"] for f in second if f["rule"] == "drop-table"] == ["drop-table"]


def test_a_new_migration_resumes_from_the_state_before_the_previous_one(project: Path) -> None:
    """pre-commit only: the state stored before the then-newest file is found by
    looking back from the new one, and gives what a full replay gives."""
    folder = project / "migrations" / "models"
    files = sorted(folder.glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    newest = files[-1]
    findings(project, path=str(newest.relative_to(project)))
    assert len(list(cache_of(project).glob("*/states/*.json"))) == 1
    version = int(newest.name.split("_")[0]) + 1
    added = folder / f"{version}_20300101000000_drop_label.py"
    write_migration(folder, added.name, 'DROP TABLE "label";', 'CREATE TABLE "label" ("id" INT);')
    warm = findings(project, path=str(added.relative_to(project)))
    cold = findings(project, "--no-cache", path=str(added.relative_to(project)))
    assert warm == cold
    assert [f["rule"] for f in warm if f["rule"] == "drop-table"] == ["drop-table"]


def test_each_project_has_its_own_folder(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "project"
    shutil.copytree(project, other)
    assert findings(project) == findings(other)
    assert cache_of(project) != cache_of(other)
    assert list(cache_of(project).glob("*/*.results.json"))
    assert list(cache_of(other).glob("*/*.results.json"))


def test_the_override_and_the_shared_folder(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "chosen"
    monkeypatch.setenv("AERICH_LINT_CACHE_DIR", str(chosen))
    cold = findings(project)
    assert len(list(chosen.glob("*/*.results.json"))) == 3 and not cache_of(project).exists()
    monkeypatch.delenv("AERICH_LINT_CACHE_DIR")
    (project / "pyproject.toml").unlink()  # no project: one folder for every such run
    folder = str((project / "migrations" / "models").relative_to(project))
    assert findings(project, path=folder) == [f for f in cold if f["app"] == "models"]
    shared = Path(os.environ["XDG_CACHE_HOME"]) / "aerich-lint" / "default"
    assert len(list(shared.glob("*/*.results.json"))) == 1


def test_the_unsigned_cache_of_older_versions_is_deleted(project: Path) -> None:
    """Format 4 kept its version folders right in the user cache folder (without a
    project): deleted when the key is made."""
    user = Path(os.environ["XDG_CACHE_HOME"]) / "aerich-lint"
    old = user / "0.1.0-0123456789abcdef"
    (old / "files").mkdir(parents=True)
    (old / "x.results.json").write_text('{"key": "x", "findings": []}')
    findings(project)
    assert not old.exists() and (user / "cache.key").is_file()
