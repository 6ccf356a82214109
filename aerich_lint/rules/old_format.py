from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import Severity
from aerich_lint.rules.base import Context, Rule, Violation


class OldFormatRule(Rule):
    name = "old-format"
    code = "AL212"
    severity = Severity.INFO
    summary = "A migration in a format current aerich does not run, or will rewrite."
    why = (
        "Aerich 0.7 stopped running `.sql` (0.4-0.6) and `.json` (0.1-0.3) migrations. "
        "Aerich 0.7.0's upgrade() returned a list of strings, which later versions hand to "
        "`execute_script` as is and crash on. A `.py` file without MODELS_STATE is rewritten "
        "by `aerich fix-migrations` (0.9.2+) from its template: custom Python in it is lost "
        "and RUN_IN_TRANSACTION goes back to True; that case is a warning when the file has "
        "either. Notes that concern the whole history (info) are given once, on the newest "
        "migration of the app."
    )
    example = 'async def upgrade(db):\n    return ["ALTER TABLE \\"product\\" ADD \\"sku\\" TEXT"]'
    fix = (
        "Upgrade aerich's history once: run `aerich fix-migrations` (it adds MODELS_STATE "
        "to every file), then re-apply by hand whatever custom Python or RUN_IN_TRANSACTION "
        "= False it dropped; return one string from upgrade() instead of a list. Convert "
        "`.sql`/`.json` histories by generating a fresh `init` migration from the current "
        "database."
    )
    hint = "run `aerich fix-migrations`; return one SQL string from upgrade()"

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration = ctx.migration
        if migration.load_error:
            return
        # Informational notes about a whole history go on its newest file only.
        newest = ctx.app.newest == migration.path.name
        if migration.format in ("sql", "json"):
            if newest:
                count = sum(1 for p in ctx.app.files if p.suffix == migration.path.suffix)
                yield Violation(
                    f"this app's history has {count} .{migration.format} migration"
                    f"{'s' if count != 1 else ''} from aerich < 0.7: current aerich does not "
                    f"run them"
                )
        elif migration.format == "py-list":
            yield Violation(
                "upgrade()/downgrade() return a list (aerich 0.7.0): later aerich crashes on it",
                severity=Severity.WARNING,
            )
        elif not migration.has_models_state:
            custom = [
                what
                for what, present in (
                    ("custom Python", any(s.dynamic for s in migration.sections.values())),
                    ("RUN_IN_TRANSACTION = False", not migration.run_in_transaction),
                )
                if present
            ]
            if custom:
                yield Violation(
                    f"no MODELS_STATE: `aerich fix-migrations` rewrites this file and loses "
                    f"its {' and '.join(custom)}",
                    severity=Severity.WARNING,
                )
            elif newest:
                yield Violation(
                    "the newest migration has no MODELS_STATE (aerich < 0.8): `aerich migrate` "
                    "needs it; `aerich fix-migrations` adds it"
                )
