"""``aerich-lint status``: what ``aerich upgrade`` would do to one live database.

The same prepared apps as the lint (history replayed), then one read-only session
on the database the user names (``status.connect``): the migrations table it
records (aerich's ``aerich``, tortoise's ``tortoise_migrations``), the catalog and
the tables' sizes. Reported per app: pending files with their findings and the
size of what they drop or lock, applied files gone or renamed
(applied-file-missing), recorded models that differ from the file
(applied-state-differs), and the live schema against the replayed one
(schema-drift).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aerich_lint.dialects import spec
from aerich_lint.discover import version_of
from aerich_lint.effects import AddColumn, effects
from aerich_lint.errors import UsageError
from aerich_lint.findings import display_path, make_finding
from aerich_lint.history import _understood
from aerich_lint.lint import check
from aerich_lint.load.models_state import ModelsStateError, decoded, parse_json
from aerich_lint.model import FILE, Finding, Migration, Severity
from aerich_lint.options import Options, Result
from aerich_lint.prepare import PreparedApp, prepare
from aerich_lint.rules.base import Violation
from aerich_lint.rules.registry import BY_NAME
from aerich_lint.sources import source_for
from aerich_lint.status import compare
from aerich_lint.status.connect import ReadOnlySession, read_only
from aerich_lint.status.sizes import Impact, TableSize, impacts, table_sizes
from aerich_lint.verify.introspect import Schema as Live
from aerich_lint.verify.introspect import catalog

AERICH_TABLE = "aerich"
NATIVE_TABLE = "tortoise_migrations"


@dataclass
class StatusOptions:
    database_url: str
    paths: list[str] = field(default_factory=list)
    config: Path | None = None
    fail_on: Severity | None = None
    execute: bool = True
    export_stats: Path | None = None


@dataclass
class Record:
    name: str  # aerich: the file name; native: the module name
    content: Any = None  # aerich: the models it recorded (decoded JSON), else None
    readable: bool = True  # False: a content that is not JSON


@dataclass
class AppStatus:
    app: str
    folder: Path
    system: str
    applied: list[str] = field(default_factory=list)  # in the order they were applied
    pending: list[str] = field(default_factory=list)  # in the order aerich applies them
    impacts: list[Impact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "folder": display_path(self.folder).as_posix(),
            "system": self.system,
            "applied": self.applied,
            "pending": self.pending,
            "impacts": [i.as_dict() for i in self.impacts],
            "notes": self.notes,
        }


@dataclass
class StatusResult(Result):
    server: str = ""
    database: str = ""
    states: list[AppStatus] = field(default_factory=list)
    sizes: dict[str, TableSize] = field(default_factory=dict)


def run_status(options: StatusOptions) -> StatusResult:
    from aerich_lint.verify.database import Server

    server = Server.parse(options.database_url)
    prepared = prepare(
        Options(
            paths=options.paths,
            config=options.config,
            fail_on=options.fail_on,
            execute=options.execute,
            history=True,
            fallback_dialect=server.engine,
        )
    )
    linted = check(prepared)
    result = StatusResult(errors=linted.errors, warnings=linted.warnings, fail_on=linted.fail_on)
    result.apps, result.files, result.database = linted.apps, linted.files, server.display
    jobs = []
    for job in prepared.apps:
        if job.dialect is not server.engine and not job.guessed:
            result.errors.append(
                f"app {job.source.name}: its migrations are written for {job.dialect.value} "
                f"({job.app.dialect_reason}); {server.display} is {server.engine.value}"
            )
            continue
        jobs.append(job)
    if not jobs and not result.errors:
        return result
    try:
        asyncio.run(_run(server.url, jobs, linted.findings, result))
    except UsageError as exc:
        result.errors.append(str(exc))
    result.findings.sort(key=Finding.sort_key)
    result.extra = {"status": _summary(result)}
    return result


def _summary(result: StatusResult) -> dict[str, Any]:
    return {
        "database": result.database,
        "server": result.server,
        "apps": [s.as_dict() for s in result.states],
    }


async def _run(
    url: str,
    jobs: list[PreparedApp],
    lint_findings: list[Finding],
    result: StatusResult,
) -> None:
    async with read_only(url) as session:
        result.server = session.version
        live = await catalog(session, session.engine)
        sizes = await table_sizes(session)
        names = {n.casefold() for n in live.tables}
        aerich = await _aerich_records(session) if AERICH_TABLE in names else None
        native = await _native_records(session) if NATIVE_TABLE in names else None
        columns = {
            name.casefold(): {c.casefold() for c in table.columns}
            for name, table in live.tables.items()
        }
        for job in jobs:
            records = aerich if job.source.kind == "aerich" else native
            state = AppStatus(job.source.name, job.source.folder, job.source.kind)
            result.states.append(state)
            app_records = (records or {}).get(job.source.name, [])
            if records is None:
                table = AERICH_TABLE if job.source.kind == "aerich" else NATIVE_TABLE
                state.notes.append(
                    f"no {table} table in this database: nothing of this app is applied"
                )
            pending = _app_status(job, app_records, live, state, result)
            paths = {str(display_path(m.path)): m for m in pending}
            found = [f for f in lint_findings if str(f.path) in paths]
            result.findings.extend(found)
            before = {
                path: step.before
                for path, m in paths.items()
                if (step := job.steps.get(id(m))) is not None
            }
            state.impacts = await impacts(session, found, paths, before, columns, sizes)
        result.sizes = sizes


async def _aerich_records(session: ReadOnlySession) -> dict[str, list[Record]]:
    q = spec(session.engine).quote
    rows = await session.execute_query_dict(
        f"SELECT {q('version')} AS version, {q('app')} AS app, {q('content')} AS content "
        f"FROM {q(AERICH_TABLE)} ORDER BY {q('id')}"
    )
    out: dict[str, list[Record]] = {}
    for row in rows:
        content, readable = row["content"], True
        if isinstance(content, (bytes, str)):
            try:
                raw = content if isinstance(content, bytes) else content.encode()
                content = parse_json(raw)
            except ModelsStateError:
                content, readable = None, False
        out.setdefault(str(row["app"]), []).append(Record(str(row["version"]), content, readable))
    return out


async def _native_records(session: ReadOnlySession) -> dict[str, list[Record]]:
    q = spec(session.engine).quote
    rows = await session.execute_query_dict(
        f"SELECT {q('app')} AS app, {q('name')} AS name FROM {q(NATIVE_TABLE)} "
        f"ORDER BY {q('applied_at')}, {q('id')}"
    )
    out: dict[str, list[Record]] = {}
    for row in rows:
        out.setdefault(str(row["app"]), []).append(Record(str(row["name"])))
    return out


def _file_name(migration: Migration, system: str) -> str:
    return migration.path.name if system == "aerich" else migration.path.stem


def _app_status(
    job: PreparedApp, records: list[Record], live: Live, state: AppStatus, result: StatusResult
) -> list[Migration]:
    """Fills ``state`` and the status findings; returns the pending migrations."""
    system = job.source.kind
    policy = job.policy
    on_disk = {_file_name(m, system): m for m in job.migrations}
    recorded = {r.name: r for r in records}
    state.applied = [r.name for r in records]
    pending = [m for m in job.migrations if _file_name(m, system) not in recorded]
    state.pending = [_file_name(m, system) for m in pending]

    def add(rule_name: str, message: str, migration: Migration, **where: Any) -> None:
        if rule_name not in policy.enabled:
            return
        rule = BY_NAME[rule_name]
        violation = Violation(message, where.get("statement"), where.get("section", FILE))
        result.findings.append(make_finding(rule, violation, migration, policy))

    # applied-file-missing: recorded, but no file of that name
    pending_versions = {version_of(m.path): m for m in pending}
    renamed: set[int] = set()  # id() of pending files that ran under another name
    for record in records:
        if record.name in on_disk:
            continue
        version = version_of(Path(record.name)) if system == "aerich" else None
        twin = pending_versions.get(version) if version is not None else None
        if twin is not None:
            renamed.add(id(twin))
            add(
                "applied-file-missing",
                f"the database applied this migration as {record.name}: under its new name "
                "`aerich upgrade` runs it again",
                twin,
            )
        else:
            gone = job.source.folder / (record.name if system == "aerich" else f"{record.name}.py")
            stand_in = source_for(system).open(gone, job.source.name)
            add(
                "applied-file-missing",
                f"the database applied {record.name}, which is not in "
                f"{display_path(job.source.folder).as_posix()}: deleted or renamed",
                stand_in,
            )

    # applied-state-differs: the recorded models against the file's MODELS_STATE
    for record in records:
        migration = on_disk.get(record.name)
        if migration is None or system != "aerich" or migration.models_state_raw is None:
            continue
        try:
            current = decoded(migration)
        except ModelsStateError:
            continue  # models-state-mismatch / invalid-migration say it already
        if not record.readable:
            add(
                "applied-state-differs",
                "the aerich table's content for this file is not JSON; its MODELS_STATE is",
                migration,
            )
            continue
        if record.content is None:
            continue
        differences = compare.state_differences(record.content, current)
        if differences:
            add(
                "applied-state-differs",
                "the models aerich recorded when it applied this file differ from its "
                f"MODELS_STATE: {compare.summarize(differences)}",
                migration,
            )

    # schema-drift: the live schema against the replay of what is applied (a renamed
    # file ran under its old name: its schema is there)
    _drift(job, [m for m in pending if id(m) not in renamed], live, state, add)
    return pending


def _drift(
    job: PreparedApp, pending: list[Migration], live: Live, state: AppStatus, add: Any
) -> None:
    migrations = job.migrations
    pending_ids = {id(m) for m in pending}
    applied_positions = [i for i, m in enumerate(migrations) if id(m) not in pending_ids]
    if not applied_positions:
        last = -1
    else:
        last = applied_positions[-1]
        gaps = [m.path.name for m in migrations[:last] if id(m) in pending_ids]
        if gaps:
            state.notes.append(
                f"{len(gaps)} migration{'s' if len(gaps) != 1 else ''} before the newest "
                f"applied one {'are' if len(gaps) != 1 else 'is'} not applied "
                f"({', '.join(gaps[:3])}{', ...' if len(gaps) > 3 else ''}): the schema is "
                "not compared with the history"
            )
            return
    if any(not _understood(m) for m in migrations[: last + 1]):
        state.notes.append(
            "a statement of an applied migration is not understood: the schema is not "
            "compared with the history"
        )
        return
    existing: list[tuple[Migration, Any, str]] = []
    if pending and (first := job.steps.get(id(pending[0]))) is not None:
        for migration in pending:
            for stmt, message in compare.creates_existing(migration, first.before, live):
                existing.append((migration, stmt, message))
    explained = frozenset(
        (fact.table.casefold(), fact.column.name.casefold())
        for _, stmt, _ in existing
        for fact in effects(stmt)
        if isinstance(fact, AddColumn)
    )
    if last >= 0 and (step := job.steps.get(id(migrations[last]))) is not None:
        newest = migrations[last]
        differences = compare.schema_differences(step.after, live, job.dialect, explained)
        for table, problems in differences.items():
            add(
                "schema-drift",
                f"table {table}: {compare.summarize(problems)} (after {newest.path.name})",
                newest,
            )
    for migration, stmt, message in existing:
        add(
            "schema-drift",
            f"{message} (an earlier run that failed halfway, or a change by hand): "
            "`aerich upgrade` stops here",
            migration,
            statement=stmt,
            section=stmt.section,
        )


def export_stats(result: StatusResult, path: Path, engine: str) -> int:
    """Write the tables' sizes for ``check --table-stats`` (CI without database access)."""
    data = {
        "aerich-lint-table-stats": 1,
        "dialect": engine,
        "server": result.server,
        "tables": {
            name: {"rows": size.rows, "bytes": size.bytes}
            for name, size in sorted(result.sizes.items())
        },
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return len(result.sizes)


__all__ = ["StatusOptions", "StatusResult", "export_stats", "run_status"]
