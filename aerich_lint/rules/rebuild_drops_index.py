from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import DropIndex, DropTable
from aerich_lint.history.schema import Index, Schema
from aerich_lint.model import SECTIONS, UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._rebuild import rebuilds
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

_INDEXED = frozenset({"UNIQUE", "PRIMARY KEY", "INDEX"})  # kinds SQLite keeps an index for


class RebuildDropsIndexRule(Rule):
    name = "rebuild-drops-index"
    code = "AL327"
    severity = Severity.WARNING
    summary = "A SQLite table rebuild drops the table's indexes and nothing re-creates them."
    why = (
        "SQLite alters a table by rebuilding it: create `new__t`, copy the rows, drop `t`, "
        "rename `new__t` to `t`. Dropping `t` drops every index on it, and the new table "
        "has only what its CREATE TABLE declares. An index the migration does not create "
        "again is gone once it commits: queries that used it scan the table, and a UNIQUE "
        "index no longer stops duplicates (an error then, not a warning). Tortoise ORM "
        "1.1's SQLite schema editor writes such rebuilds for AlterField and RemoveField "
        "and re-creates no index (a RemoveField of one column loses the indexes of the "
        "others); hand-written rebuilds often forget them too. The replayed history "
        "knows the table's indexes before the rebuild and after the migration: one that "
        "was there, was not dropped on purpose (DROP INDEX) and whose columns all "
        "survive is reported, once, on the rebuild's DROP TABLE."
    )
    example = (
        'CREATE TABLE "new__product" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
        '"created_at" TIMESTAMP NOT NULL);\n'
        'INSERT INTO "new__product" ("id", "created_at") SELECT "id", "created_at" FROM '
        '"product";\n'
        'DROP TABLE "product";\n'
        'ALTER TABLE "new__product" RENAME TO "product";'
    )
    fix = (
        "Re-create the indexes after the rename, in the same migration: "
        '`CREATE INDEX "idx_product_created_9eb6f4" ON "product" ("created_at");` (for a '
        "native migration, a RunSQL with that statement and its DROP INDEX as reverse_sql, "
        "or AddIndex again after the operation that rebuilt the table)."
    )
    hint = "re-create the table's indexes after the rebuild, in the same migration"
    native_hint = "re-create the indexes after the rebuild: AddIndex, or RunSQL with a reverse"
    dialects = frozenset({Dialect.SQLITE})
    needs_history = True
    systems = ALL_SYSTEMS

    def check(self, ctx: Context) -> Iterator[Violation]:
        if ctx.history is None or not ctx.history.reliable:
            return
        for section in SECTIONS:
            if section == UPGRADE:
                start, end = ctx.history.before, ctx.history.after
            elif ctx.history.downgraded is not None:
                start, end = ctx.history.after, ctx.history.downgraded
            else:
                continue
            for old, stmt, lost in _lost(ctx, section, start, end):
                unique = [ix for ix in lost if ix.unique]
                names = ", ".join(f"{ix.name} ({', '.join(ix.columns)})" for ix in lost)
                many = "es" if len(lost) > 1 else ""
                tail = (
                    f": {old} no longer refuses duplicate "
                    + " or ".join(f"({', '.join(ix.columns)})" for ix in unique)
                    if unique
                    else f": queries that used {'them' if many else 'it'} scan {old}"
                )
                yield Violation(
                    f"the rebuild of {old} drops its index{many} {names} with the old table, "
                    f"and the {section} does not create {'them' if many else 'it'} again" + tail,
                    stmt,
                    section,
                    severity=Severity.ERROR if unique else None,
                )


def lost_indexes(ctx: Context, section: str, start: Schema, end: Schema) -> list[Index]:
    """Every index the section's table rebuilds lose (downgrade-mismatch leaves them to
    this rule)."""
    if ctx.dialect not in RebuildDropsIndexRule.dialects:
        return []
    return [ix for _, _, lost in _lost(ctx, section, start, end) for ix in lost]


def _lost(
    ctx: Context, section: str, start: Schema, end: Schema
) -> list[tuple[str, Statement, list[Index]]]:
    """(table, its rebuild's DROP TABLE, the indexes lost) per rebuilt table; worked
    out once for this rule and downgrade-mismatch."""
    key = f"rebuild-drops-index:{section}:{id(start)}:{id(end)}"
    if key not in ctx.shared:
        ctx.shared[key] = list(_find_lost(ctx, section, start, end))
    found: list[tuple[str, Statement, list[Index]]] = ctx.shared[key]
    return found


def _find_lost(
    ctx: Context, section: str, start: Schema, end: Schema
) -> Iterator[tuple[str, Statement, list[Index]]]:
    rebuilt = {old for _, old in rebuilds(ctx, section)}
    if not rebuilt:
        return
    dropped_on_purpose = {fact.name for _, _, fact in ctx.facts(DropIndex, (section,))}
    drops: dict[str, Statement] = {}
    for _, stmt, fact in ctx.facts(DropTable, (section,)):
        if fact.table in rebuilt:
            drops.setdefault(fact.table, stmt)
    for old, stmt in drops.items():
        table = end.tables.get(old)
        if table is None:
            continue  # dropped for good after all, or renamed: not a rebuild's loss
        # an index, a UNIQUE or PRIMARY KEY column or constraint on the same columns
        there = {ix.columns for ix in end.indexes.values() if ix.table == old}
        there |= {(c.name,) for c in table.columns.values() if c.unique or c.primary_key}
        there |= {c.columns for c in table.constraints.values() if c.kind in _INDEXED}
        lost = [
            ix
            for ix in start.indexes.values()
            if ix.table == old
            and not ix.declared  # the new table's CREATE decides those
            and ix.name not in dropped_on_purpose
            and ix.columns not in there
            and all(c in table.columns for c in ix.columns)
        ]
        if lost:
            yield old, stmt, sorted(lost, key=lambda ix: ix.name)
