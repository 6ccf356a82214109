"""The per-app summary status prints under the findings (text and markdown); JSON
carries the same under its ``status`` key. Names from the database and the files
are untrusted: text is made inert by the caller (``report.escape.guard``), markdown
escapes each of them here."""

from __future__ import annotations

from aerich_lint.report.escape import md_code, md_text
from aerich_lint.status.run import AppStatus, StatusResult


def _pending_line(state: AppStatus) -> str:
    if not state.pending:
        return "nothing pending"
    n = len(state.pending)
    return f"{n} pending: " + ", ".join(state.pending)


def text(result: StatusResult) -> str:
    lines = [f"status of {result.database} ({result.server or 'not connected'}):"]
    for state in result.states:
        lines.append(
            f"  app {state.app} ({state.system}): {len(state.applied)} applied, "
            + _pending_line(state)
        )
        for impact in state.impacts:
            f = impact.finding
            lines.append(f"    {f.path.as_posix()}:{f.line} {f.rule}: {impact.describe()}")
        for note in state.notes:
            lines.append(f"    note: {note}")
    return "\n".join(lines) + "\n"


def markdown(result: StatusResult) -> str:
    lines = [
        f"### Database status: {md_text(result.database)} "
        f"({md_text(result.server or 'not connected')})",
        "",
        "| App | Applied | Pending |",
        "|---|---|---|",
    ]
    for state in result.states:
        pending = ", ".join(md_code(p, table=True) for p in state.pending) or "none"
        lines.append(f"| {md_text(state.app)} | {len(state.applied)} | {pending} |")
    sized = [(s, i) for s in result.states for i in s.impacts]
    if sized:
        lines += ["", "| Pending statement | Rule | Table size |", "|---|---|---|"]
        for _, impact in sized:
            f = impact.finding
            where = md_code(f"{f.path.as_posix()}:{f.line}", table=True)
            lines.append(f"| {where} | {f.rule} | {md_text(impact.describe())} |")
    notes = [(s.app, n) for s in result.states for n in s.notes]
    if notes:
        lines.append("")
        lines += [f"- {md_text(app)}: {md_text(note)}" for app, note in notes]
    return "\n".join(lines) + "\n"
