"""verify's sandboxed child, for a Tortoise ORM native migration: run its RunPython code.

Used by ``_child`` (same process, same confinement, same pipe) when the file's first
request carries ``"native": {"config", "dialect"}``. As ``tortoise migrate`` does
(tortoise-orm 1.1.9, ``migrations/executor.py``, ``migration.py``), without
``Tortoise.init``: the project's config and migrations packages are loaded with
tortoise's ``MigrationLoader`` (``load._native_runner``'s offline loading, which
imports no models), the migration state is replayed up to the migration, and each
``RunPython`` operation verify asks for runs with ``old_state.apps`` and a schema
editor (not collecting SQL) around the forwarding client of ``_child``. The historical
models reach their connection through the current ``TortoiseContext``
(``get_connection(alias)``): a context of our own is made current, whose connections
resolve every alias of the config to that forwarding client; so every query, raw or
through the ORM, goes to verify, which vets it and runs it in the migration's
transaction.

Requests after the first: ``{"call": "runpython", "operation": <index>,
"direction": "forward" | "backward", "deadline"}``, answered as ``_child``'s calls
(queries, then ``{"done"}`` or ``{"error", "line"}``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

_ENGINES = {
    "postgres": "tortoise.backends.asyncpg",
    "mysql": "tortoise.backends.mysql",
    "sqlite": "tortoise.backends.sqlite",
}


@dataclass
class Native:
    """One native migration, loaded: the state before it, and the client."""

    migration: Any  # tortoise's Migration
    label: str
    before: Any  # State before the migration
    editor: Any
    path: str


def open_native(path: str, request: dict[str, Any], client: Any) -> tuple[Native | None, str]:
    """The migration at ``path`` loaded with the project's config and its state replayed
    up to it; or None and why not."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.schema_generator.state import State
    from tortoise.migrations.schema_generator.state_apps import StateApps

    from aerich_lint.load import _native_runner as runner
    from aerich_lint.load._runner import client_class

    dialect = str(request.get("dialect") or "")
    config = runner._config(request.get("config"))
    apps_config = {
        str(label): value
        for label, value in (config.get("apps") or {}).items()
        if isinstance(value, dict)
    }
    apps = {label: runner._App(label, dialect) for label in apps_config}
    client_class(dialect)
    from tortoise.migrations.loader import MigrationLoader

    loader = MigrationLoader(apps_config, runner._recorder(), load=False)
    runner._load(loader, apps)
    runner._graph(loader, apps)
    target = None
    wanted = os.path.realpath(path)
    for label, app in apps.items():
        for name, entry in app.migrations.items():
            if entry.get("path") and os.path.realpath(str(entry["path"])) == wanted:
                if entry.get("error"):
                    return None, str(entry["error"])
                target = (label, name)
    if target is None:
        return None, "tortoise's loader does not find this migration with the project's config"
    error = apps[target[0]].graph_error
    if error:
        return None, error
    default_connections = {
        label: str(app_config.get("default_connection", "default"))
        for label, app_config in apps_config.items()
    }
    # The context the historical models find their connection in: every alias is the
    # forwarding client.
    context = TortoiseContext()
    context.__enter__()
    connections = context.connections
    aliases = {*default_connections.values(), *(config.get("connections") or {}), "default"}
    engine = _ENGINES.get(dialect, "tortoise.backends.sqlite")
    connections._db_config = {a: {"engine": engine, "credentials": {}} for a in aliases}
    connections._storage_var.set({a: client for a in aliases})
    state = State(
        models={},
        apps=StateApps(default_connections=default_connections, connections=connections),
    )
    graph = loader.graph
    for key in runner._full_plan(graph):
        migration = graph.nodes.get(key)
        if migration is None:
            continue
        if (key.app_label, key.name) == target:
            editor = runner._editor(client)
            editor.collect_sql = False  # (runs its SQL: through the forwarding client)
            real = os.path.abspath(str(apps[target[0]].migrations[target[1]]["path"]))
            return Native(migration, key.app_label, state, editor, real), ""
        found = apps.get(key.app_label)
        if found is not None and key.name in found.broken:
            continue
        for operation in migration.operations:
            operation.state_forward(key.app_label, state)
    return None, "tortoise's plan does not reach this migration"


async def run_python(native: Native, request: dict[str, Any]) -> None:
    """Run the RunPython operation ``request["operation"]`` of the migration, forward
    (``code``) or backward (``reverse_code``), as tortoise's ``Migration.apply`` and
    ``unapply`` call it."""
    index = int(request.get("operation") or 0)
    operations = list(native.migration.operations)
    if not 0 <= index < len(operations):
        raise LookupError(f"the migration has no operation {index}")
    operation = operations[index]
    if type(operation).__name__ != "RunPython":
        raise TypeError(f"operation {index} is a {type(operation).__name__}, not RunPython")
    state = native.before.clone()
    for earlier in operations[:index]:
        earlier.state_forward(native.label, state)
    old_state = state
    new_state = state.clone()
    operation.state_forward(native.label, new_state)
    if request.get("direction") == "backward":
        await operation.database_backward(native.label, new_state, old_state, native.editor)
    else:
        await operation.database_forward(native.label, old_state, new_state, native.editor)
