"""A cache of loaded and parsed migrations, keyed by each file's content.

What a file's SQL *is* and *does* (statements, positions, effects, suppression
comments, Python facts) depends only on its bytes, the dialect and this
program; rules and configuration are applied fresh on every run. So a warm run
reads JSON instead of parsing, and never imports sqlglot.

- Where: ``.aerich_lint_cache/`` next to the project's pyproject.toml; without
  one, the platform cache folder. Never inside a migrations folder.
- Never stale: the folder name carries aerich-lint's version and a fingerprint
  of its source files and of sqlglot's version; entries are keyed by sha256.
- Safe when runs share it: each app's entries are one file, replaced atomically.
- JSON, not pickle: a cache file in a checked-out repository must never be able
  to run code.
- Files whose SQL is built by executing them are not cached (their output may
  depend on other modules).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from aerich_lint import __version__
from aerich_lint.model import (
    STATE_TABLES,
    Finding,
    FunctionFacts,
    Migration,
    Section,
    Severity,
    Statement,
    Suppression,
)

FORMAT = 4
ENV_DIR = "AERICH_LINT_CACHE_DIR"
ENV_OFF = "AERICH_LINT_NO_CACHE"


@cache
def _effect_types() -> dict[str, type[Any]]:
    from aerich_lint import effects

    return {
        name: obj
        for name, obj in vars(effects).items()
        if isinstance(obj, type) and dataclasses.is_dataclass(obj)
    }


@cache
def fingerprint() -> str:
    """aerich-lint's version, its source files' state and sqlglot's installed files
    (found without importing it: warm runs never load sqlglot)."""
    from importlib.util import find_spec

    package = Path(__file__).parent
    stamps = sorted(
        f"{p.relative_to(package)}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
        for p in package.rglob("*.py")
    )
    spec = find_spec("sqlglot")
    sqlglot = "?"
    if spec is not None and spec.origin:
        installed = Path(spec.origin).parent
        sqlglot = ";".join(
            f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
            for p in sorted(installed.glob("_version.py")) + sorted(installed.glob("*.so"))
        ) or str(installed)
    raw = "\n".join([__version__, sqlglot, sys.version, str(FORMAT), *stamps])
    return f"{__version__}-{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


def platform_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "aerich-lint"


def cache_root(project_root: Path | None, has_pyproject: bool) -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    if project_root is not None and has_pyproject:
        return project_root / ".aerich_lint_cache"
    return platform_dir()


class AppCache:
    """One app folder's view of the cache (for one dialect).

    - ``files/<dialect>/<sha256>.json``: one loaded and parsed file, by content (shared
      by every app and project using this cache folder; written once, never changed);
    - ``<app>.results.json``: the app's findings from its last full run, with the key
      of everything they depend on;
    - ``<app>.states.json``: a few replay states (the schema before a file), so that a
      run on one changed file restores and replays only from there.
    """

    def __init__(self, root: Path, folder: Path, dialect: str) -> None:
        key = hashlib.sha256(f"{folder.resolve()}|{dialect}".encode()).hexdigest()[:24]
        self.base = root / fingerprint()
        self.files = self.base / "files" / dialect
        self.results_path = self.base / f"{key}.results.json"
        self.states_path = self.base / f"{key}.states.json"
        self.dialect = dialect
        self.fresh: dict[str, Migration] = {}  # parsed in this run, written at save()
        self.fresh_if_derived: dict[str, Migration] = {}  # restored; re-saved if rules added

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def restore(self, digest: str, migration: Migration) -> bool:
        entry = _read_json(self.files / f"{digest}.json")
        if not isinstance(entry, dict) or entry.get("cache_format") != FORMAT:
            return False
        try:
            _restore(entry, migration)
        except (KeyError, TypeError, ValueError):
            return False
        if entry.get("state_tables") is None and migration.models_state_raw is not None:
            self.fresh_if_derived[digest] = migration
        return True

    def store(self, digest: str, migration: Migration) -> None:
        self.fresh[digest] = migration

    def save(self) -> None:
        """Write the files parsed in this run. Called after the rules ran, so what
        they derived from a file's content alone (the tables its MODELS_STATE
        describes) is kept too."""
        for digest, migration in self.fresh_if_derived.items():
            if STATE_TABLES in migration.memo:
                self.fresh[digest] = migration
        for digest, migration in self.fresh.items():
            entry = _encode(migration)
            entry["cache_format"] = FORMAT
            self._write(self.files / f"{digest}.json", entry)

    def _write(self, path: Path, data: Any) -> None:
        """Every write goes through here: the first one of a new cache version
        removes the old versions' folders and gives the cache root its .gitignore."""
        if not self.base.is_dir():
            _forget_other_versions(self.base)
            try:
                self.base.mkdir(parents=True, exist_ok=True)
                gitignore = self.base.parent / ".gitignore"
                if not gitignore.exists():
                    gitignore.write_text("*\n", encoding="utf-8")
            except OSError:
                return  # a read-only checkout just runs uncached
        _write_json(path, data)

    # -- replay states ----------------------------------------------------------------

    def load_state(self, key: str, dialect: Any) -> Any:
        """The history.State stored under ``key``, or None."""
        path = self.base / "states" / f"{key}.json"
        data = _read_json(path) if path.exists() else None
        if not isinstance(data, dict):
            return None
        try:
            return decode_state(data, dialect)
        except (KeyError, TypeError, ValueError):
            return None

    def save_states(self, states: dict[str, Any]) -> None:
        """Write the states not stored yet; the app keeps its most recent few."""
        folder = self.base / "states"
        new = [key for key in states if not (folder / f"{key}.json").exists()]
        if not new:
            return
        for key in new:
            self._write(folder / f"{key}.json", encode_state(states[key]))
        recent = _read_json(self.states_path)
        keys = list(dict.fromkeys(new + (recent if isinstance(recent, list) else [])))
        for old in keys[_MAX_STATES:]:
            with contextlib.suppress(OSError):
                (folder / f"{old}.json").unlink()
        self._write(self.states_path, keys[:_MAX_STATES])

    # -- the findings of a whole app, for a run where nothing changed ------------------

    def load_results(self, key: str, folder: Path) -> list[Finding] | None:
        """The findings stored under ``key`` (every file's, with paths in ``folder``),
        or None."""
        data = _read_json(self.results_path)
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        paths: dict[str, Path] = {}
        try:
            return [_finding(row, folder, paths) for row in data["findings"]]
        except (KeyError, TypeError, ValueError):
            return None

    def save_results(self, key: str, findings: list[Finding]) -> None:
        rows = [_finding_row(f) for f in findings]
        self._write(self.results_path, {"key": key, "findings": rows})


_MAX_STATES = 8  # per app: a state is a whole schema
_VERSION_DIR = re.compile(r"^\d[\w.+]*-[0-9a-f]{16}$")


def _forget_other_versions(base: Path) -> None:
    """A new aerich-lint (or sqlglot) starts a new folder: delete the old ones."""
    try:
        siblings = list(base.parent.iterdir())
    except OSError:
        return
    for path in siblings:
        if path != base and path.is_dir() and _VERSION_DIR.match(path.name):
            shutil.rmtree(path, ignore_errors=True)


def encode_state(state: Any) -> dict[str, Any]:
    """A history.State as JSON-able data."""
    schema, known = state.schema, state.known
    tables = [
        [
            t.name,
            [_value(c) for c in t.columns.values()],
            [[k, _value(c)] for k, c in t.constraints.items()],
        ]
        for t in schema.tables.values()
    ]
    indexes = [
        [k, ix.name, ix.table, list(ix.columns), ix.unique] for k, ix in schema.indexes.items()
    ]
    return {
        "tables": tables,
        "indexes": indexes,
        "known": [
            sorted(known.tables),
            sorted(known.indexes),
            sorted(known.constraints),
            known.complete,
        ],
        "reliable": state.reliable,
    }


def decode_state(data: dict[str, Any], dialect: Any) -> Any:
    from aerich_lint.history import State
    from aerich_lint.history.schema import Index, Known, Schema, Table

    schema = Schema(dialect)
    for name, columns, constraints in data["tables"]:
        table = Table(name)
        for raw in columns:
            column = _object(raw)
            table.columns[column.name] = column
        for key, raw in constraints:
            table.constraints[key] = _object(raw)
        schema.tables[name] = table
    for key, name, table_name, columns, unique in data["indexes"]:
        schema.indexes[key] = Index(name, table_name, tuple(columns), unique)
    tables, indexes, constraints, complete = data["known"]
    known = Known(set(tables), set(indexes), set(constraints), complete)
    return State(schema, known, bool(data["reliable"]))


def cache_key(*parts: Any) -> str:
    """A key made of everything a stored result depends on, besides aerich-lint itself
    (an app's findings: its files, dialect and policy; a replay state: the files
    before it)."""
    raw = json.dumps([fingerprint(), FORMAT, *parts], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


_FINDING_FIELDS = (
    "rule", "code", "line", "column", "app", "migration", "version", "section",
    "statement", "message", "fix",
)  # fmt: skip


def _finding_row(f: Finding) -> list[Any]:
    # The path is stored as the file's name: the display path depends on the cwd.
    return [f.path.name, f.severity.label, *[getattr(f, name) for name in _FINDING_FIELDS]]


_SEVERITIES = {s.label: s for s in Severity}


def _finding(row: list[Any], folder: Path, paths: dict[str, Path]) -> Finding:
    name, severity, *rest = row
    path = paths.get(name)
    if path is None:
        path = paths[name] = folder / name
    fields = dict(zip(_FINDING_FIELDS, rest, strict=True))
    return Finding(path=path, severity=_SEVERITIES[severity], **fields)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    """Atomic replace: a run reading the file sees the old or the new one whole."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps, not dump: only the one-shot encoder is the C one (10x faster)
            fh.write(json.dumps(data, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout just runs uncached


# -- encoding ------------------------------------------------------------------


def _value(obj: Any) -> Any:
    """Dataclasses become {"@": name, "v": [fields in order]}; tuples become lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = [_value(getattr(obj, f.name)) for f in dataclasses.fields(obj)]
        return {"@": type(obj).__name__, "v": fields}
    if isinstance(obj, (list, tuple)):
        return [_value(v) for v in obj]
    return obj


def _object(data: Any) -> Any:
    if isinstance(data, dict):
        return _effect_types()[data["@"]](*[_object(v) for v in data["v"]])
    if isinstance(data, list):
        return tuple([_object(v) for v in data])
    return data


def _encode(m: Migration) -> dict[str, Any]:
    sections = {}
    for name, section in m.sections.items():
        sections[name] = {
            "defined": section.defined,
            "dynamic": section.dynamic,
            "error": section.error,
            "line": section.line,
            "statements": [
                {
                    "index": s.index,
                    "sql": s.sql,
                    "line": s.line,
                    "column": s.column,
                    "end_line": s.end_line,
                    "error": s.error,
                    "command": s.command,
                    "via": s.via,
                    "suppressions": [
                        [list(x.rules), x.line, x.column, x.reason, x.section]
                        for x in s.suppressions
                    ],
                    "effects": [_value(e) for e in (s.effects or [])],
                }
                for s in section.statements
            ],
        }
    return {
        "format": m.format,
        "run_in_transaction": m.run_in_transaction,
        "run_in_transaction_line": m.run_in_transaction_line,
        "models_state_raw": m.models_state_raw,
        "has_models_state": m.has_models_state,
        "models_state_line": m.models_state_line,
        "load_error": m.load_error,
        "load_error_line": m.load_error_line,
        "functions": {k: dataclasses.asdict(v) for k, v in m.functions.items()},
        "module_db_calls": [list(c) for c in m.module_db_calls],
        "state_tables": {
            table: sorted(columns) for table, columns in m.memo.get(STATE_TABLES, {}).items()
        }
        if STATE_TABLES in m.memo
        else None,
        "sections": sections,
    }


def _restore(entry: dict[str, Any], m: Migration) -> None:
    for key in (
        "format", "run_in_transaction", "run_in_transaction_line", "models_state_raw",
        "has_models_state", "models_state_line", "load_error", "load_error_line",
    ):  # fmt: skip
        setattr(m, key, entry[key])
    m.functions = {
        k: FunctionFacts(
            name=v["name"],
            line=v["line"],
            is_async=v["is_async"],
            returns=[(int(a), str(b)) for a, b in v["returns"]],
            awaited_literals=list(v["awaited_literals"]),
            db_calls=[(int(a), str(b)) for a, b in v["db_calls"]],
        )
        for k, v in entry["functions"].items()
    }
    m.module_db_calls = [(int(a), str(b)) for a, b in entry["module_db_calls"]]
    if entry.get("state_tables") is not None:
        m.memo[STATE_TABLES] = {t: set(cols) for t, cols in entry["state_tables"].items()}
    m.sections = {}
    for name, data in entry["sections"].items():
        section = Section(
            name,
            defined=data["defined"],
            dynamic=data["dynamic"],
            error=data["error"],
            line=data["line"],
        )
        for s in data["statements"]:
            stmt = Statement(
                section=name,
                index=s["index"],
                sql=s["sql"],
                line=s["line"],
                column=s["column"],
                error=s["error"],
                command=s["command"],
                via=s["via"],
                end_line=s["end_line"],
            )
            stmt.suppressions = [
                Suppression(rules=tuple(r), line=ln, column=col, reason=reason, section=sec)
                for r, ln, col, reason, sec in s["suppressions"]
            ]
            stmt.effects = [_object(e) for e in s["effects"]]
            section.statements.append(stmt)
        m.sections[name] = section
