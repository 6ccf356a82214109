"""How many findings the human outputs list: a flood is summarised, not printed.

A migration of 200,000 ``DELETE FROM t;`` statements gives 200,000 findings of one
rule in one file; printing them all buries everything else and GitHub shows 10
annotations of a kind per step anyway. Text output, the ``github`` format and the
markdown review list the first ``PER_FILE_AND_RULE`` findings of each rule in each
file, then one line saying how many more there are. JSON, SARIF, GitLab and JUnit
keep every finding: tools read them, and that is where the rest is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.model import Severity

if TYPE_CHECKING:
    from aerich_lint.model import Finding

PER_FILE_AND_RULE = 20
# GitHub shows 10 error, 10 warning and 10 notice annotations per step.
ANNOTATIONS_PER_KIND = 10
# (the github format relies on every annotated finding being within the cap)
assert ANNOTATIONS_PER_KIND <= PER_FILE_AND_RULE


@dataclass(frozen=True)
class Omitted:
    """The findings of one rule in one file left out after the first ones."""

    path: Path
    rule: str
    count: int


def _key(finding: Finding) -> tuple[str, str]:
    # str(): a Path caches its string but not its hash, which costs with 10^5 findings
    return str(finding.path), finding.rule


def capped(findings: Sequence[Finding], cap: int = PER_FILE_AND_RULE) -> list[Finding | Omitted]:
    """The findings in order, at most ``cap`` of each (file, rule); an ``Omitted``
    right after the last one shown of a group that has more."""
    totals = Counter(_key(f) for f in findings)
    seen: Counter[tuple[str, str]] = Counter()
    out: list[Finding | Omitted] = []
    for f in findings:
        key = _key(f)
        seen[key] += 1
        n = seen[key]
        if n <= cap:
            out.append(f)
            if n == cap and totals[key] > cap:
                out.append(Omitted(f.path, f.rule, totals[key] - cap))
    return out


def omitted(items: Sequence[Finding | Omitted]) -> int:
    """How many findings the ``Omitted`` entries stand for."""
    return sum(item.count for item in items if isinstance(item, Omitted))


def annotated(
    findings: Sequence[Finding], per_kind: int = ANNOTATIONS_PER_KIND
) -> tuple[set[int], dict[Severity, int]]:
    """Which findings (by ``id``) get a GitHub annotation, and per severity how many
    do not. A kind with more than ``per_kind`` findings gets ``per_kind - 1``, so
    that one annotation can say how many more there are. The first finding of every
    (file, rule) is chosen before the second of any, so that ten annotations show
    ten different problems when there are."""
    rank: Counter[tuple[str, str]] = Counter()
    totals: Counter[Severity] = Counter()
    # Only the first per_kind of a (file, rule) can be chosen: the others are counted.
    candidates: dict[Severity, list[tuple[int, int, Finding]]] = {s: [] for s in Severity}
    for position, f in enumerate(findings):
        key = _key(f)
        totals[f.severity] += 1
        if rank[key] < per_kind:
            candidates[f.severity].append((rank[key], position, f))
        rank[key] += 1
    chosen: set[int] = set()
    left_out: dict[Severity, int] = {}
    for severity, items in candidates.items():
        room = per_kind if totals[severity] <= per_kind else per_kind - 1
        items.sort(key=lambda item: (item[0], item[1]))
        chosen.update(id(f) for _, _, f in items[:room])
        if totals[severity] > room:
            left_out[severity] = totals[severity] - room
    return chosen, left_out
