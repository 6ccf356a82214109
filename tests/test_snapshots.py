"""What aerich-lint says about every generated fixture and the example project, kept as
reviewed snapshots: a change to the pipeline that alters one finding shows up here.

The snapshots are whole outputs (`check --format json` with every rule, and `review`),
taken without a cache, with a cold cache and with a warm one, which must all agree.
After a change meant to alter findings, rewrite them with
``AERICH_LINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py`` and review
the diff.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = bool(os.environ.get("AERICH_LINT_UPDATE_SNAPSHOTS"))

PROJECTS = {
    "examples-shop": REPO / "examples" / "shop",
    "aerich-postgres": REPO / "tests" / "fixtures" / "aerich" / "postgres",
    "aerich-mysql": REPO / "tests" / "fixtures" / "aerich" / "mysql",
    "aerich-mysql57": REPO / "tests" / "fixtures" / "aerich" / "mysql57",
    "aerich-sqlite": REPO / "tests" / "fixtures" / "aerich" / "sqlite",
}


def _run(args: list[str], cache_home: Path | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AERICH_LINT_")}
    if cache_home is None:
        env["AERICH_LINT_NO_CACHE"] = "1"
    else:
        env["XDG_CACHE_HOME"] = str(cache_home)
    done = subprocess.run(
        [sys.executable, "-m", "aerich_lint", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == "", done.stderr
    return done.stdout


def _check_json(project: Path, cache_home: Path | None) -> str:
    out = _run(
        ["check", str(project.relative_to(REPO)), "--format", "json", "--select", "ALL"], cache_home
    )
    report = json.loads(out)
    report["tool"]["version"] = "<version>"
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def _review(project: Path, cache_home: Path | None) -> str:
    return _run(["review", str(project.relative_to(REPO)), "--select", "ALL"], cache_home)


def _compare(name: str, got: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with AERICH_LINT_UPDATE_SNAPSHOTS=1"
    assert got == path.read_text(encoding="utf-8"), f"{path.name} changed"


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_check_output_is_the_snapshot_with_and_without_the_cache(name: str, tmp_path: Path) -> None:
    project = PROJECTS[name]
    uncached = _check_json(project, None)
    _compare(f"{name}.check.json", uncached)
    assert json.loads(uncached)["findings"], "a snapshot without findings tests nothing"
    cold = _check_json(project, tmp_path)
    warm = _check_json(project, tmp_path)
    assert cold == uncached
    assert warm == uncached
    assert any(tmp_path.rglob("*.json")), "the cache was not used"


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_review_output_is_the_snapshot(name: str, tmp_path: Path) -> None:
    _compare(f"{name}.review.md", _review(PROJECTS[name], None))
    assert _review(PROJECTS[name], tmp_path) == (SNAPSHOTS / f"{name}.review.md").read_text()


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_one_file_gives_its_part_of_the_whole_run_cold_and_resumed(
    name: str, tmp_path: Path
) -> None:
    """What pre-commit passes: one file. Its findings are its share of the whole run's,
    whether the history is replayed from the start or resumed from a cached state."""
    whole = json.loads((SNAPSHOTS / f"{name}.check.json").read_text())["findings"]
    project = PROJECTS[name]
    _check_json(project, tmp_path)  # stores the replay states before the newest file
    files = sorted({f["path"] for f in whole if f["app"] == "models"}, key=_version)
    for chosen in (files[len(files) // 2], files[-1]):  # replayed; resumed when newest
        expected = [f for f in whole if f["path"] == chosen]
        assert expected
        args = ["check", chosen, "--format", "json", "--select", "ALL"]
        if (project / "pyproject.toml").exists():
            args += ["--config", str((project / "pyproject.toml").relative_to(REPO))]
        assert json.loads(_run(args, None))["findings"] == expected, chosen
        assert json.loads(_run(args, tmp_path))["findings"] == expected, chosen


def _version(path: str) -> int:
    return int(Path(path).name.split("_", 1)[0])
