"""SARIF 2.1.0, as GitHub code scanning uploads it (``github/codeql-action/upload-sarif``).

Every rule is listed in ``tool.driver.rules`` (not only those found), so code
scanning can show any rule's help. Result paths are relative to the repository
root (``%SRCROOT%``); ``partialFingerprints`` keeps an alert the same alert when
lines move (see ``report.fingerprint``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aerich_lint import __version__
from aerich_lint.docs import explain
from aerich_lint.fingerprint import SARIF_KEY, fingerprints
from aerich_lint.model import Severity
from aerich_lint.report.escape import json_safe
from aerich_lint.report.location import repo_relative, repo_root
from aerich_lint.rules.registry import RULES

if TYPE_CHECKING:
    from aerich_lint.model import Finding
    from aerich_lint.options import Result
    from aerich_lint.rules.registry import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/aerich-lint/"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def camel_case(name: str) -> str:
    """``drop-table`` -> ``DropTable``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = explain(rule)
    return {
        "id": rule.name,
        "name": camel_case(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "code": rule.code,
            "tags": ["migrations", *sorted(d.value for d in rule.dialects)],
        },
    }


def _location(finding: Finding) -> dict[str, Any]:
    rel = repo_relative(finding.path)
    if rel is not None:
        # surrogateescape: the bytes of a file name that is not UTF-8, percent-encoded
        artifact = {"uri": quote(rel, errors="surrogateescape"), "uriBaseId": SRCROOT}
    else:  # outside the repository: an absolute file URI
        artifact = {"uri": Path(os.path.abspath(finding.path)).as_uri()}
    return {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": finding.line, "startColumn": finding.column},
        }
    }


def _base_uri() -> str:
    uri = repo_root().as_uri()
    return uri if uri.endswith("/") else uri + "/"


class SarifReporter:
    def render(self, result: Result, color: bool) -> str:
        index = {rule.name: i for i, rule in enumerate(RULES)}
        results = []
        for finding, fp in zip(result.findings, fingerprints(result.findings), strict=True):
            item: dict[str, Any] = {
                "ruleId": finding.rule,
                "level": LEVELS[finding.severity],
                "message": {"text": f"{finding.message} — fix: {finding.fix}"},
                "locations": [_location(finding)],
                "partialFingerprints": {SARIF_KEY: fp},
                "properties": {
                    "code": finding.code,
                    "app": finding.app,
                    "section": finding.section,
                },
            }
            if finding.rule in index:
                item["ruleIndex"] = index[finding.rule]
            results.append(item)
        notifications = [
            {"level": level, "message": {"text": text}}
            for level, texts in (("error", result.errors), ("warning", result.warnings))
            for text in texts
        ]
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "aerich-lint",
                    "version": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": [_rule(rule) for rule in RULES],
                }
            },
            "invocations": [
                {
                    "executionSuccessful": not result.errors,
                    "toolExecutionNotifications": notifications,
                }
            ],
            "originalUriBaseIds": {SRCROOT: {"uri": _base_uri()}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
        return json_safe(json.dumps(log, indent=2)) + "\n"
