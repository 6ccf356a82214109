from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.effects import AddColumn, ColumnInfo
from aerich_lint.model import Dialect, Severity
from aerich_lint.rules._online import LOCKING_SECTIONS, live_table
from aerich_lint.rules.base import Context, Rule, Violation

# Functions PostgreSQL marks VOLATILE that show up as column defaults. now(),
# CURRENT_TIMESTAMP, transaction_timestamp() and statement_timestamp() are STABLE:
# evaluated once for the ALTER, so they do not rewrite the table.
VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
    }
)
_SERIALS = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*)\s*\(")
_STRING = re.compile(r"'(?:[^']|'')*'")


def volatile_call(column: ColumnInfo) -> str | None:
    """The volatile function the column's default calls (SERIAL: nextval)."""
    if column.type.upper() in _SERIALS:
        return "nextval"
    for name in _CALL.findall(_STRING.sub("''", column.default or "")):
        if str(name).lower() in VOLATILE:
            return str(name).lower()
    return None


class VolatileDefaultRule(Rule):
    name = "volatile-default"
    code = "AL306"
    severity = Severity.WARNING
    summary = "ADD COLUMN whose default must be computed row by row rewrites the whole table."
    why = (
        "Since PostgreSQL 11, ADD COLUMN with a constant or STABLE default is instant: the "
        "value is computed once and stored in the catalog, and existing rows read it from "
        "there. A VOLATILE default (random(), gen_random_uuid(), uuid_generate_v4(), "
        "clock_timestamp(), timeofday(), nextval(...), which includes a SERIAL column) gives "
        "each row its own value, so PostgreSQL rewrites the whole table, and its indexes, "
        "under an ACCESS EXCLUSIVE lock: no reads or writes until it is done. now(), "
        "CURRENT_TIMESTAMP and transaction_timestamp() are STABLE, not volatile: on 11+ "
        "`DEFAULT CURRENT_TIMESTAMP` does not rewrite the table, and every existing row gets "
        "the time of the migration. (aerich itself writes no database default for "
        "`auto_now_add` or a Python callable: on an existing table it adds the column `NOT "
        "NULL DEFAULT NULL`, which fails on rows instead, see add-required-column.)\n\n"
        "Before PostgreSQL 11 any non-NULL default rewrites the table, `DEFAULT 0` "
        "included: with a target version below 11 every such ADD COLUMN is reported. Tables "
        "created in the same migration, and downgrades, are not reported."
    )
    example = 'ALTER TABLE "product" ADD "uuid" UUID NOT NULL DEFAULT gen_random_uuid();'
    fix = (
        "Add the column without the default, set the default for new rows in a separate "
        "statement, and fill the old rows in batches:\n\n"
        'ALTER TABLE "product" ADD "uuid" UUID;\n\n'
        'ALTER TABLE "product" ALTER COLUMN "uuid" SET DEFAULT gen_random_uuid();\n\n'
        "-- data migration (`aerich migrate --empty --name backfill_product_uuid`), in "
        "batches:\n\n"
        'UPDATE "product" SET "uuid" = gen_random_uuid() WHERE "id" IN (SELECT "id" FROM '
        '"product" WHERE "uuid" IS NULL LIMIT 10000);\n\n'
        "Then make it NOT NULL without a long lock (see set-not-null). In a model, a Python "
        "default (`default=uuid.uuid4`) writes no database default at all."
    )
    hint = "add the column without the default, SET DEFAULT separately, backfill in batches"
    dialects = frozenset({Dialect.POSTGRES})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        modern = ctx.target.at_least(11)
        for section, stmt, fact in ctx.facts(AddColumn, LOCKING_SECTIONS):
            column = fact.column
            if not live_table(ctx, section, stmt, fact.table):
                continue
            where = f"{fact.table}.{column.name}"
            call = volatile_call(column)
            if call is not None:
                what = (
                    f"a {column.type} column"
                    if call == "nextval" and not column.default
                    else f"default {column.default}"
                )
                yield Violation(
                    f"adds {where} with {what}, which calls the volatile {call}(): every row "
                    f"of {fact.table} is rewritten under an ACCESS EXCLUSIVE lock",
                    stmt,
                    section,
                )
            elif not modern and column.default is not None and column.default.upper() != "NULL":
                yield Violation(
                    f"adds {where} with default {column.default}: on {ctx.target} any "
                    f"non-NULL default rewrites every row of {fact.table} under an ACCESS "
                    f"EXCLUSIVE lock (instant from PostgreSQL 11)",
                    stmt,
                    section,
                )
