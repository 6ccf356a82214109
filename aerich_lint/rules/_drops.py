"""What a DROP TABLE or DROP COLUMN really does to data, shared by drop-table and
drop-column, so that both decide alike (and one hazard gives one finding)."""

from __future__ import annotations

import enum

from aerich_lint.effects import CreateTable, DropTable, InsertRows, RenameTable
from aerich_lint.model import UPGRADE, Statement
from aerich_lint.rules.base import Context
from aerich_lint.rules.probable_rename import convincing_drops


class Drop(enum.Enum):
    LOST = "lost"  # the object had data: it is deleted
    MAYBE = "maybe"  # IF EXISTS on what no migration created: absent, or made elsewhere
    QUIET = "quiet"  # new in this migration, or another rule's finding


def judge_drop(
    ctx: Context, section: str, stmt: Statement, table: str, column: str, if_exists: bool
) -> Drop:
    """``column`` "" for a table."""
    if column:
        if ctx.is_new(section, stmt, "column", f"{table}.{column}"):
            return Drop.QUIET
    elif ctx.is_new(section, stmt, "table", table) or rebuilt(ctx, section, stmt, table):
        return Drop.QUIET
    if section == UPGRADE and (table, column) in convincing_drops(ctx):
        return Drop.QUIET  # probable-rename reports it, with what it may have become
    if if_exists and ctx.never_there(section, table, column or None):
        return Drop.MAYBE
    if ctx.fails_missing(section, stmt):
        return Drop.QUIET  # not there: the statement fails, deleting nothing
    return Drop.LOST


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
