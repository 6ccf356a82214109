"""aerich's migrations: ``<version>_<timestamp>_<name>.py`` (0.7+), ``.sql`` (0.4-0.6)
and ``.json`` (0.1-0.3) files in ``migrations/<app>/``, applied in version order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.discover import sort_key

if TYPE_CHECKING:
    from aerich_lint.load.python import PythonInfo
    from aerich_lint.model import Migration


class AerichSource:
    """Loading is imported when a file is loaded: a warm run only reads the files'
    bytes for the cache's keys."""

    kind = "aerich"

    def order(self, files: list[Path], app: str) -> list[Path]:
        return sorted(files, key=sort_key)

    def open(self, path: Path, app: str) -> Migration:
        from aerich_lint.load import new_migration

        return new_migration(path, app)

    def read(self, migration: Migration) -> bytes | None:
        from aerich_lint.load import read_file

        return read_file(migration)

    def load(self, migration: Migration) -> PythonInfo | None:
        from aerich_lint.load import load_text

        return load_text(migration)
