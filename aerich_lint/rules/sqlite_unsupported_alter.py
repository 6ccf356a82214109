from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    ALTER_TABLE_CHANGES,
    AddColumn,
    AddConstraint,
    ChangeColumn,
    CreateIndex,
    Ddl,
    DropColumn,
    DropConstraint,
    Effect,
    RenameColumn,
)
from aerich_lint.history.schema import Schema
from aerich_lint.model import SECTIONS, Dialect, Severity, Statement
from aerich_lint.rules._online import older_than, walk
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.targets import Target

_REDEFINE = {"ALTER TABLE MODIFY": "MODIFY", "ALTER TABLE CHANGE": "CHANGE"}
_CHANGES = (*ALTER_TABLE_CHANGES, CreateIndex)
_NOT_CONSTANT = ("CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP")


def _drop_blocker(schema: Schema, fact: DropColumn) -> str | None:
    """Why SQLite refuses to drop this column (its DROP COLUMN rewrites the table and
    gives up on a column anything else in the schema still names)."""
    table = schema.tables.get(fact.table)
    column = table.columns.get(fact.column) if table is not None else None
    if table is None or column is None:
        return None
    if column.primary_key:
        return "it is the PRIMARY KEY"
    if column.unique:
        return "it is UNIQUE"
    for index in schema.indexes.values():
        if index.table == fact.table and fact.column in index.columns:
            return f"index {index.name} uses it"
    for constraint in table.constraints.values():
        if fact.column in constraint.columns and constraint.kind != "CHECK":
            return f"{constraint.kind} {constraint.name} uses it"
    return None


def _constraint_kind(schema: Schema, fact: DropConstraint) -> str:
    table = schema.tables.get(fact.table)
    found = table.constraints.get(fact.name) if table is not None else None
    return found.kind if found is not None else ""


class SqliteUnsupportedAlterRule(Rule):
    name = "sqlite-unsupported-alter"
    code = "AL323"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "An ALTER TABLE that SQLite does not have: the migration fails on it."
    why = (
        "SQLite's ALTER TABLE can rename a table, rename a column (3.25+), add a column, drop "
        "a column (3.35+) and, from 3.53, add or drop a CHECK constraint and set or drop NOT "
        "NULL, one change per statement. Everything else is a syntax error: ALTER COLUMN "
        "... TYPE / SET DEFAULT / DROP DEFAULT, MySQL's MODIFY and CHANGE, ADD CONSTRAINT for "
        "a foreign key, UNIQUE or primary key, MySQL's DROP FOREIGN KEY / DROP PRIMARY KEY, "
        "IF [NOT] EXISTS on a column, several changes separated by commas. Aerich writes some "
        "of these itself for SQLite (a foreign key added to or removed from an existing model "
        "becomes `ADD CONSTRAINT ... FOREIGN KEY` / `DROP FOREIGN KEY`), and the migration "
        "stops at that statement with the earlier ones applied. ADD COLUMN also refuses a "
        "PRIMARY KEY or UNIQUE column, and once the table has a row a non-constant default "
        "(CURRENT_TIMESTAMP, an expression) or, with foreign keys on (tortoise's default), a "
        "REFERENCES column with a non-NULL default. DROP COLUMN refuses a column that is the "
        "primary key, UNIQUE, indexed or part of a table-level foreign key (found by replaying "
        "the history). Version checks use the target (`--target-version sqlite:3.31`, default "
        "3.35)."
    )
    example = (
        'ALTER TABLE "product" DROP FOREIGN KEY "fk_product_category_b9cd9984";\n'
        'ALTER TABLE "event" ADD CONSTRAINT "fk_event_account" FOREIGN KEY ("account_id") '
        'REFERENCES "account" ("id");\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(30);'
    )
    fix = (
        "Rebuild the table, SQLite's documented way to make any other change, in a migration "
        "of its own with `RUN_IN_TRANSACTION = False` (`aerich migrate --empty --name "
        "rebuild_event`) so that the PRAGMA takes effect (see sqlite-pragma-in-transaction): "
        '`PRAGMA foreign_keys = OFF; BEGIN; CREATE TABLE "event_new" (... the new '
        'definition ...); INSERT INTO "event_new" (...) SELECT ... FROM "event"; DROP TABLE '
        '"event"; ALTER TABLE "event_new" RENAME TO "event"; (re-create its indexes) PRAGMA '
        "foreign_key_check; COMMIT; PRAGMA foreign_keys = ON;`. An inline foreign key can "
        'also come with the column: `ALTER TABLE "event" ADD "account_id" INT REFERENCES '
        '"account" ("id");`. Split multi-change ALTERs into one statement per change; add a '
        "UNIQUE column plain and then `CREATE UNIQUE INDEX`; drop the index before the column."
    )
    hint = "SQLite needs a table rebuild for this (or split / rewrite the ALTER)"
    dialects = frozenset({Dialect.SQLITE})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section in SECTIONS:
            known: dict[int, str] = {}  # id(fact) -> what the history adds about it
            for _, fact, schema in walk(ctx, section):
                if isinstance(fact, DropColumn):
                    blocker = _drop_blocker(schema, fact)
                    if blocker:
                        known[id(fact)] = blocker
                elif isinstance(fact, DropConstraint):
                    known[id(fact)] = _constraint_kind(schema, fact)
            for stmt in ctx.statements(section):
                found = list(self._problems(ctx, section, stmt, known))
                for message in dict.fromkeys(found):
                    yield Violation(message, stmt, section)

    def _problems(
        self, ctx: Context, section: str, stmt: Statement, known: dict[int, str]
    ) -> Iterator[str]:
        target = ctx.target
        facts = ctx.effects(stmt)
        if stmt.command in _REDEFINE:
            yield (
                f"SQLite has no ALTER TABLE ... {_REDEFINE[stmt.command]} (MySQL syntax): "
                f"changing a column needs a table rebuild"
            )
        verb = next((f.verb for f in facts if isinstance(f, Ddl)), "")
        if verb == "ALTER TABLE" and sum(isinstance(f, _CHANGES) for f in facts) > 1:
            yield "SQLite's ALTER TABLE makes one change per statement: split it"
        for fact in facts:
            yield from self._fact(ctx, section, stmt, fact, verb, target, known)

    def _fact(
        self,
        ctx: Context,
        section: str,
        stmt: Statement,
        fact: Effect,
        verb: str,
        target: Target,
        known: dict[int, str],
    ) -> Iterator[str]:
        rebuild = "needs a table rebuild"
        if isinstance(fact, ChangeColumn):
            if fact.new_type is not None or fact.definition is not None:
                yield f"SQLite cannot change the type of {fact.table}.{fact.column}: it {rebuild}"
            elif fact.set_not_null is not None:
                if older_than(target, 3, 53):
                    how = "SET" if fact.set_not_null else "DROP"
                    yield f"ALTER COLUMN ... {how} NOT NULL needs SQLite 3.53 (target: {target})"
            elif fact.default is not None or fact.drop_default:
                column = f"{fact.table}.{fact.column}"
                yield f"SQLite cannot change the default of {column}: it {rebuild}"
        elif isinstance(fact, AddConstraint):
            kind = fact.constraint.kind
            if kind != "CHECK":
                yield f"SQLite cannot add a {kind} constraint to an existing table: it {rebuild}"
            elif older_than(target, 3, 53):
                yield f"ADD CONSTRAINT ... CHECK needs SQLite 3.53 (target: {target})"
        elif isinstance(fact, CreateIndex) and verb == "ALTER TABLE":
            yield "SQLite's ALTER TABLE cannot add an index: use CREATE [UNIQUE] INDEX"
        elif isinstance(fact, DropConstraint):
            if fact.kind in {"FOREIGN KEY", "CHECK"}:
                yield f"DROP {fact.kind} is MySQL syntax: SQLite cannot drop it without a rebuild"
            elif fact.kind == "PRIMARY KEY":
                yield f"SQLite cannot drop a primary key: it {rebuild}"
            elif older_than(target, 3, 53):
                yield f"SQLite cannot drop a constraint before 3.53 (target: {target})"
            elif known.get(id(fact)) in {"FOREIGN KEY", "UNIQUE", "PRIMARY KEY"}:
                yield (
                    f"SQLite 3.53 drops only CHECK and NOT NULL constraints, not the "
                    f"{known[id(fact)]} {fact.name}: it {rebuild}"
                )
        elif isinstance(fact, DropColumn):
            if fact.if_exists:
                yield "SQLite has no DROP COLUMN IF EXISTS"
            if older_than(target, 3, 35):
                yield f"DROP COLUMN needs SQLite 3.35 (target: {target})"
            elif id(fact) in known:
                yield f"SQLite cannot drop {fact.table}.{fact.column}: {known[id(fact)]}"
        elif isinstance(fact, RenameColumn):
            if older_than(target, 3, 25):
                yield f"RENAME COLUMN needs SQLite 3.25 (target: {target})"
        elif isinstance(fact, AddColumn):
            yield from self._add_column(ctx, section, stmt, fact)

    def _add_column(
        self, ctx: Context, section: str, stmt: Statement, fact: AddColumn
    ) -> Iterator[str]:
        column = fact.column
        name = f"{fact.table}.{column.name}"
        if fact.if_not_exists:
            yield "SQLite has no ADD COLUMN IF NOT EXISTS"
        if column.primary_key:
            yield f"SQLite cannot add a PRIMARY KEY column ({name})"
        elif column.unique:
            yield f"SQLite cannot add a UNIQUE column ({name}): add it, then CREATE UNIQUE INDEX"
        if not ctx.existing_table(section, stmt, fact.table):
            return  # the rest fails only on a table with rows
        default = (column.default or "").upper()
        if default.startswith("(") or default in _NOT_CONSTANT:
            yield (
                f"SQLite refuses ADD COLUMN {name} with the non-constant default "
                f"{column.default} once {fact.table} has a row"
            )
        if column.references and default not in {"", "NULL"}:
            yield (
                f"with foreign keys on (tortoise's default) SQLite refuses the REFERENCES "
                f"column {name} with a non-NULL default once {fact.table} has a row"
            )
