"""Human output, one line per finding, ruff-style: ``path:line:col: severity rule message``.

Everything taken from the migrations, the config or the file system goes through
``escape.visible``, so a finding is always one physical line with no terminal
escape in it; only our own colour codes are written. The first 20 findings of a
rule in a file are listed, then one line counts the rest (``cap``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from aerich_lint.model import Severity
from aerich_lint.report.cap import PER_FILE_AND_RULE, Omitted, capped, omitted
from aerich_lint.report.escape import guard, path_text, visible

if TYPE_CHECKING:
    from aerich_lint.model import Finding
    from aerich_lint.options import Result

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}

Style = Callable[..., str]


def plain(text: str, **kw: object) -> str:
    return text


def finding_lines(f: Finding, style: Style = plain) -> list[str]:
    """The finding's line and its fix line."""
    where = style(f"{path_text(f.path)}:{f.line}:{f.column}:", bold=True)
    level = style(f.severity.label, fg=_COLORS[f.severity], bold=True)
    return [
        f"{where} {level} {style(f.rule, bold=True)} {visible(f.message)}",
        style(f"  fix: {visible(f.fix)}", dim=True),
    ]


def omitted_line(item: Omitted) -> str:
    """What stands for the findings of a rule in a file after the first ones."""
    s = "s" if item.count != 1 else ""
    return (
        f"{path_text(item.path)}: {item.count} more {item.rule} finding{s} not shown "
        f"(only the first {PER_FILE_AND_RULE} of a rule in a file are; --format json lists all)"
    )


def incomplete(result: Result) -> str:
    """Said instead of a verdict when the run had errors (exit code 2)."""
    n = len(result.errors)
    return f"Incomplete run: {n} error{'s' if n != 1 else ''} (on stderr)."


class TextReporter:
    def render(self, result: Result, color: bool) -> str:
        def style(text: str, **kw: object) -> str:
            return click.style(text, **kw) if color else text  # type: ignore[arg-type]

        out: list[str] = []
        items = capped(result.findings)
        for item in items:
            if isinstance(item, Omitted):
                out.append(style(omitted_line(item), bold=True))
            else:
                out += finding_lines(item, style)
        if result.findings:
            out.append("")
        for app in result.apps:
            assert app.dialect is not None
            line = f"app {visible(app.name)}: {app.dialect.value} ({visible(app.dialect_reason)})"
            note = app.execution_note()
            out.append(style(f"{line}; {visible(note)}" if note else line, dim=True))
        counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
        files = f"{result.files} migration{'s' if result.files != 1 else ''}"
        if result.findings:
            parts = [
                f"{counts[s]} {s.label}{'s' if counts[s] != 1 and s != Severity.INFO else ''}"
                for s in sorted(Severity, reverse=True)
                if counts[s]
            ]
            total = len(result.findings)
            line = (
                f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files}."
            )
            out.append(style(line, bold=True))
            hidden = omitted(items)
            if hidden:
                out.append(
                    f"{hidden} of them not shown: at most {PER_FILE_AND_RULE} of a rule in a "
                    "file are listed (--format json lists all)."
                )
            if result.errors:
                out.append(style(incomplete(result), fg="red", bold=True))
            elif not result.failed:
                out.append(f"No finding at or above --fail-on {result.fail_on.label}.")
        elif result.errors:
            out.append(
                style(f"{incomplete(result)} No problems found in {files}.", fg="red", bold=True)
            )
        else:
            out.append(style(f"All checks passed: {files}.", fg="green", bold=True))
        if result.baselined is not None:
            n = len(result.baselined)
            out.append(
                f"{n} finding{'s' if n != 1 else ''} in the baseline "
                f"{'were' if n != 1 else 'was'} not reported."
            )
        # Every field is escaped above; this is the net for a line that is not.
        return guard("\n".join(out) + "\n", keep_sgr=color)
