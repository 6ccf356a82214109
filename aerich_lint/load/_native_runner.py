"""Sandboxed entry point: the SQL of Tortoise ORM's native migrations, per dialect,
forward and backward, without a database.

Run as ``python -m aerich_lint.load._native_runner`` by the sandbox (see
``aerich_lint.load.native``). Reads one JSON request on stdin::

    {"root": "/project", "sys_path": [...], "config": "settings.TORTOISE_ORM" | {...},
     "dialects": {"<app label>": "postgres" | "mysql" | "sqlite"}}

and answers with one JSON line on its answer pipe::

    {"apps": {"<label>": {"dialect", "plan", "leaves", "graph_error",
                          "migrations": {"<name>": {"path", "atomic", "forward",
                                                    "backward", "error"}}}},
     "error": null, "refused": ""}

where ``forward``/``backward`` are lists of ``{"operation": <index in operations>,
"kind": <class name>, "sql": [...], "error": <str or null>}`` in the order tortoise
runs them (backward: last operation first).

What ``tortoise sqlmigrate`` does, for every migration of every app in one pass and
per operation, offline: tortoise's ``MigrationLoader``/``MigrationGraph`` order the
migrations (by their dependencies, across apps, never by file name); the migration
state is replayed with each operation's ``state_forward``; each operation's
``database_forward``/``database_backward`` runs against the dialect's schema editor
in SQL-collecting mode (``collect_sql=True``). The editor's client is the stand-in
of ``aerich_lint.load._runner`` (``recording_client``): an instance of tortoise's
client class for the dialect that connects nowhere and answers every query (the
editors' introspection of constraint and index names) with empty rows.
``Tortoise.init`` is never called: the project's models are not imported, only its
config and its migrations packages.

Where tortoise would stop, this goes on and says why: a migration module that fails
to import is an error of that migration (it stays in the graph, without operations,
so that the others keep their order); an operation whose SQL tortoise cannot
generate (``NotImplementedError``, an incompatible state, ``RunPython``, a
backward step of an operation that is not reversible) is an error of that
operation; a broken graph (a dependency on a missing migration or app) is the
``graph_error`` of the app whose migration names it, and the other apps go on.

Tortoise APIs relied on (tortoise-orm 1.1.x): ``tortoise.migrations.loader.
MigrationLoader`` (``apps_config``, ``disk_migrations``, ``migrated_apps``,
``unmigrated_apps``, ``graph``, ``_add_internal_dependencies``,
``_add_external_dependencies``), ``tortoise.migrations.graph`` (``MigrationGraph``,
``MigrationKey``, ``DummyNode``, ``leaf_nodes``, ``forwards_plan``),
``tortoise.migrations.api.sqlmigrate._NoopRecorder`` (falls back to a recorder of
our own), ``tortoise.migrations.migration.Migration`` (``operations``, ``atomic``,
``dependencies``), ``Operation`` (``state_forward``, ``database_forward``,
``database_backward``, ``reversible``, ``reduces_to_sql``), ``State``/``StateApps``
of ``tortoise.migrations.schema_generator`` (``clone``,
``validate_relations_initialized``), the schema editors of
``tortoise.migrations.schema_editor`` (``collect_sql``, ``collected_sql``),
chosen the way ``MigrationExecutor._schema_editor`` chooses them, and
``tortoise.config.TortoiseConfig.resolve_args`` to normalise the config.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import sys
import traceback
from typing import Any

from aerich_lint.errors import describe
from aerich_lint.load._project_files import project_files
from aerich_lint.sandbox.inside import refusal_of

_refused: list[str] = []


def _why(exc: BaseException) -> str:
    """An exception in one line, with the project file and line it came from."""
    refused = refusal_of(exc)
    if refused and refused not in _refused:
        _refused.append(refused)
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "site-packages" not in frame.filename and "aerich_lint" not in frame.filename:
            where = f" at {os.path.basename(frame.filename)}:{frame.lineno}"
            break
    return describe(exc) + where


def _config(ref: Any) -> dict[str, Any]:
    """The Tortoise config: a dict as given, or the dict a dotted reference names
    (``settings.TORTOISE_ORM``, as ``tortoise -c`` takes it)."""
    obj: Any = ref
    if isinstance(ref, str):
        module_name, _, attr = ref.rpartition(".")
        if not module_name:
            raise ValueError(f"{ref!r} is not a dotted reference like settings.TORTOISE_ORM")
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    if not isinstance(obj, dict):
        raise TypeError(f"the Tortoise config {ref!r} is not a dict")
    try:
        from tortoise.config import TortoiseConfig

        normalised = TortoiseConfig.resolve_args(obj).to_dict()
        if isinstance(normalised, dict) and isinstance(normalised.get("apps"), dict):
            return normalised
    except Exception:  # tortoise's validation is stricter than what we need
        pass
    return obj


def _scheme_dialect(config: dict[str, Any], app: dict[str, Any]) -> str:
    from aerich_lint.dialect import from_scheme
    from aerich_lint.load._settings_runner import _scheme

    conns = config.get("connections") or {}
    conn = conns.get(app.get("default_connection", "default"), "")
    found = from_scheme(_scheme(conn)) if conn else None
    return found.value if found is not None else ""


def _editor(client: Any) -> Any:
    """The schema editor tortoise's executor would take for this client (by the module
    of its tortoise client class), collecting SQL."""
    from tortoise.migrations import schema_editor as se

    module = ""
    for cls in type(client).__mro__:
        if cls.__module__.startswith("tortoise.backends."):
            module = cls.__module__
            break
    dialect = getattr(getattr(client, "capabilities", None), "dialect", "")
    editor: Any = se.BaseSchemaEditor
    for marker, name in (
        ("sqlite", "SqliteSchemaEditor"),
        ("asyncpg", "AsyncpgSchemaEditor"),
        ("psycopg", "PsycopgSchemaEditor"),
        ("mysql", "MySQLSchemaEditor"),
        ("mssql", "MSSQLSchemaEditor"),
        ("odbc", "MSSQLSchemaEditor"),
        ("oracle", "OracleSchemaEditor"),
    ):
        if marker in module:
            editor = getattr(se, name)
            break
    else:
        if dialect == "postgres":
            editor = se.BasePostgresSchemaEditor
    return editor(client, atomic=False, collect_sql=True)


def _recorder() -> Any:
    try:
        from tortoise.migrations.api.sqlmigrate import _NoopRecorder

        return _NoopRecorder()
    except Exception:
        from tortoise.migrations.recorder import MigrationRecorder

        class Recorder(MigrationRecorder):
            def __init__(self) -> None:
                super().__init__(connection=None)

            async def applied_migrations(self) -> list[Any]:
                return []

        return Recorder()


class _App:
    def __init__(self, label: str, dialect: str) -> None:
        self.label = label
        self.dialect = dialect
        self.graph_error: str | None = None
        self.migrations: dict[str, dict[str, Any]] = {}
        self.broken: set[str] = set()  # migrations whose module did not import

    def fail(self, message: str) -> None:
        if self.graph_error is None:
            self.graph_error = message

    def entry(self, name: str, path: str) -> dict[str, Any]:
        return self.migrations.setdefault(
            name,
            {"path": path, "atomic": True, "forward": [], "backward": [], "error": None},
        )


def _module_path(package: Any, name: str) -> str:
    for folder in getattr(package, "__path__", []):
        candidate = os.path.join(folder, name + ".py")
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    return ""


def _load(loader: Any, apps: dict[str, _App]) -> None:
    """``MigrationLoader.load_disk``, one migration module at a time: a module that
    fails to import is that migration's error (an empty placeholder stays in the
    graph); a package that fails to import is its app's graph error."""
    from tortoise.migrations.graph import MigrationKey
    from tortoise.migrations.migration import Migration

    loader.disk_migrations = {}
    loader.migrated_apps = set()
    loader.unmigrated_apps = set()
    for label, app_config in loader.apps_config.items():
        module_name = app_config.get("migrations") if isinstance(app_config, dict) else None
        if not module_name:
            loader.unmigrated_apps.add(label)
            continue
        app = apps[label]
        try:
            package = importlib.import_module(str(module_name))
        except BaseException as exc:
            app.fail(f"importing {module_name} raised {_why(exc)}")
            loader.migrated_apps.add(label)
            continue
        if not hasattr(package, "__path__"):
            loader.unmigrated_apps.add(label)
            app.fail(f"{module_name} is not a package")
            continue
        loader.migrated_apps.add(label)
        names = sorted(
            name
            for _, name, is_pkg in pkgutil.iter_modules(package.__path__)
            if not is_pkg and name[0] not in "_~"
        )
        for name in names:
            path = _module_path(package, name)
            entry = app.entry(name, path)
            key = MigrationKey(app_label=label, name=name)
            try:
                module = importlib.import_module(f"{module_name}.{name}")
                cls = getattr(module, "Migration", None)
                if cls is None:
                    raise ValueError(f"Migration {name} in app {label} has no Migration class")
                migration = cls(name, label)
                entry["path"] = os.path.abspath(getattr(module, "__file__", "") or path)
                entry["atomic"] = bool(getattr(migration, "atomic", True))
            except BaseException as exc:
                entry["error"] = f"importing the migration raised {_why(exc)}"
                app.broken.add(name)
                migration = Migration(name, label)
                migration.operations = []
                migration.dependencies = []
                migration.run_before = []
            loader.disk_migrations[key] = migration


def _graph(loader: Any, apps: dict[str, _App]) -> None:
    """``MigrationLoader.build_graph`` without the database and without stopping at
    the first inconsistency: each one is the graph error of the app that has it."""
    from tortoise.migrations.graph import DummyNode, MigrationGraph

    loader.graph = MigrationGraph()
    for key, migration in loader.disk_migrations.items():
        loader.graph.add_node(key, migration)
    for step in (loader._add_internal_dependencies, loader._add_external_dependencies):
        for key, migration in loader.disk_migrations.items():
            try:
                step(key, migration)
            except Exception as exc:
                apps[key.app_label].fail(f"{key}: {_why(exc)}")
    for node in loader.graph.node_map.values():
        if isinstance(node, DummyNode):
            label = node.origin.app_label
            if label in apps:
                apps[label].fail(node.error_message)


def _full_plan(graph: Any) -> list[Any]:
    """``MigrationExecutor._full_plan``: every migration, dependencies first, without
    the placeholders of missing ones."""
    from tortoise.migrations.graph import DummyNode

    plan: list[Any] = []
    seen: set[Any] = set()
    for leaf in graph.leaf_nodes():
        if isinstance(graph.node_map.get(leaf), DummyNode):
            continue
        for key in graph.forwards_plan(leaf):
            if key in seen or isinstance(graph.node_map.get(key), DummyNode):
                continue
            seen.add(key)
            plan.append(key)
    return plan


def _step(index: int, operation: Any) -> dict[str, Any]:
    return {"operation": index, "kind": type(operation).__name__, "sql": [], "error": None}


async def _database(step: dict[str, Any], run: Any, editor: Any) -> None:
    editor.collected_sql = []
    try:
        await run
    except BaseException as exc:
        step["error"] = _why(exc)
    step["sql"] = [s for s in editor.collected_sql if isinstance(s, str)]
    editor.collected_sql = []


async def _forward(migration: Any, label: str, state: Any, editor: Any) -> tuple[Any, list[Any]]:
    """Each operation's SQL applying the migration to ``state``; the state after it."""
    steps = []
    for index, operation in enumerate(migration.operations):
        step = _step(index, operation)
        steps.append(step)
        old_state = state.clone()
        try:
            operation.state_forward(label, state)
        except BaseException as exc:
            step["error"] = f"replaying its state raised {_why(exc)}"
            state = old_state
            continue
        if not getattr(operation, "reduces_to_sql", True):
            step["error"] = "this operation cannot be represented as SQL (it runs Python)"
            continue
        await _database(step, operation.database_forward(label, old_state, state, editor), editor)
    return state, steps


async def _backward(migration: Any, label: str, state: Any, editor: Any) -> list[Any]:
    """Each operation's SQL unapplying the migration (``Migration.unapply``), from the
    state before it (``state``), last operation first."""
    to_run: list[tuple[dict[str, Any], Any, Any, Any]] = []
    new_state = state.clone()
    for index, operation in enumerate(migration.operations):
        step = _step(index, operation)
        new_state = new_state.clone()
        old_state = new_state.clone()
        try:
            operation.state_forward(label, new_state)
        except BaseException as exc:
            step["error"] = f"replaying its state raised {_why(exc)}"
            new_state = old_state
        to_run.insert(0, (step, operation, old_state, new_state))
    steps = []
    for step, operation, to_state, from_state in to_run:
        steps.append(step)
        if step["error"]:
            continue
        if not getattr(operation, "reversible", True):
            step["error"] = (
                f"{type(operation).__name__} is not reversible: tortoise refuses to "
                "unapply this migration"
            )
            continue
        if not getattr(operation, "reduces_to_sql", True):
            step["error"] = "this operation cannot be represented as SQL (it runs Python)"
            continue
        await _database(
            step, operation.database_backward(label, from_state, to_state, editor), editor
        )
    return steps


async def _collect(config: dict[str, Any], dialects: dict[str, str]) -> dict[str, Any]:
    from tortoise.migrations.graph import DummyNode
    from tortoise.migrations.loader import MigrationLoader
    from tortoise.migrations.schema_generator.state import State
    from tortoise.migrations.schema_generator.state_apps import StateApps

    from aerich_lint.load._runner import client_class, recording_client

    apps_config = {
        str(label): value
        for label, value in (config.get("apps") or {}).items()
        if isinstance(value, dict)
    }
    apps: dict[str, _App] = {}
    editors: dict[str, Any] = {}
    for label, app_config in apps_config.items():
        dialect = str(dialects.get(label) or _scheme_dialect(config, app_config))
        apps[label] = _App(label, dialect)
        client_class(dialect)  # provides the backend modules whose driver is missing
    for app in apps.values():
        if app.dialect not in editors:
            try:
                editors[app.dialect] = _editor(recording_client(app.dialect))
            except Exception as exc:
                editors[app.dialect] = None
                app.fail(f"no schema editor for {app.dialect!r}: {_why(exc)}")
    loader = MigrationLoader(apps_config, _recorder(), load=False)
    _load(loader, apps)
    _graph(loader, apps)
    graph = loader.graph
    plan = _full_plan(graph)
    default_connections = {
        label: app_config.get("default_connection", "default")
        for label, app_config in apps_config.items()
    }
    state = State(models={}, apps=StateApps(default_connections=default_connections))
    for key in plan:
        found = apps.get(key.app_label)
        migration = graph.nodes.get(key)
        if found is None or migration is None or key.name in found.broken:
            continue
        app = found
        entry = app.entry(key.name, "")
        editor = editors.get(app.dialect)
        if editor is None:
            entry["error"] = f"no schema editor for the dialect {app.dialect!r}"
            continue
        before = state.clone()
        try:
            state, entry["forward"] = await _forward(migration, key.app_label, state, editor)
            state.validate_relations_initialized()
        except BaseException as exc:
            entry["error"] = f"applying the migration raised {_why(exc)}"
        try:
            entry["backward"] = await _backward(migration, key.app_label, before, editor)
        except BaseException as exc:
            entry["error"] = entry["error"] or f"unapplying the migration raised {_why(exc)}"
    out: dict[str, Any] = {}
    for label, app in apps.items():
        if label in loader.unmigrated_apps and not app.graph_error:
            continue
        leaves = [
            k.name
            for k in graph.leaf_nodes(label)
            if not isinstance(graph.node_map.get(k), DummyNode)
        ]
        out[label] = {
            "dialect": app.dialect,
            "plan": [k.name for k in plan if k.app_label == label],
            "leaves": leaves,
            "graph_error": app.graph_error,
            "migrations": app.migrations,
        }
    return out


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    paths = [str(p) for p in request.get("sys_path", []) if isinstance(p, str)]
    root = request.get("root")
    if isinstance(root, str) and root not in paths:
        paths.append(root)
    for extra in reversed(paths):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    raw = request.get("dialects")
    dialects = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    try:
        config = _config(request.get("config"))
        apps = asyncio.run(_collect(config, dialects))
    except BaseException as exc:  # whatever project code raises, SystemExit included
        return {
            "apps": {},
            "error": f"reading the migrations raised {_why(exc)}",
            "refused": "; ".join(_refused),
        }
    return {
        "apps": apps,
        "error": None,
        "refused": "; ".join(_refused),
        "imported": project_files(paths),
    }


def main() -> None:
    from aerich_lint.sandbox.inside import enter, serve

    serve(enter(), _answer)


if __name__ == "__main__":
    main()
