"""Run one section of one migration on the scratch database, as aerich does.

``aerich upgrade`` imports the file, opens a transaction (unless
``RUN_IN_TRANSACTION = False``), calls ``upgrade(conn)`` with that transaction's
client and passes the returned string to ``conn.execute_script``; ``aerich
downgrade`` does the same with ``downgrade``, always in a transaction. Here the
returned SQL is sent one statement at a time, which the servers treat exactly
like the whole script (a script in a transaction, or MySQL's and SQLite's
statement-by-statement scripts) and which tells which statement failed. The one
case where it is not the same, a PostgreSQL script sent outside a transaction
(PostgreSQL runs a multi-statement string as one implicit transaction), is sent
in one piece, as aerich sends it.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from aerich_lint.errors import describe
from aerich_lint.model import Dialect, Migration, Statement
from aerich_lint.parse.sql import split_statements
from aerich_lint.verify.database import ALIAS


@dataclass
class Failure:
    message: str  # the database's (or Python's) own error text, one line
    section: str
    line: int
    statement: Statement | None = None  # the statement that failed, when known


@dataclass
class Outcome:
    failure: Failure | None = None
    empty: bool = False  # the section produced no SQL (nothing to run)
    statements: list[Statement] = field(default_factory=list)


# Called around each statement run in a transaction (the PostgreSQL lock report).
StatementHook = Callable[[Any, Statement | None], Awaitable[None]]


class _Abort(Exception):
    """Leaves the transaction block so that tortoise rolls it back."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure


class Executor:
    def __init__(self, engine: Dialect) -> None:
        self.engine = engine
        self._modules: dict[Path, ModuleType | Failure] = {}

    # --- the file ------------------------------------------------------------------

    def module(self, migration: Migration) -> ModuleType | Failure:
        """Import the migration once, without writing bytecode next to it."""
        path = migration.path.resolve()
        if path not in self._modules:
            self._modules[path] = self._import(migration, path)
        return self._modules[path]

    def _import(self, migration: Migration, path: Path) -> ModuleType | Failure:
        if migration.load_error is not None:
            return Failure(migration.load_error, "file", migration.load_error_line)
        name = f"_aerich_lint_verify_{len(self._modules)}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return Failure("cannot import the file", "file", 1)
        module = importlib.util.module_from_spec(spec)
        saved = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # never write __pycache__ into the migrations folder
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return Failure(
                f"importing the file raised {describe(exc)}", "file", _line_in(exc, path) or 1
            )
        finally:
            sys.dont_write_bytecode = saved
        return module

    def run_in_transaction(self, migration: Migration) -> bool:
        if migration.format in ("sql", "json"):
            return True
        module = self.module(migration)
        if isinstance(module, Failure):
            return True
        return bool(getattr(module, "RUN_IN_TRANSACTION", True))

    # --- running -------------------------------------------------------------------

    async def run(
        self,
        client: Any,
        migration: Migration,
        section: str,
        transactional: bool,
        hook: StatementHook | None = None,
    ) -> Outcome:
        """Apply one section; the database is rolled back on failure when the
        section ran in a transaction (DDL on MySQL commits regardless)."""
        from tortoise.transactions import in_transaction

        outcome = Outcome()
        try:
            if transactional:
                async with in_transaction(ALIAS) as conn:
                    await self._run(conn, migration, section, True, hook, outcome)
            else:
                await self._run(client, migration, section, False, None, outcome)
        except _Abort as abort:
            outcome.failure = abort.failure
        except Exception as exc:  # commit failed, connection lost, ...
            if outcome.failure is None:
                line = migration.section(section).line
                outcome.failure = Failure(database_error(exc), section, line)
        return outcome

    async def _run(
        self,
        conn: Any,
        migration: Migration,
        section: str,
        transactional: bool,
        hook: StatementHook | None,
        outcome: Outcome,
    ) -> None:
        statements = await self._statements(conn, migration, section)
        if isinstance(statements, Failure):
            raise _Abort(statements)
        outcome.statements = statements
        if not statements:
            outcome.empty = True
            return
        if not transactional and self.engine is Dialect.POSTGRES and len(statements) > 1:
            await self._whole_script(conn, statements, section)
            return
        for stmt in statements:
            if hook is not None:
                await hook(conn, None)
            try:
                await conn.execute_script(stmt.sql)
            except Exception as exc:
                raise _Abort(Failure(database_error(exc), section, stmt.line, stmt)) from None
            if hook is not None:
                await hook(conn, stmt)

    async def _whole_script(self, conn: Any, statements: list[Statement], section: str) -> None:
        script = ";\n".join(s.sql for s in statements)
        try:
            await conn.execute_script(script)
        except Exception as exc:
            stmt = _failed_statement(exc, statements)
            message = database_error(exc)
            if "cannot run inside a transaction block" in message:
                message += (
                    " (PostgreSQL runs a string of several statements as one transaction, "
                    "even with RUN_IN_TRANSACTION = False)"
                )
            raise _Abort(Failure(message, section, stmt.line, stmt)) from None

    async def _statements(
        self, conn: Any, migration: Migration, section: str
    ) -> list[Statement] | Failure:
        """The statements the section hands to the database, with their lines in
        the file when the SQL is the one the file spells out."""
        static = migration.statements(section)
        if migration.format in ("sql", "json"):
            return list(static)
        module = self.module(migration)
        if isinstance(module, Failure):
            return module
        func = getattr(module, section, None)
        where = migration.section(section).line
        if func is None:
            return []
        try:
            value = func(conn)
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            line = _line_in(exc, migration.path.resolve()) or where
            return Failure(f"{section}() raised {describe(exc)}", section, line)
        if value is None:
            return []
        if not isinstance(value, str):
            return Failure(
                f"{section}() returned {type(value).__name__}; aerich passes the value to "
                "execute_script(), which needs a str",
                section,
                where,
            )
        pieces = split_statements(value, self.engine)
        if [p.strip() for p in pieces] == [s.sql.strip() for s in static]:
            return list(static)
        # Built at run time: every statement points at the function's def line.
        return [
            Statement(section=section, index=i, sql=sql, line=where, column=1, end_line=where)
            for i, sql in enumerate(pieces)
        ]


def _failed_statement(exc: BaseException, statements: list[Statement]) -> Statement:
    """Which statement of a script sent at once failed: PostgreSQL often gives the
    error's position in the script; a statement PostgreSQL refuses to run in a
    transaction block is named in the message."""
    cause = _root(exc)
    position = getattr(cause, "position", None)
    if position:
        offset = int(position) - 1
        for stmt in statements:
            offset -= len(stmt.sql) + 2  # the ";\n" that joins them
            if offset < 0:
                return stmt
    message = database_error(exc).upper()
    if "CANNOT RUN INSIDE A TRANSACTION BLOCK" in message:
        words = message.split(" CANNOT RUN")[0].split()
        for stmt in statements:
            head = " ".join(stmt.sql.upper().split())
            if all(w in head for w in words):
                return stmt
    return statements[0]


def _root(exc: BaseException) -> BaseException:
    """The driver's exception under tortoise's wrapper."""
    seen = exc
    for _ in range(5):
        inner = seen.__cause__ or (
            seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        )
        if inner is None:
            break
        seen = inner
    return seen


def database_error(exc: BaseException) -> str:
    """The database's message, one line (MySQL's error number kept)."""
    cause = _root(exc)
    args = cause.args
    if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
        text = f"{args[1]} (error {args[0]})"
    else:
        text = str(cause) or str(exc) or type(cause).__name__
    first = text.strip().splitlines()[0] if text.strip() else type(cause).__name__
    return first


def _line_in(exc: BaseException, path: Path) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return frames[-1].lineno if frames else None
