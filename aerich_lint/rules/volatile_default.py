from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.effects import AddColumn, ColumnInfo, CreateFunction
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import LOCKING_SECTIONS, before, live_table
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

# Built-in functions PostgreSQL marks VOLATILE that show up as column defaults (the
# uuid-ossp and pgcrypto ones included; random_normal is 16+, uuidv4/uuidv7 18+).
# Checked against pg_proc.provolatile in tests/test_pg_semantics.py.
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
        "currval",
    }
)
# Built-in functions that are IMMUTABLE or STABLE in every overload (pg_proc), and the
# SQL value functions written without parentheses (STABLE): a default calling only these
# is computed once for the ALTER, not once per row. now(), CURRENT_TIMESTAMP,
# transaction_timestamp() and statement_timestamp() are STABLE. Any other function is
# treated as VOLATILE, CREATE FUNCTION's default, unless the history creates it
# IMMUTABLE or STABLE.
NOT_VOLATILE = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "lower",
        "upper",
        "btrim",
        "ltrim",
        "rtrim",
        "initcap",
        "concat",
        "concat_ws",
        "format",
        "md5",
        "sha256",
        "encode",
        "decode",
        "length",
        "substring",
        "substr",
        "strpos",
        "replace",
        "repeat",
        "split_part",
        "left",
        "right",
        "lpad",
        "rpad",
        "to_char",
        "to_date",
        "to_timestamp",
        "to_number",
        "date_trunc",
        "date_part",
        "extract",
        "make_date",
        "make_time",
        "make_timestamp",
        "make_timestamptz",
        "make_interval",
        "timezone",
        "abs",
        "round",
        "trunc",
        "floor",
        "ceil",
        "ceiling",
        "power",
        "mod",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "jsonb_build_array",
        "to_json",
        "to_jsonb",
        "string_to_array",
        "array_to_string",
        "current_setting",
        "current_database",
        "version",
    }
)
VALUE_FUNCTIONS = frozenset(
    {
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "current_user",
        "current_role",
        "session_user",
        "user",
        "current_catalog",
        "current_schema",
        "trim",  # TRIM(... FROM ...) is btrim / ltrim / rtrim
    }
)
_SERIALS = {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"}
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*)\s*\(")
_STRING = re.compile(r"'(?:[^']|'')*'")
_DEPTH = 8  # SQL functions inlined into one another, followed this deep

# A verdict on one call: (kind, what to say about it); kind is "stable", "volatile",
# "unknown" (not created in the history read) or "unsure" (STRICT SQL function).
Verdict = tuple[str, str]


def judge(name: str, functions: dict[str, CreateFunction], depth: int = 0) -> Verdict:
    """Is a call of ``name`` computed once (stable) or for every row (volatile)?"""
    if name in NOT_VOLATILE or name in VALUE_FUNCTIONS:
        return "stable", ""
    if name in VOLATILE:
        return "volatile", f"the volatile {name}()"
    created = functions.get(name)
    if created is None or not created.volatility:
        return "unknown", (
            f"{name}(), a function the linter did not see created: unless it is IMMUTABLE "
            f"or STABLE (CREATE FUNCTION's default is VOLATILE)"
        )
    if created.volatility != "VOLATILE":
        return "stable", ""
    if created.inlining and depth < _DEPTH:
        # PostgreSQL inlines a one-expression SQL function: its body's volatility counts
        inner = [(call, judge(call, functions, depth + 1)) for call in created.body_calls]
        for call, (kind, _) in inner:
            if kind == "volatile":
                return "volatile", f"{name}(), a SQL function whose body calls {call}()"
        for _, verdict in inner:
            if verdict[0] in {"unknown", "unsure"}:
                return verdict
        if created.inlining == "yes":
            return "stable", ""
        return "unsure", (
            f"{name}(), a STRICT SQL function created VOLATILE: unless PostgreSQL inlines "
            f"it (only when its body is strict too)"
        )
    return "volatile", f"{name}(), created VOLATILE (neither IMMUTABLE nor STABLE)"


def volatile_call(column: ColumnInfo) -> str | None:
    """The volatile built-in the column's default calls (SERIAL: nextval), read from the
    default's text (add-unique asks: such a default gives each row a value of its own)."""
    if column.type.upper() in _SERIALS:
        return "nextval"
    for name in _CALL.findall(_STRING.sub("''", column.default or "")):
        if str(name).lower() in VOLATILE:
            return str(name).lower()
    return None


def row_by_row(column: AddColumn, functions: dict[str, CreateFunction]) -> Verdict | None:
    """Why the new column's default is computed row by row (a SERIAL: nextval), or
    None when it is computed once."""
    if column.column.type.upper() in _SERIALS:
        return "volatile", "the volatile nextval()"
    verdicts = [judge(call, functions) for call in column.default_calls]
    for kind in ("volatile", "unknown", "unsure"):
        found = next((v for v in verdicts if v[0] == kind), None)
        if found is not None:
            return found
    return None


class VolatileDefaultRule(Rule):
    name = "volatile-default"
    code = "AL306"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "ADD COLUMN whose default must be computed row by row rewrites the whole table."
    why = (
        "Since PostgreSQL 11, ADD COLUMN with a constant or STABLE default is instant: the "
        "value is computed once and stored in the catalog, and existing rows read it from "
        "there. A VOLATILE default gives each row its own value, so PostgreSQL rewrites the "
        "whole table, and its indexes, under an ACCESS EXCLUSIVE lock: no reads or writes "
        "until it is done. Volatile built-ins: random(), gen_random_uuid(), "
        "uuid_generate_v4(), clock_timestamp(), timeofday(), nextval(...) (so a SERIAL "
        "column too). now(), CURRENT_TIMESTAMP, transaction_timestamp(), lower(), "
        "to_char() and the like are STABLE or IMMUTABLE: `DEFAULT CURRENT_TIMESTAMP` does "
        "not rewrite the table, and every existing row gets the time of the migration; a "
        "cast constant such as `'{}'::jsonb` does not either.\n\n"
        "A function of the project is VOLATILE unless its CREATE FUNCTION says IMMUTABLE "
        "or STABLE: a PL/pgSQL function created without either rewrites the table. The "
        "rule reads CREATE [OR REPLACE] FUNCTION from the app's migrations (earlier ones, "
        "and earlier in the same one). A one-expression SQL function (`AS 'SELECT ...'`, "
        "`RETURN ...`) without SECURITY DEFINER or SET is inlined by PostgreSQL, and then "
        "what its body calls decides. A function the migrations never create (an "
        "extension's, or one made outside aerich) is reported too, saying so: it rewrites "
        "the table unless it is IMMUTABLE or STABLE.\n\n"
        "A generated column is filled for every existing row as well: ADD COLUMN ... "
        "GENERATED ALWAYS AS (expr) STORED and ... GENERATED ... AS IDENTITY rewrite the "
        "table.\n\n"
        "(aerich itself writes no database default for `auto_now_add` or a Python "
        "callable: on an existing table it adds the column `NOT NULL DEFAULT NULL`, which "
        "fails on rows instead, see add-required-column.) Before PostgreSQL 11 any non-NULL "
        "default rewrites the table, `DEFAULT 0` included: with a target version below 11 "
        "every such ADD COLUMN is reported. Tables created in the same migration, and "
        "downgrades, are not reported."
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
        "default (`default=uuid.uuid4`) writes no database default at all. A function of "
        "your own whose result depends only on its arguments (or on the transaction, like "
        "now()) can be declared IMMUTABLE or STABLE in its CREATE FUNCTION: then the "
        "default is computed once. For an identity column, add a plain nullable column, "
        "backfill it from a sequence in batches, SET NOT NULL (see set-not-null), then "
        "`ALTER COLUMN ... ADD GENERATED BY DEFAULT AS IDENTITY` and move the sequence past "
        "the largest value; for a stored generated column, add a plain column kept up to "
        "date by a trigger, backfilled in batches."
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
            rewritten = f"every row of {fact.table} is rewritten under an ACCESS EXCLUSIVE lock"
            if fact.generation in {"IDENTITY", "STORED"}:
                what = (
                    "an identity column: PostgreSQL fills every existing row from its sequence"
                    if fact.generation == "IDENTITY"
                    else "a stored generated column: PostgreSQL computes it for every existing row"
                )
                yield Violation(f"adds {where} as {what}, so {rewritten}", stmt, section)
                continue
            verdict = row_by_row(fact, _functions(ctx, section, stmt))
            if verdict is not None:
                kind, call = verdict
                what = (
                    f"a {column.type} column"
                    if column.type.upper() in _SERIALS and not column.default
                    else f"default {column.default}"
                )
                sep = ":" if kind == "volatile" else ","  # "unless it is ..., every row"
                yield Violation(
                    f"adds {where} with {what}, which calls {call}{sep} {rewritten}",
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


def _functions(ctx: Context, section: str, stmt: Statement) -> dict[str, CreateFunction]:
    """The functions the app's migrations created before ``stmt``, by name (the last
    CREATE OR REPLACE of each)."""
    found: dict[str, CreateFunction] = {}
    history = ctx.history
    if history is not None:
        found.update((history.before if section == UPGRADE else history.after).functions)
    for fact in before(ctx, section, stmt, CreateFunction):
        found[fact.name] = fact
    return found
