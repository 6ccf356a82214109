"""GitLab Code Quality: a JSON list of Code Climate issues (``artifacts:reports:codequality``).

Severity: error -> ``major``, warning -> ``minor``, info -> ``info``. aerich-lint
has three levels; ``critical`` and ``blocker`` are left for tools that rank
above "this migration fails or loses data", so an aerich-lint error sorts with
other tools' major issues rather than above them. Categories: ``Style`` for
the suppression-comment rules, ``Bug Risk`` for every other rule. Paths are
relative to the repository root; ``fingerprint`` is the stable one of
``report.fingerprint`` (unique within the report).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aerich_lint.fingerprint import fingerprints
from aerich_lint.model import Severity
from aerich_lint.report.escape import json_safe
from aerich_lint.report.location import ci_path

if TYPE_CHECKING:
    from aerich_lint.options import Result

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
STYLE_RULES = frozenset({"unknown-suppression", "unused-suppression"})


class GitlabReporter:
    def render(self, result: Result, color: bool) -> str:
        issues: list[dict[str, Any]] = [
            {
                "type": "issue",
                "engine_name": "aerich-lint",
                "check_name": f.rule,
                "description": f"{f.message} — fix: {f.fix}",
                "content": {"body": f"{f.rule} ({f.code}): {f.fix}"},
                "categories": ["Style" if f.rule in STYLE_RULES else "Bug Risk"],
                "severity": SEVERITIES[f.severity],
                "fingerprint": fp,
                "location": {"path": ci_path(f.path), "lines": {"begin": f.line}},
            }
            for f, fp in zip(result.findings, fingerprints(result.findings), strict=True)
        ]
        return json_safe(json.dumps(issues, indent=2)) + "\n"
