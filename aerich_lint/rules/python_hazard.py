from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import SECTIONS, Severity
from aerich_lint.rules.base import Context, Rule, Violation


class PythonHazardRule(Rule):
    name = "python-hazard"
    code = "AL221"
    severity = Severity.ERROR
    summary = "Python in the migration that only fails when aerich runs it."
    why = (
        "Aerich awaits `upgrade(db)` and `downgrade(db)` and passes the result to "
        "`execute_script`: a plain `def`, an `await` on a string or a return value that is "
        "not a string fails at deploy or, worse, at rollback time. Aerich also imports every "
        "migration file for `aerich migrate`, `heads` and `history`, so code at module level "
        "that reaches a database runs each time. And while the newest file has no "
        "MODELS_STATE, `aerich migrate` with no model changes calls its `upgrade(None)` and "
        "`downgrade(None)` to write MODELS_STATE in (aerich 0.8+), so an upgrade that uses "
        "`db` there fails with `'NoneType' object has no attribute` (a warning; a file with "
        "MODELS_STATE is never called that way)."
    )
    example = (
        "async def upgrade(db):\n"
        '    return \'CREATE TABLE "tag" ("id" SERIAL NOT NULL PRIMARY KEY);\'\n\n\n'
        "def downgrade(db):          # not async: aerich's await fails\n"
        '    return "DROP TABLE \\"tag\\";"'
    )
    fix = (
        "Write `async def upgrade(db: BaseDBAsyncClient) -> str` and `async def downgrade(...)`,"
        " return one SQL string, await only client calls, and keep module level free of "
        "database work. When an upgrade must use `db`, guard it: "
        "`if db is None: return SQL` before the calls."
    )
    hint = "async def, return one str, await only client calls, nothing at module level"

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration = ctx.migration
        if migration.load_error or (migration.format != "py" and migration.format != "py-list"):
            return
        for line, call in migration.module_db_calls:
            yield Violation(
                f"`{call}` at module level runs whenever aerich imports the file "
                f"(migrate, heads, history, upgrade)",
                line=line,
                severity=Severity.WARNING,
            )
        for name in SECTIONS:
            facts = migration.functions.get(name)
            if facts is None:
                continue
            if not facts.is_async:
                yield Violation(
                    f"{name}() is not async: aerich awaits it and fails with TypeError",
                    section=name,
                    line=facts.line,
                )
            for line in facts.awaited_literals:
                yield Violation(
                    f"await on a string in {name}(): TypeError at run time (return it instead)",
                    section=name,
                    line=line,
                )
            for line, kind in facts.returns:
                if kind not in ("str", "list", "dynamic", "none"):
                    yield Violation(
                        f"{name}() returns {kind}: aerich expects SQL text", section=name, line=line
                    )
            if facts.db_calls and not migration.has_models_state:
                line, method = facts.db_calls[0]
                yield Violation(
                    f"{name}() calls db.{method}() in a file without MODELS_STATE: `aerich "
                    f"migrate` calls {name}(None) to fill MODELS_STATE in and fails here "
                    f"(guard with `if db is None`, or add MODELS_STATE)",
                    section=name,
                    line=line,
                    severity=Severity.WARNING,
                )
