"""Answers of the sandboxed children that import project code, kept between runs.

Two children import the project: the one that reads the Tortoise config (which
database each app uses: the dialect) and the one that has tortoise generate the SQL
of native migrations. Each costs a process that imports project code (0.1 s for the
config, a second for the SQL), on every run. What they answer depends on the
project's files they imported (the child lists them; only files of the project are
taken), on the files asked about (the native migrations), on what was asked and on
the installed packages that matter (tortoise, for the SQL). An entry holds the answer
with the digest of each of those files and is used only while every one of them is
unchanged and no file was added to those asked about; the answer is then read with
the same checks as a child's. Entries are signed like the rest of the cache
(``cache.AppCache``), outside the checkout.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aerich_lint.cache import AppCache
    from aerich_lint.config import Project

FORMAT = 1


def entry_name(kind: str, project: Project, question: str) -> str:
    raw = f"{project.root.resolve()}|{question}".encode("utf-8", "surrogatepass")
    return f"{kind}-" + hashlib.sha256(raw).hexdigest()[:24]


def restore(cache: AppCache, name: str, files: list[Path], asked: Any) -> dict[str, Any] | None:
    """The stored answer to ``asked`` when nothing it depends on changed; else None."""
    entry = cache.read_entry(name)
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    digests, answer = entry.get("digests"), entry.get("answer")
    if entry.get("asked") != asked or not isinstance(digests, dict):
        return None
    if not isinstance(answer, dict):
        return None
    if not {str(p.resolve()) for p in files} <= set(digests):
        return None  # a file asked about is new since
    for path, digest in digests.items():
        if not isinstance(path, str) or _digest(Path(path)) != digest:
            return None
    return answer


def save(
    cache: AppCache,
    name: str,
    files: list[Path],
    asked: Any,
    answer: dict[str, Any],
    imported: list[str],
    roots: list[Path],
) -> None:
    within = [r.resolve() for r in roots]
    paths = {p.resolve() for p in files}
    for found in imported:
        path = Path(found)
        # (the child's list is taken for files of the project only)
        if path.is_absolute() and any(path.resolve().is_relative_to(r) for r in within):
            paths.add(path.resolve())
    digests = {}
    for path in sorted(paths):
        digest = _digest(path)
        if digest is None:
            return  # unreadable now: no entry that could never be checked
        digests[str(path)] = digest
    cache.write_entry(
        name, {"format": FORMAT, "asked": asked, "digests": digests, "answer": answer}
    )


def tortoise_stamp() -> str:
    """The installed tortoise-orm, without importing it: its version and the state of
    its files that generate SQL."""
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
