"""Which SQL dialect each app's migrations are written in, and why.

In order: ``--dialect``; ``dialect`` in ``[tool.aerich-lint]``; the connection
URL of the app in the Tortoise config named by Aerich's config (imported in the
sandbox, never connected; a failed import falls back and says so); the SQL
itself (backticks, SERIAL, AUTOINCREMENT, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aerich_lint.config import Project
from aerich_lint.dialects import SPECS
from aerich_lint.model import Dialect

# URL schemes and tortoise backend names (tortoise.backends.<name>): each dialect's
# url_schemes and tortoise_backends (aerich_lint/dialects/).
_SCHEMES: dict[str, Dialect] = {
    name: s.dialect for s in SPECS for name in (*s.url_schemes, *s.tortoise_backends)
}

# (pattern, dialect, what to call it): evidence found in generated SQL, each dialect's
# markers; on a tie the dialect listed first (the lowest marker_rank) wins.
_MARKERS: tuple[tuple[re.Pattern[str], Dialect, str], ...] = tuple(
    (m.pattern, s.dialect, m.label)
    for s in sorted(SPECS, key=lambda s: s.marker_rank)
    for m in s.markers
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


def from_tortoise_config(
    project: Project, timeout: float
) -> tuple[dict[str, str], str, str | None, list[str]]:
    """(scheme per app, default scheme, error, the project files importing it took)
    read by importing the config, in the sandbox."""
    from aerich_lint.sandbox import run_once

    assert project.aerich is not None and project.aerich.tortoise_orm
    root = project.root.resolve()
    paths = project.import_paths()
    answer = run_once(
        "aerich_lint.load._settings_runner",
        {"target": project.aerich.tortoise_orm, "sys_path": paths},
        cwd=root,
        read_roots=[str(root), *paths],
        timeout=timeout,
    )
    data = answer.data
    if data is None:
        return {}, "", f"importing it failed: {answer.error}", []
    if "error" in data:
        return {}, "", str(data["error"]), []
    apps = data.get("apps")
    if not isinstance(apps, dict):
        return {}, "", "importing it gave no apps", []
    raw = data.get("imported")
    imported = [p for p in raw if isinstance(p, str)][:5000] if isinstance(raw, list) else []
    schemes = {str(k): str(v)[:200] for k, v in list(apps.items())[:1000]}
    return schemes, str(data.get("default", ""))[:200], None, imported


class DialectResolver:
    def __init__(self, cli: Dialect | None, timeout: float, execute: bool = True) -> None:
        self.cli = cli
        self.timeout = timeout
        self.execute = execute  # False: never import the settings (--no-exec)
        # per project root: (scheme per app, default scheme, error), read from the config
        # (or given: prepare restores them from the cache)
        self.configs: dict[Path, tuple[dict[str, str], str, str | None]] = {}
        self.imported: dict[Path, list[str]] = {}  # the roots read this run: what it took

    def choose(self, project: Project, app: str, texts: list[str]) -> Choice:
        if self.cli is not None:
            return Choice(self.cli, "from --dialect")
        if project.lint.dialect is not None:
            return Choice(project.lint.dialect, "from [tool.aerich-lint] dialect")
        note = ""
        if project.aerich is not None and project.aerich.tortoise_orm:
            target = project.aerich.tortoise_orm
            if not (self.execute and project.lint.execute):
                note = f"{target} not imported (executing project code is off); "
            else:
                if project.root not in self.configs:
                    apps, default, error, imported = from_tortoise_config(project, self.timeout)
                    self.configs[project.root] = (apps, default, error)
                    if error is None:
                        self.imported[project.root] = imported
                apps, default, error = self.configs[project.root]
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
