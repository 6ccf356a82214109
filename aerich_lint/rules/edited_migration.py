from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class EditedMigrationRule(Rule):
    name = "edited-migration"
    code = "AL230"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "The upgrade of a migration that already existed was edited (only with --since)."
    why = (
        "Aerich records applied migrations by file name in its `aerich` table and "
        "`aerich upgrade` skips every file whose name is recorded: databases that already "
        "ran this file (production, staging, every colleague's) will never see the edit, "
        "while fresh databases (tests, new environments) get the edited version. The schemas "
        "drift apart silently, and the next generated migration is computed against a state "
        "some databases do not have. Only active with `--since REF`: a file counts as edited "
        "when it existed at `git merge-base REF HEAD` and its upgrade SQL is different now "
        "(whitespace aside). Editing only the downgrade is not reported: `aerich downgrade` "
        "reads the file from disk, so a repaired downgrade is used."
    )
    example = (
        "# 3_20240301000000_add_sku.py was merged and applied last month; this branch edits it:\n"
        "async def upgrade(db):\n"
        '-    return \'ALTER TABLE "product" ADD "sku" VARCHAR(50);\'\n'
        '+    return \'ALTER TABLE "product" ADD "sku" VARCHAR(80);\''
    )
    fix = (
        "Revert the edit (`git checkout REF -- path/to/migration.py`) and put the change in "
        "a new migration: change the model and run `aerich migrate`, or write the ALTER in "
        "a new file after the newest one. If the file was never applied anywhere (it only "
        "exists on branches that were not deployed), suppress this finding with "
        "`# aerich-lint: ignore-file edited-migration <reason>`."
    )
    hint = "revert the edit and put the change in a new migration"

    def check(self, ctx: Context) -> Iterator[Violation]:
        if not ctx.edited:
            return
        section = ctx.migration.section(UPGRADE)
        yield Violation(
            "this migration existed before and its upgrade was edited: aerich records applied "
            "migrations by file name, so databases that already ran this file will never see "
            "the edit",
            section=UPGRADE,
            line=section.line if section.defined else 1,
        )
