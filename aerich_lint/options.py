"""What a run is asked to do (``Options``) and what it found (``Result``): the
contract between the commands, the pipeline and the reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aerich_lint.model import App, Dialect, Finding, Severity
from aerich_lint.targets import Target

if TYPE_CHECKING:
    from aerich_lint.history import Step


@dataclass
class Options:
    paths: list[str] = field(default_factory=list)
    dialect: Dialect | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity | None = None
    exec_timeout: float | None = None
    execute: bool = True  # False (--no-exec): nothing of any project is imported
    config: Path | None = None
    cache: bool = True
    target_versions: list[Target] = field(default_factory=list)
    since: str | None = None  # git revision: report only migrations changed since its merge base
    baseline: Path | None = None  # hide the findings recorded in this baseline file
    history: bool = False  # load and replay every file of each app, whatever the rules need
    fallback_dialect: Dialect | None = None  # for an app whose dialect nothing states
    # False: a file whose SQL is built at run time is not run to read it (verify runs
    # it itself, on the database)
    read_dynamic_sql: bool = True


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    apps: list[App] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    fail_on: Severity = Severity.WARNING
    baselined: list[Finding] | None = None  # hidden by --baseline (None: no baseline)
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level JSON (verify)
    # The replayed history, by id() of each migration, for the apps replayed from their
    # first file (with ``Options.history``: every app): the review describes it.
    steps: dict[int, Step] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(f.severity >= self.fail_on for f in self.findings)
