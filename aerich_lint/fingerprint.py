"""The stable identity of a finding: code scanning, GitLab and the baseline share it.

A fingerprint hashes what a finding is about, never where it is, so it does not
change when lines are inserted or removed above the statement:

    sha256 of  "aerich-lint/v1" NUL rule NUL app NUL migration file name NUL section
               NUL the statement normalised (whitespace collapsed, stripped, lower case)
               [NUL the message with every digit run replaced by "#", only for a
                finding without a statement, e.g. models-state-mismatch]

For a finding tied to a statement the message is left out (it may quote line
numbers and its wording may change between releases). Two findings of one rule
on the same statement (or the same file-level message) get the same
``fingerprint``; ``fingerprints`` tells such repeats apart by their order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aerich_lint.model import Finding

# The partialFingerprints key in SARIF; bump the version if the definition changes.
SARIF_KEY = "aerichLint/v1"
_VERSION = "aerich-lint/v1"
_DIGITS = re.compile(r"\d+")


def normalize_sql(sql: str) -> str:
    """Whitespace collapsed to one space, stripped, lower case."""
    return " ".join(sql.split()).lower()


def fingerprint(finding: Finding) -> str:
    """A hex sha256 that stays the same when the finding's lines move."""
    parts = [
        _VERSION,
        finding.rule,
        finding.app,
        finding.path.name,
        finding.section,
        normalize_sql(finding.statement),
    ]
    if not finding.statement.strip():
        parts.append(_DIGITS.sub("#", " ".join(finding.message.split())))
    # surrogatepass: a lone surrogate (an undecodable file name byte, "\\ud800" in
    # a Python string) hashes like any other character
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """``fingerprint`` of each finding, made unique: the n-th repeat (n >= 2) of
    a fingerprint, in the findings' order, hashes it again with ``#n``."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for finding in findings:
        base = fingerprint(finding)
        seen[base] = seen.get(base, 0) + 1
        n = seen[base]
        out.append(base if n == 1 else hashlib.sha256(f"{base}#{n}".encode()).hexdigest())
    return out
