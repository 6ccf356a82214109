"""The SQL of Tortoise ORM's native migrations (``tortoise makemigrations``), per
dialect, forward and backward, without a database.

That SQL is not in the files: tortoise's migration loader, state replay and schema
editors generate it (what ``tortoise sqlmigrate`` prints). It is computed by
importing the project's config and migrations, so in the sandbox only
(``aerich_lint.load._native_runner``, one fresh child, started the way
``load.execute`` and the settings runner start theirs). This side imports nothing of
tortoise and trusts nothing the child says: every value read back is checked and
bounded, what does not fit is dropped or cut, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER = "aerich_lint.load._native_runner"

# Bounds on what is read back from the child (its answer line is already bounded by
# the sandbox's LINE_LIMIT).
MAX_APPS = 200
MAX_MIGRATIONS = 5000  # per app
MAX_OPERATIONS = 2000  # per migration and direction
MAX_STATEMENTS = 2000  # per operation
MAX_SQL = 1024 * 1024  # characters per statement
MAX_TEXT = 2000  # characters of a name, path or message
MAX_IMPORTED = 5000  # project modules the generation imported
TRUNCATED = " [truncated]"


@dataclass
class OperationSQL:
    operation: int  # its index in the migration's ``operations``
    kind: str  # its class name: CreateModel, AddField, RunSQL, RunPython, ...
    sql: list[str] = field(default_factory=list)
    error: str | None = None  # tortoise could not give its SQL: why


@dataclass
class MigrationSQL:
    name: str
    path: str = ""
    atomic: bool = True
    forward: list[OperationSQL] = field(default_factory=list)  # in the order run
    backward: list[OperationSQL] = field(default_factory=list)  # last operation first
    error: str | None = None  # the module did not import, or the migration did not run


@dataclass
class AppSQL:
    label: str
    dialect: str = ""
    plan: list[str] = field(default_factory=list)  # by the dependency graph
    leaves: list[str] = field(default_factory=list)
    graph_error: str | None = None
    migrations: dict[str, MigrationSQL] = field(default_factory=dict)


@dataclass
class NativeSQL:
    apps: dict[str, AppSQL] = field(default_factory=dict)
    error: str | None = None  # no answer, or the config/loader failed as a whole
    sandbox: str = ""  # what confined the child, as it said
    refused: str = ""  # the sandbox refused what project code did: why
    notes: list[str] = field(default_factory=list)  # what was dropped or cut
    # the project's modules generating imported, as the child says (see prepare's
    # cache of this answer: only those under the project are kept)
    imported: list[str] = field(default_factory=list)
    answer: dict[str, Any] | None = None  # the child's answer itself, read again from the cache


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    text = value if isinstance(value, str) else ""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def _optional(value: Any) -> str | None:
    return _text(value) if isinstance(value, str) else None


def _names(value: Any, limit: int) -> list[str]:
    if not isinstance(value, list):
        return []
    return [_text(v) for v in value[:limit] if isinstance(v, str)]


class _Reader:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        if len(self.notes) < 100:
            self.notes.append(message)

    def operations(self, value: Any, where: str) -> list[OperationSQL]:
        if not isinstance(value, list):
            return []
        if len(value) > MAX_OPERATIONS:
            self.note(f"{where}: only the first {MAX_OPERATIONS} operations kept")
        found = []
        for item in value[:MAX_OPERATIONS]:
            if not isinstance(item, dict):
                continue
            index = item.get("operation")
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                self.note(f"{where}: an operation without a valid index dropped")
                continue
            raw = item.get("sql")
            statements = raw if isinstance(raw, list) else []
            if len(statements) > MAX_STATEMENTS:
                self.note(f"{where}: operation {index}: only {MAX_STATEMENTS} statements kept")
            sql = []
            for statement in statements[:MAX_STATEMENTS]:
                if not isinstance(statement, str):
                    continue
                if len(statement) > MAX_SQL:
                    self.note(f"{where}: operation {index}: a statement cut to {MAX_SQL} chars")
                sql.append(_text(statement, MAX_SQL))
            found.append(
                OperationSQL(
                    operation=index,
                    kind=_text(item.get("kind"), 200),
                    sql=sql,
                    error=_optional(item.get("error")),
                )
            )
        return found

    def migration(self, name: str, value: Any, where: str) -> MigrationSQL:
        data = value if isinstance(value, dict) else {}
        atomic = data.get("atomic")
        return MigrationSQL(
            name=name,
            path=_text(data.get("path")),
            atomic=atomic if isinstance(atomic, bool) else True,
            forward=self.operations(data.get("forward"), f"{where} forward"),
            backward=self.operations(data.get("backward"), f"{where} backward"),
            error=_optional(data.get("error")),
        )

    def app(self, label: str, value: Any) -> AppSQL:
        data = value if isinstance(value, dict) else {}
        raw = data.get("migrations")
        migrations: dict[str, MigrationSQL] = {}
        if isinstance(raw, dict):
            if len(raw) > MAX_MIGRATIONS:
                self.note(f"{label}: only the first {MAX_MIGRATIONS} migrations kept")
            for name, item in list(raw.items())[:MAX_MIGRATIONS]:
                if isinstance(name, str) and name:
                    key = _text(name)
                    migrations[key] = self.migration(key, item, f"{label}.{key}")
        return AppSQL(
            label=label,
            dialect=_text(data.get("dialect"), 50),
            plan=_names(data.get("plan"), MAX_MIGRATIONS),
            leaves=_names(data.get("leaves"), MAX_MIGRATIONS),
            graph_error=_optional(data.get("graph_error")),
            migrations=migrations,
        )


def read_answer(data: dict[str, Any] | None, error: str | None = None) -> NativeSQL:
    """``NativeSQL`` from the child's answer (untrusted: checked and bounded)."""
    if data is None:
        return NativeSQL(error=f"reading the native migrations {error or 'gave no answer'}")
    reader = _Reader()
    raw = data.get("apps")
    apps: dict[str, AppSQL] = {}
    if isinstance(raw, dict):
        if len(raw) > MAX_APPS:
            reader.note(f"only the first {MAX_APPS} apps kept")
        for label, value in list(raw.items())[:MAX_APPS]:
            if isinstance(label, str) and label:
                key = _text(label)
                apps[key] = reader.app(key, value)
    return NativeSQL(
        apps=apps,
        error=_optional(data.get("error")),
        refused=_text(data.get("refused")),
        notes=reader.notes,
        imported=_names(data.get("imported"), MAX_IMPORTED),
        answer=data,
    )


def native_sql(
    project_root: Path,
    import_paths: list[str],
    config_ref: str | dict[str, Any],
    dialects: dict[str, str],
    timeout: float,
) -> NativeSQL:
    """Every native migration's SQL, per app, computed in the sandbox.

    ``config_ref``: the Tortoise config as ``tortoise -c`` takes it
    (``settings.TORTOISE_ORM``), or the config dict itself (JSON-able). ``dialects``:
    the dialect of each app label (``postgres``, ``mysql``, ``sqlite``); an app not in
    it gets the dialect of its connection's URL."""
    from aerich_lint.sandbox import run_once

    root = project_root.resolve()
    paths = list(dict.fromkeys([*import_paths, str(root)]))
    answer = run_once(
        RUNNER,
        {
            "root": str(root),
            "sys_path": paths,
            "config": config_ref,
            "dialects": dict(dialects),
        },
        cwd=root,
        read_roots=[str(root), *paths],
        timeout=timeout,
    )
    result = read_answer(answer.data, answer.error)
    result.sandbox = answer.sandbox
    return result
