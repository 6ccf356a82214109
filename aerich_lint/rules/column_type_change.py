from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aerich_lint.effects import AlterOptions, ChangeColumn, ColumnInfo, Effect, RenameColumn
from aerich_lint.model import Dialect, Severity, Statement
from aerich_lint.rules._online import (
    LOCKING_SECTIONS,
    live_table,
    new_column,
    older_than,
    original_column,
    original_table,
)
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.targets import Target


class ColumnTypeChangeRule(Rule):
    name = "column-type-change"
    code = "AL305"
    systems = ALL_SYSTEMS
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
        "MySQL and MariaDB (InnoDB) run each ALTER with the cheapest algorithm the change "
        "allows and copy the table (ALGORITHM=COPY) only when nothing else can do it: the copy "
        "holds a shared lock, so reads go on but every write waits until the whole table is "
        "copied and its indexes rebuilt. Nearly every type change needs the copy (INT to "
        "BIGINT, DECIMAL precision, a longer CHAR, VARCHAR to TEXT, DATETIME precision, "
        "ENUM members reordered or inserted); those are reported, with the server, the "
        "algorithm and the lock in the message. Not reported, because the server does them "
        "without blocking writes: a longer VARCHAR whose length prefix keeps its size (both "
        "lengths up to 255 bytes, or both from 256 bytes on; counted with utf8mb4's 4 bytes a "
        "character, the character set aerich gives every table, so VARCHAR(63) and below, "
        "VARCHAR(64) and above; a latin1 or utf8mb3 table crosses elsewhere), in place and "
        "changing only metadata on MySQL 5.7 and 8.0 and "
        "MariaDB 10.2, instantly on MariaDB 10.3+; on MariaDB 10.4.3+ also a VARCHAR of at most "
        "127 bytes (VARCHAR(31) in utf8mb4) made 256 bytes or longer, instantly (from 128-255 "
        "bytes to 256+ MariaDB copies, as MySQL does for every crossing); ENUM or SET members "
        "added at the end of the list without growing its storage (an ENUM up to 255 members, "
        "a SET within 8, 16, 24, 32 or 64), instantly on MySQL 8.0 and MariaDB 10.3+, in place "
        "on MySQL 5.7. A MODIFY or CHANGE that keeps the type (a new default, comment or name, "
        "NULL or NOT NULL) is no type change; making a column NULL or NOT NULL is done in "
        "place with a rebuild that lets writes go on. The server is the --target-version "
        "(MySQL 8.0 unless configured), with InnoDB's default DYNAMIC row format (MariaDB's "
        "ROW_FORMAT=REDUNDANT allows more). A statement that says ALGORITHM=INSTANT, NOCOPY or "
        "INPLACE, or LOCK=NONE, is quiet when the server can honour it; when the change needs "
        "the copy the server refuses the statement (ERROR 1846) and the upgrade fails there, "
        "which is reported.\n\n"
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
        "MySQL, stay within what the server does in place (VARCHAR(100) to VARCHAR(300) in "
        "utf8mb4 is metadata only; VARCHAR(50) to VARCHAR(200) crosses 255 bytes and copies), "
        "append `, ALGORITHM=INPLACE, LOCK=NONE` so the server refuses rather than copy, or "
        "run the change with an online schema-change tool (gh-ost, pt-online-schema-change)."
    )
    hint = "widen without a rewrite, or add a new column and backfill it; never narrow live"
    dialects = frozenset({Dialect.POSTGRES, Dialect.MYSQL})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        mysql = ctx.dialect == Dialect.MYSQL
        for section in LOCKING_SECTIONS:
            # what earlier statements of this section set: type, and (MySQL) NOT NULL
            changed: dict[tuple[str, str], str] = {}
            nulls: dict[tuple[str, str], bool] = {}
            for stmt in ctx.statements(section):
                facts = ctx.effects(stmt)
                options = _options(facts) if mysql else None
                for effect in facts:
                    fact = _type_change(effect, mysql)
                    if fact is None or fact.new_type is None:
                        continue
                    key = (fact.table, fact.column)
                    column = _old_column(
                        ctx,
                        original_table(ctx, section, stmt, fact.table),
                        original_column(ctx, section, stmt, fact.table, fact.column),
                    )
                    old = changed.get(key) or (column.type if column and column.type else None)
                    old_not_null = nulls.get(key, column.not_null if column else None)
                    if column is not None and column.primary_key:
                        old_not_null = None  # a key column stays NOT NULL whatever is written
                    renamed = effect.new if isinstance(effect, RenameColumn) else fact.column
                    changed[(fact.table, renamed)] = fact.new_type
                    if fact.definition is not None:
                        nulls[(fact.table, renamed)] = fact.definition.not_null
                    if not live_table(ctx, section, stmt, fact.table) or new_column(
                        ctx, section, stmt, fact.table, fact.column
                    ):
                        continue
                    if mysql:
                        found = _judge_mysql(ctx, stmt, section, fact, old, old_not_null, options)
                    else:
                        found = _judge(ctx, stmt, section, fact, old)
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


def _options(facts: Sequence[Effect]) -> AlterOptions:
    """The statement's ALGORITHM= / LOCK= clauses (empty strings when it has none)."""
    found = next((f for f in facts if isinstance(f, AlterOptions)), None)
    return found if found is not None else AlterOptions("")


def _old_column(ctx: Context, table: str, column: str) -> ColumnInfo | None:
    history = ctx.history
    if history is None or not history.reliable:
        return None
    info = history.before.tables.get(table)
    return info.columns.get(column) if info is not None else None


def _narrowed(
    stmt: Statement, section: str, where: str, old: str, new: str, lost: str, mysql: bool
) -> Violation:
    if not mysql:
        cut = "values that do not fit fail the ALTER, or are cut by a USING cast"
    elif lost.startswith("members"):
        cut = "rows holding them fail the ALTER in strict mode, or are set to ''"
    else:
        cut = "values that do not fit fail the ALTER in strict mode, or are truncated"
    return Violation(
        f"narrows {where} from {old} to {new} ({lost}): {cut}",
        stmt,
        section,
        severity=Severity.ERROR,
    )


# Types a column may reach from an older, narrower type of the same family without a
# rewrite or copy (a longer VARCHAR, VARCHAR to TEXT, a wider NUMERIC, ENUM/SET members
# appended): with the old type unknown, whether the change is free cannot be told.
_MAYBE_FREE = ("VARCHAR", "CHARACTER VARYING", "TEXT", "NUMERIC", "DECIMAL", "ENUM", "SET")


def _unknown_old_severity(new: str) -> Severity | None:
    """Info when the change may well be free, the rule's warning otherwise."""
    return Severity.INFO if new.upper().startswith(_MAYBE_FREE) else None


def _judge(
    ctx: Context, stmt: Statement, section: str, fact: ChangeColumn, old: str | None
) -> Violation | None:
    """PostgreSQL's ALTER COLUMN ... TYPE."""
    new = fact.new_type or ""
    where = f"{fact.table}.{fact.column}"
    if old is None:
        return Violation(
            f"changes the type of {where} to {new} (its old type is unknown): rewrites the "
            f"table under an ACCESS EXCLUSIVE lock unless PostgreSQL can skip the rewrite",
            stmt,
            section,
            severity=_unknown_old_severity(new),
        )
    a, b = SqlType.parse(old, ctx.dialect), SqlType.parse(new, ctx.dialect)
    if a == b:
        return None
    lost = narrowing(a, b, ctx.dialect)
    if lost:
        return _narrowed(stmt, section, where, old, new, lost, mysql=False)
    if no_rewrite(a, b):
        return None
    return Violation(
        f"changes {where} from {old} to {new}: rewrites the table and its indexes under an "
        f"ACCESS EXCLUSIVE lock",
        stmt,
        section,
    )


def _judge_mysql(
    ctx: Context,
    stmt: Statement,
    section: str,
    fact: ChangeColumn,
    old: str | None,
    old_not_null: bool | None,
    options: AlterOptions | None,
) -> Violation | None:
    """MODIFY / CHANGE on MySQL or MariaDB: what the target server does with it."""
    options = options if options is not None else AlterOptions("")
    target = ctx.target
    server = server_name(target)
    new = fact.new_type or ""
    where = f"{fact.table}.{fact.column}"
    asked = _asked(options)
    if asked and _unsupported_clause(ctx, options):
        return None  # the clause itself is a syntax error there: mysql-unsupported-syntax
    if old is None:
        if asked:
            return None  # the server refuses rather than copy
        unless = (
            " (the statement asks for it)"
            if options.algorithm == COPY
            else ", unless it is a change it makes in place (a longer VARCHAR keeping its "
            "length-prefix size, ENUM or SET members added at the end)"
        )
        return Violation(
            f"changes the type of {where} to {new} (its old type is unknown): {server} "
            f"copies the whole table (ALGORITHM=COPY), blocking writes{unless}",
            stmt,
            section,
            severity=_unknown_old_severity(new) if options.algorithm != COPY else None,
        )
    a, b = SqlType.parse(old, ctx.dialect), SqlType.parse(new, ctx.dialect)
    if a == b:
        return None  # same type: a default, comment, name or NULL change
    lost = narrowing(a, b, ctx.dialect)
    if lost:
        return _narrowed(stmt, section, where, old, new, lost, mysql=True)
    new_not_null = fact.definition.not_null if fact.definition is not None else None
    nullability = (
        old_not_null is not None and new_not_null is not None and old_not_null != new_not_null
    )
    plan = mysql_algorithm(a, b, target, nullability)
    if options.algorithm == "NOCOPY" and (target.engine != "mariadb" or older_than(target, 10, 3)):
        return Violation(
            f"changes {where} from {old} to {new} with ALGORITHM=NOCOPY: {server} has no "
            f"such algorithm (MariaDB 10.3+), so it refuses the statement and the upgrade "
            f"stops here",
            stmt,
            section,
        )
    refused = _refused(plan, options)
    if refused:
        return Violation(
            f"changes {where} from {old} to {new} with {refused}: {server} can only "
            f"{plan.how}{plan.reason}, so it refuses the statement (ERROR 1846) and the "
            f"upgrade stops here",
            stmt,
            section,
        )
    if plan.algorithm != COPY and options.algorithm != COPY:
        return None  # INSTANT, or in place with writes going on
    readers = "reads and writes wait" if options.lock == "EXCLUSIVE" else "reads go on, writes wait"
    if plan.algorithm != COPY:
        return Violation(
            f"changes {where} from {old} to {new} with ALGORITHM=COPY: {server} copies the "
            f"whole table, {readers} until the copy is done, where without the clause it "
            f"would {plan.how}",
            stmt,
            section,
        )
    return Violation(
        f"changes {where} from {old} to {new}: {server} copies the whole table for it "
        f"(ALGORITHM=COPY{plan.reason}): {readers} until the copy is done",
        stmt,
        section,
    )


def _asked(options: AlterOptions) -> str:
    """The clause that makes the server refuse rather than copy ("" when none)."""
    if options.algorithm in {"INSTANT", "NOCOPY", "INPLACE"}:
        return f"ALGORITHM={options.algorithm}"
    if options.lock == "NONE":
        return "LOCK=NONE"
    return ""


def _unsupported_clause(ctx: Context, options: AlterOptions) -> bool:
    """ALGORITHM=INSTANT before MySQL 8.0.12 / MariaDB 10.3.7: a syntax error, which
    mysql-unsupported-syntax reports when it is in force."""
    if options.algorithm != "INSTANT" or "mysql-unsupported-syntax" not in ctx.enabled:
        return False
    target = ctx.target
    if target.engine == "mariadb":
        return older_than(target, 10, 3, 7)
    return older_than(target, 8, 0, 12)


def _refused(plan: Plan, options: AlterOptions) -> str:
    """The clause the server cannot honour for this change ("" when it can)."""
    algorithm, lock = options.algorithm, options.lock
    if lock == "NONE" and (plan.algorithm == COPY or algorithm == COPY):
        return f"ALGORITHM={algorithm}, LOCK=NONE" if algorithm else "LOCK=NONE"
    if algorithm == "INSTANT" and plan.algorithm != INSTANT:
        return "ALGORITHM=INSTANT"
    if algorithm == "NOCOPY" and (plan.algorithm == COPY or plan.rebuild):
        return "ALGORITHM=NOCOPY"
    if algorithm == "INPLACE" and plan.algorithm == COPY:
        return "ALGORITHM=INPLACE"
    return ""


# -- MySQL / MariaDB: which algorithm a type change gets -------------------------------

INSTANT, INPLACE, COPY = "INSTANT", "INPLACE", "COPY"
UTF8MB4 = 4  # bytes a character: aerich creates every MySQL table CHARACTER SET utf8mb4


@dataclass(frozen=True)
class Plan:
    """The best algorithm the server has for a column change (InnoDB, DYNAMIC rows)."""

    algorithm: str  # INSTANT, INPLACE or COPY
    rebuild: bool = False  # INPLACE that rebuilds the table (NULL / NOT NULL changes)
    reason: str = ""  # why not better, as " (...)" for the message; "" when plain

    @property
    def how(self) -> str:
        if self.algorithm == INSTANT:
            return "do it instantly"
        if self.algorithm == INPLACE:
            return "do it in place, rebuilding the table" if self.rebuild else "do it in place"
        return "do it by copying the table"


def server_name(target: Target) -> str:
    engine = "MariaDB" if target.engine == "mariadb" else "MySQL"
    return f"{engine} {'.'.join(map(str, target.version))}"


def mysql_algorithm(a: SqlType, b: SqlType, target: Target, nullability: bool = False) -> Plan:
    """What the target server does for a MODIFY from type ``a`` to ``b`` (a widening or a
    change of kind, not a narrowing); ``nullability``: NULL / NOT NULL changes too, which
    is in place with a rebuild on every version (writes go on)."""
    plan = _type_plan(a, b, target)
    if plan.algorithm != COPY and nullability:
        return Plan(INPLACE, rebuild=True, reason=" (the column's NULL / NOT NULL changes too)")
    return plan


def _type_plan(a: SqlType, b: SqlType, target: Target) -> Plan:
    mariadb = target.engine == "mariadb"
    if a.base == "VARCHAR" == b.base and a.args and b.args and b.args[0] > a.args[0]:
        before, after = a.args[0] * UTF8MB4, b.args[0] * UTF8MB4
        if (before <= 255) == (after <= 255):
            if older_than(target, 10, 2) if mariadb else older_than(target, 5, 7):
                return Plan(COPY, reason=f": {server_name(target)} lengthens no VARCHAR in place")
            if mariadb and not older_than(target, 10, 3):
                return Plan(INSTANT)
            return Plan(INPLACE)
        if mariadb and before <= 127 and not older_than(target, 10, 4, 3):
            return Plan(INSTANT)
        return Plan(
            COPY,
            reason=f": its length prefix grows from 1 to 2 bytes, {before} to {after} bytes "
            f"in utf8mb4",
        )
    if a.base == b.base and a.base in {"ENUM", "SET"} and _appended(a, b):
        if _storage(a) != _storage(b):
            return Plan(
                COPY,
                reason=f": its storage grows from {_storage(a)} to {_storage(b)} bytes",
            )
        if older_than(target, 10, 3) if mariadb else older_than(target, 8, 0):
            return Plan(INPLACE)
        return Plan(INSTANT)
    return Plan(COPY)


def _appended(a: SqlType, b: SqlType) -> bool:
    """Are ``b``'s members ``a``'s with more at the end?"""
    return len(b.members) > len(a.members) and b.members[: len(a.members)] == a.members


def _storage(t: SqlType) -> int:
    """Bytes an ENUM or SET value takes."""
    n = len(t.members)
    if t.base == "ENUM":
        return 1 if n <= 255 else 2
    return (n + 7) // 8 if n <= 32 else 8


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
_MEMBERS_TYPE = re.compile(r"^(?P<base>ENUM|SET)\s*\((?P<members>.*)\)$", re.DOTALL)
_MEMBER = re.compile(r"'((?:[^'\\]|''|\\.)*)'")


@dataclass(frozen=True)
class SqlType:
    base: str  # upper case, aliases resolved (INTEGER -> INT, NUMERIC -> DECIMAL)
    args: tuple[int, ...] = ()  # length, precision/scale; () when unconstrained
    members: tuple[str, ...] = ()  # a MySQL ENUM's or SET's values, in order

    @classmethod
    def parse(cls, text: str, dialect: Dialect) -> SqlType:
        raw = " ".join(text.upper().split())
        listed = _MEMBERS_TYPE.match(raw) if dialect == Dialect.MYSQL else None
        if listed is not None:
            members = tuple(_MEMBER.findall(listed.group("members")))
            return cls(listed.group("base"), members=members)
        match = _TYPE.match(raw)
        if match is None:
            return cls(raw)  # arrays, PostgreSQL enums, ...: compared as text
        base = _ALIASES.get(match.group("base"), match.group("base"))
        if base == "BOOLEAN" and dialect == Dialect.MYSQL:
            base = "TINYINT"  # MySQL's BOOL is TINYINT(1)
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
    if a.base == b.base and a.base in {"ENUM", "SET"}:
        gone = [m for m in a.members if m not in b.members]
        if gone:
            return "members " + ", ".join(f"'{m}'" for m in gone) + " removed"
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
