from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation

# What aerich writes: <version>_<YYYYMMDDHHMMSS>_<name>.py
_AERICH_NAME = re.compile(r"^\d+_\d{14}_[A-Za-z0-9_]+\.py$")


class VersionNameRule(Rule):
    name = "version-name"
    code = "AL211"
    severity = Severity.WARNING
    summary = "A file name aerich skips, mis-orders or did not write; gaps in numbering."
    why = (
        "Aerich lists migrations with pkgutil: a name with an extra dot is not a module name "
        "and is silently skipped, so that migration never runs. A name without a digit prefix "
        "before the first underscore is skipped as well. A name aerich did not write "
        "(`<version>_<YYYYMMDDHHMMSS>_<name>.py`) is usually a hand-made or renamed file and "
        "deserves a second look. A gap in the numbering (info) often means a migration was "
        "deleted or never committed."
    )
    example = "migrations/models/3_20240301120000_add.sku.py"
    fix = (
        "Rename the file to aerich's pattern, `3_20240301120000_add_sku.py`, before any "
        "database applies it (aerich records applied migrations by file name). For a gap, "
        "check that no migration was lost in a merge."
    )
    hint = "rename to <version>_<YYYYMMDDHHMMSS>_<name>.py with no extra dots"

    def check(self, ctx: Context) -> Iterator[Violation]:
        path = ctx.migration.path
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        if ctx.migration.version is None:
            yield Violation(
                f"{path.name} has no version number before its first underscore: aerich "
                f"never runs it"
            )
            return
        if "." in stem:
            yield Violation(f"{path.name} has a dot in its name: aerich's loader skips it")
            return
        if path.suffix == ".py" and not _AERICH_NAME.match(path.name):
            yield Violation(
                f"{path.name} is not a name aerich writes (<version>_<YYYYMMDDHHMMSS>_<name>.py)"
            )
        versions = ctx.app.versions
        at = bisect.bisect_left(versions, ctx.migration.version)
        if at and versions[at - 1] < ctx.migration.version - 1:
            missing = ctx.migration.version - versions[at - 1] - 1
            yield Violation(
                f"version {ctx.migration.version} follows {versions[at - 1]}: "
                f"{missing} version{'s' if missing > 1 else ''} missing",
                severity=Severity.INFO,
            )
