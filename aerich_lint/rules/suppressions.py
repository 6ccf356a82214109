"""Rules about suppression comments themselves; the engine reports them."""

from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class UnknownSuppressionRule(Rule):
    name = "unknown-suppression"
    code = "AL004"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A suppression comment names a rule that does not exist."
    why = (
        "A misspelled rule name suppresses nothing, so the finding it was meant to silence "
        "still fails the check, or worse, the author believes a hazard was reviewed when the "
        "comment covers a different rule."
    )
    example = (
        '-- aerich-lint: ignore drop-colum legacy field\nALTER TABLE "product" DROP COLUMN "name";'
    )
    fix = "Use a name from `aerich-lint rules` (names and codes both work)."
    hint = "use a rule name or code listed by `aerich-lint rules`"

    def check(self, ctx: Context) -> Iterator[Violation]:
        return iter(())


class UnusedSuppressionRule(Rule):
    name = "unused-suppression"
    code = "AL005"
    systems = ALL_SYSTEMS
    severity = Severity.INFO
    summary = "A suppression comment suppresses nothing."
    why = (
        "The statement it sits on no longer triggers the rule (the SQL changed, or the "
        "comment is on the wrong line). Stale suppressions hide future findings on that "
        "statement and mislead reviewers."
    )
    example = '-- aerich-lint: ignore drop-table\nALTER TABLE "product" ADD "stock" INT;'
    fix = (
        "Remove the comment, or move it to the line just before the statement it is meant "
        "for (or to the end of that statement's last line)."
    )
    hint = "remove the comment or move it onto the statement it is for"

    def check(self, ctx: Context) -> Iterator[Violation]:
        return iter(())
