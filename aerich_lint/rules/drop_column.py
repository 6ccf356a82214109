from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropColumn
from aerich_lint.model import UPGRADE, Severity
from aerich_lint.rules.base import Context, Rule, Violation
from aerich_lint.rules.probable_rename import convincing_drops


class DropColumnRule(Rule):
    name = "drop-column"
    code = "AL102"
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
        "data goes."
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
        renamed = convincing_drops(ctx)
        for section, stmt, fact in ctx.facts(DropColumn):
            if ctx.is_new(section, stmt, "column", f"{fact.table}.{fact.column}"):
                continue
            if section == UPGRADE and (fact.table, fact.column) in renamed:
                continue  # probable-rename reports this drop, with the column it may be
            if fact.if_exists and ctx.never_there(section, fact.table, fact.column):
                # No migration made it: absent (a no-op), or made outside the migrations
                yield Violation(
                    f"drops column {fact.table}.{fact.column} if it exists: no migration of "
                    f"this history created it, so it is absent (nothing happens) or was made "
                    f"outside the migrations (then its data is deleted)",
                    stmt,
                    section,
                    severity=Severity.WARNING,
                )
                continue
            if ctx.fails_missing(section, stmt):
                continue  # the column is not there: the statement fails, deleting nothing
            yield Violation(
                f"drops column {fact.table}.{fact.column}: its data is deleted", stmt, section
            )
