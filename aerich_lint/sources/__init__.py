"""Where migrations come from: a kind of migration system, with its own files, their
order and their loader. Discovery yields apps of a kind; everything after loading
(parse, history, rules, reports) is shared.

Two kinds: aerich's numbered files (``aerich.py``) and Tortoise ORM 1.x's native
migrations (``native.py``: a package of ``class Migration`` files ordered by their
dependency graph). Another system is one more module here and one more entry in
``SOURCES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aerich_lint.sources.aerich import AerichSource

if TYPE_CHECKING:
    from aerich_lint.load.python import PythonInfo
    from aerich_lint.model import Migration


class MigrationSource(Protocol):
    kind: str

    def order(self, files: list[Path], app: str) -> list[Path]:
        """An app folder's migration files, in the order the system applies them
        (``app``: its label, which a dependency graph names its nodes by)."""
        ...

    def open(self, path: Path, app: str) -> Migration:
        """A migration for the file, nothing read yet."""
        ...

    def read(self, migration: Migration) -> bytes | None:
        """The file's bytes (``migration.text`` set), or None with ``load_error``."""
        ...

    def load(self, migration: Migration) -> PythonInfo | None:
        """Fill the sections from the text, statically; the info says whether the SQL
        is only known by executing the file."""
        ...


SOURCES: dict[str, MigrationSource] = {AerichSource.kind: AerichSource()}


def source_for(kind: str) -> MigrationSource:
    """The source of a kind (the native one is imported the first time it is asked
    for: an aerich-only run never loads it)."""
    if kind not in SOURCES and kind == "native":
        from aerich_lint.sources.native import NativeSource

        SOURCES[kind] = NativeSource()
    return SOURCES[kind]
