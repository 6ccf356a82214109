"""Human output, one line per finding, ruff-style: ``path:line:col: severity rule message``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from aerich_lint.model import Severity

if TYPE_CHECKING:
    from aerich_lint.lint import Result

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


class TextReporter:
    def render(self, result: Result, color: bool) -> str:
        def style(text: str, **kw: object) -> str:
            return click.style(text, **kw) if color else text  # type: ignore[arg-type]

        out: list[str] = []
        for f in result.findings:
            where = style(f"{f.path}:{f.line}:{f.column}:", bold=True)
            level = style(f.severity.label, fg=_COLORS[f.severity], bold=True)
            out.append(f"{where} {level} {style(f.rule, bold=True)} {f.message}")
            out.append(style(f"  fix: {f.fix}", dim=True))
        if result.findings:
            out.append("")
        for app in result.apps:
            assert app.dialect is not None
            out.append(
                style(f"app {app.name}: {app.dialect.value} ({app.dialect_reason})", dim=True)
            )
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
            if not result.failed:
                out.append(f"No finding at or above --fail-on {result.fail_on.label}.")
        else:
            out.append(style(f"All checks passed: {files}.", fg="green", bold=True))
        if result.baselined is not None:
            n = len(result.baselined)
            out.append(
                f"{n} finding{'s' if n != 1 else ''} in the baseline "
                f"{'were' if n != 1 else 'was'} not reported."
            )
        return "\n".join(out) + "\n"
