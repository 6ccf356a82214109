"""Suppression comments: which violations they hide, and the findings about the
suppressions themselves (naming no rule or an unknown one; suppressing nothing)."""

from __future__ import annotations

from aerich_lint.findings import make_finding
from aerich_lint.load import file_ignores
from aerich_lint.model import Finding, Migration, Suppression
from aerich_lint.parse import parse_suppression
from aerich_lint.policy import Policy
from aerich_lint.rules import BY_NAME, Rule, Violation, lookup


def file_suppressions(migration: Migration) -> None:
    """Read the file-wide ``aerich-lint: ignore-file`` comments into the migration."""
    if not migration.text or "aerich-lint" not in migration.text:
        return
    for line, body in file_ignores(migration.text):
        sup = parse_suppression(body, line, 1)
        sup.file_wide = True
        migration.file_suppressions.append(sup)


def _matches(sup: Suppression, rule: Rule) -> bool:
    return any(lookup(name) is rule for name in sup.rules)


def is_suppressed(rule: Rule, violation: Violation, migration: Migration) -> bool:
    """Is the violation hidden, by its statement's comment or a file-wide one? The
    suppression that hides it is marked used."""
    candidates = list(migration.file_suppressions)
    if violation.statement is not None:
        candidates = violation.statement.suppressions + candidates
    for sup in candidates:
        if _matches(sup, rule):
            sup.used.add(rule.name)
            return True
    return False


def _all_suppressions(migration: Migration) -> list[Suppression]:
    out = list(migration.file_suppressions)
    for section in migration.sections.values():
        for stmt in section.statements:
            out.extend(stmt.suppressions)
    return out


def suppression_findings(
    migration: Migration, policy: Policy, ignored_here: set[str]
) -> list[Finding]:
    """unknown-suppression and unused-suppression, once every rule has run."""
    unknown_rule, unused_rule = BY_NAME["unknown-suppression"], BY_NAME["unused-suppression"]
    out: list[Finding] = []
    for sup in _all_suppressions(migration):
        where = Violation("", section=sup.section, line=sup.line)
        if not sup.rules:
            if unknown_rule.name in policy.enabled - ignored_here:
                where.message = "suppression names no rule: write `aerich-lint: ignore RULE`"
                out.append(make_finding(unknown_rule, where, migration, policy))
            continue
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
                and rule.name not in sup.used
                and rule.name in policy.enabled
                and unused_rule.name in policy.enabled - ignored_here
            ):
                kind = "file-wide suppression" if sup.file_wide else "suppression"
                where = Violation(
                    f"{kind} of {rule.name} suppresses nothing", section=sup.section, line=sup.line
                )
                out.append(make_finding(unused_rule, where, migration, policy))
    return out
