"""GitHub Actions workflow commands: annotations for the findings, then a summary.

    ::error file=PATH,line=L,col=C,title=RULE (CODE)::MESSAGE — fix: HINT

``warning`` for warnings, ``notice`` for info. Paths are relative to the
repository root, as GitHub resolves them. Untrusted text is first made one line
(``escape.visible``: a newline in a name shows as ``\\n``, never as a line break in
the log or the annotation), then escaped as GitHub's toolkit does: ``%``, CR and
LF in the message; also ``:`` and ``,`` in the properties.

GitHub shows 10 annotations of each kind per step and drops the rest, so at most
10 of each are written (``cap.annotated``: the first finding of every rule in
every file before the second of any); past that, one annotation of the kind says
how many more there are. ``--format github`` prints the findings without an
annotation as text lines (at most 20 of a rule in a file, ``cap``), so the job
log still has them. Run without ``--format`` inside GitHub Actions, ``check``
prints the text output followed by ``annotation_lines`` (see ``cli``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aerich_lint.model import Severity
from aerich_lint.report.cap import (
    ANNOTATIONS_PER_KIND,
    PER_FILE_AND_RULE,
    Omitted,
    annotated,
    capped,
)
from aerich_lint.report.escape import guard, visible
from aerich_lint.report.location import ci_path
from aerich_lint.report.text import finding_lines, omitted_line

if TYPE_CHECKING:
    from aerich_lint.model import Finding
    from aerich_lint.options import Result

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_KINDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info finding"}


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
    joined = ",".join(f"{key}={escape_property(visible(value))}" for key, value in props.items())
    message = escape_data(f"{visible(finding.message)} — fix: {visible(finding.fix)}")
    return f"::{COMMANDS[finding.severity]} {joined}::{message}"


def _more(severity: Severity, count: int) -> str:
    """The annotation that stands for the ``count`` findings of a kind left out."""
    kind = _KINDS[severity] + ("s" if count != 1 else "")
    return (
        f"::{COMMANDS[severity]} title=aerich-lint::{count} more {kind} without an annotation "
        f"(GitHub shows {ANNOTATIONS_PER_KIND} per step): the job log lists them (the first "
        f"{PER_FILE_AND_RULE} of a rule in a file), --format json or sarif every one"
    )


def annotation_lines(result: Result) -> str:
    """The annotations alone (at most 10 of a kind), each ending in a newline."""
    chosen, left_out = annotated(result.findings)
    lines = [annotation(f) for f in result.findings if id(f) in chosen]
    lines += [_more(s, n) for s, n in sorted(left_out.items(), reverse=True)]
    return "".join(line + "\n" for line in lines)


def summary(result: Result) -> str:
    files = f"{result.files} migration{'s' if result.files != 1 else ''}"
    errors = len(result.errors)
    incomplete = f"incomplete run: {errors} error{'s' if errors != 1 else ''} (on stderr)"
    if not result.findings:
        if errors:
            return f"aerich-lint: {incomplete}; no problems found in {files}."
        return f"aerich-lint: all checks passed: {files}."
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    parts = ", ".join(
        f"{counts[s]} {s.label}{'s' if counts[s] != 1 and s != Severity.INFO else ''}"
        for s in sorted(Severity, reverse=True)
        if counts[s]
    )
    total = len(result.findings)
    line = f"aerich-lint: {total} problem{'s' if total != 1 else ''} ({parts}) in {files}"
    return f"{line}; {incomplete}." if errors else f"{line}."


class GithubReporter:
    def render(self, result: Result, color: bool) -> str:
        chosen, left_out = annotated(result.findings)
        lines: list[str] = []
        # An annotated finding is among the first 10 of its rule in its file, so
        # within the cap of the text lines (20).
        for item in capped(result.findings):
            if isinstance(item, Omitted):
                lines.append(guard(omitted_line(item)))
            elif id(item) in chosen:
                lines.append(annotation(item))
            else:
                lines += [guard(line) for line in finding_lines(item)]
        lines += [_more(s, n) for s, n in sorted(left_out.items(), reverse=True)]
        return "".join(line + "\n" for line in lines) + summary(result) + "\n"
