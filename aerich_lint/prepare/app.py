"""An app made ready for the rules: its files loaded and parsed (or restored from the
cache), its dialect and target chosen, its history replayed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.discover import AppSource
from aerich_lint.model import App, Dialect, Finding, Migration
from aerich_lint.policy import Policy
from aerich_lint.targets import Target, target_for

if TYPE_CHECKING:
    from aerich_lint.cache import AppCache
    from aerich_lint.history import State, Step
    from aerich_lint.since import AppScope


@dataclass
class PreparedApp:
    source: AppSource
    policy: Policy
    migrations: list[Migration] = field(default_factory=list)
    digests: dict[int, str | None] = field(default_factory=dict)  # id(migration) -> sha256
    to_load: list[Migration] = field(default_factory=list)  # not in the cache
    to_finish: list[Migration] = field(default_factory=list)  # loaded here, to parse
    cache: AppCache | None = None
    results_key: str | None = None
    reused: list[Finding] | None = None  # the app's findings, from the cache
    start: State | None = None  # the replay resumes from this cached state ...
    resume_at: int = 0  # ... at this position (earlier files are not loaded)
    resume_end: int | None = None  # ... and stops before this one (nor are later ones)
    steps: dict[int, Step] = field(default_factory=dict)  # the replay, by id(migration)
    states: dict[int, State] = field(default_factory=dict)  # computed, by position
    prefix_hashes: list[str] = field(default_factory=list)  # see cached.state_key
    app: App = field(default_factory=lambda: App("", Path()))
    target_versions: list[Target] = field(default_factory=list)  # from the command line
    scope: AppScope | None = None  # --since: what changed in the app folder
    # id() of the files whose SQL is built at run time: executed or not, never cached
    dynamic: set[int] = field(default_factory=set)
    guessed: bool = False  # nothing stated or showed the dialect: a default

    @property
    def target(self) -> Target:
        configured = self.target_versions or self.source.project.lint.target_versions
        return target_for(self.dialect, configured)

    @property
    def dialect(self) -> Dialect:
        assert self.app.dialect is not None
        return self.app.dialect

    @property
    def complete(self) -> bool:
        """Are all of the app's files here (not only the reported ones)?"""
        return len(self.migrations) == len(self.source.files)
