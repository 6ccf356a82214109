"""Machine output: one JSON document, stable field names (``version`` 1).

Every finding, with the exact text of the migrations (JSON escapes control
characters; ``##[`` is written ``##\\u005b`` so that the document is inert when
printed in a GitHub Actions log).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aerich_lint import __version__
from aerich_lint.model import Severity
from aerich_lint.report.escape import json_safe

if TYPE_CHECKING:
    from aerich_lint.options import Result


class JsonReporter:
    def render(self, result: Result, color: bool) -> str:
        findings = [
            {
                "rule": f.rule,
                "code": f.code,
                "severity": f.severity.label,
                "path": f.path.as_posix(),
                "line": f.line,
                "column": f.column,
                "app": f.app,
                "migration": f.migration,
                "version": f.version,
                "section": f.section,
                "statement": f.statement,
                "message": f.message,
                "fix": f.fix,
            }
            for f in result.findings
        ]
        summary: dict[str, Any] = {
            "files": result.files,
            "findings": len(findings),
            **{s.label: sum(1 for f in result.findings if f.severity == s) for s in Severity},
            "fail_on": result.fail_on.label,
            "failed": result.failed,
            "baselined": len(result.baselined or []),
            "apps": [
                {
                    "app": a.name,
                    "folder": a.folder.as_posix(),
                    "dialect": a.dialect.value if a.dialect else None,
                    "dialect_reason": a.dialect_reason,
                    "executed": a.executed,
                    "not_executed": a.not_executed,
                    "sandbox": a.sandbox,
                }
                for a in result.apps
            ],
            "errors": result.errors,
            "warnings": result.warnings,
        }
        doc = {
            "version": 1,
            "tool": {"name": "aerich-lint", "version": __version__},
            "findings": findings,
            "summary": summary,
            **result.extra,
        }
        return json_safe(json.dumps(doc, indent=2)) + "\n"
