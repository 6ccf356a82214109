"""The rules, severities and per-file ignores in force for one project: the command
line over the project's ``[tool.aerich-lint]``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aerich_lint.config import Project
from aerich_lint.discover import matches_any
from aerich_lint.errors import UsageError
from aerich_lint.model import Severity
from aerich_lint.options import Options
from aerich_lint.rules import BY_NAME, CATALOG, resolve, rule_name


@dataclass
class Policy:
    enabled: set[str]
    severity: dict[str, Severity]
    per_file: dict[str, list[str]]
    root: Path

    def ignored_in(self, path: Path) -> set[str]:
        """The rules ``per-file-ignores`` turns off for this file."""
        return {
            name
            for glob, names in self.per_file.items()
            if matches_any(path, [glob], self.root)
            for name in names
        }

    @property
    def needs_history(self) -> bool:
        """Does a rule in force read the replayed history (so every file is needed)?"""
        return any(BY_NAME[name].needs_history for name in self.enabled)


def policy_for(project: Project, options: Options) -> Policy:
    cfg = project.lint
    where = str(project.pyproject or "configuration")
    if options.select is not None:
        enabled = resolve(options.select, "--select")
    elif cfg.select is not None:
        enabled = resolve(cfg.select, f"{where}: select")
    else:
        enabled = {e.name for e in CATALOG if e.enabled_by_default}
    enabled |= resolve(cfg.extend_select, f"{where}: extend-select")
    enabled |= resolve(options.extend_select, "--extend-select")
    enabled -= resolve(cfg.ignore, f"{where}: ignore")
    enabled -= resolve(options.ignore, "--ignore")
    if options.since is None:  # they compare with the --since revision
        enabled -= {"edited-migration", "deleted-migration"}
    severity = {}
    for key, level in cfg.severity.items():
        name = rule_name(key)
        if name is None:
            raise UsageError(f"{where}: severity: unknown rule {key!r} (see `aerich-lint rules`)")
        severity[name] = level
    per_file = {
        glob: sorted(resolve(rules, f"{where}: per-file-ignores.{glob}"))
        for glob, rules in cfg.per_file_ignores.items()
    }
    return Policy(enabled, severity, per_file, project.root)
