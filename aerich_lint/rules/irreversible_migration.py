from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules._native import native_file
from aerich_lint.rules.base import NATIVE, Context, Rule, Violation


class IrreversibleMigrationRule(Rule):
    name = "irreversible-migration"
    code = "AL240"
    systems = NATIVE
    severity = Severity.WARNING
    summary = "A RunSQL without reverse_sql or a RunPython without reverse_code: no rollback."
    why = (
        "Tortoise unapplies a migration by running each operation's reverse, last first. "
        "RunSQL and RunPython have none unless the migration gives it (`reverse_sql`, "
        "`reverse_code`), so `tortoise downgrade` stops at this migration with an error: it "
        "cannot be rolled back, nor can any migration before it, and an incident that needs "
        "the previous release's schema has no way back but by hand. One finding per "
        "migration, on its first such operation."
    )
    example = (
        "from tortoise import migrations\n"
        "from tortoise.migrations import operations as ops\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("models", "0001_initial")]\n\n'
        "    operations = [\n"
        '        ops.RunSQL("UPDATE product SET price = 0 WHERE price IS NULL"),\n'
        "    ]"
    )
    fix = (
        "Give every RunSQL its `reverse_sql` and every RunPython its `reverse_code` (the "
        'inverse statements, or `reverse_sql=""` / a function that does nothing when '
        "undoing is harmless, as for a backfill of a column the downgrade drops anyway)."
    )
    hint = "give the operation its reverse_sql / reverse_code (a no-op when undoing is harmless)"

    def check(self, ctx: Context) -> Iterator[Violation]:
        native = native_file(ctx)
        if native.error is not None:
            return
        stuck = [op for op in native.operations if not op.reversible]
        if not stuck:
            return
        first = stuck[0]
        what = {"RunSQL": "reverse_sql", "RunPython": "reverse_code"}
        listed = ", ".join(f"{op.kind} (line {op.line}) has no {what[op.kind]}" for op in stuck)
        yield Violation(
            f"{listed}: `tortoise downgrade` cannot unapply this migration, nor any before it",
            section=UPGRADE,
            line=first.line,
        )
