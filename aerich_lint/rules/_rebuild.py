"""SQLite's table rebuild (a new table created, the rows copied, the old one dropped,
the new one renamed): how tortoise's schema editor, and hand-written migrations,
alter a SQLite table. Several rules read it: the drop rules (an ALTER, not a
drop; the columns the copy leaves out are dropped), probable-rename (such a column
may be a field renamed) and data-migration (the copy is not a data change)."""

from __future__ import annotations

from aerich_lint.effects import (
    AddColumn,
    CreateTable,
    DropColumn,
    DropTable,
    InsertRows,
    RenameColumn,
    RenameTable,
)
from aerich_lint.model import UPGRADE, Statement
from aerich_lint.rules.base import Context


def rebuilt(ctx: Context, section: str, stmt: Statement, table: str) -> bool:
    """Is this DROP TABLE the middle of a table rebuild, the way SQLite's ALTER is done
    (tortoise's schema editor and hand-written ones alike): a new table created, rows
    copied into it, ``table`` dropped, the new one renamed to ``table``? Then the
    table is altered, not deleted."""
    return any(old == table for _, old in rebuilds(ctx, section))


def rebuilds(ctx: Context, section: str) -> list[tuple[str, str]]:
    """(new table, table) of each rebuild in the section: CREATE TABLE new, INSERT INTO
    new ..., DROP TABLE table, ALTER TABLE new RENAME TO table, in that order."""
    key = f"drops:rebuilds:{section}"
    if key in ctx.shared:
        found: list[tuple[str, str]] = ctx.shared[key]
        return found
    created: set[str] = set()
    filled: set[str] = set()
    dropped: set[str] = set()
    out: list[tuple[str, str]] = []
    for stmt in ctx.statements(section):
        for fact in ctx.effects(stmt):
            if isinstance(fact, CreateTable):
                created.add(fact.table)
            elif isinstance(fact, InsertRows) and fact.table in created:
                filled.add(fact.table)
            elif isinstance(fact, DropTable):
                dropped.add(fact.table)
            elif isinstance(fact, RenameTable) and fact.new in dropped and fact.table in filled:
                out.append((fact.table, fact.new))
    ctx.shared[key] = out
    return out


def rebuild_drops(ctx: Context, section: str) -> list[tuple[Statement, str, str]]:
    """(its DROP TABLE, table, column) for each column a rebuild leaves out of the new
    table: the copy does not carry it, so its data goes with the old table (how a
    RemoveField is done on SQLite). Only for tables whose columns the replay knows."""
    pairs = dict((old, new) for new, old in rebuilds(ctx, section))
    if not pairs or ctx.history is None:
        return []
    schema = ctx.history.before if section == UPGRADE else ctx.history.after
    columns: dict[str, set[str]] = {}
    at_drop: dict[str, tuple[Statement, set[str]]] = {}
    out: list[tuple[Statement, str, str]] = []

    def known(table: str) -> set[str] | None:
        if table not in columns:
            found = schema.tables.get(table)
            if found is None:
                return None
            columns[table] = set(found.columns)
        return columns[table]

    for stmt in ctx.statements(section):
        for fact in ctx.effects(stmt):
            if isinstance(fact, CreateTable):
                columns[fact.table] = {c.name for c in fact.columns}
            elif isinstance(fact, AddColumn) and (cols := known(fact.table)) is not None:
                cols.add(fact.column.name)
            elif isinstance(fact, DropColumn) and (cols := known(fact.table)) is not None:
                cols.discard(fact.column)
            elif isinstance(fact, RenameColumn) and (cols := known(fact.table)) is not None:
                cols.discard(fact.old)
                cols.add(fact.new)
            elif isinstance(fact, DropTable) and fact.table in pairs:
                cols = known(fact.table)
                if cols is not None:
                    at_drop[fact.table] = (stmt, set(cols))
            elif isinstance(fact, RenameTable) and pairs.get(fact.new) == fact.table:
                dropped = at_drop.get(fact.new)
                if dropped is not None:
                    kept = columns.get(fact.table, set())
                    out.extend((dropped[0], fact.new, c) for c in sorted(dropped[1] - kept))
                    columns[fact.new] = set(kept)
    return out
