"""Shared base of the rules `aerich-lint status` reports: they read a live database
(read-only), so neither the static check nor verify yields them; status builds their
violations itself."""

from __future__ import annotations

from aerich_lint.rules._verify import VerifyRule


class StatusRule(VerifyRule):
    reported_by = "status"
