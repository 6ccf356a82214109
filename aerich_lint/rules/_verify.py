"""Shared base of the rules `aerich-lint verify` reports: they need a database,
so the static check never yields them; verify builds their violations itself."""

from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.rules.base import Context, Rule, Violation


class VerifyRule(Rule):
    verify_only = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        return iter(())
