"""Which SQL dialect each app's migrations are written in, and why.

In order: ``--dialect``; ``dialect`` in ``[tool.aerich-lint]``; the connection
URL of the app in the Tortoise config named by Aerich's config (imported in a
subprocess, never connected; a failed import falls back and says so); the SQL
itself (backticks, SERIAL, AUTOINCREMENT, ...).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from aerich_lint.config import Project
from aerich_lint.model import Dialect

_SCHEMES = {
    "postgres": Dialect.POSTGRES,
    "postgresql": Dialect.POSTGRES,
    "asyncpg": Dialect.POSTGRES,
    "psycopg": Dialect.POSTGRES,
    "mysql": Dialect.MYSQL,
    "mariadb": Dialect.MYSQL,
    "asyncmy": Dialect.MYSQL,
    "aiomysql": Dialect.MYSQL,
    "sqlite": Dialect.SQLITE,
}

# (pattern, dialect, what to call it): evidence found in generated SQL.
_MARKERS: tuple[tuple[re.Pattern[str], Dialect, str], ...] = (
    (re.compile(r"`\w+`"), Dialect.MYSQL, "backtick-quoted names"),
    (re.compile(r"\bAUTO_INCREMENT\b", re.I), Dialect.MYSQL, "AUTO_INCREMENT"),
    (re.compile(r"\bCHARACTER SET\b", re.I), Dialect.MYSQL, "CHARACTER SET"),
    (re.compile(r"\bENGINE\s*=", re.I), Dialect.MYSQL, "ENGINE="),
    (re.compile(r"\b(?:BIG|SMALL)?SERIAL\b", re.I), Dialect.POSTGRES, "SERIAL"),
    (re.compile(r"\bTIMESTAMPTZ\b", re.I), Dialect.POSTGRES, "TIMESTAMPTZ"),
    (re.compile(r"\bJSONB\b", re.I), Dialect.POSTGRES, "JSONB"),
    (re.compile(r"\w::\w"), Dialect.POSTGRES, ":: casts"),
    (re.compile(r"\bAUTOINCREMENT\b", re.I), Dialect.SQLITE, "AUTOINCREMENT"),
)


@dataclass
class Choice:
    dialect: Dialect
    reason: str
    guessed: bool = False  # no evidence at all: a default, not a finding


def from_scheme(scheme: str) -> Dialect | None:
    key = scheme.lower().split("+")[0]
    if key.startswith("tortoise.backends."):
        key = key.rsplit(".", 1)[-1]
    return _SCHEMES.get(key)


def infer(texts: list[str]) -> Choice | None:
    scores: dict[Dialect, list[str]] = {}
    for pattern, dialect, label in _MARKERS:
        if any(pattern.search(t) for t in texts):
            scores.setdefault(dialect, []).append(label)
    if not scores:
        return None
    best = max(scores, key=lambda d: len(scores[d]))
    return Choice(best, f"inferred from the SQL ({', '.join(scores[best])})")


_IMPORT_CONFIG = r"""
import importlib, json, sys
sys.dont_write_bytecode = True
target, paths = sys.argv[1], json.loads(sys.argv[2])
sys.path[:0] = paths
module_name, _, attr = target.rpartition(".")
try:
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if callable(obj) and not isinstance(obj, dict):
        raise TypeError(f"{target} is not a dict")
    conns = obj.get("connections", {})
    def scheme(conn):
        if isinstance(conn, str):
            return conn.split("://", 1)[0]
        if isinstance(conn, dict):
            return conn.get("engine", "")
        return ""
    apps = {}
    for name, app in (obj.get("apps") or {}).items():
        apps[name] = scheme(conns.get(app.get("default_connection", "default"), ""))
    default = scheme(next(iter(conns.values()))) if len(conns) == 1 else ""
    print(json.dumps({"apps": apps, "default": default}))
except BaseException as exc:
    text = str(exc).splitlines()[0] if str(exc) else ""
    print(json.dumps({"error": type(exc).__name__ + (": " + text if text else "")}))
"""


def from_tortoise_config(
    project: Project, timeout: float
) -> tuple[dict[str, str], str, str | None]:
    """(scheme per app, default scheme, error) read by importing the config."""
    assert project.aerich is not None and project.aerich.tortoise_orm
    root = project.root.resolve()
    paths = project.import_paths()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _IMPORT_CONFIG, project.aerich.tortoise_orm, json.dumps(paths)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {}, "", f"importing it timed out after {timeout:g} s"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {}, "", f"importing it failed (exit code {proc.returncode})"
    data = json.loads(lines[-1])
    if "error" in data:
        return {}, "", data["error"]
    return dict(data.get("apps", {})), str(data.get("default", "")), None


class DialectResolver:
    def __init__(self, cli: Dialect | None, timeout: float) -> None:
        self.cli = cli
        self.timeout = timeout
        self._tortoise: dict[Path, tuple[dict[str, str], str, str | None]] = {}

    def choose(self, project: Project, app: str, texts: list[str]) -> Choice:
        if self.cli is not None:
            return Choice(self.cli, "from --dialect")
        if project.lint.dialect is not None:
            return Choice(project.lint.dialect, "from [tool.aerich-lint] dialect")
        note = ""
        if project.aerich is not None and project.aerich.tortoise_orm:
            target = project.aerich.tortoise_orm
            if project.root not in self._tortoise:
                self._tortoise[project.root] = from_tortoise_config(project, self.timeout)
            apps, default, error = self._tortoise[project.root]
            if error is None:
                scheme = apps.get(app) or default
                dialect = from_scheme(scheme) if scheme else None
                if dialect is not None:
                    return Choice(dialect, f"from the {scheme} connection in {target}")
                note = f"{target} has no known connection for app {app}; "
            else:
                note = f"could not import {target} ({error}); "
        guess = infer(texts)
        if guess is not None:
            return Choice(guess.dialect, note + guess.reason)
        return Choice(
            Dialect.POSTGRES,
            note + "no dialect evidence, assumed postgres (set --dialect)",
            guessed=True,
        )
