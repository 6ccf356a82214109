from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation


class DuplicateVersionRule(Rule):
    name = "duplicate-version"
    code = "AL210"
    severity = Severity.ERROR
    summary = "Two migration files in one app folder have the same version number."
    why = (
        "Two branches that each ran `aerich migrate` both add migration N. Aerich applies "
        "both, in name order, and records each; but the next `aerich migrate` takes only one "
        "of them as its baseline (the last by version) and generates drops for what the other "
        "added. Databases that applied the two in different orders end up different."
    )
    example = (
        "migrations/models/5_20240301120000_add_sku.py\n"
        "migrations/models/5_20240302093000_add_tags.py"
    )
    fix = (
        "After merging, renumber the later file (`6_...`) only if no database has applied it; "
        "otherwise delete both files' changes from the branch that merged second and run "
        "`aerich migrate` again on top of the merged history, so that one migration carries "
        "the combined MODELS_STATE."
    )
    hint = "renumber or regenerate so each version appears once"

    def check(self, ctx: Context) -> Iterator[Violation]:
        version = ctx.migration.version
        if version is None:
            return
        name = ctx.migration.path.name
        same = [n for n in ctx.app.by_version.get(version, []) if n != name]
        if same:
            others = ", ".join(same)
            yield Violation(f"version {version} is also used by {others}")
