"""How big the tables are that pending statements drop from or lock, read from the
catalog (estimates), counted exactly only where counting is cheap."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from aerich_lint.dialects import spec
from aerich_lint.effects import DropColumn, DropIndex, effects
from aerich_lint.history.schema import Schema as Replayed
from aerich_lint.model import UPGRADE, Finding, Migration, Statement
from aerich_lint.verify.introspect import literal, quote

# The rules whose findings depend on how much the table holds: what a drop loses, or
# how long a lock or a rewrite lasts.
DESTRUCTIVE = frozenset(
    {
        "drop-table",
        "drop-column",
        "truncate",
        "delete-without-where",
        "probable-rename",
        "breaks-running-code",
    }
)
LOCKING = frozenset(
    {
        "non-concurrent-index",
        "constraint-not-valid",
        "set-not-null",
        "column-type-change",
        "volatile-default",
        "add-unique",
        "add-primary-key",
        "mysql-add-foreign-key",
        "add-required-column",
        "sqlite-unsupported-alter",
        "rebuild-drops-index",
        "change-loses-attributes",
    }
)
SIZED = DESTRUCTIVE | LOCKING
# Below this many estimated rows a COUNT is cheap enough to run on a live database.
EXACT_BELOW = 200_000


@dataclass
class TableSize:
    rows: int | None  # None: not known
    bytes: int | None
    exact: bool = False  # rows were counted, not estimated


@dataclass
class Impact:
    """A pending finding and the size of the table it touches."""

    finding: Finding
    table: str
    size: TableSize | None  # None: the table is not in the database
    values: int | None = None  # drop column: rows holding a value (counted)
    column: str = ""

    def describe(self) -> str:
        if self.size is None:
            return f"{self.table}: not in the database"
        size = self.size
        parts: list[str] = []
        if size.rows is not None:
            rows = f"{size.rows:,} row{'s' if size.rows != 1 else ''}"
            parts.append(rows if size.exact else f"~{rows} (estimate)")
        if size.bytes is not None:
            parts.append(human_bytes(size.bytes))
        text = f"{self.table}: {', '.join(parts) if parts else 'size unknown'}"
        if self.column and self.values is not None:
            text += f"; {self.values:,} hold a value in {self.column}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.finding.rule,
            "path": self.finding.path.as_posix(),
            "line": self.finding.line,
            "table": self.table,
            "rows": None if self.size is None else self.size.rows,
            "rows_exact": None if self.size is None else self.size.exact,
            "bytes": None if self.size is None else self.size.bytes,
            "column": self.column or None,
            "values": self.values,
        }


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"


async def table_sizes(session: Any) -> dict[str, TableSize]:
    rows = await session.execute_query_dict(spec(session.engine).table_stats)
    out: dict[str, TableSize] = {}
    for row in rows:
        count, size = row.get("rows"), row.get("bytes")
        out[str(row["tbl"]).casefold()] = TableSize(
            int(count) if count is not None else None, int(size) if size is not None else None
        )
    return out


def statement_at(migration: Migration, finding: Finding) -> Statement | None:
    for stmt in migration.statements(finding.section):
        if stmt.line <= finding.line <= max(stmt.end_line, stmt.line):
            return stmt
    return None


def _target(stmt: Statement, replayed: Replayed | None) -> tuple[str, str]:
    """The table a statement works on, and the column it drops (if it drops one); a
    PostgreSQL DROP INDEX names no table: the replay knows the index's."""
    for fact in effects(stmt):
        if isinstance(fact, DropColumn) and fact.table:
            return fact.table, fact.column
    for fact in effects(stmt):
        if fact.table:
            return fact.table, ""
        if isinstance(fact, DropIndex) and replayed is not None:
            index = next((i for i in replayed.indexes.values() if i.name == fact.name), None)
            if index is not None:
                return index.table, ""
    return "", ""


async def impacts(
    session: Any,
    findings: list[Finding],
    migrations: dict[str, Migration],
    before: dict[str, Replayed],
    live_columns: dict[str, set[str]],
    sizes: dict[str, TableSize],
) -> list[Impact]:
    """One Impact per sized finding on a pending upgrade (``before``: the replayed
    schema each file starts from, by path; ``sizes``: ``table_sizes``, updated with
    the exact counts); exact counts where the table is small.
    Counting stops at the first query the server refuses (a timeout aborts a
    PostgreSQL transaction: later queries would fail too)."""
    out: list[Impact] = []
    for finding in findings:
        migration = migrations.get(str(finding.path))
        if finding.rule not in SIZED or migration is None or finding.section != UPGRADE:
            continue
        stmt = statement_at(migration, finding)
        if stmt is None:
            continue
        table, column = _target(stmt, before.get(str(finding.path)))
        if not table:
            continue
        size = sizes.get(table.casefold())
        # (a column the database lacks is not counted: the query would fail, and on
        # PostgreSQL end the transaction)
        if finding.rule not in DESTRUCTIVE or column.casefold() not in live_columns.get(
            table.casefold(), set()
        ):
            column = ""
        out.append(Impact(finding, table, size, column=column))
    engine = session.engine
    counted: dict[tuple[str, str], int] = {}
    with contextlib.suppress(Exception):
        for impact in out:
            size = impact.size
            if size is None or (size.rows is not None and size.rows >= EXACT_BELOW):
                continue
            key = (impact.table, impact.column)
            if key not in counted:
                what = f"COUNT({quote(engine, impact.column)})" if impact.column else "COUNT(*)"
                sql = (
                    f"SELECT {literal(impact.table)} AS t, COUNT(*) AS n, {what} AS v "
                    f"FROM {quote(engine, impact.table)}"
                )
                row = (await session.execute_query_dict(sql))[0]
                size.rows, size.exact = int(row["n"]), True
                counted[key] = int(row["v"])
            if impact.column:
                impact.values = counted[key]
    return out
