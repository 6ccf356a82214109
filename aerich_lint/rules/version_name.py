from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation

_LEADING_ZERO = re.compile(r"^0\d")


class VersionNameRule(Rule):
    name = "version-name"
    code = "AL211"
    severity = Severity.WARNING
    summary = "A file name aerich skips or cannot address; gaps in numbering."
    why = (
        "Aerich lists an app's migrations with pkgutil: a file whose name has an extra dot is "
        "not a module name and is silently skipped, and so is a name without a number before "
        "its first underscore (aerich's check: `name.split('_')[0].isdigit()`), so that "
        "migration never runs. Files starting with `.` or `_` are skipped too (aerich-lint "
        "does not read them either). Everything else after the number is free: aerich writes "
        "`--name` verbatim (`<version>_<YYYYMMDDHHMMSS>_<name>.py`), spaces and hyphens "
        "included, and runs the files in numeric order of the version, whatever the rest of "
        "the name. A version written with a leading zero (info) runs, but "
        "`aerich downgrade -v 1` looks for a recorded file name starting with `1_` and never "
        "finds `01_...`. A gap in the numbering (info) often means a migration was deleted "
        "or never committed."
    )
    example = "migrations/models/3_20240301120000_add.sku.py"
    fix = (
        "Rename the file before any database applies it (aerich records applied migrations by "
        "file name): `3_20240301120000_add_sku.py`, with no dot but the one of `.py`, the "
        "version number first and without leading zeros. For a gap, check that no migration "
        "was lost in a merge."
    )
    hint = "rename to <version>_<YYYYMMDDHHMMSS>_<name>.py: number first, no extra dots"

    def check(self, ctx: Context) -> Iterator[Violation]:
        path = ctx.migration.path
        version = ctx.migration.version
        if version is None:
            yield Violation(
                f"{path.name} has no version number before its first underscore: aerich "
                f"never runs it"
            )
            return
        # Only .py files are modules to aerich's loader; the .sql and .json files of
        # aerich < 0.7 were listed by suffix (and are old-format's business).
        if path.suffix == ".py" and "." in path.stem:
            yield Violation(f"{path.name} has a dot in its name: aerich's loader skips it")
            return
        if _LEADING_ZERO.match(path.name):
            number = path.name.split("_", 1)[0]
            yield Violation(
                f"version {number} has a leading zero: aerich runs it as {version}, but "
                f"`aerich downgrade -v {version}` cannot find it (it looks for {version}_...)",
                severity=Severity.INFO,
            )
        versions = ctx.app.versions
        at = bisect.bisect_left(versions, version)
        if at and versions[at - 1] < version - 1:
            missing = version - versions[at - 1] - 1
            yield Violation(
                f"version {version} follows {versions[at - 1]}: "
                f"{missing} version{'s' if missing > 1 else ''} missing",
                severity=Severity.INFO,
            )
