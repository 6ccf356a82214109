from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

_WHAT = {
    "upgrade": "upgrade()",
    "downgrade": "downgrade()",
    "RUN_IN_TRANSACTION": "RUN_IN_TRANSACTION",
}


class NotExecutedRule(Rule):
    name = "not-executed"
    code = "AL006"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "SQL built at run time was not linted: executing is off, or the sandbox refused."
    why = (
        "With `--no-exec` (or `exec = false`) nothing of the project is imported. A migration "
        "whose upgrade() or downgrade() builds its SQL at run time (an f-string, a helper, "
        "queries sent through the client), or whose RUN_IN_TRANSACTION is computed, cannot be "
        "read without running it, so none of that SQL was checked. The same holds when the "
        "file was run in the sandbox and did something the sandbox refuses (a network "
        "connection, a subprocess, reading a hidden file or a file outside the project): "
        "that is no fault of the file, but its SQL is unknown. Saying so keeps such a "
        "file from passing silently; the replay of its app also goes quiet after it, since "
        "what it did to the schema is unknown."
    )
    example = 'async def upgrade(db):\n    return f"DROP TABLE {TABLE};"  # <- needs running'
    fix = (
        "Return the SQL as a string literal (what `aerich migrate` writes), so that it is read "
        "without running anything; or lint this file where executing it in the sandbox is "
        "acceptable (a trusted branch), without `--no-exec`."
    )
    hint = "return the SQL as a literal, or lint it where executing is allowed"
    native_hint = (
        "lint where executing project code is allowed, with [tool.tortoise] tortoise_orm "
        "set, so that tortoise can generate the SQL"
    )

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration = ctx.migration
        if not migration.not_executed or migration.load_error:
            return
        names = [label for key, label in _WHAT.items() if key in migration.not_executed]
        section = next((n for n in ("upgrade", "downgrade") if n in migration.not_executed), None)
        if section is not None:
            line = migration.section(section).line
        else:
            line = migration.run_in_transaction_line or 1
        what = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        verb = "needs" if len(names) == 1 else "need"
        why = migration.not_executed_reason or "executing project code is off"
        if ctx.system == "native":
            yield Violation(
                f"the SQL tortoise generates for its operations was not read: {why}; not linted",
                section=section or "file",
                line=line,
            )
            return
        yield Violation(
            f"{what} {verb} executing to be read, but {why}: not linted",
            section=section or "file",
            line=line,
        )
