"""Project configuration: ``[tool.aerich-lint]`` and Aerich's own table.

Aerich < 0.9 (and tortoise < 1.0) write ``[tool.aerich]``; later versions write
``[tool.tortoise]``. Both carry ``tortoise_orm``, ``location`` and ``src_folder``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.errors import UsageError
from aerich_lint.model import Dialect, Severity
from aerich_lint.targets import Target, parse_target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LINT_TABLE = "aerich-lint"
AERICH_TABLES = ("aerich", "tortoise")
DEFAULT_EXEC_TIMEOUT = 10.0


@dataclass
class AerichConfig:
    tortoise_orm: str | None = None
    location: str = "./migrations"
    src_folder: str = "./."
    table: str = ""  # which [tool.X] table it came from


@dataclass
class LintConfig:
    dialect: Dialect | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exec_timeout: float = DEFAULT_EXEC_TIMEOUT
    execute: bool = True  # `exec = false`: never import anything of the project
    target_versions: list[Target] = field(default_factory=list)


@dataclass
class Project:
    root: Path
    pyproject: Path | None = None
    aerich: AerichConfig | None = None
    lint: LintConfig = field(default_factory=LintConfig)

    def import_paths(self) -> list[str]:
        """Where aerich imports the project's modules from: the root and its
        ``src_folder`` (what migrations and the Tortoise config expect on sys.path)."""
        root = self.root.resolve()
        paths = [str(root)]
        if self.aerich is not None:
            paths.append(str((root / self.aerich.src_folder).resolve()))
        return list(dict.fromkeys(paths))


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that configures aerich or us."""
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            tool = data.get("tool", {})
            if isinstance(tool, dict) and (
                LINT_TABLE in tool or any(t in tool for t in AERICH_TABLES)
            ):
                return candidate
    return None


def load_project(pyproject: Path | None, fallback_root: Path) -> Project:
    if pyproject is None:
        return Project(root=fallback_root)
    data = _read_toml(pyproject)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{pyproject}: [tool] must be a table")
    project = Project(root=pyproject.parent, pyproject=pyproject)
    for table in AERICH_TABLES:
        raw = tool.get(table)
        if isinstance(raw, dict) and ("location" in raw or "tortoise_orm" in raw):
            project.aerich = AerichConfig(
                tortoise_orm=_opt_str(raw, "tortoise_orm", pyproject, table),
                location=_opt_str(raw, "location", pyproject, table) or "./migrations",
                src_folder=_opt_str(raw, "src_folder", pyproject, table) or "./.",
                table=table,
            )
            break
    lint = tool.get(LINT_TABLE)
    if lint is not None:
        if not isinstance(lint, dict):
            raise UsageError(f"{pyproject}: [tool.{LINT_TABLE}] must be a table")
        project.lint = parse_lint_table(lint, pyproject)
    return project


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: invalid TOML: not UTF-8") from None
    # Read as aerich reads it (Path.read_text, universal newlines): a file that went
    # through CRLF conversion twice (CR CR LF) is valid to aerich, though TOML forbids a
    # bare CR.
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None


def _opt_str(raw: dict[str, Any], key: str, path: Path, table: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{path}: [tool.{table}] {key} must be a string")
    return value


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of strings")
    return list(value)


_KNOWN_KEYS = {
    "dialect",
    "select",
    "extend-select",
    "ignore",
    "severity",
    "fail-on",
    "exclude",
    "per-file-ignores",
    "exec",
    "exec-timeout",
    "target-version",
}


def parse_lint_table(raw: dict[str, Any], path: Path) -> LintConfig:
    where = f"{path}: [tool.{LINT_TABLE}]"
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise UsageError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    cfg = LintConfig()
    try:
        if "dialect" in raw:
            cfg.dialect = Dialect.parse(str(raw["dialect"]))
        if "fail-on" in raw:
            cfg.fail_on = Severity.parse(str(raw["fail-on"]))
        if "severity" in raw:
            sev = raw["severity"]
            if not isinstance(sev, dict):
                raise UsageError(f"{where} severity must be a table of rule = level")
            cfg.severity = {str(k): Severity.parse(str(v)) for k, v in sev.items()}
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if "select" in raw:
        cfg.select = _str_list(raw["select"], f"{where} select")
    cfg.extend_select = _str_list(raw.get("extend-select", []), f"{where} extend-select")
    cfg.ignore = _str_list(raw.get("ignore", []), f"{where} ignore")
    cfg.exclude = _str_list(raw.get("exclude", []), f"{where} exclude")
    pfi = raw.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise UsageError(f"{where} per-file-ignores must be a table of glob = [rules]")
    cfg.per_file_ignores = {
        str(k): _str_list(v, f"{where} per-file-ignores.{k}") for k, v in pfi.items()
    }
    try:
        cfg.target_versions = [
            parse_target(t)
            for t in _str_list(raw.get("target-version", []), f"{where} target-version")
        ]
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None
    if "exec" in raw:
        if not isinstance(raw["exec"], bool):
            raise UsageError(f"{where} exec must be true or false")
        cfg.execute = raw["exec"]
    if "exec-timeout" in raw:
        value = raw["exec-timeout"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise UsageError(f"{where} exec-timeout must be a positive number of seconds")
        cfg.exec_timeout = float(value)
    return cfg
