from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddColumn, ColumnInfo, CreateTable, InsertRows
from aerich_lint.model import SECTIONS, Dialect, Severity
from aerich_lint.rules._rebuild import rebuilds
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

_DATE_TYPES = ("DATE", "TIME", "YEAR")  # DATE, DATETIME, TIMESTAMP, TIME, YEAR


def required(column: ColumnInfo) -> bool:
    """NOT NULL with nothing to put in the rows that already exist."""
    return (
        column.not_null
        and (column.default is None or column.default.upper() == "NULL")
        and not column.primary_key
        and not column.generated
    )


def _consequence(dialect: Dialect, column: ColumnInfo, table: str) -> str:
    if dialect == Dialect.POSTGRES:
        return f"PostgreSQL fails the statement as soon as {table} has a row"
    if dialect == Dialect.SQLITE:
        return f"SQLite refuses it as soon as {table} has a row"
    if any(t in column.type for t in _DATE_TYPES):
        return (
            f"MySQL fills the rows of {table} with a zero date, or fails under strict "
            f"NO_ZERO_DATE; code that does not set it cannot insert"
        )
    return (
        f"MySQL fills the rows of {table} with '' or 0, and inserts from code that does "
        f"not set it fail in strict mode"
    )


class AddRequiredColumnRule(Rule):
    name = "add-required-column"
    code = "AL325"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "A NOT NULL column without a default is added to a table that already has rows."
    why = (
        "The existing rows need a value for the new column and the statement gives none. "
        "PostgreSQL fails with `column ... contains null values` as soon as the table has one "
        "row, SQLite with `Cannot add a NOT NULL column with default value NULL`: the "
        "migration that worked on the developer's empty database breaks on staging or in "
        "production. MySQL does not fail: it writes the type's implicit value ('', 0, a zero "
        "date, which strict mode with NO_ZERO_DATE refuses) into every row, data nobody "
        "chose. On every engine, application instances still running the previous code "
        "insert rows without the new column, and those inserts fail (PostgreSQL, SQLite, "
        "MySQL strict mode) until the new code is everywhere. Aerich writes this for a new "
        "required field without `default=`, for `DatetimeField(auto_now_add=True)` "
        "(`NOT NULL DEFAULT NULL`: tortoise fills the value in Python, the database has "
        "none), and in the downgrade that re-adds a dropped NOT NULL field. Tables created "
        "earlier in the same migration are empty and are not reported; primary keys, SERIAL, "
        "AUTO_INCREMENT and generated columns fill themselves. (downgrade-mismatch compares "
        "the downgrade with the previous schema; this rule is about the statement failing.)"
    )
    example = 'ALTER TABLE "customer" ADD "nickname" VARCHAR(50) NOT NULL;'
    fix = (
        "Give the column a default the existing rows can take: in the model "
        '`nickname = fields.CharField(max_length=50, default="")`, then `aerich migrate`, '
        'which writes `ALTER TABLE "customer" ADD "nickname" VARCHAR(50) NOT NULL '
        "DEFAULT '';` (a constant default is instant on PostgreSQL 11+ and MySQL 8.0.12+). When "
        "there is no sensible default, go in three deploys: add it nullable (`null=True`, "
        "`aerich migrate`), backfill in batches in its own migration (`aerich migrate --empty "
        '--name backfill_nickname`: `UPDATE "customer" SET "nickname" = ... WHERE '
        '"nickname" IS NULL;`), then make it required (`null=False`, `aerich migrate`; on '
        'PostgreSQL add `CHECK ("nickname" IS NOT NULL) NOT VALID` and VALIDATE it first). '
        "For a downgrade, re-add the column nullable or with a default."
    )
    hint = "give it a default, or add it nullable, backfill, then make it NOT NULL"

    def check(self, ctx: Context) -> Iterator[Violation]:
        yield from _unfilled_copies(ctx)
        for section, stmt, fact in ctx.facts(AddColumn):
            column = fact.column
            if not required(column) or not ctx.existing_table(section, stmt, fact.table):
                continue
            if ctx.dialect == Dialect.MYSQL and column.default is not None:
                continue  # NOT NULL DEFAULT NULL: refused outright, mysql-unsupported-syntax
            what = "without a default" if column.default is None else "with DEFAULT NULL"
            yield Violation(
                f"adds NOT NULL column {fact.table}.{column.name} {what} to an existing "
                f"table: {_consequence(ctx.dialect, column, fact.table)}",
                stmt,
                section,
            )


def _unfilled_copies(ctx: Context) -> Iterator[Violation]:
    """A table rebuild whose copy (``INSERT INTO new__t (columns) SELECT ...``) leaves
    out a NOT NULL column of the new table that has no default: the same hazard as
    adding that column, met by the copy (tortoise 1.1's SQLite RemoveField of a foreign
    key writes one: the new table keeps the column, the copy does not fill it)."""
    for section in SECTIONS:
        pairs = dict(rebuilds(ctx, section))  # new table -> the table it replaces
        if not pairs:
            continue
        created: dict[str, CreateTable] = {}
        for stmt in ctx.statements(section):
            for fact in ctx.effects(stmt):
                if isinstance(fact, CreateTable) and fact.table in pairs:
                    created[fact.table] = fact
                elif isinstance(fact, InsertRows) and fact.table in created and fact.columns:
                    old = pairs[fact.table]
                    if not ctx.existing_table(section, stmt, old):
                        continue
                    named = {c.lower() for c in fact.columns}
                    for column in created[fact.table].columns:
                        if required(column) and column.name.lower() not in named:
                            yield Violation(
                                f"copies the rows of {old} into {fact.table} without its "
                                f"NOT NULL column {column.name}, which has no default: the "
                                f"copy fails as soon as {old} has a row, and so does the "
                                f"rebuild of {old}",
                                stmt,
                                section,
                            )
