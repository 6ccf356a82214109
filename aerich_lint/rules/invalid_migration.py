from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.load.models_state import ModelsStateError, tables_of
from aerich_lint.model import SECTIONS, Severity
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class InvalidMigrationRule(Rule):
    name = "invalid-migration"
    code = "AL003"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "The file cannot be loaded as a migration, so aerich cannot run it either."
    why = (
        "A Python syntax error, an import error, an upgrade() or downgrade() that raises or "
        "returns something other than SQL, a file that is not UTF-8 text or has no upgrade: "
        "aerich fails on it at deploy or rollback time (or, for an unparseable file in the "
        "folder, when it lists the migrations). None of its SQL could be checked."
    )
    example = "async def upgrade(db):\n    return build_sql(  # <- syntax error"
    fix = (
        "Fix the file so that `upgrade(db)` and `downgrade(db)` return SQL strings. Files "
        "that build SQL at run time are executed with a stand-in client that connects "
        "nowhere; raise the limit with `--exec-timeout` if a slow import needs longer."
    )
    hint = "make the file importable and have upgrade()/downgrade() return SQL"
    native_hint = "make it a tortoise migration (class Migration with operations) or move it out"

    def check(self, ctx: Context) -> Iterator[Violation]:
        migration = ctx.migration
        if migration.load_error:
            yield Violation(migration.load_error, line=migration.load_error_line)
            return
        for name in SECTIONS:
            section = migration.section(name)
            if section.error:
                yield Violation(section.error, section=name, line=section.line)
        if migration.models_state_raw is not None:
            # aerich decodes it on every upgrade: a state it cannot read (or one too
            # big to read safely) fails there. tables_of is memoised and cached.
            try:
                tables_of(migration)
            except ModelsStateError as exc:
                yield Violation(str(exc), line=migration.models_state_line)
