"""An in-memory schema and how each effect changes it.

Applying an effect returns the problems the database would raise: a reference
to something missing, or a create of something that already exists. Tables are
copied on write, so keeping the schema before and after every migration of a
long history stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from aerich_lint.dialects import spec
from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    ChangeColumn,
    ColumnInfo,
    ConstraintInfo,
    CreateFunction,
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
    Setting,
    TableCommand,
    Truncate,
    UpdateRows,
)
from aerich_lint.model import Dialect
from aerich_lint.naming import (
    aerich_fk_name,
    aerich_index_name,
    twin_index,
)

# A key of Table.constraints: the table has constraints whose names the replay cannot
# know (renamed, or named by the server in a way that depends on its version).
UNSURE = "\x00unsure"


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool = False
    # part of its table's definition (an inline UNIQUE, an index in CREATE TABLE): a
    # rebuild gets it back from the new table's CREATE, not from a CREATE INDEX
    declared: bool = False


@dataclass
class Table:
    name: str
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    constraints: dict[str, ConstraintInfo] = field(default_factory=dict)  # named ones

    def copy(self) -> Table:
        return Table(self.name, dict(self.columns), dict(self.constraints))


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing", "exists" or "refused" (the server will not do it)
    message: str


@dataclass(frozen=True)
class NoOp:
    """A statement that does nothing (IF [NOT] EXISTS met something else than meant),
    worth a finding only if, when the section ends, what it was meant to change is
    still as it was: ``constraint`` still on ``table``; index ``index`` still not on
    ``columns`` (or not of that uniqueness); ``columns`` still missing from ``table``."""

    message: str
    table: str
    constraint: str = ""
    index: str = ""
    columns: tuple[str, ...] = ()
    unique: bool = False

    def holds(self, schema: Schema) -> bool:
        table = schema.tables.get(self.table)
        if self.constraint:
            return table is not None and self.constraint in table.constraints
        if self.index:  # still there; with ``columns``: still not on them
            found = schema.indexes.get(self.index)
            return found is not None and (
                not self.columns or (found.columns, found.unique) != (self.columns, self.unique)
            )
        return table is not None and any(c not in table.columns for c in self.columns)


class Schema:
    def __init__(self, dialect: Dialect, tool: str = "aerich") -> None:
        self.dialect = dialect
        # who names the indexes and constraints the migrations drop by name: aerich, or
        # tortoise for its native migrations (the same scheme: idx_, uid_, fk_)
        self.tool = tool
        self.tables: dict[str, Table] = {}
        self.indexes: dict[str, Index] = {}  # key: see index_key
        # PostgreSQL functions by name, the last CREATE of each (volatile-default)
        self.functions: dict[str, CreateFunction] = {}
        self._owned: set[str] = set()

    def copy(self) -> Schema:
        other = Schema(self.dialect, self.tool)
        other.tables = dict(self.tables)
        other.indexes = dict(self.indexes)
        other.functions = dict(self.functions)
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
        return f"{table}.{name}" if spec(self.dialect).indexes_per_table else name

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


def _auto_indexes(
    schema: Schema, table: str, column: ColumnInfo, naming: Callable[[str, str], str]
) -> None:
    """Indexes the database names itself for an inline UNIQUE column (``naming``: the
    dialect's ``unique_column_index``; MySQL's are per table: index_key adds it)."""
    if not column.unique or column.primary_key:
        return
    name = naming(table, column.name)
    schema.indexes[schema.index_key(name, table)] = Index(
        name, table, (column.name,), True, declared=True
    )


class Applier:
    def __init__(self, schema: Schema, known: Known) -> None:
        self.schema = schema
        self.known = known
        # tables that later statements of this section create, with the line of each
        self.later: dict[str, int] = {}
        # MySQL: SET foreign_key_checks = 0 earlier in the section (the server then
        # does not look at the table a foreign key references)
        self.fk_checks_off = False
        # statements that did nothing (read by no-op-statement once the section ends)
        self.noops: list[NoOp] = []

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
        if self.fk_checks_off and self.schema.dialect == Dialect.MYSQL:
            return  # the referenced table is not looked at
        if not target or target in self.schema.tables:
            return
        if target in self.later:
            problems.append(
                Problem(
                    "missing",
                    f"{what} references table {target}, which this migration creates only "
                    f"later (line {self.later[target]}): create {target} first",
                )
            )
        elif target in self.known.tables:
            problems.append(
                Problem("missing", f"{what} references table {target}, which does not exist")
            )

    # -- the names the server gives ----------------------------------------------
    def _taken(self, name: str) -> bool:
        """PostgreSQL: is the name already used by an index or constraint of the schema?"""
        return name in self.schema.indexes or any(
            name in t.constraints for t in self.schema.tables.values()
        )

    def _name(self, table: Table, c: ConstraintInfo, inline: bool = False) -> None:
        """Record constraint ``c`` of ``table`` (being written) under the name the server
        gives it when the statement names none (PostgreSQL: ``<table>_<columns>_fkey`` /
        ``_key`` / ``_pkey``, cut to 63 bytes; MySQL: ``<table>_ibfk_N``: the dialect's
        ``constraint_name``)."""
        naming = spec(self.schema.dialect)
        if inline and c.kind == "FOREIGN KEY" and naming.inline_references_uncertain:
            # MySQL 8.0 ignores an inline REFERENCES, MariaDB 10.5+ makes it a
            # foreign key: whether it exists (and so the numbering) is not known
            table.constraints[UNSURE] = ConstraintInfo(UNSURE, "UNSURE")
            return
        name = naming.constraint_name(table.name, c.kind, c.columns, self._taken, table.constraints)
        if name is None:
            return  # a CHECK (its name depends on its expression), or columns unknown
        table.constraints[name] = replace(c, name=name)
        self.known.constraints.add(f"{table.name}.{name}")
        if c.kind == "UNIQUE" and naming.constraint_indexes_share_name:
            self.schema.indexes[name] = Index(name, table.name, c.columns, True)

    def _name_column(self, table: Table, column: ColumnInfo) -> None:
        """The constraints an inline PRIMARY KEY, UNIQUE or REFERENCES gives."""
        unique_index = spec(self.schema.dialect).unique_column_index
        if unique_index is not None:
            _auto_indexes(self.schema, table.name, column, unique_index)
        if column.primary_key:
            self._name(table, ConstraintInfo("", "PRIMARY KEY", (column.name,)))
        elif column.unique and unique_index is None:
            self._name(table, ConstraintInfo("", "UNIQUE", (column.name,)))
        if column.references:
            fk = ConstraintInfo("", "FOREIGN KEY", (column.name,), column.references)
            self._name(table, fk, inline=True)

    def _add_table(self, table: Table, constraints: tuple[ConstraintInfo, ...]) -> None:
        self.schema.put(table)
        self.known.tables.add(table.name)
        for column in table.columns.values():
            self._name_column(table, column)
        for c in constraints:
            if c.kind == "INDEX" or (c.kind == "UNIQUE" and self.schema.dialect == Dialect.MYSQL):
                if c.name:
                    key = self.schema.index_key(c.name, table.name)
                    self.schema.indexes[key] = Index(
                        c.name, table.name, c.columns, c.kind == "UNIQUE", declared=True
                    )
                    self.known.indexes.add(key)
            elif c.name:
                table.constraints[c.name] = c
                self.known.constraints.add(f"{table.name}.{c.name}")
            else:
                self._name(table, c)

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
            have = self.schema.tables[fact.table].columns
            missing = tuple(c.name for c in fact.columns if c.name not in have)
            if missing and self.known.complete:
                listed = ", ".join(missing)
                self.noops.append(
                    NoOp(
                        f"creates table {fact.table} if it does not exist, but it does (created "
                        f"earlier in the history): nothing is created, and its columns "
                        f"{listed} are missing",
                        fact.table,
                        columns=missing,
                    )
                )
            return
        found: list[Problem] = []
        for column in fact.columns:
            if column.references != fact.table:
                self._reference(column.references, found, f"column {fact.table}.{column.name}")
        for c in fact.constraints:
            if c.references != fact.table:
                self._reference(c.references, found, f"a foreign key of {fact.table}")
        later = [p for p in found if "creates only later" in p.message]
        if len(later) > 1:  # the statement fails once: one problem naming every table
            others = ", ".join(
                p.message.split(" references table ")[1].split(",")[0] for p in later[1:]
            )
            first = later[0]
            found = [p for p in found if p not in later[1:]]
            found[found.index(first)] = replace(
                first, message=f"{first.message} (and {others}, also created later)"
            )
        problems.extend(found)
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
        if self.schema.dialect == Dialect.MYSQL and any(
            n.lower().startswith(f"{fact.table}_ibfk_".lower()) for n in moved.constraints
        ):
            # MySQL renames <table>_ibfk_N with the table; MariaDB may not
            moved.constraints[UNSURE] = ConstraintInfo(UNSURE, "UNSURE")
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
        self._name_column(table, fact.column)

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
        if self.schema.dialect == Dialect.MYSQL:
            keys = [n for n, c in writable.constraints.items() if c.kind == "FOREIGN KEY"]
            held = [n for n in keys if fact.column in writable.constraints[n].columns]
            if held:
                problems.append(
                    Problem(
                        "refused",
                        f"drops column {fact.table}.{fact.column}, which the foreign key "
                        f"{held[0]} uses: MySQL (error 1828) and MariaDB (error 1553) refuse; "
                        f"drop the foreign key first: ALTER TABLE `{fact.table}` DROP FOREIGN "
                        f"KEY `{held[0]}`",
                    )
                )
                # (replayed as meant: what follows is judged against the intended schema,
                # so the refusal is one finding, not one more per later statement)
        del writable.columns[fact.column]
        for key in self.schema.table_indexes(fact.table):
            if fact.column in self.schema.indexes[key].columns:
                del self.schema.indexes[key]
        # the constraints that use the column go with it
        for name, c in list(writable.constraints.items()):
            if fact.column in c.columns:
                del writable.constraints[name]

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
        for name, c in list(table.constraints.items()):
            if fact.old in c.columns:
                cols = tuple(fact.new if x == fact.old else x for x in c.columns)
                table.constraints[name] = replace(c, columns=cols)

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
            old = self.schema.indexes[key]
            if self.known.complete and (old.table, old.columns, old.unique) != (
                fact.table,
                fact.columns,
                fact.unique,
            ):
                what = "a unique index" if fact.unique else "an index"
                was = "unique index" if old.unique else "index"
                self.noops.append(
                    NoOp(
                        f"creates {what} {fact.name} on {fact.table} ({', '.join(fact.columns)}) "
                        f"if it does not exist, but {fact.name} exists already, a {was} on "
                        f"{old.table} ({', '.join(old.columns)}): nothing is created",
                        fact.table,
                        index=key,
                        columns=fact.columns,
                        unique=fact.unique,
                    )
                )
            return
        self.schema.indexes[key] = Index(fact.name, fact.table, fact.columns, fact.unique)
        self.known.indexes.add(key)

    def _DropIndex(self, fact: DropIndex, problems: list[Problem]) -> None:
        key = self.schema.index_key(fact.name, fact.table)
        owner = self._constraint_index(fact.name)
        if owner is not None:
            kind = owner.constraints[fact.name].kind
            problems.append(
                Problem(
                    "refused",
                    f"drops index {fact.name}, the index of the {kind} constraint {fact.name} "
                    f"of {owner.name}: PostgreSQL refuses (the constraint requires it); drop "
                    f'the constraint instead: ALTER TABLE "{owner.name}" DROP CONSTRAINT '
                    f'"{fact.name}"',
                )
            )
            return  # the statement fails: nothing changes
        if key in self.schema.indexes:
            del self.schema.indexes[key]
        elif fact.if_exists:
            self._dropped_nothing(fact)
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
            if not why and (meant := self._aerich_unique(fact.name, fact.table)) is not None:
                table, c = meant
                why = (
                    f" (it is {self.schema.tool}'s name for the unique index on {table} "
                    f"({', '.join(c.columns)}), which the server named {c.name})"
                )
            problems.append(
                Problem("missing", f"drops index {fact.name}, which does not exist{why}")
            )

    def _constraint_index(self, name: str) -> Table | None:
        """PostgreSQL: the table whose UNIQUE or PRIMARY KEY constraint has the index
        ``name`` (the constraint and its index share the name)."""
        if not spec(self.schema.dialect).constraint_indexes_share_name:
            return None
        for table in self.schema.tables.values():
            found = table.constraints.get(name)
            if found is not None and found.kind in {"UNIQUE", "PRIMARY KEY"}:
                return table
        return None

    def _aerich_unique(self, name: str, table_name: str) -> tuple[str, ConstraintInfo] | None:
        """The unique constraint (or unique index) that ``name`` is aerich's ``uid_`` name
        for, when the server gave it another name: (its table, it)."""
        if not name.startswith("uid_"):
            return None
        tables = [table_name] if table_name else list(self.schema.tables)
        for t in tables:
            table = self.schema.tables.get(t)
            if table is None:
                continue
            uniques = [c for c in table.constraints.values() if c.kind == "UNIQUE"]
            uniques += [
                ConstraintInfo(ix.name, "UNIQUE", ix.columns)
                for ix in self.schema.indexes.values()
                if ix.table == t and ix.unique and ix.name not in table.constraints
            ]
            for c in uniques:
                if c.name != name and aerich_index_name("uid", t, c.columns) == name:
                    return t, c
        return None

    def _aerich_fk(self, name: str, table: Table) -> ConstraintInfo | None:
        """The foreign key of ``table`` that ``name`` is aerich's ``fk_`` name for, when
        the server gave it another name."""
        for c in table.constraints.values():
            if c.kind != "FOREIGN KEY" or len(c.columns) != 1 or not c.references:
                continue
            target = self.schema.tables.get(c.references)
            keys = [k for k, col in target.columns.items() if col.primary_key] if target else []
            for key in keys or ["id"]:
                aerich = aerich_fk_name(table.name, c.columns[0], c.references, key)
                if c.name != name and aerich == name:
                    return c
        return None

    def _dropped_nothing(self, fact: DropIndex) -> None:
        """DROP INDEX IF EXISTS of an index that is not there: worth a finding when it is
        aerich's name for a unique constraint that the server named otherwise (aerich's
        removal of unique=True from a column made with an inline UNIQUE)."""
        if not self.known.complete:
            return
        meant = self._aerich_unique(fact.name, fact.table)
        if meant is None:
            return
        table, c = meant
        how = "constraint" if c.name in self.schema.tables[table].constraints else "unique index"
        drop = (
            f'ALTER TABLE "{table}" DROP CONSTRAINT "{c.name}"'
            if how == "constraint"
            else f'DROP INDEX "{c.name}"'
        )
        self.noops.append(
            NoOp(
                f"drops index {fact.name} if it exists: there is none, so nothing is dropped "
                f"and {table} ({', '.join(c.columns)}) stays unique ({fact.name} is aerich's "
                f"name for it; the server named the {how} {c.name}): {drop}",
                table,
                constraint=c.name if how == "constraint" else "",
                index="" if how == "constraint" else self.schema.index_key(c.name, table),
            )
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
        else:
            self._name(self.schema.writable(fact.table), c)

    def _DropConstraint(self, fact: DropConstraint, problems: list[Problem]) -> None:
        table = self.schema.tables.get(fact.table)
        if table is None:  # DROP CONSTRAINT IF EXISTS skips a missing constraint, not table
            self._table(fact.table, problems, "drops a constraint of")
            return
        name = self._constraint_name(table, fact.name)
        if name is not None:
            del self.schema.writable(fact.table).constraints[name]
        elif not fact.if_exists and f"{fact.table}.{fact.name}" in self.known.constraints:
            problems.append(
                Problem("missing", f"drops constraint {fact.name}, which no longer exists")
            )
        elif self._never_named(table, fact):
            if not fact.if_exists:
                problems.append(
                    Problem(
                        "missing",
                        f"drops constraint {fact.name} of {fact.table}, which does not exist: "
                        f"no migration gave that name{self._named_instead(table, fact.name)}",
                    )
                )
            elif (fk := self._aerich_fk(fact.name, table)) is not None:
                self.noops.append(
                    NoOp(
                        f"drops constraint {fact.name} if it exists: there is none, so nothing "
                        f"is dropped and the foreign key {fact.table}.{fk.columns[0]} -> "
                        f"{fk.references} stays ({fact.name} is {self.schema.tool}'s name for "
                        f'it; the server named it {fk.name}): ALTER TABLE "{fact.table}" DROP '
                        f'CONSTRAINT "{fk.name}"',
                        fact.table,
                        constraint=fk.name,
                    )
                )
        key = self.schema.index_key(fact.name, fact.table)
        self.schema.indexes.pop(key, None)  # a UNIQUE constraint's index goes with it

    def _constraint_name(self, table: Table, name: str) -> str | None:
        """The key of ``table``'s constraint ``name`` (MySQL compares without case)."""
        if name in table.constraints:
            return name
        if self.schema.dialect == Dialect.MYSQL:
            for key in table.constraints:
                if key.lower() == name.lower():
                    return key
        return None

    def _never_named(self, table: Table, fact: DropConstraint) -> bool:
        """Does the complete history show that ``table`` has no constraint ``fact.name``?
        PostgreSQL: any constraint but the ones whose server-given names the replay cannot
        always see (inline CHECK, EXCLUDE, NOT NULL); MySQL: foreign keys."""
        if not self.known.complete or UNSURE in table.constraints:
            return False
        return spec(self.schema.dialect).server_names_seen(fact.name, fact.kind)

    def _named_instead(self, table: Table, name: str) -> str:
        """What the history did name, in words, after the name it never gave."""
        if (fk := self._aerich_fk(name, table)) is not None:
            return (
                f" ({name} is {self.schema.tool}'s name for the foreign key "
                f"{table.name}.{fk.columns[0]} -> {fk.references}, which the server named "
                f"{fk.name})"
            )
        if (meant := self._aerich_unique(name, table.name)) is not None:
            return (
                f" ({name} is {self.schema.tool}'s name for the unique constraint on {table.name} "
                f"({', '.join(meant[1].columns)}), which the server named {meant[1].name})"
            )
        index = self.schema.indexes.get(self.schema.index_key(name, table.name))
        if index is not None and self.schema.dialect == Dialect.POSTGRES:
            return f" ({name} is an index, not a constraint: drop it with DROP INDEX)"
        fks = sorted(c.name for c in table.constraints.values() if c.kind == "FOREIGN KEY")
        if fks and (name.startswith("fk") or "FOREIGN" in name.upper()):
            return f" (the foreign keys of {table.name} are {', '.join(fks)})"
        return ""

    def _CreateFunction(self, fact: CreateFunction, problems: list[Problem]) -> None:
        self.schema.functions[fact.name] = fact

    def _Setting(self, fact: Setting, problems: list[Problem]) -> None:
        name = fact.name.lower().lstrip("@").rsplit(".", 1)[-1]
        if name == "foreign_key_checks":
            value = fact.value.strip("'\"").lower()
            if value in {"0", "off", "false"}:
                self.fk_checks_off = True
            elif value in {"1", "on", "true"}:
                self.fk_checks_off = False

    def _TableCommand(self, fact: TableCommand, problems: list[Problem]) -> None:
        table = self.schema.tables.get(fact.table)
        if table is None:
            return
        if fact.command == "RENAME CONSTRAINT":
            self.schema.writable(fact.table).constraints[UNSURE] = ConstraintInfo(UNSURE, "UNSURE")
        elif fact.command == "ADD CONSTRAINT USING INDEX" and fact.name:
            index = self.schema.indexes.pop(self.schema.index_key(fact.index, fact.table), None)
            columns = index.columns if index is not None else ()
            writable = self.schema.writable(fact.table)
            writable.constraints[fact.name] = ConstraintInfo(fact.name, fact.kind, columns)
            self.known.constraints.add(f"{fact.table}.{fact.name}")
            if index is not None and fact.kind == "UNIQUE":  # PostgreSQL renames the index
                key = self.schema.index_key(fact.name, fact.table)
                self.schema.indexes[key] = replace(index, name=fact.name)

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
