"""GitHub Actions workflow commands: one annotation per finding, then a summary.

    ::error file=PATH,line=L,col=C,title=RULE (CODE)::MESSAGE — fix: HINT

``warning`` for warnings, ``notice`` for info. Paths are relative to the
repository root, as GitHub resolves them. Escaping follows GitHub's toolkit:
``%``, CR and LF in the message; also ``:`` and ``,`` in the properties.
Run without ``--format`` inside GitHub Actions, ``check`` prints the text
output followed by these annotations (see ``cli``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aerich_lint.model import Severity
from aerich_lint.report.location import ci_path

if TYPE_CHECKING:
    from aerich_lint.lint import Result
    from aerich_lint.model import Finding

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    props = {
        "file": ci_path(finding.path),
        "line": str(finding.line),
        "col": str(finding.column),
        "title": f"{finding.rule} ({finding.code})",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    message = escape_data(f"{finding.message} — fix: {finding.fix}")
    return f"::{COMMANDS[finding.severity]} {joined}::{message}"


def annotation_lines(result: Result) -> str:
    """The annotation lines alone, each ending in a newline."""
    return "".join(annotation(f) + "\n" for f in result.findings)


def summary(result: Result) -> str:
    files = f"{result.files} migration{'s' if result.files != 1 else ''}"
    if not result.findings:
        return f"aerich-lint: all checks passed: {files}."
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    parts = ", ".join(
        f"{counts[s]} {s.label}{'s' if counts[s] != 1 and s != Severity.INFO else ''}"
        for s in sorted(Severity, reverse=True)
        if counts[s]
    )
    total = len(result.findings)
    return f"aerich-lint: {total} problem{'s' if total != 1 else ''} ({parts}) in {files}."


class GithubReporter:
    def render(self, result: Result, color: bool) -> str:
        return annotation_lines(result) + summary(result) + "\n"
