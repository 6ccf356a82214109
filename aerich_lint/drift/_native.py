"""Drift for Tortoise ORM 1.x native migration apps, inside the sandboxed child.

Imported only by ``_runner`` (in the sandbox, behind drift's guard). An app is
native when its config entry names a ``"migrations"`` package, tortoise's own
test (``MigrationAutodetector.changes`` skips every other app). The question is
the one ``tortoise makemigrations`` answers: would it write a migration? Its
autodetector answers it without a database: it replays the migration files
into a state (through a no-op recorder, ``applied_migrations() == []``) and
compares that with the current models; ``changes()`` returns the writers that
``write()`` would save, so nothing is written. The SQL is what ``tortoise
sqlmigrate`` would print for that migration: the operations applied to the
replayed state by the dialect's schema editor in ``collect_sql`` mode, which
collects statements instead of running them.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

# One writer is one migration; these bound what goes back to the parent.
MAX_OPERATIONS = 500
MAX_SQL = 2000


def native_apps(config: dict[str, Any]) -> dict[str, str]:
    """App label -> its migrations package, for the apps tortoise's makemigrations handles."""
    apps: dict[str, str] = {}
    for label, entry in config["apps"].items():
        module = entry.get("migrations") if isinstance(entry, dict) else None
        if isinstance(module, str) and module:
            apps[str(label)] = module
    return apps


def locate(module: str) -> Path | None:
    """The folder of a migrations package, found on sys.path without importing it: it
    must be protected from writes before any project code in it runs."""
    from aerich_lint.discover import module_file

    found = module_file(module, [Path(base or ".") for base in sys.path], package=True)
    return found.parent.resolve() if found is not None else None


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """The exception's first line, cut short: it goes into a one-line error."""
    text = str(exc).strip().splitlines()
    line = type(exc).__name__ + (f": {text[0]}" if text else "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    """A model description as JSON; whatever JSON cannot hold, by its repr."""
    return json.loads(json.dumps(value, default=repr))


def _describe(state: Any, label: str) -> dict[str, Any]:
    """``app.Model`` -> ``describe()`` of the app's models in the replayed state, the
    shape aerich's MODELS_STATE has, so ``changes`` words both kinds of app alike."""
    out: dict[str, Any] = {}
    for app, name in sorted(state.models):
        if app == label:
            model = state.apps.get_model(f"{app}.{name}")
            out[f"{app}.{name}"] = _jsonable(model.describe(serializable=True))
    return out


def _describe_current(apps: Any, label: str) -> dict[str, Any]:
    """The same of the models as imported now (the autodetector's current state holds
    no model classes to describe)."""
    models = dict(apps.items()).get(label) or {}
    return {
        f"{label}.{name}": _jsonable(model.describe(serializable=True))
        for name, model in sorted(models.items())
    }


def _operation(op: Any) -> dict[str, str]:
    """Class, tortoise's one-line ``describe()`` and the model/field it touches."""
    entry = {"op": type(op).__name__, "text": str(op.describe())}
    model = getattr(op, "model_name", None)
    if isinstance(model, str):
        entry["model"] = model
    for attr in ("name", "new_name"):
        value = getattr(op, attr, None)
        if isinstance(value, str):
            entry["field" if model else "model"] = value
            break
    old = getattr(op, "old_name", None)
    if isinstance(old, str) and model:
        entry["old_field"] = old  # RenameField: a rename tortoise inferred
    return entry


async def _forward_sql(writer: Any, state: Any, connection: Any, apps_config: Any) -> list[str]:
    """The statements ``tortoise sqlmigrate`` would show for the migration ``writer``
    would save, comments left out."""
    from tortoise.migrations.executor import MigrationExecutor
    from tortoise.migrations.migration import Migration

    migration = Migration(writer.name, writer.app_label)
    migration.operations = list(writer.operations)
    editor = MigrationExecutor(connection, apps_config)._schema_editor(
        atomic=False, collect_sql=True
    )
    await migration.apply(state.clone(), schema_editor=editor, collect_sql=True)
    return [" ".join(str(s).split()) for s in editor.collected_sql if not str(s).startswith("--")]


async def diff_native(
    config: dict[str, Any], wanted: list[str], folders: dict[str, Path | None], shown: Any
) -> dict[str, dict[str, Any]]:
    """Per wanted native app, what the parent needs to answer: drifted, the graph's leaves,
    the operations makemigrations would write, their SQL, the two model descriptions."""
    from tortoise import Tortoise
    from tortoise.connection import get_connection
    from tortoise.migrations.autodetector import MigrationAutodetector

    native = native_apps(config)
    answers: dict[str, dict[str, Any]] = {}
    for label in wanted:
        answers[label] = {"name": label, "kind": "native", "folder": str(folders[label] or "")}
        if folders[label] is None:
            answers[label]["error"] = (
                f"app {label}: migrations package {native[label]} not found: run "
                f"`tortoise init` and `tortoise makemigrations {label}`"
            )
    # every native app of the config: their migrations may depend on each other
    apps_config = {
        label: dict(config["apps"][label])
        for label in native
        if label not in folders or folders[label] is not None
    }
    if not any("error" not in a for a in answers.values()):
        return answers
    fixed = dt.datetime(2000, 1, 1)  # the new file's name is not reported; keep it stable
    detector = MigrationAutodetector(Tortoise.apps, apps_config, now=lambda: fixed)
    try:
        writers = await detector.changes()
        old_state = await detector._project_state()
    except PermissionError:
        raise  # the guard's refusal: reported by the runner
    except Exception as exc:
        for label, answer in answers.items():
            answer.setdefault(
                "error",
                f"app {label}: tortoise cannot replay the migrations in {shown(label)}: "
                f"{_one_line(exc)}",
            )
        return answers
    by_app = {writer.app_label: writer for writer in writers}
    for label, answer in answers.items():
        if "error" in answer:
            continue
        leaves = sorted(key.name for key in detector.loader.graph.leaf_nodes(label))
        if not leaves:
            answer["error"] = (
                f"app {label}: no migration in {shown(label)}: run "
                f"`tortoise makemigrations {label}` first"
            )
            continue
        answer["last"] = leaves
        connection = get_connection(apps_config[label].get("default_connection", "default"))
        answer["dialect"] = str(connection.capabilities.dialect)
        writer = by_app.get(label)
        answer["drifted"] = writer is not None
        if writer is None:
            continue
        answer["operations"] = [_operation(op) for op in writer.operations[:MAX_OPERATIONS]]
        try:
            answer["old"] = _describe(old_state, label)
            answer["new"] = _describe_current(Tortoise.apps, label)
        except PermissionError:
            raise
        except Exception:
            answer["old"], answer["new"] = {}, {}  # the operations still say what changed
        try:
            answer["sql"] = (await _forward_sql(writer, old_state, connection, apps_config))[
                :MAX_SQL
            ]
        except PermissionError:
            raise
        except Exception as exc:
            answer["sql_error"] = _one_line(exc)
    return answers
