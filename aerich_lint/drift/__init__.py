"""``aerich-lint drift``: models changed but no migration was generated.

For every app of the project's Tortoise config, aerich's own offline diff
(what ``aerich migrate --offline`` runs) compares the current models with the
MODELS_STATE of the app's newest migration. It runs in a sandboxed child
(``aerich_lint.sandbox``, entry point ``_runner``) on a copy of each migrations
folder in the sandbox's private folder, with a guard that refuses any database
connection: the configured URL may well be production, and the settings, models
and migrations may come from a stranger's pull request (no environment
variables but Python's reach them, nor the network). This module prepares the
request, enforces the timeout, and turns the answer into results; ``changes``
puts the differences into words and ``report`` prints them. Nothing here
imports tortoise, aerich or asyncio.

Apps of Tortoise ORM 1.x's own migrations (a ``"migrations"`` package in their
config entry) get the question ``tortoise makemigrations`` answers instead:
its autodetector diffs the models against the state replayed from the
migration files, in the same child (``_native``); their answers are validated
and bounded here (``_native_result``) before anything is believed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.config import Project, find_pyproject, load_project
from aerich_lint.drift.changes import Change, Rename, describe_changes
from aerich_lint.errors import UsageError

DEFAULT_TIMEOUT = 60.0
RUNNER = "aerich_lint.drift._runner"
# What the child gets besides the sandbox's own few variables. aerich iterates over
# sets of field names: a fixed hash seed fixes the SQL's order.
_CHILD_ENV = {"PYTHONHASHSEED": "0", "NO_COLOR": "1", "AERICH_NO_TORTOISE_V1_WARNING": "1"}
_ENV_KEY = re.compile(r"KeyError: '([A-Za-z_][A-Za-z0-9_]*)'")


@dataclass
class DriftOptions:
    path: str | None = None  # a project root (or anything below it); None: the current folder
    config: Path | None = None  # a pyproject.toml, instead of the nearest one
    apps: list[str] = field(default_factory=list)  # empty: every app of the Tortoise config
    timeout: float = DEFAULT_TIMEOUT
    # environment variables the settings need (a database URL, say), passed on by
    # name; nothing else of the environment reaches the settings and models
    pass_env: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NativeOperation:
    """One operation ``tortoise makemigrations`` would write, e.g. ``AddField``:
    ``Add field sku to Product`` (tortoise's own ``describe()``)."""

    kind: str
    text: str
    model: str | None = None
    field: str | None = None
    old_field: str | None = None  # RenameField only


@dataclass
class AppDrift:
    """One app: whether ``aerich migrate`` (or, for a native app, ``tortoise
    makemigrations``) would write a migration, what and why."""

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
    kind: str = "aerich"  # or "native": Tortoise ORM 1.x's own migrations
    operations: list[NativeOperation] = field(default_factory=list)  # native apps only
    sql_error: str | None = None  # native: why tortoise cannot produce the SQL


@dataclass
class DriftResult:
    project: Path
    tortoise_orm: str
    apps: list[AppDrift] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each; exit code 2
    versions: dict[str, str] = field(default_factory=dict)  # tortoise and aerich
    sandbox: str = ""  # what confined the child, as it said

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
    if not project.lint.execute:
        raise UsageError(
            f"{project.pyproject}: exec = false in [tool.aerich-lint]: drift has to import the "
            "settings and models, which that setting forbids"
        )
    root = project.root.resolve()
    result = DriftResult(project=root, tortoise_orm=project.aerich.tortoise_orm)
    # the caller's PYTHONPATH still counts (it reached the child before the sandbox)
    paths = list(project.import_paths())
    for extra in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if extra and str(Path(extra).resolve()) not in paths:
            paths.append(str(Path(extra).resolve()))
    request = {
        "root": str(root),
        "paths": paths,
        "tortoise_orm": project.aerich.tortoise_orm,
        "location": project.aerich.location,
        "apps": options.apps,
    }
    answer, result.sandbox = _call_runner(request, root, options, project.aerich.tortoise_orm)
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
        raise UsageError(_with_env_hint(str(answer["error"]), options))
    result.versions = {k: str(answer[k]) for k in ("tortoise", "aerich") if k in answer}
    for raw in answer.get("apps", []):
        app = _app_result(raw, root)
        result.apps.append(app)
        if app.error:
            result.errors.append(_with_env_hint(app.error, options))
    return result


def _with_env_hint(error: str, options: DriftOptions) -> str:
    """A KeyError on a variable set here but not passed on: say why it is missing."""
    match = _ENV_KEY.search(error)
    if match and match.group(1) in os.environ and match.group(1) not in options.pass_env:
        return (
            f"{error} (drift imports the settings without the environment's variables; "
            f"{match.group(1)} is set here but not passed on)"
        )
    return error


def _call_runner(
    request: dict[str, Any], root: Path, options: DriftOptions, target: str
) -> tuple[dict[str, Any], str]:
    """The runner's answer, from a sandboxed child; UsageError when there is none."""
    from aerich_lint.sandbox import Sandbox

    env = dict(_CHILD_ENV)
    for name in ("AERICH_MYSQL_VERSION", *options.pass_env):
        if name in os.environ and not name.startswith("PYTHON") and name not in ("HOME", "TMPDIR"):
            env[name] = os.environ[name]
    timeout = options.timeout
    read_roots = [str(root), *request["paths"]]
    with Sandbox(
        RUNNER, cwd=root, read_roots=read_roots, cpu_seconds=timeout, extra_env=env
    ) as box:
        box.send(request)  # when it fails, receive says why
        answer = box.receive(timeout)
    if answer.data is None:
        error = answer.error or "no answer"
        if error.startswith("timed out"):
            raise UsageError(
                f"importing {target} and diffing its models took more than {timeout:g} s "
                "(does importing them wait on something? see --timeout)"
            )
        raise UsageError(f"the drift subprocess stopped: it {error}")
    return answer.data, answer.sandbox


def _display(folder: str, root: Path) -> str:
    path = Path(folder)
    for base in (Path.cwd().resolve(), root):
        try:
            return path.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    return folder


def _app_result(raw: dict[str, Any], root: Path) -> AppDrift:
    if isinstance(raw, dict) and raw.get("kind") == "native":
        return _native_result(raw, root)
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


# Bounds on a native app's answer: the child runs project code, so its answer is read
# as untrusted input; anything out of shape is an error, not a crash.
_MAX_TEXT = 4000
_MAX_SQL_TEXT = 1_000_000  # one statement (a CREATE TABLE of a wide model can be long)
_MAX_ITEMS = 2000
_MAX_MODELS = 2000


class _Malformed(ValueError):
    """The child's answer for a native app is not of the shape _native sends."""


def _text(value: Any, limit: int = _MAX_TEXT, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _Malformed("a text")
    return value


def _items(value: Any, limit: int = _MAX_ITEMS) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit:
        raise _Malformed("a list")
    return value


def _describes(value: Any) -> dict[str, Any]:
    """``app.Model`` -> describe() dicts (``changes`` reads them with .get only)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > _MAX_MODELS:
        raise _Malformed("model descriptions")
    for key, describe in value.items():
        if not isinstance(key, str) or len(key) > _MAX_TEXT or not isinstance(describe, dict):
            raise _Malformed("a model description")
    return value


def _inferred_rename(changes: list[Change], model: str, op: NativeOperation) -> list[Change]:
    """A field removed and one added with the same definition: tortoise writes a
    RenameField without asking, so say so instead of "added" and "dropped with its data"."""
    told = {f"field `{op.field}` added", f"field `{op.old_field}` removed"}
    kept = [c for c in changes if not (c.model == model and c.text.split(" (")[0] in told)]
    at = next((i for i, c in enumerate(changes) if c not in kept), len(kept))
    text = (
        f"field `{op.old_field}` renamed to `{op.field}`: tortoise infers the rename without "
        "asking (same definition); the column keeps its data"
    )
    return [*kept[:at], Change(model, text), *kept[at:]]


def _native_result(raw: dict[str, Any], root: Path) -> AppDrift:
    """A native app's answer, validated and bounded; a malformed one becomes an error."""
    name = raw.get("name")
    label = name if isinstance(name, str) and len(name) <= _MAX_TEXT else "?"
    try:
        app = AppDrift(
            name=label,
            folder=_display(_text(raw.get("folder", "")) or "", root),
            kind="native",
            drifted=raw.get("drifted") is True,
            dialect=_text(raw.get("dialect"), optional=True),
            error=_text(raw.get("error"), optional=True),
            sql_error=_text(raw.get("sql_error"), optional=True),
            sql=[_text(s, _MAX_SQL_TEXT) or "" for s in _items(raw.get("sql"))],
        )
        if label == "?":
            raise _Malformed("an app name")
        leaves = [_text(leaf) or "" for leaf in _items(raw.get("last"), 100)]
        app.last_migration = " and ".join(leaves) or None
        for op in _items(raw.get("operations")):
            if not isinstance(op, dict):
                raise _Malformed("an operation")
            app.operations.append(
                NativeOperation(
                    kind=_text(op.get("op")) or "",
                    text=_text(op.get("text")) or "",
                    model=_text(op.get("model"), optional=True),
                    field=_text(op.get("field"), optional=True),
                    old_field=_text(op.get("old_field"), optional=True),
                )
            )
        if app.drifted:
            app.changes = describe_changes(
                _describes(raw.get("old")), _describes(raw.get("new")), app.dialect or ""
            )
            for op in app.operations:
                if op.kind == "RenameField" and op.model and op.field and op.old_field:
                    app.changes = _inferred_rename(app.changes, f"{label}.{op.model}", op)
        if len(leaves) > 1:
            app.notes.append(
                f"{len(leaves)} leaf migrations ({app.last_migration}): tortoise has no "
                "conflict check; the next makemigrations depends on all of them"
            )
    except (_Malformed, AttributeError, TypeError, ValueError, RecursionError):
        return AppDrift(
            name=label,
            folder="",
            kind="native",
            error=f"app {label}: the drift subprocess gave a malformed answer",
        )
    return app
