"""Rule documentation rendered from the rules' own metadata (one source of truth).

``aerich-lint explain RULE``, ``aerich-lint rules`` and the README rule table
(``aerich-lint rules --format markdown``) all come from here.
"""

from __future__ import annotations

import json
import textwrap

from aerich_lint.rules.registry import RULES, Rule


def _dialects(rule: Rule) -> str:
    return ", ".join(sorted(d.value for d in rule.dialects))


def rules_text() -> str:
    width = max(len(r.name) for r in RULES) + 2
    lines = [f"{'CODE':<7}{'RULE':<{width}}{'SEVERITY':<10}SUMMARY"]
    for r in RULES:
        lines.append(f"{r.code:<7}{r.name:<{width}}{r.severity.label:<10}{r.summary}")
    return "\n".join(lines) + "\n"


def rules_json() -> str:
    return (
        json.dumps(
            [
                {
                    "name": r.name,
                    "code": r.code,
                    "severity": r.severity.label,
                    "summary": r.summary,
                    "why": r.why,
                    "example": r.example,
                    "fix": r.fix,
                    "hint": r.hint,
                    "dialects": sorted(d.value for d in r.dialects),
                    "enabled_by_default": r.enabled_by_default,
                    "verify_only": r.verify_only,
                }
                for r in RULES
            ],
            indent=2,
        )
        + "\n"
    )


def rules_markdown() -> str:
    lines = ["| Code | Rule | Severity | What it catches |", "|---|---|---|---|"]
    for r in RULES:
        lines.append(f"| {r.code} | `{r.name}` | {r.severity.label} | {r.summary} |")
    return "\n".join(lines) + "\n"


def explain(rule: Rule) -> str:
    def wrap(text: str) -> str:
        return "\n".join(textwrap.fill(p, 88) for p in text.split("\n\n"))

    parts = [
        f"{rule.name} ({rule.code})",
        "",
        f"Severity: {rule.severity.label}. Dialects: {_dialects(rule)}."
        + ("" if rule.enabled_by_default else " Off by default (enable with --extend-select).")
        + (
            f" Reported by `aerich-lint {rule.reported_by}` (needs a database)."
            if rule.verify_only
            else ""
        ),
        "",
        "## What it does",
        wrap(rule.summary),
        "",
        "## Why is this bad?",
        wrap(rule.why),
        "",
        "## Example",
        textwrap.indent(rule.example, "    "),
        "",
        "## Use instead",
        wrap(rule.fix),
        "",
        "## Suppress",
        f"    -- aerich-lint: ignore {rule.name} <reason>",
    ]
    return "\n".join(parts) + "\n"
