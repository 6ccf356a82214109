from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropColumn
from aerich_lint.model import SECTIONS, UPGRADE, Severity
from aerich_lint.rules._drops import Drop, judge_drop, rebuild_drops
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.rules.probable_rename import convincing_drops


class DropColumnRule(Rule):
    name = "drop-column"
    code = "AL102"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A column that already exists is dropped: its data is deleted."
    why = (
        "The column's values are gone for good; a downgrade can re-add the column but not its "
        "data. Instances of the application still running the old code select or insert the "
        "column and fail until the new code is live (tortoise selects every field of a model). "
        "On PostgreSQL the drop itself is fast but needs an ACCESS EXCLUSIVE lock; on MySQL "
        "it rebuilds the table unless done with ALGORITHM=INSTANT (8.0.29+).\n\n"
        "One hazard, one finding: a drop that probable-rename pairs convincingly with an "
        "added column is reported by probable-rename, and a drop of a column the replayed "
        "history says is not there (the statement fails) by unknown-object or "
        "downgrade-broken."
        "\n\nA DROP ... IF EXISTS of a column that no migration of a history starting at "
        "version 0 created is a warning: it is absent (nothing happens) or was made "
        "outside the migrations (Tortoise's generate_schemas, by hand), and then its "
        "data goes. That finding is no-op-statement's when that rule is in force."
    )
    example = 'ALTER TABLE "product" DROP COLUMN "name";'
    fix = (
        "Expand and contract: first deploy code that no longer reads or writes the field "
        "(remove it from the model, keep the column), then drop the column in a later "
        "migration. If the field was renamed, answer yes to aerich's `Rename name to title?` "
        'prompt, or write `ALTER TABLE "product" RENAME COLUMN "name" TO "title";`.'
    )
    hint = "stop using the column first; drop it in a later migration (or rename instead)"

    # the replay tells a DROP ... IF EXISTS of something never there (a no-op)
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section in SECTIONS:
            for stmt, table, column in rebuild_drops(ctx, section):
                if ctx.is_new(section, stmt, "column", f"{table}.{column}"):
                    continue
                if section == UPGRADE and (table, column) in convincing_drops(ctx):
                    continue  # probable-rename reports it, with what it may have become
                yield Violation(
                    f"drops column {table}.{column}: the rebuild of {table} leaves it out of "
                    "the copy, and its data is deleted with the old table",
                    stmt,
                    section,
                )
        for section, stmt, fact in ctx.facts(DropColumn):
            verdict = judge_drop(ctx, section, stmt, fact.table, fact.column, fact.if_exists)
            where = f"{fact.table}.{fact.column}"
            if verdict is Drop.LOST:
                yield Violation(f"drops column {where}: its data is deleted", stmt, section)
            elif verdict is Drop.MAYBE and "no-op-statement" not in ctx.enabled:
                yield Violation(
                    f"drops column {where} if it exists: no migration of this history "
                    f"created it, so it is absent (nothing happens) or was made outside the "
                    f"migrations (then its data is deleted)",
                    stmt,
                    section,
                    severity=Severity.WARNING,
                )
