"""no-op-statement: a statement that does nothing, while the schema stays other than the
models say (the replay shows what it met: see ``history.schema.NoOp``)."""

from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropColumn, DropTable
from aerich_lint.model import DOWNGRADE, UPGRADE, Severity
from aerich_lint.rules._drops import Drop, judge_drop
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class NoOpStatementRule(Rule):
    name = "no-op-statement"
    code = "AL205"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "A statement does nothing (IF [NOT] EXISTS met something else): the change is lost."
    why = (
        "IF EXISTS and IF NOT EXISTS turn a mistake into a silent no-op: the migration "
        "succeeds, aerich records it as applied, and the schema is not what the models say. "
        "Replaying the whole history (from version 0, every statement understood) shows "
        "when that happens:\n\n"
        "- aerich's removal of `unique=True` from a column created with an inline UNIQUE "
        'runs `DROP INDEX IF EXISTS "uid_..."` on PostgreSQL, but the server named the '
        "constraint `<table>_<column>_key`: nothing is dropped and duplicates are still "
        "refused (checked on PostgreSQL in a test). The same for `DROP CONSTRAINT IF "
        'EXISTS "fk_..."` of a foreign key created with an inline REFERENCES '
        "(`<table>_<column>_fkey`), when nothing else in the section drops it;\n"
        "- `CREATE TABLE IF NOT EXISTS` of a table the history already created with other "
        "columns: nothing is created, the new columns are missing;\n"
        "- `CREATE INDEX IF NOT EXISTS` of a name that exists on other columns (or with "
        "another uniqueness): the index the models want is never built;\n"
        "- `DROP TABLE IF EXISTS` / `DROP COLUMN IF EXISTS` of something no migration "
        "created: it is absent (nothing happens) or was made outside the migrations "
        "(Tortoise's generate_schemas, by hand), and then its data goes.\n\n"
        "A no-op whose intent is reached anyway (the constraint goes with a dropped column, "
        "the index exists as wanted) is not reported. drop-table and drop-column leave the "
        "last case to this rule when it is in force."
    )
    example = (
        '-- 0_init: CREATE TABLE "customer" (... "email" VARCHAR(200) NOT NULL UNIQUE)\n'
        "-- 3_remove_unique (aerich 0.8.1+):\n"
        'DROP INDEX IF EXISTS "uid_customer_email_0c7dc6";'
    )
    fix = (
        "Drop or create what the database really has, under its real name: "
        'ALTER TABLE "customer" DROP CONSTRAINT "customer_email_key"; (`\\d customer` in '
        "psql, `SHOW CREATE TABLE` in MySQL shows the names). For a table that exists with "
        "other columns, write the ALTER TABLE ... ADD of each missing column; for an index "
        "that exists on other columns, DROP INDEX it and create it again (CONCURRENTLY, in "
        "a migration of its own, on a live PostgreSQL table). Edit the generated migration "
        "before anyone runs it; if databases already ran it, add a new migration (`aerich "
        "migrate --empty`) with the corrective statements."
    )
    hint = "use the object's real name (or the missing ALTER TABLE ... ADD)"
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        step = ctx.history
        if step is not None and step.reliable:
            for section, found in (
                (UPGRADE, step.upgrade_noops),
                (DOWNGRADE, step.downgrade_noops),
            ):
                for item in found:
                    yield Violation(item.noop.message, item.statement, section)
        for section, stmt, drop in ctx.facts(DropTable):
            if judge_drop(ctx, section, stmt, drop.table, "", drop.if_exists) is Drop.MAYBE:
                yield Violation(
                    f"drops table {drop.table} if it exists: no migration of this history "
                    f"created it, so it is absent (nothing happens) or was made outside the "
                    f"migrations, by generate_schemas or by hand (then its rows are deleted)",
                    stmt,
                    section,
                )
        for section, stmt, col in ctx.facts(DropColumn):
            verdict = judge_drop(ctx, section, stmt, col.table, col.column, col.if_exists)
            if verdict is Drop.MAYBE:
                yield Violation(
                    f"drops column {col.table}.{col.column} if it exists: no migration of "
                    f"this history created it, so it is absent (nothing happens) or was made "
                    f"outside the migrations (then its data is deleted)",
                    stmt,
                    section,
                )
