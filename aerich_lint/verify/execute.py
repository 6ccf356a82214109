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

The migration's Python never runs in this process: the file is imported and its
functions called in a sandboxed child (``_child``), which can be killed at the
deadline, has no network and no credentials, and sends every query it makes to
this process, which runs it on the scratch database in the migration's
transaction. A file that is only aerich's template (literal SQL, nothing else
that runs: ``_plain``) is not executed at all: its SQL is the one read from it.
Every statement, returned or sent, is vetted first (``guard.Guard``): what acts
outside the scratch database is never run.

A Tortoise ORM native migration is applied as ``tortoise migrate`` applies it
(``verify.native``): the SQL tortoise's schema editors generated for it, in a
transaction when it is ``atomic`` (never on MySQL), else each generated string in
one call. Its ``RunPython`` operations run where tortoise runs them among that SQL
(``native.interleave``), in the sandboxed child (``_native_child``: the project's
config and migrations loaded by tortoise's loader, the state replayed up to the
migration), their queries sent here like an aerich file's, vetted and run in the
migration's transaction (outside one, in a transaction of their own when atomic,
as tortoise does); not when executing project code is off.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import re
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.load.python import CLIENT_METHODS
from aerich_lint.model import DOWNGRADE, Dialect, Migration, Statement
from aerich_lint.parse.sql import split_statements
from aerich_lint.verify import native, wire
from aerich_lint.verify.database import ALIAS
from aerich_lint.verify.guard import Guard

CHILD = "aerich_lint.verify._child"
_STACK_LINE = re.compile(r'File "(?P<file>.+)", line (?P<line>\d+)')


@dataclass
class Failure:
    message: str  # the database's (or Python's) own error text, one line
    section: str
    line: int
    statement: Statement | None = None  # the statement that failed, when known
    # Not about the data (the migration ended its process, passed the deadline, or
    # verify refused a statement): trying again on empty tables tells nothing.
    final: bool = False
    refused: bool = False  # verify refused to run a statement (guard)
    sandbox: str = ""  # the sandbox refused what the file's Python does: why


@dataclass
class Outcome:
    failure: Failure | None = None
    empty: bool = False  # the section produced no SQL (nothing to run)
    statements: list[Statement] = field(default_factory=list)
    timed_out: bool = False  # the connection is in an unknown state


# Called around each statement run in a transaction (the PostgreSQL lock report).
StatementHook = Callable[[Any, Statement | None], Awaitable[None]]


class _Abort(Exception):
    """Leaves the transaction block so that tortoise rolls it back."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure


_Key = tuple[Path, tuple[str, ...], Path]  # project root, import paths, migrations folder


@dataclass
class _Child:
    """The sandboxed child that imported one migration file."""

    box: Any  # aerich_lint.sandbox.Sandbox
    path: Path
    run_in_transaction: bool = True
    key: _Key = (Path(), (), Path())


class Executor:
    """Runs sections with the given deadline each (``timeout``, seconds); the
    project of each file (``place``) is where its child runs and imports from.

    Where the sandbox has a PID namespace, one confined process per project imports
    tortoise once and forks a child per file (``_child._serve``); elsewhere each file
    gets a process of its own, started ahead of time (the spare) so that its start-up
    overlaps the previous file's work."""

    def __init__(self, engine: Dialect, guard: Guard, timeout: float) -> None:
        self.engine = engine
        self.guard = guard
        self.timeout = timeout
        self.executed: set[Path] = set()  # files whose Python ran in the sandbox
        self.sandbox = ""  # what confined the children, as they said
        self._places: dict[Path, tuple[Path, list[str]]] = {}
        self._native: dict[Path, dict[str, Any]] = {}  # native files whose RunPython runs
        self._plain: dict[Path, bool] = {}
        self._broken: dict[Path, Failure] = {}  # files that cannot be imported
        self._child: _Child | None = None
        self._servers: dict[_Key, Any] = {}  # reusable processes, by project
        self._spare: tuple[_Key, Any] | None = None
        self._doing: tuple[str, Any] = ("", None)  # what runs now: for the deadline's message
        self._what = ""  # the Python that runs now, when not the section's function

    def place(
        self,
        migration: Migration,
        root: Path,
        sys_path: list[str],
        config: str | dict[str, Any] | None = None,
    ) -> None:
        """``config``: a native migration's Tortoise config (as ``tortoise -c`` takes
        it), when its RunPython code may run: in the child, with the project's config."""
        path = migration.path.resolve()
        self._places[path] = (root, sys_path)
        if config and migration.format == native.NATIVE:
            self._native[path] = {"config": config, "dialect": self.engine.value}

    def runs_python(self, migration: Migration) -> bool:
        """Does verify run this native migration's RunPython code (in the child)?"""
        return migration.path.resolve() in self._native and bool(native.python_lines(migration))

    def close(self) -> None:
        """Kill the children (at the end, or when verify is stopped)."""
        if self._child is not None:
            self._child.box.close()
            self._child = None
        for box in self._servers.values():
            box.close()
        self._servers.clear()
        if self._spare is not None:
            self._spare[1].close()
            self._spare = None

    # --- the file ------------------------------------------------------------------

    def plain(self, migration: Migration) -> bool:
        """Is the file only aerich's template, so that running it gives the SQL read
        from it and nothing else: imports from tortoise and typing, constants,
        and upgrade()/downgrade() returning a string literal? Then it is not run."""
        if migration.format == native.NATIVE:  # tortoise generated all of its SQL
            return native.is_plain(migration)
        path = migration.path.resolve()
        if path not in self._plain:
            self._plain[path] = migration.format == "py" and _is_plain(migration)
        return self._plain[path]

    async def run_in_transaction(self, migration: Migration) -> bool:
        if migration.format == native.NATIVE:
            return native.in_transaction(migration, self.engine)
        if migration.format in ("sql", "json") or migration.load_error is not None:
            return True
        if self.plain(migration):
            return migration.run_in_transaction
        child = await self._open(migration)
        return True if isinstance(child, Failure) else child.run_in_transaction

    async def _open(self, migration: Migration) -> _Child | Failure:
        """The child that imported the file: the current one, or a new one."""
        path = migration.path.resolve()
        if path in self._broken:
            return self._broken[path]
        if self._child is not None and self._child.path == path:
            return self._child
        self._close_child()
        key, box = self._box(path)
        box.other.clear()  # (a server's: what earlier files' children wrote)
        self._doing = ("import", (path, box))
        request: dict[str, Any] = {"path": str(path), "deadline": _dump_after(self.timeout)}
        if path in self._native:
            request["native"] = self._native[path]
        box.send(request)
        try:
            answer = await asyncio.wait_for(self._receive(box, self.timeout + 5), self.timeout)
        except asyncio.TimeoutError:
            return self._timed_out(migration, "file")
        if path not in self._native:  # (a native file counts as generated already)
            self.executed.add(path)
        self.sandbox = self.sandbox or box.description
        child = _Child(box, path, key=key)
        if box.reusable:
            self._servers[key] = box
        elif self._spare is None:  # start the next file's process now
            self._spare = (key, self._start(key))
        data = answer.data
        ended = self._ended(child, data)
        if ended is not None or data is None or "error" in data:
            if ended is not None or data is None:
                message = _death("importing the file", box, ended)
                line = _stack_line(box, path) or 1
            else:
                message, line = str(data["error"]), int(data.get("line") or 1)
            if ended is None:
                self._child = child
                self._close_child()
            failure = Failure(message, "file", line, final=data is None or ended is not None)
            if data is not None and ended is None:
                failure.sandbox = str(data.get("sandbox") or "")
                failure.final = failure.final or bool(failure.sandbox)
            self._broken[path] = failure
            return failure
        child.run_in_transaction = bool(data.get("run_in_transaction", True))
        self._child = child
        return child

    def _box(self, path: Path) -> tuple[_Key, Any]:
        """A process for the file's project: its idle server, or the spare started
        earlier (it has imported tortoise meanwhile), or a new one."""
        root, sys_path = self._places.get(path, (path.parent, []))
        key: _Key = (root, tuple(sys_path), path.parent)
        server = self._servers.get(key)
        if server is not None:
            return key, server
        if self._spare is not None:
            spare_key, spare = self._spare
            self._spare = None
            if spare_key == key:
                return key, spare
            spare.close()
        return key, self._start(key)

    def _start(self, key: _Key) -> Any:
        from aerich_lint.sandbox import Sandbox

        root, sys_path, folder = key
        box = Sandbox(
            CHILD,
            cwd=root,
            read_roots=[str(root), *sys_path, str(folder)],
            cpu_seconds=self.timeout * 4,
        )
        box.send({"dialect": self.engine.value, "sys_path": list(sys_path)})
        return box

    def _ended(self, child: _Child, data: dict[str, Any] | None) -> int | None:
        """The exit status, when the answer says the file's child has ended (died):
        its server sends ``closed``; a process of its own closes the pipe."""
        if data is not None and "closed" in data:
            code = data["closed"]
            self._child = None
            return int(code) if isinstance(code, int) else 1
        if data is None:
            self._servers.pop(child.key, None)
            child.box.close()
            self._child = None
            code = child.box.proc.poll() if child.box.proc is not None else None
            return code if code is not None else 1
        return None

    def _close_child(self) -> None:
        """End the current file's child: a server's forked one is told to close (the
        server stays, for the next file); a process of its own is killed."""
        child = self._child
        self._child = None
        if child is None:
            return
        box: Any = child.box
        serving = self._servers.get(child.key) is child.box
        if box.reusable and serving and box.send({"close": True}):
            answer = box.receive(5)
            if answer.data is not None and "closed" in answer.data:
                return
        self._servers.pop(child.key, None)
        box.close()

    def _kill_child(self) -> None:
        """The deadline passed, or verify refused a query: kill the child's whole
        process (a server too: it cannot be trusted to end the child in time)."""
        child = self._child
        self._child = None
        if child is not None:
            self._servers.pop(child.key, None)
            child.box.close()

    async def _receive(self, box: Any, timeout: float) -> Any:
        """The child's next answer, without blocking the event loop; the child is
        killed when this is cancelled (the deadline, or verify being stopped)."""
        try:
            return await asyncio.to_thread(box.receive, timeout)
        except asyncio.CancelledError:
            box.kill()
            raise

    # --- running -------------------------------------------------------------------

    async def run(
        self,
        client: Any,
        migration: Migration,
        section: str,
        transactional: bool,
        hook: StatementHook | None = None,
    ) -> Outcome:
        """Apply one section within the deadline; the database is rolled back on
        failure when the section ran in a transaction (DDL on MySQL commits
        regardless)."""
        outcome = Outcome()
        self._doing, self._what = ("", None), ""
        try:
            await asyncio.wait_for(
                self._section(client, migration, section, transactional, hook, outcome),
                self.timeout,
            )
        except asyncio.TimeoutError:
            outcome.failure = self._timed_out(migration, section)
            outcome.timed_out = True
        return outcome

    async def _section(
        self,
        client: Any,
        migration: Migration,
        section: str,
        transactional: bool,
        hook: StatementHook | None,
        outcome: Outcome,
    ) -> None:
        from tortoise.transactions import in_transaction

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

    def _timed_out(self, migration: Migration, section: str) -> Failure:
        kind, what = self._doing
        limit = f"within {self.timeout:g} s (--timeout)"
        where = migration.section(section).line
        if kind == "python":
            self._kill_child()
            line = _stack_line(what, migration.path.resolve())
            at = f"; it was at line {line}" if line else ""
            running = self._what or f"{section}()"
            return Failure(
                f"{running} did not return {limit}{at}", section, line or where, final=True
            )
        if kind == "import":
            path, box = what
            box.close()
            failure = Failure(
                f"importing the file did not finish {limit}",
                "file",
                _stack_line(box, path) or 1,
                final=True,
            )
            self._broken[path] = failure
            return failure
        if kind == "statement":
            return Failure(
                f"the statement did not finish {limit}", section, what.line, what, final=True
            )
        return Failure(
            f"timed out after {self.timeout:g} s (--timeout)", section, where, final=True
        )

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
        bound = native.parameters(migration, section)
        if bound:  # (values verify cannot bind: not sent; the session says so)
            statements = [s for s in statements if s.via not in bound or bound[s.via].values]
        outcome.statements = statements
        pieces: list[list[Statement] | native.PythonStep] = [statements] if statements else []
        if self.runs_python(migration):
            pieces = native.interleave(migration, section, statements)
        if not pieces:
            outcome.empty = True
            return
        for piece in pieces:
            if isinstance(piece, native.PythonStep):
                await self._python(conn, migration, section, piece, transactional)
            else:
                await self._apply(conn, migration, section, piece, transactional, hook, bound)

    async def _apply(
        self,
        conn: Any,
        migration: Migration,
        section: str,
        statements: list[Statement],
        transactional: bool,
        hook: StatementHook | None,
        bound: dict[str, native.Parameters],
    ) -> None:
        if migration.format == native.NATIVE and not transactional:
            await self._native_calls(conn, migration, section, statements, bound)
            return
        if not transactional and self.engine is Dialect.POSTGRES and len(statements) > 1:
            self._doing = ("statement", statements[0])
            await self._whole_script(conn, statements, section)
            return
        for stmt in statements:
            if hook is not None:
                await hook(conn, None)
            self._doing = ("statement", stmt)
            try:
                await _send(conn, stmt, bound)
            except Exception as exc:
                raise _Abort(Failure(database_error(exc), section, stmt.line, stmt)) from None
            if hook is not None:
                await hook(conn, stmt)

    async def _python(
        self,
        conn: Any,
        migration: Migration,
        section: str,
        step: native.PythonStep,
        transactional: bool,
    ) -> None:
        """Run one RunPython operation in the child, its queries on ``conn``. Outside
        the migration's transaction, tortoise runs an atomic operation in one of its own
        (``Migration._run_database_forward``: the operation's ``atomic``, else the
        migration's)."""
        from tortoise.transactions import in_transaction

        child = await self._open(migration)
        if isinstance(child, Failure):
            raise _Abort(child)
        direction = "backward" if section == DOWNGRADE else "forward"
        request = {
            "call": "runpython",
            "operation": step.operation,
            "direction": direction,
            "deadline": _dump_after(self.timeout),
        }
        what = f"its RunPython {'reverse_code' if direction == 'backward' else 'code'}"
        atomic = step.atomic or (migration.run_in_transaction and step.atomic is not False)
        if not transactional and atomic:
            async with in_transaction(ALIAS) as tx:
                value = await self._call(tx, migration, section, child, step.line, request, what)
                if isinstance(value, Failure):
                    raise _Abort(value)
            return
        value = await self._call(conn, migration, section, child, step.line, request, what)
        if isinstance(value, Failure):
            raise _Abort(value)

    async def _native_calls(
        self,
        conn: Any,
        migration: Migration,
        section: str,
        statements: list[Statement],
        bound: dict[str, native.Parameters],
    ) -> None:
        """Outside a transaction, as ``tortoise migrate`` sends a migration: each
        string an operation generated in one call (on PostgreSQL a string of several
        statements is one implicit transaction; elsewhere the same as one by one)."""
        for group in native.calls(migration, section, statements):
            self._doing = ("statement", group[0])
            if len(group) > 1 and self.engine is Dialect.POSTGRES and group[0].via not in bound:
                await self._whole_script(conn, group, section, "atomic = False")
                continue
            for stmt in group:
                self._doing = ("statement", stmt)
                try:
                    await _send(conn, stmt, bound)
                except Exception as exc:
                    raise _Abort(Failure(database_error(exc), section, stmt.line, stmt)) from None

    async def _whole_script(
        self,
        conn: Any,
        statements: list[Statement],
        section: str,
        setting: str = "RUN_IN_TRANSACTION = False",
    ) -> None:
        script = ";\n".join(s.sql for s in statements)
        try:
            await conn.execute_script(script)
        except Exception as exc:
            stmt = _failed_statement(exc, statements)
            message = database_error(exc)
            if "cannot run inside a transaction block" in message:
                message += (
                    " (PostgreSQL runs a string of several statements as one transaction, "
                    f"even with {setting})"
                )
            raise _Abort(Failure(message, section, stmt.line, stmt)) from None

    async def _statements(
        self, conn: Any, migration: Migration, section: str
    ) -> list[Statement] | Failure:
        """The statements the section hands to the database, with their lines in
        the file when the SQL is the one the file spells out; vetted."""
        static = migration.statements(section)
        chunks = migration.section(section).chunks
        if migration.load_error is not None and migration.format not in ("sql", "json"):
            return Failure(migration.load_error, "file", migration.load_error_line)
        if migration.format == native.NATIVE:
            unknown = native.generation_error(migration, section)
            if unknown is not None:
                line, message = unknown
                return Failure(
                    f"tortoise could not generate its SQL ({message}), so verify cannot apply it",
                    section,
                    line,
                    final=True,
                )
            if not self.plain(migration):  # not generated: the session says why
                line = migration.section(section).line
                return Failure("its SQL was not generated", section, line, final=True)
        if migration.format in ("sql", "json") or self.plain(migration):
            return self._vetted(list(static), _scripts(chunks), section) or list(static)
        child = await self._open(migration)
        if isinstance(child, Failure):
            return child
        where = migration.section(section).line
        value = await self._call(conn, migration, section, child, where)
        if isinstance(value, Failure) or value is None:
            return value if isinstance(value, Failure) else []
        pieces = split_statements(value, self.engine)
        if [p.strip() for p in pieces] == [s.sql.strip() for s in static]:
            found, scripts = list(static), _scripts(chunks)
        else:
            # Built at run time: every statement points at the function's def line.
            found = [
                Statement(section=section, index=i, sql=sql, line=where, column=1, end_line=where)
                for i, sql in enumerate(pieces)
            ]
            scripts = [(value, lambda _offset: where)]
        return self._vetted(found, scripts, section) or found

    def _vetted(
        self,
        statements: list[Statement],
        scripts: list[tuple[str, Callable[[int], int]]],
        section: str,
    ) -> Failure | None:
        """A Failure for the first statement verify refuses to run (guard), if any;
        then nothing of the section runs. Whole scripts too: MySQL runs what is in
        its executable comments, which are no statement of their own."""
        for stmt in statements:
            refusal = self.guard.refusal(stmt.sql)
            if refusal is not None:
                return Failure(refusal.message, section, stmt.line, stmt, final=True, refused=True)
        for text, line_at in scripts:
            found = self.guard.find(text)
            if found is not None:
                refusal, offset = found
                return Failure(refusal.message, section, line_at(offset), final=True, refused=True)
        return None

    async def _call(
        self,
        conn: Any,
        migration: Migration,
        section: str,
        child: _Child,
        where: int,
        request: dict[str, Any] | None = None,
        what: str = "",
    ) -> str | Failure | None:
        """Call the section's function in the child (or what ``request`` asks it to
        run, ``what``); serve the queries it sends."""
        path = child.path
        self._what = what
        what = what or f"{section}()"
        self._doing = ("python", child.box)
        # (Should the child be gone already, receive says how.)
        child.box.other.clear()
        child.box.send(request or {"call": section, "deadline": _dump_after(self.timeout)})
        while True:
            answer = await self._receive(child.box, self.timeout + 5)
            data = answer.data
            ended = self._ended(child, data)
            if ended is not None or data is None:
                message = _death(what, child.box, ended)
                line = _stack_line(child.box, path)
                return Failure(message, section, line or where, final=True)
            if "query" in data:
                await self._forward(conn, section, child, data["query"], where)
                self._doing = ("python", child.box)
                continue
            if "error" in data:
                refused = str(data.get("sandbox") or "")
                return Failure(
                    str(data["error"]),
                    section,
                    int(data.get("line") or where),
                    final=bool(refused),
                    sandbox=refused,
                )
            if "type" in data:
                return Failure(
                    f"{section}() returned {data['type']}; aerich passes the value to "
                    "execute_script(), which needs a str",
                    section,
                    where,
                )
            returned = data.get("returned")
            return returned if isinstance(returned, str) else None

    async def _forward(
        self, conn: Any, section: str, child: _Child, query: Any, where: int
    ) -> None:
        """Run one query the child sent (vetted first) and send it the result."""
        query = query if isinstance(query, dict) else {}
        sql, via = str(query.get("sql") or ""), str(query.get("via") or "")
        line = int(query.get("line") or 0) or where
        refusal = self.guard.refusal(sql)
        if refusal is not None:
            self._kill_child()  # its code must not carry on as if nothing happened
            raise _Abort(Failure(refusal.message, section, line, final=True, refused=True))
        if via not in CLIENT_METHODS:
            child.box.send({"error": f"no such client method: {via}", "exception": "ParamsError"})
            return
        values = wire.decode(query.get("values"))
        self._doing = ("statement", Statement(section, 0, sql, line, 1, end_line=line))
        try:
            if via == "execute_script":
                result = await conn.execute_script(sql)
            else:
                result = await getattr(conn, via)(sql, values)
        except Exception as exc:
            text = str(exc).strip() or type(exc).__name__
            child.box.send({"error": text, "exception": type(exc).__name__})
            return
        child.box.send({"result": _result(via, result)})


async def _send(conn: Any, stmt: Statement, bound: dict[str, native.Parameters]) -> None:
    """One statement; a native RunSQL string given with parameters as tortoise sends
    it (``execute_query(sql, params)``), the driver binding them."""
    given = bound.get(stmt.via)
    if given is not None and given.values:
        await conn.execute_query(stmt.sql, list(given.values))
    else:
        await conn.execute_script(stmt.sql)


def _result(via: str, result: Any) -> Any:
    """What a client method returned, as JSON for the child (``wire``)."""
    if via == "execute_query":
        count, rows = result
        return {"count": count, **wire.rows(rows)}
    if via == "execute_query_dict":
        return wire.rows(result)
    if via == "execute_query_dict_with_affected":
        rows, count = result
        return {"count": count, **wire.rows(rows)}
    if via == "execute_insert":
        if result is not None and hasattr(result, "keys"):
            return {"record": wire.rows([result])}
        return {"value": wire.encode(result)}
    return None


def _scripts(chunks: list[Any]) -> list[tuple[str, Callable[[int], int]]]:
    """Each SQL text of a section, and how to find the line of an offset in it."""
    return [(c.sql, _line_mapper(c)) for c in chunks]


def _line_mapper(chunk: Any) -> Callable[[int], int]:
    def line_at(offset: int) -> int:
        return int(chunk.positions.position(offset)[0])

    return line_at


def _dump_after(timeout: float) -> float:
    """When the child writes its stack (faulthandler): just before the deadline."""
    return max(timeout - min(0.5, timeout * 0.2), 0.1)


def _stack_line(box: Any, path: Path) -> int:
    """The line of the file the child was at, from the stack faulthandler wrote
    (most recent call first), 0 if none."""
    if box is None:
        return 0
    for text in list(getattr(box, "other", ())):
        match = _STACK_LINE.search(text)
        if match is not None and Path(match["file"]) == path:
            return int(match["line"])
    return 0


def _death(what: str, box: Any, code: int | None) -> str:
    """How the child ended without an answer (``code``: its exit status, negative for
    a signal). ``what``: "upgrade()", "importing the file"."""
    if code is None:
        return f"{what} did not answer"
    if code < 0:
        if -code == signal.SIGXCPU:
            return f"{what} used up its CPU time limit"
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"{what} ended its process: it was killed ({name})"
    ending = " without returning" if what.endswith(")") else ""
    return f"{what} ended its process (exit code {code}){ending}"


# --- the template aerich writes --------------------------------------------------------

_SAFE_MODULES = frozenset({"tortoise", "typing", "__future__"})


def _is_plain(migration: Migration) -> bool:
    """See ``Executor.plain``."""
    if migration.load_error is not None or migration.not_executed:
        return False
    if any(s.dynamic or s.error for s in migration.sections.values()):
        return False
    try:
        tree = ast.parse(migration.text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    names = set(dir(builtins))
    lazy = False  # from __future__ import annotations: annotations are not evaluated
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported = _imports(node)
            if imported is None:
                return False
            names |= imported
            lazy = lazy or (
                isinstance(node, ast.ImportFrom)
                and node.module == "__future__"
                and any(a.name == "annotations" for a in node.names)
            )
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
            if not isinstance(node.value, ast.Constant) or not all(
                isinstance(t, ast.Name) for t in targets
            ):
                return False
            if annotation is not None and not lazy and not _resolves(annotation, names):
                return False
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.decorator_list or not _signature_is_inert(node, names, lazy):
                return False
            continue
        return False
    return True


def _imports(node: ast.Import | ast.ImportFrom) -> set[str] | None:
    """The names an import of tortoise, typing or __future__ binds; None for
    anything else (or a name that is not there)."""
    import importlib

    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module or node.module.split(".")[0] not in _SAFE_MODULES:
            return None
        if node.module == "__future__":
            return set()
        try:
            module = importlib.import_module(node.module)
        except Exception:
            return None
        bound = set()
        for alias in node.names:
            if alias.name == "*" or not hasattr(module, alias.name):
                return None
            bound.add(alias.asname or alias.name)
        return bound
    bound = set()
    for alias in node.names:
        if alias.name.split(".")[0] not in _SAFE_MODULES:
            return None
        try:
            importlib.import_module(alias.name)
        except Exception:
            return None
        bound.add(alias.asname or alias.name.split(".")[0])
    return bound


def _signature_is_inert(
    func: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str], lazy: bool
) -> bool:
    """Defining the function runs nothing but name look-ups that succeed."""
    args = func.args
    defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    if not all(isinstance(d, ast.Constant) for d in defaults):
        return False
    if lazy:
        return True
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    annotations = [a.annotation for a in every if a is not None and a.annotation is not None]
    if func.returns is not None:
        annotations.append(func.returns)
    return all(_resolves(a, names) for a in annotations)


def _resolves(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Attribute):
        return _resolves(node.value, names)
    return False


# --- the database's errors ---------------------------------------------------------------


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
