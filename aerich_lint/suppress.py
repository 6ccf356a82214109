"""Suppression comments: which violations they hide, and the findings about the
suppressions themselves (naming no rule or an unknown one; suppressing nothing)."""

from __future__ import annotations

from aerich_lint.findings import make_finding
from aerich_lint.load import file_ignores
from aerich_lint.model import Finding, Migration, Suppression
from aerich_lint.parse import parse_suppression
from aerich_lint.policy import Policy
from aerich_lint.rules import rule_name
from aerich_lint.rules.registry import BY_NAME, Rule, Violation, lookup


def file_suppressions(migration: Migration) -> list[Suppression]:
    """The file-wide ``aerich-lint: ignore-file`` comments of the migration."""
    if not migration.text or "aerich-lint" not in migration.text:
        return []
    out = []
    for line, body in file_ignores(migration.text):
        sup = parse_suppression(body, line, 1)
        sup.file_wide = True
        out.append(sup)
    return out


class Suppressions:
    """One migration's suppression comments as one check uses them: which hide a
    violation, and (once every rule has run) which hid nothing. What was used is the
    check's own state, not the migration's."""

    def __init__(self, migration: Migration) -> None:
        self.migration = migration
        self.file_wide = file_suppressions(migration)
        self.used: dict[int, set[str]] = {}  # id(suppression) -> the rules it hid

    def hides(self, rule: Rule, violation: Violation) -> bool:
        """Is the violation hidden, by its statement's comment or a file-wide one?"""
        candidates = self.file_wide
        if violation.statement is not None:
            candidates = violation.statement.suppressions + candidates
        for sup in candidates:
            if any(rule_name(name) == rule.name for name in sup.rules):
                self.used.setdefault(id(sup), set()).add(rule.name)
                return True
        return False

    def _all(self) -> list[Suppression]:
        out = list(self.file_wide)
        for section in self.migration.sections.values():
            for stmt in section.statements:
                out.extend(stmt.suppressions)
        return out

    def findings(self, policy: Policy, ignored_here: set[str]) -> list[Finding]:
        """unknown-suppression and unused-suppression, once every rule has run."""
        migration = self.migration
        unknown_rule, unused_rule = BY_NAME["unknown-suppression"], BY_NAME["unused-suppression"]
        out: list[Finding] = []
        for sup in self._all():
            where = Violation("", section=sup.section, line=sup.line)
            if not sup.rules:
                if unknown_rule.name in policy.enabled - ignored_here:
                    where.message = "suppression names no rule: write `aerich-lint: ignore RULE`"
                    out.append(make_finding(unknown_rule, where, migration, policy))
                continue
            used = self.used.get(id(sup), set())
            for name in sup.rules:
                rule = lookup(name)
                if rule is None:
                    if unknown_rule.name in policy.enabled - ignored_here:
                        where = Violation(
                            f"suppression names unknown rule {name!r}",
                            section=sup.section,
                            line=sup.line,
                        )
                        out.append(make_finding(unknown_rule, where, migration, policy))
                elif (
                    not rule.verify_only  # only `aerich-lint verify` can use it
                    and rule.name not in used
                    and rule.name in policy.enabled
                    and unused_rule.name in policy.enabled - ignored_here
                ):
                    kind = "file-wide suppression" if sup.file_wide else "suppression"
                    where = Violation(
                        f"{kind} of {rule.name} suppresses nothing",
                        section=sup.section,
                        line=sup.line,
                    )
                    out.append(make_finding(unused_rule, where, migration, policy))
        return out


def is_suppressed(rule: Rule, violation: Violation, migration: Migration) -> bool:
    """For a single violation outside a check (verify's findings)."""
    return Suppressions(migration).hides(rule, violation)
