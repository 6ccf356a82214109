"""The SQL tortoise generated for a project's native migrations, kept between runs.

Generating it imports the project's config and migrations in a sandboxed child (a
second or so); the answer depends on the migration files of every native app of the
project (tortoise's graph crosses apps), on the project modules they import (a custom
field's module, the config), on the dialects asked for and on the installed tortoise.
An entry holds the child's answer with the digest of each of those files; it is used
only while every one of them is unchanged and no migration file was added, and its
answer is read again as the child's is (checked and bounded). Entries are signed like
the rest of the cache (``cache.AppCache``), outside the checkout.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aerich_lint.cache import AppCache
    from aerich_lint.config import Project
    from aerich_lint.load.native import NativeSQL

FORMAT = 1


def entry_name(project: Project, config: str) -> str:
    raw = f"{project.root.resolve()}|{config}".encode("utf-8", "surrogatepass")
    return "native-" + hashlib.sha256(raw).hexdigest()[:24]


def restore(
    cache: AppCache,
    name: str,
    files: list[Path],
    config: str,
    dialects: dict[str, str],
) -> NativeSQL | None:
    """The stored answer, when nothing it depends on changed; else None."""
    from aerich_lint.load.native import read_answer

    entry = cache.read_entry(name)
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    digests = entry.get("digests")
    answer = entry.get("answer")
    if (
        entry.get("config") != config
        or entry.get("dialects") != dialects
        or entry.get("tortoise") != tortoise_stamp()
        or not isinstance(digests, dict)
        or not isinstance(answer, dict)
    ):
        return None
    if not {str(p.resolve()) for p in files} <= set(digests):
        return None  # a migration file (or the config) is new since
    for path, digest in digests.items():
        if not isinstance(path, str) or _digest(Path(path)) != digest:
            return None
    generated = read_answer(answer)
    sandbox = entry.get("sandbox")
    generated.sandbox = sandbox if isinstance(sandbox, str) else ""
    return generated


def save(
    cache: AppCache,
    name: str,
    files: list[Path],
    config: str,
    dialects: dict[str, str],
    generated: NativeSQL,
    roots: list[Path],
) -> None:
    """Keep the answer, unless the run failed as a whole (that is tried again)."""
    if generated.answer is None or generated.error is not None or generated.refused:
        return
    within = [r.resolve() for r in roots]
    paths = {p.resolve() for p in files}
    for imported in generated.imported:
        path = Path(imported)
        # (the child's list is trusted only for files of the project)
        if path.is_absolute() and any(path.resolve().is_relative_to(r) for r in within):
            paths.add(path.resolve())
    digests = {}
    for path in sorted(paths):
        digest = _digest(path)
        if digest is None:
            return  # unreadable now: no entry that could never be checked
        digests[str(path)] = digest
    cache.write_entry(
        name,
        {
            "format": FORMAT,
            "config": config,
            "dialects": dialects,
            "tortoise": tortoise_stamp(),
            "digests": digests,
            "answer": generated.answer,
            "sandbox": generated.sandbox,
        },
    )


def tortoise_stamp() -> str:
    """The installed tortoise-orm, without importing it: its version and the state of
    its package's files that generate SQL."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    try:
        spec = find_spec("tortoise")
    except (ImportError, ValueError):
        return "?"
    if spec is None or not spec.origin:
        return "?"
    package = Path(spec.origin).parent
    try:
        installed = version("tortoise-orm")
    except PackageNotFoundError:
        installed = "?"
    stamps = []
    for sub in ("migrations", "migrations/schema_editor"):
        for path in sorted((package / sub).glob("*.py")):
            stat = path.stat()
            stamps.append(f"{path.name}:{stat.st_mtime_ns}:{stat.st_size}")
    return f"{installed}|{package}|{';'.join(stamps)}"


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
