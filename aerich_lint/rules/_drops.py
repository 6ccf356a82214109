"""What a DROP TABLE or DROP COLUMN really does to data, shared by drop-table and
drop-column, so that both decide alike (and one hazard gives one finding)."""

from __future__ import annotations

import enum

from aerich_lint.model import UPGRADE, Statement
from aerich_lint.rules._rebuild import rebuild_drops, rebuilds, rebuilt
from aerich_lint.rules.base import Context
from aerich_lint.rules.breaks_running_code import running_code_hits
from aerich_lint.rules.probable_rename import convincing_drops

__all__ = ["Drop", "judge_drop", "rebuild_drops", "rebuilds", "rebuilt"]


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
    if section == UPGRADE and any(
        h.statement is stmt and (h.table, h.column) == (table, column)
        for h in running_code_hits(ctx)
    ):
        return Drop.QUIET  # breaks-running-code reports it, the data loss included
    if if_exists and ctx.never_there(section, table, column or None):
        return Drop.MAYBE
    if ctx.fails_missing(section, stmt):
        return Drop.QUIET  # not there: the statement fails, deleting nothing
    return Drop.LOST
