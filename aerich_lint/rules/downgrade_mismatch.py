from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.history import differences, readded_not_null
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.rebuild_drops_index import lost_indexes


class DowngradeMismatchRule(Rule):
    name = "downgrade-mismatch"
    code = "AL203"
    severity = Severity.WARNING
    summary = "Upgrade then downgrade does not give back the schema from before the upgrade."
    why = (
        "After a rollback the database should be what the previous code expects. A "
        "downgrade that leaves a table or column behind, does not re-create a dropped one, or "
        "restores a column with another type, nullability or default leaves a schema that "
        "neither version of the application was written for, and the next upgrade may fail "
        "on it. A column re-added NOT NULL without a default (what aerich writes to undo a "
        "dropped NOT NULL field) fails outright on any table with rows; that case is left to "
        "add-required-column when it is enabled, so it is reported once.\n\n"
        "A difference the previous code still works with is reported at info: a default "
        "that comes back different (aerich often writes the Python default's text, or the "
        "time it ran), a column that comes back nullable, a table, a nullable column or a "
        "plain index the upgrade added and the downgrade leaves. Warnings are what breaks "
        "the previous code or the next upgrade: a table or column not restored, another "
        "type, NOT NULL where it was nullable, a NOT NULL column without a default left "
        "behind, a unique index missing or left behind."
    )
    example = (
        "-- upgrade\n"
        'ALTER TABLE "customer" DROP COLUMN "nickname";\n'
        "-- downgrade\n"
        'ALTER TABLE "customer" ADD "nickname" VARCHAR(50) NOT NULL;'
    )
    fix = (
        "Write the downgrade as the reverse of every upgrade statement. Give re-added NOT NULL "
        "columns a default (`ADD \"nickname\" VARCHAR(50) NOT NULL DEFAULT ''`) or add them "
        "nullable, backfill, then SET NOT NULL. Data dropped by the upgrade cannot come back: "
        "say so in the downgrade (raise an error) rather than restoring an empty column."
    )
    needs_history = True
    hint = "make the downgrade restore exactly the previous schema (defaults for NOT NULL)"
    native_hint = "make every operation's reverse restore the previous schema exactly"
    systems = ALL_SYSTEMS

    def check(self, ctx: Context) -> Iterator[Violation]:
        step = ctx.history
        if step is None or not step.reliable or step.downgraded is None:
            return  # an empty downgrade is missing-downgrade's finding
        if step.downgrade_problems:
            return  # downgrade-broken already says why it fails
        section = ctx.migration.section(DOWNGRADE)
        if "add-required-column" not in ctx.enabled:  # it reports these, with more detail
            for stmt, message in readded_not_null(ctx.migration, step, ctx.dialect):
                yield Violation(message, stmt, DOWNGRADE)
        # an index the upgrade's table rebuild lost is rebuild-drops-index's finding
        lost = set()
        if "rebuild-drops-index" in ctx.enabled:
            lost = {ix.name for ix in lost_indexes(ctx, UPGRADE, step.before, step.after)}
        for found in differences(step.before, step.downgraded, step.after):
            if found.index and found.index in lost:
                continue
            severity = Severity.INFO if found.minor else None
            yield Violation(found.message, section=DOWNGRADE, line=section.line, severity=severity)
