from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aerich_lint.effects import AlterOptions, ChangeColumn, Effect, RenameColumn
from aerich_lint.model import Dialect, Severity, Statement
from aerich_lint.rules._online import (
    LOCKING_SECTIONS,
    live_table,
    new_column,
    original_column,
    original_table,
)
from aerich_lint.rules.base import Context, Rule, Violation


class ColumnTypeChangeRule(Rule):
    name = "column-type-change"
    code = "AL305"
    severity = Severity.WARNING
    summary = "A column's type changes on a live table: a full rewrite or copy under lock."
    why = (
        "PostgreSQL: ALTER COLUMN ... TYPE takes an ACCESS EXCLUSIVE lock and, for most "
        "changes, rewrites the whole table and rebuilds its indexes: no reads or writes "
        "until it is done, and the lock is held until the migration commits. The changes "
        "PostgreSQL makes by editing the catalog alone are not reported: VARCHAR(n) to a "
        "longer VARCHAR, to VARCHAR or to TEXT, TEXT to VARCHAR, NUMERIC(p,s) to NUMERIC "
        "with more precision and the same scale or to plain NUMERIC, and a TIMESTAMP/TIME "
        "precision increase. CHAR(n) to VARCHAR or TEXT is a rewrite (the padding is "
        "stripped from every value), and so is INT to BIGINT.\n\n"
        "MySQL: MODIFY/CHANGE COLUMN to another type copies the table (ALGORITHM=COPY); "
        "writes are blocked for the whole copy. Only lengthening a VARCHAR within the same "
        "length-byte class (up to 255 bytes, or from 256 bytes on; with utf8mb4, VARCHAR(63) "
        "and below, VARCHAR(64) and above) can run in place. A statement that says "
        "ALGORITHM=INPLACE, LOCK=NONE or ALGORITHM=INSTANT is not reported for locking: "
        "MySQL refuses it rather than lock.\n\n"
        "A narrowing change (a shorter VARCHAR, NUMERIC with fewer digits, BIGINT to INT, "
        "TEXT to VARCHAR(n), fewer fractional seconds) is an error: values that do not fit "
        "make the migration fail, or are silently cut: aerich's `USING col::VARCHAR(30)` is "
        "an explicit cast, which truncates, and MySQL truncates outside strict mode. The old "
        "type comes from the replayed history; when it is unknown the change is reported "
        "as a warning. Columns and tables created in the same migration, and downgrades, are "
        "not reported."
    )
    example = 'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(30) USING "sku"::VARCHAR(30);'
    fix = (
        "Widen in a way the database does without a rewrite (e.g. VARCHAR(n) to a longer "
        "VARCHAR or TEXT) when that is what the model needs. Otherwise expand and contract: "
        "add a new column with the new type (`aerich migrate` after adding the field), "
        "backfill it in batches in a data migration while the application writes both, "
        "switch the reads, then drop the old column in a later migration. Before narrowing, "
        "check that every value fits (e.g. `SELECT max(length(sku)) FROM product`). On "
        "MySQL, append `, ALGORITHM=INPLACE, LOCK=NONE` where the change allows it so the "
        "server refuses instead of copying, or run the change with an online schema-change "
        "tool (gh-ost, pt-online-schema-change)."
    )
    hint = "widen without a rewrite, or add a new column and backfill it; never narrow live"
    dialects = frozenset({Dialect.POSTGRES, Dialect.MYSQL})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        mysql = ctx.dialect == Dialect.MYSQL
        for section in LOCKING_SECTIONS:
            changed: dict[tuple[str, str], str] = {}  # types set earlier in this section
            for stmt in ctx.statements(section):
                facts = ctx.effects(stmt)
                online = mysql and _online_clause(facts)
                for effect in facts:
                    fact = _type_change(effect, mysql)
                    if fact is None or fact.new_type is None:
                        continue
                    old = changed.get((fact.table, fact.column)) or _old_type(
                        ctx,
                        original_table(ctx, section, stmt, fact.table),
                        original_column(ctx, section, stmt, fact.table, fact.column),
                    )
                    renamed = effect.new if isinstance(effect, RenameColumn) else fact.column
                    changed[(fact.table, renamed)] = fact.new_type
                    if not live_table(ctx, section, stmt, fact.table) or new_column(
                        ctx, section, stmt, fact.table, fact.column
                    ):
                        continue
                    found = _judge(ctx, stmt, section, fact, old, online)
                    if found is not None:
                        yield found


def _type_change(fact: Effect, mysql: bool) -> ChangeColumn | None:
    """ALTER COLUMN ... TYPE on PostgreSQL; MODIFY, or CHANGE (a rename restating the
    column: judged under its old name), on MySQL."""
    if isinstance(fact, ChangeColumn) and mysql == (fact.definition is not None):
        return fact
    if mysql and isinstance(fact, RenameColumn) and fact.definition is not None:
        info = fact.definition
        return ChangeColumn(fact.table, column=fact.old, definition=info, new_type=info.type)
    return None


def _online_clause(facts: Sequence[Effect]) -> bool:
    """MySQL ALGORITHM=INPLACE with LOCK=NONE, or ALGORITHM=INSTANT (which allows only
    LOCK=DEFAULT): the server refuses the statement rather than copy or block."""
    for fact in facts:
        if isinstance(fact, AlterOptions):
            if fact.algorithm == "INSTANT":
                return True
            if fact.algorithm == "INPLACE" and fact.lock == "NONE":
                return True
    return False


def _old_type(ctx: Context, table: str, column: str) -> str | None:
    history = ctx.history
    if history is None or not history.reliable:
        return None
    info = history.before.tables.get(table)
    col = info.columns.get(column) if info is not None else None
    return col.type if col is not None and col.type else None


def _judge(
    ctx: Context,
    stmt: Statement,
    section: str,
    fact: ChangeColumn,
    old: str | None,
    online: bool,
) -> Violation | None:
    mysql = ctx.dialect == Dialect.MYSQL
    new = fact.new_type or ""
    where = f"{fact.table}.{fact.column}"
    if old is None:
        if online:
            return None
        lock = (
            "copies the table and blocks writes unless MySQL can do it in place"
            if mysql
            else "rewrites the table under an ACCESS EXCLUSIVE lock unless PostgreSQL can "
            "skip the rewrite"
        )
        return Violation(
            f"changes the type of {where} to {new} (its old type is unknown): {lock}",
            stmt,
            section,
        )
    a, b = SqlType.parse(old, ctx.dialect), SqlType.parse(new, ctx.dialect)
    if a == b:
        return None
    lost = narrowing(a, b, ctx.dialect)
    if lost:
        cut = (
            "values that do not fit fail the ALTER in strict mode, or are truncated"
            if mysql
            else "values that do not fit fail the ALTER, or are cut by a USING cast"
        )
        return Violation(
            f"narrows {where} from {old} to {new} ({lost}): {cut}",
            stmt,
            section,
            severity=Severity.ERROR,
        )
    if mysql:
        if online:
            return None
        if inplace_varchar(a, b):
            how = (
                "copies the table unless asked not to: this change can run in place, add "
                "ALGORITHM=INPLACE, LOCK=NONE"
            )
        else:
            how = "copies the whole table, blocking writes until the copy is done"
        return Violation(f"changes {where} from {old} to {new}: {how}", stmt, section)
    if no_rewrite(a, b):
        return None
    return Violation(
        f"changes {where} from {old} to {new}: rewrites the table and its indexes under an "
        f"ACCESS EXCLUSIVE lock",
        stmt,
        section,
    )


# -- types -----------------------------------------------------------------------

_ALIASES = {
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "BPCHAR": "CHAR",
    "INTEGER": "INT",
    "INT4": "INT",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "SERIAL": "INT",
    "BIGSERIAL": "BIGINT",
    "SMALLSERIAL": "SMALLINT",
    "NUMERIC": "DECIMAL",
    "FLOAT8": "DOUBLE",
    "DOUBLE PRECISION": "DOUBLE",
    "FLOAT4": "FLOAT",
    "REAL": "FLOAT",
    "BOOL": "BOOLEAN",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIME WITH TIME ZONE": "TIMETZ",
    "TIME WITHOUT TIME ZONE": "TIME",
}
# Value ranges of the integer types (MySQL's unsigned ones as sqlglot spells them).
_INTEGERS = {
    "TINYINT": (-(2**7), 2**7 - 1),
    "UTINYINT": (0, 2**8 - 1),
    "SMALLINT": (-(2**15), 2**15 - 1),
    "USMALLINT": (0, 2**16 - 1),
    "MEDIUMINT": (-(2**23), 2**23 - 1),
    "UMEDIUMINT": (0, 2**24 - 1),
    "INT": (-(2**31), 2**31 - 1),
    "UINT": (0, 2**32 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
    "UBIGINT": (0, 2**64 - 1),
}
_STRINGS = {"VARCHAR", "CHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT"}
_TEXT_LENGTH = {"TINYTEXT": 255, "TEXT": None, "MEDIUMTEXT": None, "LONGTEXT": None}
_PRECISION_TYPES = {"TIMESTAMP", "TIMESTAMPTZ", "TIME", "TIMETZ", "DATETIME"}
_FLOATS = {"FLOAT": 1, "DOUBLE": 2}
_TYPE = re.compile(r"^(?P<base>[A-Z][A-Z0-9_ ]*?)\s*(?:\((?P<args>[0-9,\s]*)\))?$")


@dataclass(frozen=True)
class SqlType:
    base: str  # upper case, aliases resolved (INTEGER -> INT, NUMERIC -> DECIMAL)
    args: tuple[int, ...] = ()  # length, precision/scale; () when unconstrained

    @classmethod
    def parse(cls, text: str, dialect: Dialect) -> SqlType:
        raw = " ".join(text.upper().split())
        match = _TYPE.match(raw)
        if match is None:
            return cls(raw)  # arrays, enums, ...: compared as text
        base = _ALIASES.get(match.group("base"), match.group("base"))
        args = tuple(int(a) for a in (match.group("args") or "").split(",") if a.strip())
        if base in _INTEGERS or base == "BOOLEAN":
            args = ()  # MySQL's INT(11) is a display width, not a range
        if base == "DECIMAL":
            if dialect == Dialect.MYSQL and not args:
                args = (10, 0)
            elif len(args) == 1:
                args = (args[0], 0)
        if base == "CHAR" and not args:
            args = (1,)
        if base == "TEXT" and dialect == Dialect.MYSQL:
            args = ()
        return cls(base, args)

    @property
    def length(self) -> float:
        """Characters a string type holds (inf when unbounded)."""
        if self.base in {"VARCHAR", "CHAR"} and self.args:
            return self.args[0]
        if self.base == "TINYTEXT":
            return 255
        return float("inf")

    @property
    def decimal(self) -> tuple[float, float]:
        """(integer digits, fractional digits) of a DECIMAL (inf, inf) when unconstrained."""
        if not self.args:
            return float("inf"), float("inf")
        precision, scale = self.args[0], self.args[1] if len(self.args) > 1 else 0
        return precision - scale, scale

    @property
    def fraction(self) -> int:
        """Fractional-second digits of a timestamp/time type."""
        if self.args:
            return self.args[0]
        return 0 if self.base == "DATETIME" else 6


def narrowing(a: SqlType, b: SqlType, dialect: Dialect) -> str:
    """Why ``b`` cannot hold every value of ``a`` ("" when it can, or when the two are
    not comparable: such a change is judged as a rewrite, not a narrowing)."""
    if a.base in _STRINGS and b.base in _STRINGS:
        if b.length < a.length:
            was = "unbounded" if a.length == float("inf") else f"{int(a.length)} characters"
            return f"{was} to {int(b.length)}"
        return ""
    if a.base in _INTEGERS and b.base in _INTEGERS:
        (lo, hi), (lo2, hi2) = _INTEGERS[a.base], _INTEGERS[b.base]
        if lo2 > lo or hi2 < hi:
            return f"{a.base} values outside the {b.base} range"
        return ""
    if a.base == "DECIMAL" and b.base == "DECIMAL":
        (whole, frac), (whole2, frac2) = a.decimal, b.decimal
        if whole2 < whole:
            return "fewer integer digits"
        if frac2 < frac:
            return "fewer decimal places: values are rounded"
        return ""
    if a.base == "DECIMAL" and b.base in _INTEGERS:
        whole, frac = a.decimal
        if frac > 0:
            return "the fractional part is rounded away"
        if whole > len(str(_INTEGERS[b.base][1])) - 1:
            return f"values outside the {b.base} range"
        return ""
    if a.base in _FLOATS and b.base in _INTEGERS:
        return "the fractional part is rounded away"
    if a.base in _FLOATS and b.base in _FLOATS and _FLOATS[b.base] < _FLOATS[a.base]:
        return "less precision"
    if a.base in _PRECISION_TYPES and b.base == a.base and b.fraction < a.fraction:
        return "fewer fractional-second digits: values are rounded"
    return ""


def no_rewrite(a: SqlType, b: SqlType) -> bool:
    """PostgreSQL changes the catalog only (binary-coercible types, or a length
    coercion its support functions prove to be a no-op)."""
    if a.base in {"VARCHAR", "TEXT"} and b.base in {"VARCHAR", "TEXT"}:
        return b.length >= a.length
    if a.base == "DECIMAL" and b.base == "DECIMAL":
        if not b.args:
            return True
        return bool(a.args) and a.args[1] == b.args[1] and b.args[0] >= a.args[0]
    if a.base in _PRECISION_TYPES and a.base == b.base:
        return b.fraction >= a.fraction
    return False


def inplace_varchar(a: SqlType, b: SqlType) -> bool:
    """MySQL lengthens a VARCHAR in place while its length prefix keeps its size (one
    byte up to 255 bytes, two from 256; counted with utf8mb4's 4 bytes a character)."""
    if a.base != "VARCHAR" or b.base != "VARCHAR" or not a.args or not b.args:
        return False
    return b.args[0] >= a.args[0] and (a.args[0] * 4 < 256) == (b.args[0] * 4 < 256)
