"""An in-memory schema and how each effect changes it.

Applying an effect returns the problems the database would raise: a reference
to something missing, or a create of something that already exists. Tables are
copied on write, so keeping the schema before and after every migration of a
long history stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    ChangeColumn,
    ColumnInfo,
    ConstraintInfo,
    CreateIndex,
    CreateTable,
    DeleteRows,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    Effect,
    InsertRows,
    RenameColumn,
    RenameTable,
    Truncate,
    UpdateRows,
)
from aerich_lint.model import Dialect
from aerich_lint.naming import twin_index


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass
class Table:
    name: str
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    constraints: dict[str, ConstraintInfo] = field(default_factory=dict)  # named ones

    def copy(self) -> Table:
        return Table(self.name, dict(self.columns), dict(self.constraints))


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing" or "exists"
    message: str


class Schema:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.tables: dict[str, Table] = {}
        self.indexes: dict[str, Index] = {}  # key: see index_key
        self._owned: set[str] = set()

    def copy(self) -> Schema:
        other = Schema(self.dialect)
        other.tables = dict(self.tables)
        other.indexes = dict(self.indexes)
        # Tables are now shared: neither side owns them, the first write copies.
        self._owned = set()
        return other

    def writable(self, name: str) -> Table:
        if name not in self._owned:
            self.tables[name] = self.tables[name].copy()
            self._owned.add(name)
        return self.tables[name]

    def put(self, table: Table) -> None:
        self.tables[table.name] = table
        self._owned.add(table.name)

    def index_key(self, name: str, table: str) -> str:
        """PostgreSQL and SQLite name indexes per schema; MySQL per table."""
        return f"{table}.{name}" if self.dialect == Dialect.MYSQL else name

    def table_indexes(self, table: str) -> list[str]:
        return [k for k, ix in self.indexes.items() if ix.table == table]


@dataclass
class Known:
    """What the app's history has ever created: a missing object that was never
    seen is reported only when the history is complete, since it may predate it."""

    tables: set[str] = field(default_factory=set)
    indexes: set[str] = field(default_factory=set)
    constraints: set[str] = field(default_factory=set)
    complete: bool = True

    def copy(self) -> Known:
        return Known(set(self.tables), set(self.indexes), set(self.constraints), self.complete)


def _auto_indexes(schema: Schema, table: str, column: ColumnInfo) -> None:
    """Indexes the database names itself for an inline UNIQUE column."""
    if not column.unique or column.primary_key:
        return
    if schema.dialect == Dialect.POSTGRES:
        name = f"{table}_{column.name}_key"
    elif schema.dialect == Dialect.MYSQL:
        name = column.name  # MySQL names indexes per table: index_key adds the table
    else:
        # SQLite's are sqlite_autoindex_<table>_<n>, one namespace for the whole schema:
        # keyed by table, so that two tables' UNIQUE "email" columns stay two indexes
        name = f"sqlite_autoindex_{table}_{column.name}"
    schema.indexes[schema.index_key(name, table)] = Index(name, table, (column.name,), True)


class Applier:
    def __init__(self, schema: Schema, known: Known) -> None:
        self.schema = schema
        self.known = known

    # -- helpers ---------------------------------------------------------------
    def _table(self, name: str, problems: list[Problem], verb: str) -> Table | None:
        table = self.schema.tables.get(name)
        if table is None and (name in self.known.tables or self.known.complete):
            gone = " (it was dropped or renamed earlier)" if name in self.known.tables else ""
            problems.append(Problem("missing", f"{verb} table {name}, which does not exist{gone}"))
        return table

    def _reference(self, target: str | None, problems: list[Problem], what: str) -> None:
        if self.schema.dialect == Dialect.SQLITE:
            return  # SQLite checks a foreign key's table only when rows are written
        if target and target not in self.schema.tables and target in self.known.tables:
            problems.append(
                Problem("missing", f"{what} references table {target}, which does not exist")
            )

    def _add_table(self, table: Table, constraints: tuple[ConstraintInfo, ...]) -> None:
        self.schema.put(table)
        self.known.tables.add(table.name)
        for column in table.columns.values():
            _auto_indexes(self.schema, table.name, column)
        for c in constraints:
            if c.kind == "INDEX" or (c.kind == "UNIQUE" and self.schema.dialect == Dialect.MYSQL):
                if c.name:
                    key = self.schema.index_key(c.name, table.name)
                    self.schema.indexes[key] = Index(
                        c.name, table.name, c.columns, c.kind == "UNIQUE"
                    )
                    self.known.indexes.add(key)
            elif c.name:
                table.constraints[c.name] = c
                self.known.constraints.add(f"{table.name}.{c.name}")

    # -- effects ---------------------------------------------------------------
    def apply(self, fact: Effect) -> list[Problem]:
        problems: list[Problem] = []
        if getattr(fact, "table_if_exists", False) and fact.table not in self.schema.tables:
            return problems  # ALTER TABLE IF EXISTS on a missing table: a no-op (a NOTICE)
        handler = getattr(self, f"_{type(fact).__name__}", None)
        if handler is not None:
            handler(fact, problems)
        return problems

    def _CreateTable(self, fact: CreateTable, problems: list[Problem]) -> None:
        if fact.table in self.schema.tables:
            if not fact.if_not_exists:
                problems.append(
                    Problem("exists", f"creates table {fact.table}, which already exists")
                )
            return
        for column in fact.columns:
            if column.references != fact.table:
                self._reference(column.references, problems, f"column {fact.table}.{column.name}")
        for c in fact.constraints:
            if c.references != fact.table:
                self._reference(c.references, problems, f"a foreign key of {fact.table}")
        self._add_table(Table(fact.table, {c.name: c for c in fact.columns}), fact.constraints)

    def _DropTable(self, fact: DropTable, problems: list[Problem]) -> None:
        if fact.table not in self.schema.tables:
            if not fact.if_exists:
                self._table(fact.table, problems, "drops")
            return
        del self.schema.tables[fact.table]
        for key in self.schema.table_indexes(fact.table):
            del self.schema.indexes[key]

    def _RenameTable(self, fact: RenameTable, problems: list[Problem]) -> None:
        table = self._table(fact.table, problems, "renames")
        if table is None:
            return
        if fact.new in self.schema.tables:
            problems.append(
                Problem("exists", f"renames table {fact.table} to {fact.new}, which already exists")
            )
            return
        del self.schema.tables[fact.table]
        moved = table.copy()
        moved.name = fact.new
        self.schema.put(moved)
        self.known.tables.add(fact.new)
        for key in self.schema.table_indexes(fact.table):
            index = self.schema.indexes.pop(key)
            self.schema.indexes[self.schema.index_key(index.name, fact.new)] = replace(
                index, table=fact.new
            )

    def _AddColumn(self, fact: AddColumn, problems: list[Problem]) -> None:
        if self._table(fact.table, problems, "adds a column to") is None:
            return
        table = self.schema.writable(fact.table)
        if fact.column.name in table.columns:
            if not fact.if_not_exists:
                problems.append(
                    Problem(
                        "exists",
                        f"adds column {fact.table}.{fact.column.name}, which already exists",
                    )
                )
            return
        self._reference(fact.column.references, problems, f"column {fact.table}.{fact.column.name}")
        table.columns[fact.column.name] = fact.column
        _auto_indexes(self.schema, fact.table, fact.column)

    def _column(
        self, table_name: str, column: str, problems: list[Problem], verb: str
    ) -> Table | None:
        if self._table(table_name, problems, verb) is None:
            return None
        if column not in self.schema.tables[table_name].columns:
            problems.append(
                Problem("missing", f"{verb} column {table_name}.{column}, which does not exist")
            )
            return None
        return self.schema.writable(table_name)

    def _DropColumn(self, fact: DropColumn, problems: list[Problem]) -> None:
        table = self.schema.tables.get(fact.table)
        # DROP COLUMN IF EXISTS skips a missing column, not a missing table
        if fact.if_exists and table is not None and fact.column not in table.columns:
            return
        writable = self._column(fact.table, fact.column, problems, "drops")
        if writable is None:
            return
        del writable.columns[fact.column]
        for key in self.schema.table_indexes(fact.table):
            if fact.column in self.schema.indexes[key].columns:
                del self.schema.indexes[key]

    def _RenameColumn(self, fact: RenameColumn, problems: list[Problem]) -> None:
        table = self._column(fact.table, fact.old, problems, "renames")
        if table is None:
            return
        if fact.new != fact.old and fact.new in table.columns:
            problems.append(
                Problem(
                    "exists", f"renames {fact.table}.{fact.old} to {fact.new}, which already exists"
                )
            )
            return
        old = table.columns.pop(fact.old)
        table.columns[fact.new] = fact.definition or replace(old, name=fact.new)
        for key in self.schema.table_indexes(fact.table):
            index = self.schema.indexes[key]
            if fact.old in index.columns:
                cols = tuple(fact.new if c == fact.old else c for c in index.columns)
                self.schema.indexes[key] = replace(index, columns=cols)

    def _ChangeColumn(self, fact: ChangeColumn, problems: list[Problem]) -> None:
        table = self._column(fact.table, fact.column, problems, "changes")
        if table is None:
            return
        column = table.columns[fact.column]
        if fact.definition is not None:  # MODIFY restates the whole column
            column = replace(
                fact.definition, primary_key=column.primary_key or fact.definition.primary_key
            )
        else:
            if fact.new_type is not None:
                column = replace(column, type=fact.new_type)
            if fact.set_not_null is not None:
                column = replace(column, not_null=fact.set_not_null)
            if fact.default is not None:
                column = replace(column, default=fact.default)
            if fact.drop_default:
                column = replace(column, default=None)
        table.columns[fact.column] = column

    def _CreateIndex(self, fact: CreateIndex, problems: list[Problem]) -> None:
        table = self._table(fact.table, problems, "indexes")
        if table is None:
            return
        missing = [c for c in fact.columns if c not in table.columns]
        if missing:
            problems.append(
                Problem(
                    "missing", f"indexes column {fact.table}.{missing[0]}, which does not exist"
                )
            )
            return
        if not fact.name:
            return
        key = self.schema.index_key(fact.name, fact.table)
        if key in self.schema.indexes:
            if not fact.if_not_exists:
                problems.append(
                    Problem("exists", f"creates index {fact.name}, which already exists")
                )
            return
        self.schema.indexes[key] = Index(fact.name, fact.table, fact.columns, fact.unique)
        self.known.indexes.add(key)

    def _DropIndex(self, fact: DropIndex, problems: list[Problem]) -> None:
        key = self.schema.index_key(fact.name, fact.table)
        if key in self.schema.indexes:
            del self.schema.indexes[key]
        elif not fact.if_exists and key in self.known.indexes:
            # Indexes the database named itself cannot be tracked reliably:
            # only an index this history created, and that is gone, is reported.
            problems.append(Problem("missing", f"drops index {fact.name}, which no longer exists"))
        elif (
            not fact.if_exists
            and self.known.complete
            and (twin := twin_index(fact.name)) is not None
        ):
            # A name only aerich gives, never created by the whole history: it is not there.
            made = self.schema.indexes.get(self.schema.index_key(twin, fact.table))
            why = (
                f" (the index is {twin}, on {made.table}: aerich's rollback of a unique "
                f"index names the idx_ index instead of the uid_ one)"
                if made is not None and fact.name.startswith("idx_")
                else ""
            )
            problems.append(
                Problem("missing", f"drops index {fact.name}, which does not exist{why}")
            )

    def _AddConstraint(self, fact: AddConstraint, problems: list[Problem]) -> None:
        c = fact.constraint
        table = self._table(fact.table, problems, "adds a constraint to")
        if table is None:
            return
        missing = [col for col in c.columns if col not in table.columns]
        if missing:
            problems.append(
                Problem(
                    "missing", f"constrains column {fact.table}.{missing[0]}, which does not exist"
                )
            )
        if c.references != fact.table:
            self._reference(
                c.references, problems, f"constraint {c.name or c.kind} of {fact.table}"
            )
        if c.name:
            if c.name in table.constraints:
                problems.append(
                    Problem(
                        "exists", f"adds constraint {c.name}, which already exists on {fact.table}"
                    )
                )
                return
            self.schema.writable(fact.table).constraints[c.name] = c
            self.known.constraints.add(f"{fact.table}.{c.name}")

    def _DropConstraint(self, fact: DropConstraint, problems: list[Problem]) -> None:
        table = self.schema.tables.get(fact.table)
        if table is None:  # DROP CONSTRAINT IF EXISTS skips a missing constraint, not table
            self._table(fact.table, problems, "drops a constraint of")
            return
        if fact.name in table.constraints:
            del self.schema.writable(fact.table).constraints[fact.name]
        elif not fact.if_exists and f"{fact.table}.{fact.name}" in self.known.constraints:
            problems.append(
                Problem("missing", f"drops constraint {fact.name}, which no longer exists")
            )
        key = self.schema.index_key(fact.name, fact.table)
        self.schema.indexes.pop(key, None)  # a UNIQUE constraint's index goes with it

    def _rows(self, fact: Effect, problems: list[Problem], verb: str) -> None:
        self._table(fact.table, problems, verb)

    def _Truncate(self, fact: Truncate, problems: list[Problem]) -> None:
        self._rows(fact, problems, "truncates")

    def _DeleteRows(self, fact: DeleteRows, problems: list[Problem]) -> None:
        self._rows(fact, problems, "deletes from")

    def _UpdateRows(self, fact: UpdateRows, problems: list[Problem]) -> None:
        self._rows(fact, problems, "updates")

    def _InsertRows(self, fact: InsertRows, problems: list[Problem]) -> None:
        if fact.table != "aerich":  # aerich's own bookkeeping table may be another app's
            self._rows(fact, problems, "inserts into")
