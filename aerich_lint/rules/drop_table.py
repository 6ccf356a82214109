from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropTable
from aerich_lint.model import SECTIONS, UPGRADE, Dialect, Severity
from aerich_lint.rules._drops import Drop, judge_drop, rebuilds
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


class DropTableRule(Rule):
    name = "drop-table"
    code = "AL101"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A table that already exists is dropped: every row in it is deleted."
    why = (
        "DROP TABLE deletes the table and all of its rows at once, and no downgrade can bring "
        "the data back. Code still deployed that reads or writes the table fails as soon as "
        "the migration runs. Aerich writes it when a model is removed or renamed in a way it "
        "did not recognise. Tables created earlier in the same migration (and, in a downgrade, "
        "tables its own upgrade created) are not reported."
        "\n\nA DROP ... IF EXISTS of a table that no migration of a history starting at "
        "version 0 created is a warning: it is absent (nothing happens) or was made "
        "outside the migrations (Tortoise's generate_schemas, by hand), and then its "
        "data goes. That finding is no-op-statement's when that rule is in force."
        "\n\nSQLite alters a table by rebuilding it (a new table, the rows copied, the old "
        "one dropped, the new one renamed: tortoise's schema editor does it for every "
        "AlterField or RemoveField). That is no drop, except for what the DROP TABLE of "
        "the old table does with foreign keys on, as tortoise's SQLite client opens every "
        "connection: it deletes the rows first, and ON DELETE CASCADE deletes the rows of "
        "every table that references them (checked on SQLite in a test)."
    )
    example = 'DROP TABLE IF EXISTS "category";'
    fix = (
        "Make it two deploys. First ship code that no longer uses the table and keep the table "
        "(take a backup: `CREATE TABLE category_backup AS TABLE category;`). Drop it in a "
        "later migration, once nothing reads it. If the model was renamed, keep the data with "
        '`ALTER TABLE "category" RENAME TO "new_name";` instead. When the drop is intended, '
        "say so: `-- aerich-lint: ignore drop-table <reason>` on the line before it."
    )
    hint = "back the data up and drop the table in a later, separate migration"

    # the replay tells a DROP ... IF EXISTS of something never there (a no-op)
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        if ctx.dialect == Dialect.SQLITE:
            yield from _rebuild_cascades(ctx)
        for section, stmt, fact in ctx.facts(DropTable):
            verdict = judge_drop(ctx, section, stmt, fact.table, "", fact.if_exists)
            if verdict is Drop.LOST:
                yield Violation(
                    f"drops table {fact.table}: every row in it is deleted", stmt, section
                )
            elif verdict is Drop.MAYBE and "no-op-statement" not in ctx.enabled:
                yield Violation(
                    f"drops table {fact.table} if it exists: no migration of this history "
                    f"created it, so it is absent (nothing happens) or was made outside the "
                    f"migrations, by generate_schemas or by hand (then its rows are deleted)",
                    stmt,
                    section,
                    severity=Severity.WARNING,
                )


def _rebuild_cascades(ctx: Context) -> Iterator[Violation]:
    """A SQLite table rebuild drops the old table: with foreign keys on (tortoise's and
    so aerich's SQLite client turns them on), DROP TABLE first deletes every row, and
    ON DELETE CASCADE deletes the rows of the tables that reference them."""
    for section in SECTIONS:
        rebuilt = {old for _, old in rebuilds(ctx, section)}
        if not rebuilt or ctx.history is None:
            continue
        schema = ctx.history.before if section == UPGRADE else ctx.history.after
        for stmt, fact in ((s, f) for s in ctx.statements(section) for f in ctx.effects(s)):
            if not isinstance(fact, DropTable) or fact.table not in rebuilt:
                continue
            children = sorted(
                name
                for name, table in schema.tables.items()
                if name != fact.table
                and (
                    any(c.cascade and c.references == fact.table for c in table.columns.values())
                    or any(
                        c.cascade and c.references == fact.table for c in table.constraints.values()
                    )
                )
            )
            if children:
                yield Violation(
                    f"rebuilds table {fact.table}: dropping the old {fact.table} with foreign "
                    f"keys on (tortoise's SQLite client turns them on) deletes its rows first, "
                    f"and ON DELETE CASCADE deletes every row of {', '.join(children)} that "
                    f"references them",
                    stmt,
                    section,
                )
