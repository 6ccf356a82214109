"""``aerich-lint verify``: replay each app's migrations on a scratch database.

For every migration, in version order: upgrade (as aerich does), one synthetic
row into every empty table, snapshot, downgrade, compare with the snapshot from
before the upgrade, upgrade again. A statement that fails is reported with the
database's own error; when the tables had rows, the section is tried again on
empty tables to tell a data trap from a broken statement. When a failure leaves
the schema half-changed (MySQL and SQLite commit DDL as it runs), the database
is rebuilt by replaying the upgrades applied so far, so the next migration
starts from the state it was written for.

Tortoise ORM native migrations go through the same round trip, with the SQL
tortoise generates for their operations (``verify.native``) and their ``RunPython``
code run in the sandboxed child among it, as ``tortoise migrate`` runs it (not with
``--no-exec``: then verify says it is not run).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from aerich_lint.dialects import spec
from aerich_lint.discover import AppSource
from aerich_lint.errors import UsageError
from aerich_lint.findings import display_path, make_finding
from aerich_lint.model import DOWNGRADE, UPGRADE, App, Dialect, Finding, Migration, Severity
from aerich_lint.options import Options, Result
from aerich_lint.policy import Policy
from aerich_lint.prepare import PreparedApp, prepare
from aerich_lint.rules.base import Violation
from aerich_lint.rules.registry import BY_NAME
from aerich_lint.suppress import is_suppressed
from aerich_lint.verify.database import Scratch, Server, drop_leftovers, server_label
from aerich_lint.verify.execute import Executor, Failure, Outcome, StatementHook
from aerich_lint.verify.guard import Guard
from aerich_lint.verify.introspect import Schema, compare, snapshot
from aerich_lint.verify.locks import LockEntry, LockObserver
from aerich_lint.verify.native import NATIVE, parameters, python_lines
from aerich_lint.verify.rows import clear_rows, fill_empty_tables

DEFAULT_URL = "sqlite://:memory:"
DEFAULT_TIMEOUT = 300.0


@dataclass
class VerifyOptions:
    paths: list[str] = field(default_factory=list)
    database_url: str = DEFAULT_URL
    since: str | None = None
    locks: bool = False
    config: Path | None = None
    timeout: float = DEFAULT_TIMEOUT  # seconds for one section of one migration
    fail_on: Severity | None = None
    execute: bool = True  # False (--no-exec): only aerich's template files are applied
    progress: Callable[[str], None] | None = None  # one line per migration


@dataclass
class VerifyResult(Result):
    server: str = ""  # engine and version, e.g. "PostgreSQL 15.10"
    locks: list[LockEntry] | None = None  # None: no lock report asked for
    verified: int = 0  # migrations that went through the whole round trip
    no_downgrade: int = 0  # migrations without a downgrade: upgrade only


@dataclass
class _App:
    source: AppSource
    policy: Policy
    app: App
    migrations: list[Migration]
    generated: int = 0  # native files imported in the sandbox to generate their SQL
    sandbox: str = ""  # what confined that child


@dataclass
class _Applied:
    ok: bool
    empty: bool = False
    failures: list[Failure] = field(default_factory=list)  # first try, then on empty tables
    retried: bool = False  # tried again on empty tables


_SCRATCH_NAME = re.compile(r"`?aerich_lint_[0-9a-f]{12}`?\.")


def _without_scratch_name(message: str) -> str:
    """MySQL names the database in its errors: the scratch one is noise (and
    changes when the database is rebuilt)."""
    return _SCRATCH_NAME.sub("", message)


class _Stop(Exception):
    """The database cannot be brought back to a known state: verification ends."""


def run_verify(options: VerifyOptions) -> VerifyResult:
    server = Server.parse(options.database_url)
    # The same prepared apps as the lint (the cache, the parallel parsing), except that
    # a file whose SQL is built at run time is not read in the lint's sandbox: verify
    # runs it for real, in its own child, against the scratch database. A dialect
    # nothing states is the server's.
    prepared = prepare(
        Options(
            paths=options.paths,
            config=options.config,
            since=options.since,
            fail_on=options.fail_on,
            execute=options.execute,
            read_dynamic_sql=False,
            history=True,
            fallback_dialect=server.engine,
        )
    )
    result = VerifyResult(errors=prepared.errors, warnings=list(prepared.found.warnings))
    result.fail_on = prepared.fail_on
    if options.locks and server.engine is not Dialect.POSTGRES:
        result.warnings.append(
            f"--locks reads PostgreSQL's pg_locks: no lock report on {server.engine.value}"
        )
    locks = options.locks and server.engine is Dialect.POSTGRES
    apps: list[_App] = []
    for prepared_app in prepared.apps:
        app = _verifiable(prepared_app, server.engine, result)
        if app is not None:
            if app.source.kind == NATIVE:
                app.generated, app.sandbox = prepared_app.app.executed, prepared_app.app.sandbox
            apps.append(app)
            result.apps.append(app.app)
            result.files += sum(1 for m in app.migrations if m.report)
    if not apps:
        return result
    result.locks = [] if locks else None
    scratch = Scratch(server)
    executor = Executor(server.engine, Guard(server.engine), options.timeout)
    for job in apps:
        project = job.source.project
        # A native app's RunPython code runs (in the sandbox, with the project's config)
        # unless executing project code is off.
        config = project.aerich.tortoise_orm if project.aerich is not None else None
        runs = job.source.kind == NATIVE and options.execute and project.lint.execute
        for m in job.migrations:
            executor.place(
                m, project.root.resolve(), project.import_paths(), config if runs else None
            )
    session = _Session(scratch, options, result, locks, executor)
    with _Shutdown() as shutdown:
        try:
            shutdown.run(session.run(apps))
        except (asyncio.CancelledError, _Terminated):
            if shutdown.signum is None:
                raise
        finally:
            executor.close()
            existed = scratch.created
            with shutdown.deferred():
                dropped = _drop_scratch(scratch, server, result)
        if shutdown.signum is not None:
            name = signal.Signals(shutdown.signum).name
            what = (
                ""
                if not existed
                else "; the scratch database was dropped"
                if dropped
                else f"; drop the scratch database {scratch.name} by hand"
            )
            sys.stderr.write(f"aerich-lint: terminated ({name}){what}\n")
            sys.stderr.flush()
            raise SystemExit(128 + shutdown.signum)
    for job in apps:
        job.app.executed = sum(1 for m in job.migrations if m.path.resolve() in executor.executed)
        job.app.sandbox = executor.sandbox if job.app.executed else ""
        if job.generated:
            job.app.executed += job.generated
            job.app.sandbox = job.app.sandbox or job.sandbox
    result.findings.sort(key=Finding.sort_key)
    result.extra = {"verify": _summary(result, server)}
    return result


def _summary(result: VerifyResult, server: Server) -> dict[str, Any]:
    return {
        "database": server.display,
        "server": result.server,
        "verified": result.verified,
        "no_downgrade": result.no_downgrade,
        "locks": None if result.locks is None else [e.as_dict() for e in result.locks],
    }


def _drop_scratch(scratch: Scratch, server: Server, result: VerifyResult) -> bool:
    """Drop the scratch database (it may be none yet); False when it is left."""
    if not scratch.created:
        return True
    try:
        asyncio.run(scratch.drop())
    except Exception as exc:
        result.errors.append(
            f"could not drop the scratch database {scratch.name} on "
            f"{server.display}: {exc}; drop it by hand"
        )
        return False
    return True


class _Terminated(SystemExit):
    """SIGTERM or SIGHUP outside the replay's event loop (a SystemExit: asyncio and
    ``except Exception`` let it through)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


class _Shutdown:
    """SIGTERM and SIGHUP (what CI runners send to cancel a job) become a clean stop,
    as Ctrl-C does: the replay is cancelled, the children are killed, the scratch
    database is dropped, and verify exits with 128 + the signal's number. Signals
    that come while the database is dropped wait until it is."""

    SIGNALS = tuple(
        s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s
    )

    def __init__(self) -> None:
        self.signum: int | None = None
        self._task: asyncio.Task[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deferring = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Shutdown:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None or self._deferring:
            self.signum = self.signum or signum
            return
        self.signum = signum
        if self._task is not None and self._loop is not None and not self._task.done():
            self._loop.call_soon_threadsafe(self._task.cancel)
            return
        raise _Terminated(signum)

    def run(self, work: Coroutine[Any, Any, None]) -> None:
        async def main() -> None:
            self._task = asyncio.current_task()
            self._loop = asyncio.get_running_loop()
            try:
                await work
            finally:
                self._task = None

        asyncio.run(main())

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Signals (Ctrl-C too) are noted, not acted on, meanwhile."""
        self._deferring = True
        interrupt = None
        if threading.current_thread() is threading.main_thread():
            interrupt = signal.signal(signal.SIGINT, self._note_interrupt)
        try:
            yield
        finally:
            self._deferring = False
            if interrupt is not None:
                signal.signal(signal.SIGINT, interrupt)

    def _note_interrupt(self, signum: int, frame: FrameType | None) -> None:
        return None  # the KeyboardInterrupt that started the stop is on its way


def _verifiable(job: PreparedApp, engine: Dialect, result: VerifyResult) -> _App | None:
    """The prepared app, when its migrations are written for the server's engine."""
    if job.dialect is not engine and not job.guessed:
        result.errors.append(
            f"app {job.source.name}: its migrations are written for {job.dialect.value} "
            f"({job.app.dialect_reason}); verify them on a {job.dialect.value} server: "
            f"--database-url {spec(job.dialect).example_url}"
        )
        return None
    app = App(job.source.name, job.source.folder, job.migrations, engine, "")
    return _App(job.source, job.policy, app, job.migrations)


class _Session:
    def __init__(
        self,
        scratch: Scratch,
        options: VerifyOptions,
        result: VerifyResult,
        locks: bool,
        executor: Executor,
    ) -> None:
        self.scratch = scratch
        self.engine = scratch.engine
        self.options = options
        self.result = result
        self.locks = locks
        self.executor = executor
        self.client: Any = None
        self.applied: list[Migration] = []  # upgraded so far, in order, across apps
        self.policies: dict[int, Policy] = {}
        self.no_exec: set[int] = set()  # files of projects whose code must not run
        self._fill_warned: set[str] = set()
        self.refused: Migration | None = None  # verify refused to run one of its statements

    # --- the whole run --------------------------------------------------------------

    async def run(self, apps: list[_App]) -> None:
        dropped, problems = await drop_leftovers(self.scratch.server)
        self.result.warnings.extend(problems)
        if dropped:
            many = len(dropped) != 1
            self.result.warnings.append(
                f"dropped {len(dropped)} scratch database{'s' if many else ''} that "
                f"{'killed runs' if many else 'a killed run'} of verify left behind: "
                + ", ".join(dropped)
            )
        await self.scratch.create()
        try:
            self.client = await self.scratch.connect()
            await self._know_databases()
            empty = await snapshot(self.client, self.engine)
            if empty.tables or empty.others:
                raise UsageError(
                    f"the new scratch database {self.scratch.name} is not empty "
                    f"({len(empty.tables)} tables: the server's template database has some); "
                    "refusing to run migrations in it"
                )
            self.result.server = await self._server_version()
            where = (
                "an in-memory database"
                if self.engine is Dialect.SQLITE
                else f"a scratch database on {self.scratch.server.display}"
            )
            for job in apps:
                job.app.dialect_reason = f"verified on {self.result.server}, {where}"
                for m in job.migrations:
                    self.policies[id(m)] = job.policy
                    if not (self.options.execute and job.source.project.lint.execute):
                        self.no_exec.add(id(m))
                await self._app(job)
        except _Stop as stop:
            self.result.errors.append(str(stop))
        finally:
            await self.scratch.disconnect()

    async def _know_databases(self) -> None:
        """Tell the guard the scratch database's name and (MySQL, where statements
        name other databases as ``other.table``) the server's other databases."""
        self.executor.guard.scratch = self.scratch.name
        if self.engine is Dialect.MYSQL:
            rows = await self.client.execute_query_dict(
                "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA"
            )
            names = {str(r["name"]).lower() for r in rows}
            self.executor.guard.others = names - {self.scratch.name, "information_schema"}

    async def _reset(self) -> None:
        """A new, empty scratch database (the guard learns its name)."""
        self.client = await self.scratch.reset()
        self.executor.guard.scratch = self.scratch.name
        self.executor.guard.others.discard(self.scratch.name)

    async def _server_version(self) -> str:
        rows = await self.client.execute_query_dict(spec(self.engine).version_query)
        return server_label(self.engine, rows)

    async def _app(self, job: _App) -> None:
        total = len(job.migrations)
        for position, migration in enumerate(job.migrations, 1):
            started = time.perf_counter()
            status, go_on = await self._migration(migration)
            if self.options.progress is not None:
                took = time.perf_counter() - started
                self.options.progress(
                    f"[{position}/{total}] {job.app.name}/{migration.path.name}: {status} "
                    f"({took:.2f} s)"
                )
            if self.refused is migration:
                left = total - position
                self.result.warnings.append(
                    f"app {job.app.name}: verify refused to run a statement of "
                    f"{migration.path.name}, so it and the {left} migration"
                    f"{'s' if left != 1 else ''} after it {'were' if left != 1 else 'was'} "
                    "not verified"
                    if left
                    else f"app {job.app.name}: verify refused to run a statement of "
                    f"{migration.path.name}, so it was not verified"
                )
                return
            if not go_on:
                left = total - position
                if left:
                    self.result.warnings.append(
                        f"app {job.app.name}: {migration.path.name} cannot be applied, so the "
                        f"{left} migration{'s' if left != 1 else ''} after it "
                        f"{'were' if left != 1 else 'was'} not verified"
                    )
                return

    # --- one migration --------------------------------------------------------------

    async def _migration(self, m: Migration) -> tuple[str, bool]:
        """(status for the progress line, whether the app can go on)."""
        if id(m) in self.no_exec and self._needs_running(m):
            self._emit(
                "not-executed",
                m,
                Violation(
                    "verify applies this file by running its Python, and executing project "
                    "code is off: not verified",
                    line=1,
                ),
                forced=True,
            )
            return "not verified (executing is off)", False
        if m.format == NATIVE and not await self._native_ready(m):
            return "not verified (its SQL was not generated)", False
        before = await self._snapshot()
        transactional = await self.executor.run_in_transaction(m)
        observer: LockObserver | None = None
        if self.locks and m.report and transactional:
            observer = LockObserver(m, set(before.tables), display_path(m.path))
        up = await self._apply(m, UPGRADE, transactional, before, observer)
        if up.failures and (m.report or not up.ok):
            self._report_failure("upgrade-failed", m, UPGRADE, up)
        if not up.ok:
            await self._fill(m)
            return "upgrade failed", False
        self.applied.append(m)
        if observer is not None:
            self._report_locks(m, observer.entries, before)
        await self._fill(m)
        status = "upgrade failed (on tables with rows)" if up.failures else ""
        if not m.report:
            return status or "applied (context)", True
        status = await self._round_trip(m, transactional, before, up) or status
        await self._fill(m)  # a retry on empty tables or a rebuild may have emptied them
        return status or "ok", True

    async def _native_ready(self, m: Migration) -> bool:
        """Can the native migration be applied as read? When its SQL was not
        generated at all, say why (its app stops there: what it does is unknown);
        when it holds RunPython, say once that that code is not run."""
        if m.not_executed and m.load_error is None:
            why = m.not_executed_reason or "executing project code is off"
            self._emit(
                "not-executed",
                m,
                Violation(
                    "verify applies the SQL tortoise generates for this migration's "
                    f"operations, but it was not generated: {why}; not verified",
                    section=UPGRADE,
                    line=m.section(UPGRADE).line,
                ),
                forced=True,
            )
            return False
        lines = python_lines(m)
        runs = self.executor.runs_python(m)
        if lines and m.report and self.executor.plain(m) and not runs:
            many = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            self._emit(
                "not-executed",
                m,
                Violation(
                    f"verify applies this migration's SQL but does not run its RunPython "
                    f"code{many}: what that code does is not verified, and a failure on "
                    "tables with rows is only a warning here (the code may fill them)",
                    section=UPGRADE,
                    line=lines[0],
                ),
            )
        for section in (UPGRADE, DOWNGRADE):
            unbound = sorted(p.line for p in parameters(m, section).values() if p.values is None)
            if unbound and m.report and self.executor.plain(m):
                self._emit(
                    "not-executed",
                    m,
                    Violation(
                        "verify does not send this RunSQL string: its parameters are not "
                        "literal values it can bind, so what it does is not verified",
                        section=section,
                        line=unbound[0],
                    ),
                )
        return True

    def _data_only(self, m: Migration) -> Severity | None:
        """The severity of a failure seen only on tables with rows: a warning in a
        native migration whose RunPython is not run here (--no-exec), which may have
        filled them."""
        return Severity.WARNING if python_lines(m) and not self.executor.runs_python(m) else None

    def _needs_running(self, m: Migration) -> bool:
        """Applying it means importing it: a Python file that is not only aerich's
        template (a template's SQL is applied as read, running nothing)."""
        return m.format.startswith("py") and m.load_error is None and not self.executor.plain(m)

    async def _round_trip(
        self, m: Migration, transactional: bool, before: Schema, up: _Applied
    ) -> str:
        after = await self._snapshot()
        # (aerich downgrades in a transaction always; tortoise as it upgrades)
        down_transactional = transactional if m.format == NATIVE else True
        down = await self._apply(m, DOWNGRADE, down_transactional, after)
        if down.empty:
            self.result.no_downgrade += 1
            return "ok (no downgrade)"
        status = ""
        if down.failures:
            self._report_failure("downgrade-failed", m, DOWNGRADE, down)
            status = "downgrade failed"
        if self.refused is m:
            return "not verified (verify refused a statement)"
        self.result.verified += 1
        if not down.ok:
            return status
        await self._fill(m)
        now = await self._snapshot()
        differences = compare(before, now)
        if differences:
            self._report_mismatch(m, differences)
            status = status or "round trip differs"
        again = await self._apply(m, UPGRADE, transactional, now)
        # A data trap the first upgrade hit already is not the round trip's doing.
        if not again.ok or (again.failures and not up.failures):
            failure = again.failures[-1] if not again.ok else again.failures[0]
            if failure.refused:
                self.refused = m
            self._emit(
                "roundtrip-mismatch",
                m,
                Violation(
                    "applying the upgrade again after its downgrade fails: " + failure.message,
                    failure.statement,
                    UPGRADE,
                    None if failure.statement else failure.line,
                    severity=self._data_only(m) if again.ok else None,
                ),
                forced=failure.refused,
            )
            status = status or "upgrade fails after the downgrade"
        if not again.ok and compare(after, await self._snapshot()):
            await self._rebuild()
        return status

    async def _apply(
        self,
        m: Migration,
        section: str,
        transactional: bool,
        expected: Schema,
        hook: StatementHook | None = None,
        report_retry: bool = True,
    ) -> _Applied:
        """Run a section; on failure, bring the database back to ``expected`` and,
        when the tables had rows, try once more on empty tables."""
        outcome = await self._run(m, section, transactional, hook)
        if outcome.failure is None:
            return _Applied(True, empty=outcome.empty)
        applied = _Applied(False, failures=[outcome.failure])
        await self._restore(expected)
        if outcome.failure.final:  # not about the rows: trying again tells nothing
            return applied
        if not report_retry or not any(t.rows for t in expected.tables.values()):
            return applied
        current = await self._snapshot()
        await clear_rows(self.client, self.engine, current)
        retry = await self._run(m, section, transactional, None)
        applied.retried = True
        if retry.failure is None:
            applied.ok = True
            return applied
        applied.failures.append(retry.failure)
        await self._restore(expected)
        return applied

    async def _run(
        self, m: Migration, section: str, transactional: bool, hook: StatementHook | None
    ) -> Outcome:
        outcome = await self.executor.run(self.client, m, section, transactional, hook)
        if outcome.timed_out:
            await self._reset()  # the connection is in an unknown state
            await self._replay()
        return outcome

    async def _snapshot(self) -> Schema:
        return await snapshot(self.client, self.engine)

    async def _fill(self, m: Migration) -> None:
        problems = await fill_empty_tables(self.client, self.engine, await self._snapshot())
        for problem in problems:
            if problem not in self._fill_warned:
                self._fill_warned.add(problem)
                self.result.warnings.append(f"{display_path(m.path)}: {problem}")

    async def _restore(self, expected: Schema) -> None:
        """After a failure: rebuild when the schema is no longer ``expected``."""
        if compare(expected, await self._snapshot()):
            await self._rebuild()

    async def _rebuild(self) -> None:
        """A fresh database with every upgrade applied so far replayed in it."""
        await self._reset()
        await self._replay()

    async def _replay(self, fill: bool = True) -> None:
        """Apply every upgrade applied so far, filling the empty tables after each
        (``fill``). An upgrade that fails on the rows is tried again on empty tables;
        should that fail too, the failed try may have left part of its changes (MySQL
        and SQLite commit DDL as it runs: a table rebuild's new table, say), so the
        database is built once more from nothing, every upgrade on empty tables."""
        for m in self.applied:
            transactional = await self.executor.run_in_transaction(m)
            outcome = await self.executor.run(self.client, m, UPGRADE, transactional)
            if outcome.failure is not None and fill:
                await clear_rows(self.client, self.engine, await self._snapshot())
                outcome = await self.executor.run(self.client, m, UPGRADE, transactional)
                if outcome.failure is not None:
                    await self._reset()
                    await self._replay(fill=False)
                    return
            if outcome.failure is not None:
                raise _Stop(
                    f"{display_path(m.path)}: replaying the upgrades to rebuild the scratch "
                    f"database failed ({outcome.failure.message}); verification stopped"
                )
            if fill:
                await self._fill(m)
        if not fill and self.applied:
            await self._fill(self.applied[-1])

    # --- findings -------------------------------------------------------------------

    def _emit(
        self, rule_name: str, m: Migration, violation: Violation, forced: bool = False
    ) -> None:
        """``forced``: a refusal, which the file's own suppression comments cannot hide
        (the file is the stranger's; the configuration still applies)."""
        rule = BY_NAME[rule_name]
        policy = self.policies[id(m)]
        if rule.name not in policy.enabled or rule.name in policy.ignored_in(m.path):
            return
        if not forced and is_suppressed(rule, violation, m):
            return
        self.result.findings.append(make_finding(rule, violation, m, policy))

    def _report_failure(self, rule: str, m: Migration, section: str, applied: _Applied) -> None:
        for failure in applied.failures:
            failure.message = _without_scratch_name(failure.message)
        first = applied.failures[0]
        if first.sandbox:
            # Not the migration's fault (aerich would run it): it was not verified.
            what = "the file" if first.section == "file" else f"{first.section}()"
            self._emit(
                "not-executed",
                m,
                Violation(
                    f"verify runs {what} to apply it, but {first.sandbox}: not verified",
                    line=first.line,
                    section=first.section,
                ),
            )
            return
        what = f"the {section}"
        severity: Severity | None = None
        if not applied.retried:
            messages = [(first, f"{what} fails: {first.message}")]
        elif applied.ok:
            severity = self._data_only(m)
            messages = [
                (
                    first,
                    f"{what} fails once the tables have rows (it succeeds on empty tables): "
                    f"{first.message}",
                )
            ]
        else:
            second = applied.failures[1]
            same_place = (first.statement is second.statement) or (
                first.statement is None and second.statement is None and first.line == second.line
            )
            if same_place and first.message == second.message:
                messages = [(first, f"{what} fails: {first.message}")]
            elif same_place:
                messages = [
                    (
                        first,
                        f"{what} fails with a row in each table: {first.message}; and on "
                        f"empty tables: {second.message}",
                    )
                ]
            else:
                messages = [
                    (first, f"{what} fails once the tables have rows: {first.message}"),
                    (second, f"on empty tables {what} fails here: {second.message}"),
                ]
        for failure, message in messages:
            line = None if failure.statement is not None else failure.line
            violation = Violation(message, failure.statement, failure.section, line, severity)
            self._emit(rule, m, violation, forced=failure.refused)
        if any(f.refused for f in applied.failures):
            self.refused = m

    def _report_mismatch(self, m: Migration, differences: list[str]) -> None:
        shown = differences[:6]
        more = len(differences) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        statements = m.statements(DOWNGRADE)
        line = None if statements else m.section(DOWNGRADE).line
        self._emit(
            "roundtrip-mismatch",
            m,
            Violation(
                f"after upgrade and downgrade the schema differs from before: {text}",
                statements[0] if statements else None,
                DOWNGRADE,
                line,
            ),
        )

    def _report_locks(self, m: Migration, entries: list[LockEntry], before: Schema) -> None:
        assert self.result.locks is not None
        self.result.locks.extend(entries)
        for entry in entries:
            for table in entry.exclusive:
                known = before.tables.get(table)
                if known is None or known.rows == 0:
                    continue
                rewrote = table in entry.rewritten
                if not rewrote and entry.lock_timeout not in ("0", "0ms", ""):
                    continue  # a bounded wait for a catalog-only change
                how = "and rewrites the table" if rewrote else "(no rewrite)"
                bound = (
                    "" if entry.lock_timeout not in ("0", "0ms", "") else "; no lock_timeout is set"
                )
                self._emit(
                    "exclusive-lock",
                    m,
                    Violation(
                        f'takes an ACCESS EXCLUSIVE lock on "{table}" {how}, held until the '
                        f"migration commits{bound}",
                        entry.stmt,
                        UPGRADE,
                    ),
                )
