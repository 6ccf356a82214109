"""The PostgreSQL lock report (``verify --locks``).

Inside the migration's transaction, before and after each statement: the
relation locks this backend holds (pg_locks) and each table's relfilenode
(a new one means the statement rewrote the table). Locks are held until the
transaction ends, so a statement's locks are the ones that appeared while it ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.model import Migration, Statement

_TABLES = (
    "SELECT c.oid::bigint AS oid, c.relname AS name, c.relfilenode::bigint AS node "
    "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
    "AND c.relkind IN ('r', 'p')"
)
_HELD = (
    "SELECT relation::bigint AS oid, mode FROM pg_locks "
    "WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted"
)


def mode_name(mode: str) -> str:
    """``AccessExclusiveLock`` -> ``ACCESS EXCLUSIVE``."""
    words = re.findall(r"[A-Z][a-z]*", mode.removesuffix("Lock"))
    return " ".join(w.upper() for w in words) or mode


@dataclass
class LockEntry:
    """What one upgrade statement did to tables that existed before its migration."""

    path: Path
    line: int
    app: str
    migration: str
    statement: str
    locks: list[tuple[str, str]] = field(default_factory=list)  # (table, mode), strongest first
    rewritten: list[str] = field(default_factory=list)
    lock_timeout: str = "0"
    stmt: Statement | None = field(default=None, repr=False)

    @property
    def exclusive(self) -> list[str]:
        return [t for t, mode in self.locks if mode == "ACCESS EXCLUSIVE"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path.as_posix(),
            "line": self.line,
            "app": self.app,
            "migration": self.migration,
            "statement": self.statement,
            "locks": [{"table": t, "mode": m} for t, m in self.locks],
            "rewritten": self.rewritten,
            "lock_timeout": self.lock_timeout,
        }


_STRENGTH = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
]


class LockObserver:
    """Hooks around each upgrade statement of one migration (see execute.Executor)."""

    def __init__(self, migration: Migration, existing: set[str], display_path: Path) -> None:
        self.migration = migration
        self.existing = existing  # tables (by name) that existed before the migration
        self.path = display_path
        self.entries: list[LockEntry] = []
        self._tables: dict[int, tuple[str, int]] = {}
        self._held: set[tuple[int, str]] = set()
        self._watched: set[int] = set()

    async def __call__(self, conn: Any, stmt: Statement | None) -> None:
        tables = {
            int(r["oid"]): (str(r["name"]), int(r["node"]))
            for r in await conn.execute_query_dict(_TABLES)
        }
        held = {
            (int(r["oid"]), mode_name(str(r["mode"])))
            for r in await conn.execute_query_dict(_HELD)
            if r["oid"] is not None
        }
        if stmt is None:  # before the statement
            if not self._watched:
                self._watched = {oid for oid, (name, _) in tables.items() if name in self.existing}
            self._tables, self._held = tables, held
            return
        new = held - self._held
        locks = sorted(
            {
                (self._tables[oid][0], mode)
                for oid, mode in new
                if oid in self._watched and oid in self._tables
            },
            key=lambda lm: (-_STRENGTH.index(lm[1]) if lm[1] in _STRENGTH else 0, lm[0]),
        )
        rewritten = sorted(
            self._tables[oid][0]
            for oid in self._watched
            if oid in self._tables and oid in tables and tables[oid][1] != self._tables[oid][1]
        )
        if not locks and not rewritten:
            return
        rows = await conn.execute_query_dict("SELECT current_setting('lock_timeout') AS t")
        self.entries.append(
            LockEntry(
                path=self.path,
                line=stmt.line,
                app=self.migration.app,
                migration=self.migration.name,
                statement=stmt.sql,
                locks=locks,
                rewritten=rewritten,
                lock_timeout=str(rows[0]["t"]) if rows else "0",
                stmt=stmt,
            )
        )


def render_text(entries: list[LockEntry]) -> str:
    """The lock report for the terminal: one block per statement."""
    if not entries:
        return "Lock report: no upgrade statement locked a table that existed before it.\n"
    out = ["Lock report (PostgreSQL; upgrade statements on tables that existed before):"]
    for e in entries:
        sql = " ".join(e.statement.split())
        out.append(f"  {e.path}:{e.line}: {sql[:100]}{'...' if len(sql) > 100 else ''}")
        for table, mode in e.locks:
            rewrite = ", table rewritten" if table in e.rewritten else ""
            out.append(f"      {table}: {mode}{rewrite}")
        for table in e.rewritten:
            if table not in {t for t, _ in e.locks}:
                out.append(f"      {table}: table rewritten")
    return "\n".join(out) + "\n"
