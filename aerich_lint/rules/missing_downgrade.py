from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import DOWNGRADE, UPGRADE, Severity
from aerich_lint.rules.base import Context, Rule, Violation


class MissingDowngradeRule(Rule):
    name = "missing-downgrade"
    code = "AL110"
    severity = Severity.WARNING
    summary = "The upgrade changes the schema but the downgrade is absent or does nothing."
    why = (
        "`aerich downgrade` runs the downgrade SQL and then deletes the migration's row from "
        "the aerich table. With an empty downgrade (no function, an empty string, only "
        "comments or semicolons) it reports a successful rollback that undid nothing: the "
        "database keeps the new schema while aerich believes it is back at the previous "
        "version, and the next upgrade fails or applies twice. The first migration of an app "
        "(aerich's init, which aerich never gives a downgrade) is reported as info only."
    )
    example = (
        "async def upgrade(db):\n"
        '    return \'ALTER TABLE "product" ADD "stock" INT NOT NULL DEFAULT 0;\'\n\n'
        "async def downgrade(db):\n"
        '    return ""'
    )
    fix = (
        "Write the inverse of every upgrade statement, in reverse order: "
        '`ALTER TABLE "product" DROP COLUMN "stock";`. If the change truly cannot be undone, '
        "make the downgrade fail loudly instead of silently "
        '(`raise RuntimeError("irreversible migration")`) and suppress this rule for the file '
        "with `# aerich-lint: ignore-file missing-downgrade`."
    )
    hint = "write the inverse statements in downgrade(), in reverse order"

    def check(self, ctx: Context) -> Iterator[Violation]:
        upgrade = ctx.statements(UPGRADE)
        if not upgrade:
            return
        section = ctx.migration.section(DOWNGRADE)
        if section.error or ctx.statements(DOWNGRADE):
            return
        if not section.defined:
            how = "has no downgrade"
        elif section.dynamic:
            how = "has a downgrade() that runs no SQL"
        else:
            how = "has an empty downgrade (nothing but whitespace, comments or semicolons)"
        count = len(upgrade)
        message = (
            f"the upgrade runs {count} statement{'s' if count != 1 else ''} but the migration "
            f"{how}: `aerich downgrade` would report success and undo nothing"
        )
        severity = None
        if ctx.is_first:
            message += " (first migration of the app: aerich's init has no downgrade)"
            severity = Severity.INFO
        yield Violation(
            message,
            section=DOWNGRADE,
            line=section.line if section.defined else 1,
            severity=severity,
        )
