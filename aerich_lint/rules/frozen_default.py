"""frozen-default: a column default that is the moment aerich generated the migration."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.effects import AddColumn, ChangeColumn, ColumnInfo, CreateTable
from aerich_lint.model import UPGRADE, Severity, Statement
from aerich_lint.rules.base import Context, Rule, Violation

# A full date and time of day with a fractional second, as Python's str() and
# isoformat() write a datetime (microseconds, 'T' or ' ', an optional UTC offset), quoted
# and maybe cast: '2023-07-28 15:03:55.053110', '2023-07-28T15:03:55.053110+00:00'::timestamptz
_FROZEN = re.compile(
    r"^'(?P<day>\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}:\d{2}\.\d{1,6}"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?'(?:::[\w ()]+)?$",
    re.IGNORECASE,
)
_CAST = re.compile(r"^CAST\((.*) AS [\w ()]+\)$", re.IGNORECASE | re.DOTALL)
# Column types a timestamp literal can be the default of, as the parser writes them.
_TIME_TYPES = ("TIMESTAMP", "DATETIME", "TIMESTAMPTZ", "DATE", "TIME")
# aerich's file names: <version>_<YYYYMMDDHHMMSS>_<name>
_FILE_DAY = re.compile(r"^\d+_(\d{4})(\d{2})(\d{2})\d{6}_")


def frozen_day(default: str | None) -> str | None:
    """The day of a frozen timestamp default, None when the default is not one."""
    if default is None:
        return None
    text = default.strip()
    cast = _CAST.match(text)
    match = _FROZEN.match(cast.group(1) if cast else text)
    return match.group("day") if match else None


def _time_type(type_text: str | None) -> bool:
    """A date/time column, or one whose type the statement does not say (SET DEFAULT)."""
    return not type_text or type_text.upper().startswith(_TIME_TYPES)


class FrozenDefaultRule(Rule):
    name = "frozen-default"
    code = "AL222"
    severity = Severity.WARNING
    summary = "A timestamp default fixed at the moment aerich generated the migration."
    why = (
        "A `DatetimeField(default=datetime.now())` calls now() once, when the models are "
        "imported; aerich writes the value it got as a literal default: `ALTER TABLE "
        '"ev" ADD "seen" TIMESTAMPTZ NOT NULL DEFAULT \'2026-12-03 11:41:10.049617\'`, '
        "and, since the import gives a new value every time, `ALTER COLUMN ... SET DEFAULT "
        "'...'` again in each migration generated later (seen with aerich 0.10.1 on "
        "PostgreSQL and MySQL; aerich issue 313). Every row inserted without the column "
        "gets the time the migration was generated, not the time of the insert: raw SQL, "
        "another service, a bulk load, and tortoise itself whenever it leaves the column "
        "to the database.\n\n"
        "Only a literal with a time of day to the fraction of a second is reported: "
        "Python's datetime always has microseconds, a default written on purpose "
        "('1970-01-01', '1970-01-01 00:00:00', '2000-01-01', '9999-12-31 23:59:59') never "
        "has them. Upgrades only: the downgrade aerich writes puts the previous frozen "
        "value back, which was reported when it was introduced."
    )
    example = 'ALTER TABLE "ev" ALTER COLUMN "at" SET DEFAULT \'2023-07-28 15:03:55.053110\';'
    fix = (
        "In the model, pass the function, not its result: `default=datetime.now` (no "
        "parentheses; tortoise fills the value at each insert and aerich writes no "
        "default), or `auto_now_add=True` / `auto_now=True`. For a default in the database "
        "itself use `db_default=Now()` (tortoise 1.x: `from tortoise.expressions import "
        "Now`), which aerich writes as CURRENT_TIMESTAMP. Then fix the migration: "
        'ALTER TABLE "ev" ALTER COLUMN "at" SET DEFAULT CURRENT_TIMESTAMP; (MySQL: ALTER '
        "TABLE `ev` MODIFY `at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);), or "
        'ALTER TABLE "ev" ALTER COLUMN "at" DROP DEFAULT; when the application always '
        "sets it."
    )
    hint = "use default=datetime.now (no parentheses) or db_default=Now(); in SQL CURRENT_TIMESTAMP"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for stmt in ctx.statements(UPGRADE):
            for fact in ctx.effects(stmt):
                if isinstance(fact, CreateTable):
                    for column in fact.columns:
                        yield from self._judge(ctx, stmt, fact.table, column.name, column)
                elif isinstance(fact, AddColumn):
                    yield from self._judge(ctx, stmt, fact.table, fact.column.name, fact.column)
                elif isinstance(fact, ChangeColumn):
                    if fact.definition is not None:  # MySQL MODIFY / CHANGE
                        yield from self._judge(ctx, stmt, fact.table, fact.column, fact.definition)
                    elif fact.default is not None:
                        yield from self._set_default(ctx, stmt, fact)

    def _judge(
        self, ctx: Context, stmt: Statement, table: str, column: str, info: ColumnInfo
    ) -> Iterator[Violation]:
        day = frozen_day(info.default)
        if day is not None and _time_type(info.type):
            yield self._finding(ctx, stmt, table, column, str(info.default), day)

    def _set_default(
        self, ctx: Context, stmt: Statement, fact: ChangeColumn
    ) -> Iterator[Violation]:
        day = frozen_day(fact.default)
        if day is None:
            return
        history = ctx.history
        known = history.before.tables.get(fact.table) if history is not None else None
        column = known.columns.get(fact.column) if known is not None else None
        if column is None or _time_type(column.type):
            yield self._finding(ctx, stmt, fact.table, fact.column, str(fact.default), day)

    def _finding(
        self, ctx: Context, stmt: Statement, table: str, column: str, default: str, day: str
    ) -> Violation:
        match = _FILE_DAY.match(ctx.migration.path.name)
        when = (
            ", the day this migration was generated"
            if match is not None and "-".join(match.groups()) == day
            else ""
        )
        return Violation(
            f"column {table}.{column} gets the fixed default {default}{when}: every new row "
            f"gets that moment, not the time it is inserted (a datetime.now() evaluated when "
            f"the models were imported)",
            stmt,
            UPGRADE,
        )
