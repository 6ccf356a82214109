"""``aerich-lint drift``: models changed but no migration was generated.

For every app of the project's Tortoise config, aerich's own offline diff
(what ``aerich migrate --offline`` runs) compares the current models with the
MODELS_STATE of the app's newest migration. It runs in a subprocess
(``_runner``) on a temporary copy of each migrations folder, with a guard
that refuses any database connection: the configured URL may well be
production. This module prepares the request, enforces the timeout, and turns
the answer into results; ``changes`` puts the differences into words and
``report`` prints them. Nothing here imports tortoise, aerich or asyncio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.config import Project, find_pyproject, load_project
from aerich_lint.drift.changes import Change, Rename, describe_changes
from aerich_lint.errors import UsageError

DEFAULT_TIMEOUT = 60.0


@dataclass
class DriftOptions:
    path: str | None = None  # a project root (or anything below it); None: the current folder
    config: Path | None = None  # a pyproject.toml, instead of the nearest one
    apps: list[str] = field(default_factory=list)  # empty: every app of the Tortoise config
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class AppDrift:
    """One app: whether ``aerich migrate`` would write a migration, what and why."""

    name: str
    folder: str
    drifted: bool = False
    last_migration: str | None = None
    dialect: str | None = None
    changes: list[Change] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    downgrade_sql: list[str] = field(default_factory=list)
    unsupported: str | None = None  # aerich refuses to write the migration, and why
    notes: list[str] = field(default_factory=list)  # what aerich printed while diffing
    error: str | None = None


@dataclass
class DriftResult:
    project: Path
    tortoise_orm: str
    apps: list[AppDrift] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each; exit code 2
    versions: dict[str, str] = field(default_factory=dict)  # tortoise and aerich

    @property
    def drifted(self) -> list[AppDrift]:
        return [app for app in self.apps if app.drifted]


def resolve_project(options: DriftOptions) -> Project:
    """The project whose Tortoise config and aerich ``location`` drift uses."""
    if options.path is not None and not Path(options.path).exists():
        raise UsageError(f"{options.path}: no such file or directory")
    start = Path(options.path or ".").resolve()
    pyproject = options.config
    if pyproject is None and start.is_file() and start.name == "pyproject.toml":
        pyproject = start
    if pyproject is None:
        pyproject = find_pyproject(start)
    if pyproject is None:
        raise UsageError(
            f"no pyproject.toml with [tool.aerich] or [tool.tortoise] at or above {start} "
            "(run `aerich init -t settings.TORTOISE_ORM`, or pass --config)"
        )
    project = load_project(pyproject, pyproject.parent)
    if project.aerich is None or not project.aerich.tortoise_orm:
        raise UsageError(
            f"{pyproject}: no tortoise_orm in [tool.aerich] or [tool.tortoise] "
            "(run `aerich init -t settings.TORTOISE_ORM`)"
        )
    return project


def run(options: DriftOptions) -> DriftResult:
    """Diff every app in a guarded subprocess; UsageError when nothing could be compared."""
    project = resolve_project(options)
    assert project.aerich is not None and project.aerich.tortoise_orm
    root = project.root.resolve()
    result = DriftResult(project=root, tortoise_orm=project.aerich.tortoise_orm)
    with tempfile.TemporaryDirectory(prefix="aerich-lint-drift-") as tmp:
        workdir = Path(tmp)
        request = {
            "root": str(root),
            "paths": project.import_paths(),
            "tortoise_orm": project.aerich.tortoise_orm,
            "location": project.aerich.location,
            "apps": options.apps,
            "workdir": str(workdir),
            "result": str(workdir / "result.json"),
        }
        answer = _call_runner(request, root, options.timeout, project.aerich.tortoise_orm)
    for attempt in answer.get("blocked", []):
        if attempt.startswith(("socket.", "sqlite3.")):
            result.errors.append(
                f"blocked a connection attempt ({attempt}) while loading {result.tortoise_orm}, "
                "its models or migrations: drift never connects to a database; make importing "
                "them free of side effects"
            )
        else:
            result.errors.append(
                f"blocked a change to your migrations ({attempt}) while loading "
                f"{result.tortoise_orm}, its models or migrations: drift never writes there"
            )
    if answer.get("error"):
        if result.errors:
            raise UsageError(result.errors[0])
        raise UsageError(str(answer["error"]))
    result.versions = {k: str(answer[k]) for k in ("tortoise", "aerich") if k in answer}
    for raw in answer.get("apps", []):
        app = _app_result(raw, root)
        result.apps.append(app)
        if app.error:
            result.errors.append(app.error)
    return result


def _call_runner(
    request: dict[str, Any], root: Path, timeout: float, target: str
) -> dict[str, Any]:
    # aerich_lint must be importable there even when run from a source checkout; last,
    # so that it shadows nothing of the user's
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(
        os.environ,
        PYTHONDONTWRITEBYTECODE="1",
        # aerich iterates over sets of field names: a fixed seed fixes the SQL's order.
        PYTHONHASHSEED="0",
        PYTHONIOENCODING="utf-8",
        NO_COLOR="1",
        AERICH_NO_TORTOISE_V1_WARNING="1",
        PYTHONPATH=os.pathsep.join(
            p for p in (os.environ.get("PYTHONPATH", ""), package_parent) if p
        ),
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "aerich_lint.drift._runner"],
            input=json.dumps(request),
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"importing {target} and diffing its models took more than {timeout:g} s "
            "(does importing them wait on something? see --timeout)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot start {sys.executable}: {exc.strerror or exc}") from None
    try:
        data: dict[str, Any] = json.loads(Path(request["result"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        last = f": {lines[-1].strip()}" if lines else ""
        raise UsageError(
            f"the drift subprocess stopped with exit code {proc.returncode}{last}"
        ) from None
    return data


def _display(folder: str, root: Path) -> str:
    path = Path(folder)
    for base in (Path.cwd().resolve(), root):
        try:
            return path.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    return folder


def _app_result(raw: dict[str, Any], root: Path) -> AppDrift:
    app = AppDrift(
        name=str(raw["name"]),
        folder=_display(str(raw.get("folder", "")), root),
        drifted=bool(raw.get("drifted")),
        last_migration=raw.get("last"),
        dialect=raw.get("dialect"),
        sql=[str(s) for s in raw.get("sql", [])],
        downgrade_sql=[str(s) for s in raw.get("downgrade_sql", [])],
        unsupported=raw.get("unsupported"),
        notes=[str(n) for n in raw.get("notes", [])],
        error=raw.get("error"),
    )
    app.renames = [Rename(r["model"], r["old"], r["new"]) for r in raw.get("renames", [])]
    if app.drifted:
        app.changes = describe_changes(
            raw.get("old") or {},
            raw.get("new") or {},
            app.dialect or "",
            app.renames,
            skip=(str(raw.get("skip", "")),),
        )
    return app
