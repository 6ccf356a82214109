"""Paths as CI services link them: relative to the repository root.

Findings carry paths relative to the working directory; GitHub code scanning,
GitHub annotations and GitLab Code Quality resolve paths from the root of the
checkout, which differs when aerich-lint runs in a subfolder.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path


@cache
def repo_root() -> Path:
    """``git rev-parse --show-toplevel`` run once in the working directory; the
    working directory itself when that is not a git checkout (or git is missing)."""
    cwd = os.getcwd()
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return Path(os.path.realpath(cwd))
    top = proc.stdout.strip()
    if proc.returncode != 0 or not top:
        return Path(os.path.realpath(cwd))
    return Path(os.path.realpath(top))


def repo_relative(path: Path) -> str | None:
    """``path`` (relative to the working directory, or absolute) as a POSIX path
    relative to the repository root; None when it lies outside the root."""
    absolute = os.path.normpath(os.path.join(os.path.realpath(os.getcwd()), path))
    try:
        rel = os.path.relpath(absolute, repo_root())
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return Path(rel).as_posix()


def ci_path(path: Path) -> str:
    """Relative to the repository root when inside it, else as the finding has it."""
    rel = repo_relative(path)
    return rel if rel is not None else path.as_posix()
