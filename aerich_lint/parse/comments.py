"""Suppression comments as written: ``-- aerich-lint: ignore RULE[, RULE] reason``."""

from __future__ import annotations

import re

from aerich_lint.model import Suppression

SUPPRESS = re.compile(r"--[ \t]*aerich-lint:[ \t]*ignore(?![-\w])(?P<body>[^\n]*)", re.IGNORECASE)
_RULE_LIST = re.compile(r"^[ \t]*(?P<rules>[\w-]+(?:[ \t]*,[ \t]*[\w-]+)*)[ \t]*(?P<reason>.*)$")


def parse_suppression(body: str, line: int, column: int) -> Suppression:
    match = _RULE_LIST.match(body)
    if match is None:
        return Suppression(rules=(), line=line, column=column, reason=body.strip())
    rules = tuple(r.strip() for r in match.group("rules").split(","))
    reason = match.group("reason").strip().lstrip(":-").strip()
    return Suppression(rules=rules, line=line, column=column, reason=reason)
