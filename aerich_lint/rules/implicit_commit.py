from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    AlterOptions,
    ChangeColumn,
    CreateIndex,
    CreateTable,
    Ddl,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    Effect,
    InsertRows,
    ReadRows,
    RowChange,
    Setting,
    Truncate,
    UpdateRows,
)
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import new_column
from aerich_lint.rules.base import Context, Rule, Violation


def is_ddl(facts: list[Effect]) -> bool:
    """A statement MySQL commits implicitly (CREATE/DROP TEMPORARY TABLE does not)."""
    return any(isinstance(f, Ddl) and not f.temporary for f in facts)


def repeatable(facts: list[Effect]) -> bool:
    """Would running the statement a second time succeed and change nothing?"""
    known = False
    for f in facts:
        if isinstance(f, Ddl):
            continue
        known = True
        guarded = (
            (isinstance(f, CreateTable) and f.if_not_exists)
            or (isinstance(f, AddColumn) and f.if_not_exists)
            or (isinstance(f, CreateIndex) and f.if_not_exists)
            or (isinstance(f, (DropTable, DropColumn, DropIndex, DropConstraint)) and f.if_exists)
        )
        # MODIFY / ALTER COLUMN SET DEFAULT restate a state; TRUNCATE empties again
        if not (guarded or isinstance(f, (ChangeColumn, AlterOptions, Truncate))):
            return False
    return known


# Facts that change nothing by themselves: a clause, a read, a session setting.
_NEUTRAL = (Ddl, AlterOptions, ReadRows, Setting)


def additive(ctx: Context, stmt: Statement, facts: list[Effect]) -> bool:
    """Does the statement only add what nothing uses yet, so that it can stay behind
    after a failure without losing data or changing what the running code sees? A new
    table; a column the old code can ignore (nullable, with a default or generated, or
    on a table new in this migration); a plain index; a unique index or constraint on a
    new table or on columns added in this migration (NULL in every row); rows written
    into a new table or a new column."""
    known = False
    for f in facts:
        if isinstance(f, _NEUTRAL):
            continue
        known = True
        if not _adds(ctx, stmt, f):
            return False
    return known


def _adds(ctx: Context, stmt: Statement, f: Effect) -> bool:
    new_table = ctx.is_new(UPGRADE, stmt, "table", f.table)
    if isinstance(f, CreateTable):
        return True
    if isinstance(f, AddColumn):
        column = f.column
        fills = (
            not column.not_null
            or (column.default is not None and column.default.upper() != "NULL")
            or column.generated
        )
        return not column.primary_key and (fills or new_table)
    if isinstance(f, CreateIndex):
        return not f.unique or new_table or _new_columns(ctx, stmt, f.table, f.columns)
    if isinstance(f, AddConstraint):
        columns = f.constraint.columns
        return f.constraint.kind != "PRIMARY KEY" and (
            new_table or _new_columns(ctx, stmt, f.table, columns)
        )
    if isinstance(f, UpdateRows):
        return new_table or _new_columns(ctx, stmt, f.table, f.columns)
    if isinstance(f, (InsertRows, RowChange, Truncate)):
        return new_table
    return False


def _new_columns(ctx: Context, stmt: Statement, table: str, columns: tuple[str, ...]) -> bool:
    return bool(columns) and all(new_column(ctx, UPGRADE, stmt, table, c) for c in columns)


class ImplicitCommitRule(Rule):
    name = "implicit-commit"
    code = "AL320"
    severity = Severity.WARNING
    summary = (
        "Several DDL statements in a MySQL upgrade: each commits alone, a failure leaves it "
        "half applied."
    )
    why = (
        "MySQL and MariaDB cannot roll back DDL. CREATE, ALTER, DROP, RENAME and TRUNCATE "
        "TABLE and CREATE/DROP INDEX first commit whatever transaction is open and then "
        "commit their own change. Aerich runs the upgrade in a transaction and inserts its "
        "row in the `aerich` table at the end, but on MySQL that transaction covers nothing: "
        "when the second ALTER fails (a duplicate while building a unique index, a lock wait "
        "timeout, a NULL in a column made NOT NULL, a deploy killed halfway), the first ALTER "
        "is already committed and the aerich row is never written. Aerich now believes the "
        "migration never ran, so `aerich downgrade` will not undo it, the application that "
        "is still running (a failed deploy keeps the old code) works against the half-migrated "
        "schema, and the next `aerich upgrade` runs the file again from the top.\n\n"
        "That hurts when what stays committed is more than an addition nobody uses yet, and "
        "only then is it reported, on the first DDL statement that can fail after it: a drop "
        "(the data is gone), a rename, a MODIFY or CHANGE (the old code meets a changed "
        "column), a NOT NULL column without a default on an existing table (the old code's "
        "inserts fail), a UNIQUE index, foreign key or check on existing columns, an "
        "UPDATE/INSERT/DELETE on an existing table (the next DDL commits it: the data change "
        "is done, and a re-run repeats it), or any statement not understood. A prefix of "
        "additions is not reported: new tables, columns that are nullable or have a default, "
        "plain indexes, keys on new tables or new columns, rows written into them. Left "
        "behind, they lose nothing and the old code does not see them; the repair is to drop "
        "what was added (nothing else has data in it) or, where they are written IF NOT "
        "EXISTS, nothing, and upgrade again. A statement that repeats one already run (aerich "
        "writes the same MODIFY twice when a field's type and nullability change together) "
        "cannot leave anything half done. CREATE/DROP TEMPORARY TABLE does not commit. Files "
        "with RUN_IN_TRANSACTION = False are reported by non-transactional instead. "
        "PostgreSQL and SQLite run DDL inside the transaction and are not concerned."
    )
    example = (
        "-- MySQL, RUN_IN_TRANSACTION = True\n"
        "ALTER TABLE `customer` RENAME COLUMN `name` TO `full_name`;\n"
        "ALTER TABLE `customer` ADD UNIQUE INDEX `uid_customer_email` (`email`);\n"
        "-- a duplicate email fails the second statement: the rename stays, the running\n"
        "-- code still reads `name`, and aerich has recorded nothing"
    )
    fix = (
        "Give each change that is more than an addition its own migration, so that every "
        "file is all or nothing: keep the first statement, create the next file with "
        "`aerich migrate --empty --name add_email_unique`, move the second statement (and its "
        "part of the downgrade) there, and repeat. With generated migrations, change one "
        "field per `aerich migrate`. Changes to one table can also be merged into a single "
        "statement, which MySQL applies atomically: "
        "`ALTER TABLE `customer` RENAME COLUMN `name` TO `full_name`, ADD UNIQUE INDEX "
        "`uid_customer_email` (`email`);`. Additions (new tables, nullable or defaulted "
        "columns, indexes) may share a file; on MariaDB, writing them `ADD COLUMN IF NOT "
        "EXISTS` / `CREATE INDEX IF NOT EXISTS` lets a re-run after a failure go through "
        "without repair."
    )
    hint = "one DDL statement per migration (`aerich migrate --empty`), or merge into one ALTER"
    dialects = frozenset({Dialect.MYSQL})

    def check(self, ctx: Context) -> Iterator[Violation]:
        if not ctx.migration.run_in_transaction:
            return  # non-transactional already reports every multi-statement file
        statements = ctx.statements(UPGRADE)
        ddl = [s for s in statements if is_ddl(ctx.effects(s))]
        if len(ddl) < 2:
            return
        committed: Statement | None = None  # the first change that hurts when left behind
        seen: set[str] = set()
        for stmt in statements:
            facts = ctx.effects(stmt)
            text = " ".join(stmt.sql.split()).rstrip(";")
            if text in seen and is_ddl(facts):
                continue  # runs again what already ran: nothing more is done or left undone
            seen.add(text)
            if committed is not None and is_ddl(facts):
                lines = ", ".join(str(s.line) for s in ddl[:6]) + (", ..." if len(ddl) > 6 else "")
                yield Violation(
                    f"{len(ddl)} DDL statements in one upgrade (lines {lines}): MySQL commits "
                    f"each by itself, so if this one or a later one fails, line "
                    f"{committed.line} stays applied and aerich records nothing: "
                    f"{_left_behind(ctx.effects(committed))}",
                    stmt,
                    UPGRADE,
                )
                return
            changes = is_ddl(facts) or any(isinstance(f, (RowChange, InsertRows)) for f in facts)
            if committed is None and changes and not additive(ctx, stmt, facts):
                committed = stmt


def _left_behind(facts: list[Effect]) -> str:
    """What a failure after this committed statement means."""
    if any(isinstance(f, (RowChange, InsertRows, Truncate)) for f in facts):
        return "its data change is done, and a re-run of the file repeats it"
    if repeatable(facts):
        return (
            "the running code meets a half-migrated schema that aerich's downgrade does not "
            "undo (a re-run of the file gets past it)"
        )
    return "a re-run fails on it, and aerich's downgrade does not undo it"
