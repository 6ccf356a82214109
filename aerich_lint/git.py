"""The git plumbing behind ``--since REF``: plain ``git`` subprocesses, no library.

What changed is measured from ``git merge-base REF HEAD`` to the working tree, so
committed, staged, unstaged and untracked files all count, as they will once the
branch is merged. Every failure is a one-line ``UsageError`` (exit code 2).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from aerich_lint.errors import UsageError

_TIMEOUT = 60


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            env=env,
            timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise UsageError("--since needs git, which is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"--since: `git {args[0]}` took longer than {_TIMEOUT} s") from None


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else f"exit code {proc.returncode}"


def repo_root(folder: Path) -> Path:
    """The top of the work tree holding ``folder`` (resolved)."""
    proc = _git(folder, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise UsageError(f"--since: {folder} is not in a git repository")
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n"))).resolve()


def merge_base(root: Path, ref: str) -> str:
    """The commit where HEAD's branch left ``ref`` (what a pull request is compared to)."""
    if ref.startswith("-"):
        raise UsageError(f"--since: unknown git revision {ref!r}")
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise UsageError(f"--since: the repository at {root} has no commit yet")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise UsageError(f"--since: unknown git revision {ref!r} in {root}")
    proc = _git(root, "merge-base", ref, "HEAD")
    if proc.returncode != 0:
        raise UsageError(f"--since: {ref!r} and HEAD have no common ancestor")
    return proc.stdout.decode().strip()


@dataclass
class Changes:
    """Files of one repository changed since the merge base; paths resolved."""

    root: Path
    base: str  # the merge-base commit
    added: set[Path] = field(default_factory=set)  # new, renamed or copied here, untracked
    modified: set[Path] = field(default_factory=set)  # existed at the base and changed
    deleted: set[Path] = field(default_factory=set)  # existed at the base, gone now
    # new path -> path at the base, for files git sees as moved (content kept or similar)
    renamed: dict[Path, Path] = field(default_factory=dict)

    def base_text(self, path: Path) -> str | None:
        """The file's content at the merge base (None: unreadable there)."""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return None
        proc = _git(self.root, "show", f"{self.base}:{rel}")
        if proc.returncode != 0:
            return None
        try:
            return proc.stdout.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None


def _split(out: bytes) -> list[str]:
    return [os.fsdecode(part) for part in out.split(b"\0") if part]


def changes_since(root: Path, ref: str, folders: list[Path]) -> Changes:
    """Changes below ``folders`` (resolved, inside ``root``) from ``git merge-base
    ref HEAD`` to the working tree: committed, staged, unstaged and untracked.
    Renames are not followed: a renamed file is a new file, as aerich knows
    applied migrations by their file name."""
    changes = Changes(root, merge_base(root, ref))
    rels = [folder.relative_to(root).as_posix() for folder in folders]
    specs = [f":(top,literal){'' if rel == '.' else rel}" for rel in rels]
    diff = _git(root, "diff", "--name-status", "--no-renames", "-z", changes.base, "--", *specs)
    if diff.returncode != 0:
        raise UsageError(f"--since: git diff failed: {_stderr(diff)}")
    fields = _split(diff.stdout)
    for status, name in zip(fields[::2], fields[1::2], strict=False):
        path = root / name
        if status.startswith("A"):
            changes.added.add(path)
        elif status.startswith(("M", "T", "U")):
            changes.modified.add(path)
        elif status.startswith("D"):
            changes.deleted.add(path)
    others = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *specs)
    if others.returncode != 0:
        raise UsageError(f"--since: git ls-files failed: {_stderr(others)}")
    changes.added.update(root / name for name in _split(others.stdout))
    if changes.deleted:
        _find_renames(changes, specs)
    return changes


def _find_renames(changes: Changes, specs: list[str]) -> None:
    """Which deleted files live on under another name: git's rename detection for
    tracked files (content similar), and for untracked ones (a plain ``mv``) an added
    file with the same bytes."""
    diff = _git(changes.root, "diff", "--name-status", "-M", "-z", changes.base, "--", *specs)
    if diff.returncode == 0:
        fields = _split(diff.stdout)
        i = 0
        while i < len(fields):
            status = fields[i]
            if status.startswith(("R", "C")) and i + 2 < len(fields):
                old, new = changes.root / fields[i + 1], changes.root / fields[i + 2]
                if old in changes.deleted and status.startswith("R"):
                    changes.renamed[new] = old
                i += 3
            else:
                i += 2
    moved = set(changes.renamed.values())
    for old in sorted(changes.deleted - moved):
        base = _base_bytes(changes, old)
        if base is None:
            continue
        for new in sorted(changes.added - changes.renamed.keys()):
            if new.parent == old.parent and _same_bytes(new, base):
                changes.renamed[new] = old
                break


def _base_bytes(changes: Changes, path: Path) -> bytes | None:
    rel = path.relative_to(changes.root).as_posix()
    proc = _git(changes.root, "show", f"{changes.base}:{rel}")
    return proc.stdout if proc.returncode == 0 else None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
