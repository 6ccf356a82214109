from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import FILE, Severity
from aerich_lint.rules.base import NATIVE, Context, Rule, Violation


class MixedMigrationSystemsRule(Rule):
    name = "mixed-migration-systems"
    code = "AL244"
    systems = NATIVE
    severity = Severity.ERROR
    summary = "An app has both aerich migrations and Tortoise ORM native ones."
    why = (
        "aerich and tortoise's own migrations each keep their own record of the models "
        "(aerich's MODELS_STATE and `aerich` table, tortoise's migration state and "
        "`tortoise_migrations` table). With both for one app, `aerich migrate` and "
        "`tortoise makemigrations` each see every later model change as theirs and each "
        "generate it: the second to run fails on objects that already exist, or, answered "
        "differently, drops what the other made. Reported once, on the newest native "
        "migration of the app."
    )
    example = (
        "migrations/models/0_20240101000000_init.py      (aerich)\n"
        "models/migrations/0001_initial.py               (tortoise makemigrations)"
    )
    fix = (
        "Keep one system per app. Moving to tortoise's migrations: generate the native "
        "initial migration from the current models, mark it applied on every database "
        "(`tortoise migrate --fake-initial` or the equivalent record), then delete the "
        "aerich folder and its `[tool.aerich]` entry for that app, so that only one tool "
        "generates migrations from now on."
    )
    hint = "keep one migration system per app; retire the other's folder"

    def check(self, ctx: Context) -> Iterator[Violation]:
        if "aerich" not in ctx.other_systems or ctx.migration.path.name != ctx.app.newest:
            return
        yield Violation(
            f"app {ctx.migration.app} also has aerich migrations: `aerich migrate` and "
            "`tortoise makemigrations` would each generate every later change",
            section=FILE,
            line=1,
        )
