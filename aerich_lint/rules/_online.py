"""Helpers shared by the online-safety rules (issue 4: AL301-AL339).

The locking rules judge the upgrade only: it is what runs against live traffic
during a deploy. A downgrade is the rollback path; aerich always runs it in a
transaction (so CONCURRENTLY is impossible there) and what makes it fail is the
business of the downgrade rules.

Lookups of earlier statements go through small per-section lists of the few fact
kinds they need (kept in ``Context.shared``), so that a migration of thousands of
statements stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from aerich_lint.effects import (
    AddColumn,
    ChangeColumn,
    CreateIndex,
    DropIndex,
    Effect,
    RenameColumn,
    RenameTable,
    TableCommand,
    UpdateRows,
)
from aerich_lint.history.schema import Applier, Known, Schema
from aerich_lint.model import DOWNGRADE, UPGRADE, Statement
from aerich_lint.naming import is_aerich_index
from aerich_lint.parse.commands import UNKNOWN_EFFECT
from aerich_lint.rules.base import Context
from aerich_lint.targets import Target

LOCKING_SECTIONS = (UPGRADE,)
E = TypeVar("E", bound=Effect)


def indexed(ctx: Context, section: str, kind: type[E]) -> list[tuple[int, E]]:
    """Every fact of one kind in a section, with its statement's index (memoised)."""
    key = f"postgres-online:{section}:{kind.__name__}"
    memo = ctx.shared
    if key not in memo:
        memo[key] = [
            (stmt.index, fact)
            for stmt in ctx.statements(section)
            for fact in ctx.effects(stmt)
            if isinstance(fact, kind)
        ]
    found: list[tuple[int, E]] = memo[key]
    return found


def before(ctx: Context, section: str, stmt: Statement, kind: type[E]) -> list[E]:
    """Facts of one kind that ran before ``stmt`` in this migration, in order (a
    downgrade runs after its upgrade)."""
    out = [fact for index, fact in indexed(ctx, section, kind) if index < stmt.index]
    if section == DOWNGRADE:
        out = [fact for _, fact in indexed(ctx, UPGRADE, kind)] + out
    return out


def in_transaction(ctx: Context, section: str) -> bool:
    """Does this section run inside a transaction block? aerich runs every downgrade in
    one, and an upgrade unless RUN_IN_TRANSACTION = False; tortoise runs a native
    migration's operations, both ways, in one unless ``atomic = False``."""
    if ctx.system == "native":
        return ctx.migration.run_in_transaction
    return section == DOWNGRADE or ctx.migration.run_in_transaction


def in_returned_script(ctx: Context, section: str, stmt: Statement) -> bool:
    """Is ``stmt`` one of several statements of the script ``upgrade()`` returns?
    aerich hands that string to ``execute_script`` in one piece (asyncpg sends a query
    without parameters with the simple query protocol), and PostgreSQL runs a
    multi-statement query string as one implicit transaction."""
    if ctx.migration.format != "py" or stmt.via != "return":
        return False
    key = f"postgres-online:{section}:returned"
    memo = ctx.shared
    if key not in memo:
        memo[key] = sum(1 for s in ctx.statements(section) if s.via == "return")
    return bool(memo[key] > 1)


def same_transaction(ctx: Context, section: str, first: Statement, later: Statement) -> bool:
    """Do two statements of one section run in the same transaction?"""
    if in_transaction(ctx, section):
        return True
    return in_returned_script(ctx, section, first) and in_returned_script(ctx, section, later)


def original_table(ctx: Context, section: str, stmt: Statement, table: str) -> str:
    """The name ``table`` had before this migration renamed it (itself if not renamed)."""
    for rename in reversed(before(ctx, section, stmt, RenameTable)):
        if rename.new == table:
            table = rename.table
    return table


def live_table(ctx: Context, section: str, stmt: Statement, table: str) -> bool:
    """``Context.existing_table``, following renames made earlier in this migration back
    to the old name: a renamed live table is still live (``is_new`` counts a rename's
    new name as created, which is right for drops, not for locks)."""
    return ctx.existing_table(section, stmt, original_table(ctx, section, stmt, table))


def original_column(ctx: Context, section: str, stmt: Statement, table: str, column: str) -> str:
    """The name ``column`` had before this migration renamed it (itself if not renamed)."""
    for rename in reversed(before(ctx, section, stmt, RenameColumn)):
        if rename.table == table and rename.new == column:
            column = rename.old
    return column


def new_column(ctx: Context, section: str, stmt: Statement, table: str, column: str) -> bool:
    """Was the column added earlier in this migration (not merely renamed)?"""
    origin = original_column(ctx, section, stmt, table, column)
    return ctx.is_new(section, stmt, "column", f"{table}.{origin}")


def dropped_index_table(ctx: Context, section: str, stmt: Statement, fact: DropIndex) -> str | None:
    """The live table a PostgreSQL DROP INDEX locks: its name, "" when the table is not
    known (the index presumably exists, so its table does), None when the table is new
    in this migration or the complete history never created the index (with IF EXISTS
    a no-op; without, the statement fails)."""
    table = fact.table
    if not table:
        created = [c.table for c in before(ctx, section, stmt, CreateIndex) if c.name == fact.name]
        table = created[-1] if created else ""
    history = ctx.history
    if not table and history is not None and history.reliable:
        index = history.before.indexes.get(fact.name)
        if index is not None:
            table = index.table
        elif history.complete and (fact.if_exists or is_aerich_index(fact.name)):
            # The whole history never created it: nothing to lock. (A name the database
            # gave, say to a UNIQUE constraint, is not tracked: that index may exist.)
            return None
    if not table:
        return ""
    return table if live_table(ctx, section, stmt, table) else None


def index_table(ctx: Context, section: str, stmt: Statement, name: str) -> str | None:
    """The live table of index ``name`` that ``stmt`` locks (REINDEX INDEX), found as
    ``dropped_index_table`` finds a dropped index's: "" when unknown, None when the table
    is new in this migration or the complete history never created the index."""
    return dropped_index_table(ctx, section, stmt, DropIndex("", name=name))


def added_column(
    ctx: Context, section: str, stmt: Statement, table: str, column: str
) -> tuple[Statement, AddColumn] | None:
    """The ADD COLUMN earlier in this section that created ``table.column`` (its names
    followed back through renames earlier in the migration), with its statement."""
    origin = original_column(ctx, section, stmt, table, column)
    tables = {table, original_table(ctx, section, stmt, table)}
    statements = ctx.statements(section)
    found = None
    for index, fact in indexed(ctx, section, AddColumn):
        if index < stmt.index and fact.table in tables and fact.column.name == origin:
            found = (statements[index], fact)
    return found


def filled_between(
    ctx: Context, section: str, first: Statement, later: Statement, table: str, column: str
) -> bool | None:
    """Does a statement between ``first`` and ``later`` fill ``table.column`` in its
    existing rows? True: an UPDATE sets it; None: a statement that may (one not
    understood, a DO block, a type change with its USING); False: none does."""
    maybe = section in ctx.migration.not_executed  # SQL built at run time was not read
    for stmt in ctx.statements(section)[first.index + 1 : later.index]:
        if stmt.error is not None or stmt.command == "" or stmt.command in UNKNOWN_EFFECT:
            maybe = True
        for fact in ctx.effects(stmt):
            if isinstance(fact, UpdateRows) and fact.table == table and column in fact.columns:
                return True
            if (
                isinstance(fact, ChangeColumn)
                and fact.table == table
                and fact.column == column
                and (fact.new_type is not None or fact.definition is not None)
            ):
                maybe = True
    return None if maybe else False


def validations(ctx: Context, section: str, table: str) -> list[tuple[int, str]]:
    """(statement index, constraint) of each VALIDATE CONSTRAINT on ``table``."""
    return [
        (index, fact.name)
        for index, fact in indexed(ctx, section, TableCommand)
        if fact.command == "VALIDATE CONSTRAINT" and fact.table == table
    ]


def validated_later(ctx: Context, section: str, stmt: Statement, table: str, name: str) -> bool:
    """Is constraint ``name`` of ``table`` validated later in the same transaction?"""
    statements = ctx.statements(section)
    return bool(name) and any(
        index > stmt.index
        and validated == name
        and same_transaction(ctx, section, stmt, statements[index])
        for index, validated in validations(ctx, section, table)
    )


def older_than(target: Target, *version: int) -> bool:
    """Is the target server older than ``version``? Only as many parts as the target
    names are compared: ``mysql:8.0`` means any 8.0.x, so it is not older than 8.0.19
    (the configured version is the line the project runs, not its first release)."""
    return target.version < version[: len(target.version)]


def walk(ctx: Context, section: str) -> Iterator[tuple[Statement, Effect, Schema]]:
    """Each fact of a section with the replayed schema as it is just before that fact
    (the upgrade starts from the schema before the migration, the downgrade from the one
    after its upgrade). Nothing when the history is unknown or no longer reliable. The
    schema is changed after each yield: read it before asking for the next fact."""
    step = ctx.history
    if step is None or not step.reliable:
        return
    schema = (step.before if section == UPGRADE else step.after).copy()
    applier = Applier(schema, Known(complete=False))
    for stmt in ctx.statements(section):
        for fact in ctx.effects(stmt):
            yield stmt, fact, schema
            applier.apply(fact)
