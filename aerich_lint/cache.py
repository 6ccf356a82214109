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

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from aerich_lint import __version__, effects
from aerich_lint.model import (
    STATE_TABLES,
    FunctionFacts,
    Migration,
    Section,
    Statement,
    Suppression,
)

FORMAT = 3
ENV_DIR = "AERICH_LINT_CACHE_DIR"
ENV_OFF = "AERICH_LINT_NO_CACHE"
_EFFECT_TYPES: dict[str, type[Any]] = {
    name: obj
    for name, obj in vars(effects).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj)
}


@cache
def fingerprint() -> str:
    """aerich-lint's version, its source files' state and sqlglot's version."""
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).parent
    stamps = sorted(
        f"{p.relative_to(package)}:{p.stat().st_mtime_ns}:{p.stat().st_size}"
        for p in package.rglob("*.py")
    )
    try:
        sqlglot = version("sqlglot")
    except PackageNotFoundError:
        sqlglot = "?"
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
    """The entries of one app folder for one dialect."""

    def __init__(self, root: Path, folder: Path, dialect: str) -> None:
        key = hashlib.sha256(f"{folder.resolve()}|{dialect}".encode()).hexdigest()[:24]
        self.path = root / fingerprint() / f"{key}.json"
        self.dialect = dialect
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.fresh: dict[str, Migration] = {}  # parsed in this run, encoded at save()
        self.fresh_if_derived: dict[str, Migration] = {}  # restored; re-saved if rules added
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("format") == FORMAT:
                self.entries = data.get("entries", {})
        except (OSError, ValueError):
            pass

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def restore(self, digest: str, migration: Migration) -> bool:
        entry = self.entries.get(digest)
        if entry is None:
            return False
        try:
            _restore(entry, migration)
        except (KeyError, TypeError, ValueError):
            return False
        self.used[digest] = entry
        if entry.get("state_tables") is None:
            self.fresh_if_derived[digest] = migration
        return True

    def store(self, digest: str, migration: Migration) -> None:
        self.fresh[digest] = migration

    def save(self) -> None:
        """Keep the entries of the files seen in this run; atomic replace. Called
        after the rules ran, so what they derived from a file's content alone
        (the tables its MODELS_STATE describes) is kept too."""
        for digest, migration in self.fresh_if_derived.items():
            if STATE_TABLES in migration.memo:
                self.fresh[digest] = migration
        for digest, migration in self.fresh.items():
            self.used[digest] = _encode(migration)
        if not self.fresh and self.used.keys() == self.entries.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": FORMAT, "entries": self.used}, fh, separators=(",", ":"))
            os.replace(tmp, self.path)
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
        return _EFFECT_TYPES[data["@"]](*[_object(v) for v in data["v"]])
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
