"""A rule's violation in a migration, as the finding reporters show: path relative to
the working directory, line and column, the severity in force."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.model import FILE, Finding, Migration, Statement
from aerich_lint.policy import Policy

if TYPE_CHECKING:
    from aerich_lint.rules.base import Rule, Violation


def make_finding(rule: Rule, violation: Violation, migration: Migration, policy: Policy) -> Finding:
    stmt: Statement | None = violation.statement
    line = violation.line if violation.line is not None else (stmt.line if stmt else 1)
    column = stmt.column if stmt is not None and violation.line is None else 1
    severity = policy.severity.get(rule.name) or violation.severity or rule.severity
    return Finding(
        rule=rule.name,
        code=rule.code,
        severity=severity,
        path=display_path(migration.path),
        line=line,
        column=column,
        app=migration.app,
        migration=migration.name,
        version=migration.version,
        section=stmt.section if stmt is not None else violation.section or FILE,
        statement=stmt.sql if stmt is not None else "",
        message=violation.message,
        fix=rule.native_hint if migration.format == "native" and rule.native_hint else rule.hint,
    )


def display_path(path: Path) -> Path:
    """Relative to the working directory, as editors and CI logs link it."""
    return display_folder(path.parent) / path.name


@cache
def display_folder(folder: Path) -> Path:
    try:
        return Path(os.path.relpath(os.path.abspath(folder), _cwd()))
    except ValueError:  # another drive on Windows
        return folder


@cache
def _cwd() -> str:
    return os.getcwd()
