"""aerich's migrations: ``<version>_<timestamp>_<name>.py`` (0.7+), ``.sql`` (0.4-0.6)
and ``.json`` (0.1-0.3) files in ``migrations/<app>/``, applied in version order."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.discover import sort_key
from aerich_lint.load import load_text, new_migration, read_file

if TYPE_CHECKING:
    from aerich_lint.load.python import PythonInfo
    from aerich_lint.model import Migration


class AerichSource:
    kind = "aerich"

    def order(self, files: list[Path]) -> list[Path]:
        return sorted(files, key=sort_key)

    def open(self, path: Path, app: str) -> Migration:
        return new_migration(path, app)

    def read(self, migration: Migration) -> bytes | None:
        return read_file(migration)

    def load(self, migration: Migration) -> PythonInfo | None:
        return load_text(migration)
