"""What a statement does to the schema or to rows, as small plain facts.

Rules and the history replay read these facts, never sqlglot's trees: the trees
are read in one place (``parse/facts.py``), and the facts are what the cache
keeps, so a warm run needs no SQL parser at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aerich_lint.model import Dialect, Statement


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # the type as the dialect writes it, upper case, e.g. VARCHAR(200)
    not_null: bool = False
    default: str | None = None
    primary_key: bool = False
    unique: bool = False
    comment: str | None = None
    references: str | None = None  # table named by an inline REFERENCES
    # the database fills it itself: SERIAL, AUTO_INCREMENT, GENERATED ... AS IDENTITY / AS (expr)
    generated: bool = False
    cascade: bool = False  # its REFERENCES deletes the row with the row it references


@dataclass(frozen=True)
class ConstraintInfo:
    """A table-level constraint or index declared in CREATE TABLE / ADD CONSTRAINT."""

    name: str  # "" when the database names it
    kind: str  # PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, INDEX
    columns: tuple[str, ...] = ()
    references: str | None = None
    # CHECK (col IS NOT NULL [AND ...]): the columns it proves NOT NULL (PostgreSQL 12+
    # then skips SET NOT NULL's scan once the constraint is validated)
    not_null_columns: tuple[str, ...] = ()
    cascade: bool = False  # FOREIGN KEY ... ON DELETE CASCADE


@dataclass(frozen=True)
class Effect:
    table: str  # normalised name ("" when unknown)


@dataclass(frozen=True)
class CreateTable(Effect):
    columns: tuple[ColumnInfo, ...] = ()
    if_not_exists: bool = False
    constraints: tuple[ConstraintInfo, ...] = ()


@dataclass(frozen=True)
class DropTable(Effect):
    if_exists: bool = False


@dataclass(frozen=True)
class RenameTable(Effect):
    new: str = ""
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class AddColumn(Effect):
    column: ColumnInfo = field(default_factory=lambda: ColumnInfo("", ""))
    if_not_exists: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing
    # PostgreSQL: the functions its DEFAULT calls, lower case (``schema.name`` outside
    # public and pg_catalog; CAST, COALESCE and the like are not calls), in order
    default_calls: tuple[str, ...] = ()
    # PostgreSQL: IDENTITY, STORED (GENERATED ALWAYS AS (expr) STORED) or VIRTUAL
    generation: str = ""


@dataclass(frozen=True)
class DropColumn(Effect):
    column: str = ""
    if_exists: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class RenameColumn(Effect):
    old: str = ""
    new: str = ""
    definition: ColumnInfo | None = None  # MySQL CHANGE carries the full new definition
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class ChangeColumn(Effect):
    """Type, nullability or default of an existing column changes (ALTER COLUMN, MODIFY)."""

    column: str = ""
    definition: ColumnInfo | None = None  # MODIFY: the whole new definition
    new_type: str | None = None
    set_not_null: bool | None = None  # True: SET NOT NULL, False: DROP NOT NULL
    default: str | None = None
    drop_default: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class CreateIndex(Effect):
    name: str = ""
    unique: bool = False
    columns: tuple[str, ...] = ()
    concurrently: bool = False
    if_not_exists: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class DropIndex(Effect):
    name: str = ""
    concurrently: bool = False
    if_exists: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class AddConstraint(Effect):
    constraint: ConstraintInfo = field(default_factory=lambda: ConstraintInfo("", ""))
    not_valid: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class DropConstraint(Effect):
    name: str = ""
    kind: str = ""
    if_exists: bool = False
    table_if_exists: bool = False  # ALTER TABLE IF EXISTS: a no-op when the table is missing


@dataclass(frozen=True)
class Truncate(Effect):
    pass


@dataclass(frozen=True)
class RowChange(Effect):
    has_where: bool = False


@dataclass(frozen=True)
class DeleteRows(RowChange):
    pass


@dataclass(frozen=True)
class UpdateRows(RowChange):
    columns: tuple[str, ...] = ()  # the columns it sets
    computed: bool = False  # every new value is computed from the row's own columns


@dataclass(frozen=True)
class ReadRows(Effect):
    """A query that only reads (SELECT, SHOW, PRAGMA table_info): introspection, which
    changes nothing and needs no atomicity. ``table`` is the first table read, if any."""


def only_reads(facts: list[Effect]) -> bool:
    """Does the statement only read (introspection), changing nothing?"""
    return bool(facts) and all(isinstance(f, ReadRows) for f in facts)


@dataclass(frozen=True)
class AlterOptions(Effect):
    """MySQL's ``ALGORITHM=...`` / ``LOCK=...`` clauses of one ALTER TABLE (upper case)."""

    algorithm: str = ""
    lock: str = ""


@dataclass(frozen=True)
class Setting(Effect):
    """``SET name = value`` (PostgreSQL, MySQL) or ``PRAGMA name = value`` (SQLite);
    ``table`` is empty."""

    name: str = ""
    value: str = ""
    pragma: bool = False
    # PostgreSQL: SET LOCAL, or set_config(..., true): it lasts until its transaction ends
    # (outside a transaction block it does nothing)
    local: bool = False


@dataclass(frozen=True)
class InsertRows(Effect):
    # the columns the INSERT names, in order (empty: none named, every column in turn)
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableCommand(Effect):
    """An ALTER TABLE (or LOCK TABLE) form sqlglot keeps opaque, by its known command
    name (``parse/commands.py``): VALIDATE CONSTRAINT, ADD CONSTRAINT USING INDEX,
    ENABLE/DISABLE TRIGGER, RENAME CONSTRAINT, ROW LEVEL SECURITY, ALTER TABLE OWNER,
    LOCK TABLE (one fact per table), DETACH PARTITION."""

    command: str = ""
    name: str = ""  # the constraint it validates, adds or renames; the partition it detaches
    kind: str = ""  # ADD CONSTRAINT ... USING INDEX: UNIQUE or PRIMARY KEY
    index: str = ""  # ADD CONSTRAINT ... USING INDEX: the index that becomes the constraint
    # PostgreSQL LOCK TABLE: the lock mode (ACCESS EXCLUSIVE when none is given);
    # DETACH PARTITION: CONCURRENTLY, FINALIZE or ""
    mode: str = ""
    nowait: bool = False  # LOCK TABLE ... NOWAIT: fails at once instead of waiting


@dataclass(frozen=True)
class Reindex(Effect):
    """PostgreSQL ``REINDEX [(options)] INDEX|TABLE|SCHEMA|DATABASE|SYSTEM [CONCURRENTLY]
    name``. ``table``: the table of REINDEX TABLE ("" for the other kinds)."""

    kind: str = ""  # INDEX, TABLE, SCHEMA, DATABASE or SYSTEM
    name: str = ""  # the index (table, schema, ...) named
    concurrently: bool = False


@dataclass(frozen=True)
class CreateFunction(Effect):
    """PostgreSQL ``CREATE [OR REPLACE] FUNCTION`` (``table`` is empty): what decides
    whether a column default calling it is computed once or for every row."""

    name: str = ""  # lower case (quoted or not); ``schema.name`` outside public
    # IMMUTABLE, STABLE or VOLATILE (CREATE FUNCTION's default); "" when it names several
    volatility: str = ""
    language: str = ""  # lower case: sql, plpgsql, c, ...
    # "yes": a one-expression SQL function PostgreSQL inlines into the calling expression
    # (then the volatility of its body counts); "strict": the same, but STRICT, so only
    # inlined when its body is strict too; "": never inlined
    inlining: str = ""
    body_calls: tuple[str, ...] = ()  # inlined: the functions its body calls


@dataclass(frozen=True)
class CreateDatabase(Effect):
    """``CREATE DATABASE`` (``table`` is empty)."""

    name: str = ""


@dataclass(frozen=True)
class DropDatabase(Effect):
    """``DROP DATABASE`` (``table`` is empty)."""

    name: str = ""
    if_exists: bool = False


@dataclass(frozen=True)
class Ddl(Effect):
    """The statement defines schema (CREATE, ALTER, DROP, TRUNCATE, COMMENT ... ; also the
    ones sqlglot keeps opaque), whatever else is known about it. Emitted besides the
    specific facts; MySQL commits implicitly around each one. ``table`` when known."""

    verb: str = ""  # e.g. ALTER TABLE, CREATE INDEX, DROP VIEW, TRUNCATE TABLE, ALTER
    temporary: bool = False  # CREATE/DROP TEMPORARY TABLE: MySQL does not commit for it


# The facts of an ALTER TABLE that change the table's definition.
ALTER_TABLE_CHANGES: tuple[type[Effect], ...] = (
    AddColumn,
    DropColumn,
    RenameColumn,
    RenameTable,
    ChangeColumn,
    AddConstraint,
    DropConstraint,
)


def effects(stmt: Statement, dialect: Dialect | None = None) -> list[Effect]:
    """The facts of one statement, computed when it was parsed (``parse/sql.py``);
    none for a statement that was not parsed."""
    return stmt.effects if stmt.effects is not None else []
