"""Stages 1-4 for every command: discover -> load -> parse -> history.

``prepare(options)`` gives the apps ready for the rules: discovered and configured,
their dialect chosen, their files loaded (executed in the sandbox where their SQL is
built at run time) and parsed, or restored from the cache, and their history replayed
with the states kept. ``lint.check`` runs the rules on them; the review reads the
same replay. Nothing here judges a migration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint import file_stages as files
from aerich_lint.cache import ENV_OFF, AppCache
from aerich_lint.config import DEFAULT_EXEC_TIMEOUT, Project
from aerich_lint.dialect import Choice, DialectResolver
from aerich_lint.discover import AppSource, Discovery, discover
from aerich_lint.findings import display_folder
from aerich_lint.model import DOWNGRADE, UPGRADE, App, Migration, Severity
from aerich_lint.options import Options
from aerich_lint.policy import Policy, policy_for
from aerich_lint.prepare import answers, cached
from aerich_lint.prepare.app import PreparedApp
from aerich_lint.sources import source_for

if TYPE_CHECKING:
    from aerich_lint.load import Pending
    from aerich_lint.load.native import AppSQL, NativeSQL
    from aerich_lint.since import AppScope

__all__ = ["Prepared", "PreparedApp", "prepare"]


@dataclass
class Prepared:
    options: Options
    found: Discovery
    apps: list[PreparedApp] = field(default_factory=list)
    policies: dict[int, Policy] = field(default_factory=dict)  # id(project) -> its policy
    scopes: dict[int, AppScope] = field(default_factory=dict)  # id(AppSource) -> its changes
    fail_on: Severity = Severity.WARNING
    errors: list[str] = field(default_factory=list)


def prepare(options: Options) -> Prepared:
    found = discover(options.paths, options.config)
    prepared = Prepared(options, found, errors=list(found.errors))
    if options.since is not None:
        from aerich_lint.since import limit_to_changes

        prepared.scopes = limit_to_changes(found.apps, options.since)
    projects = {id(a.project): a.project for a in found.apps}
    prepared.policies = {key: policy_for(p, options) for key, p in projects.items()}
    first = next(iter(projects.values()), None)
    prepared.fail_on = (
        options.fail_on or (first.lint.fail_on if first else None) or Severity.WARNING
    )
    timeout = options.exec_timeout or (first.lint.exec_timeout if first else DEFAULT_EXEC_TIMEOUT)
    resolver = DialectResolver(options.dialect, timeout, execute=options.execute)
    use_cache = options.cache and not os.environ.get(ENV_OFF)
    # The findings of an unchanged app are reused whole, except where they depend on
    # more than the files and the configuration (git state, the review's history).
    reuse = use_cache and options.since is None and not options.history
    stores = _restore_configs(resolver, list(projects.values()), options)
    for source in found.apps:
        source.files = source_for(source.kind).order(source.files, source.name)
        policy = prepared.policies[id(source.project)]
        job = _open_app(source, policy, resolver, use_cache, options, reuse)
        if job is not None:
            job.scope = prepared.scopes.get(id(source))
            prepared.apps.append(job)
    _save_configs(resolver, stores)
    pending = _load(prepared.apps)
    if options.read_dynamic_sql:
        _execute(prepared.apps, pending, options, timeout)
    _generate_native(prepared.apps, options, timeout)
    for job in prepared.apps:
        if job.reused is None:
            for migration in job.to_finish:
                files.finish(migration, job.dialect)
                digest = job.digests[id(migration)]
                if (
                    job.cache is not None
                    and digest is not None
                    and id(migration) not in job.dynamic
                ):
                    job.cache.store(digest, migration)
            _replay(job, options.history)
    return prepared


def _restore_configs(
    resolver: DialectResolver, projects: list[Project], options: Options
) -> dict[Path, tuple[AppCache, str, str, list[Path]]]:
    """What each project's Tortoise config said last time (which database each app
    uses), while none of the files importing it took changed: the resolver then
    imports it no more (``answers``). The projects to save an answer for, by root."""
    stores: dict[Path, tuple[AppCache, str, str, list[Path]]] = {}
    if resolver.cli is not None or not (options.execute and options.cache):
        return stores
    for project in projects:
        target = project.aerich.tortoise_orm if project.aerich is not None else ""
        if not target or project.lint.dialect is not None or not project.lint.execute:
            continue
        cache = _answers_cache(project, options)
        if cache is None:
            continue
        name = answers.entry_name("config", project, target)
        watched = [project.pyproject] if project.pyproject is not None else []
        stored = answers.restore(cache, name, watched, target)
        apps, default = (stored or {}).get("apps"), (stored or {}).get("default")
        if isinstance(apps, dict) and isinstance(default, str):
            schemes = {str(k): str(v) for k, v in apps.items() if isinstance(v, str)}
            resolver.configs[project.root] = (schemes, default, None)
        else:
            stores[project.root] = (cache, name, target, watched)
    return stores


def _save_configs(
    resolver: DialectResolver, stores: dict[Path, tuple[AppCache, str, str, list[Path]]]
) -> None:
    for root, (cache, name, target, watched) in stores.items():
        if root not in resolver.imported:
            continue  # not read this run, or it failed: tried again next time
        apps, default, _ = resolver.configs[root]
        answer = {"apps": apps, "default": default}
        answers.save(cache, name, watched, target, answer, resolver.imported[root], [root])


def _open_app(
    source: AppSource,
    policy: Policy,
    resolver: DialectResolver,
    use_cache: bool,
    options: Options,
    reuse: bool,
) -> PreparedApp | None:
    """Read the app's files, choose its dialect, and reuse the app's findings or
    restore what the cache has (the rest is left in ``to_load``)."""
    project = source.project
    if not any(source.is_reported(f) for f in source.files):
        return None
    # History rules need every file of the app; otherwise only the reported ones.
    needs_history = options.history or policy.needs_history
    job = PreparedApp(source, policy, target_versions=options.target_versions)
    kind = source_for(source.kind)
    for path in source.files:
        if needs_history or source.is_reported(path):
            migration = kind.open(path, source.name)
            migration.report = source.is_reported(path)
            data = kind.read(migration)
            job.digests[id(migration)] = AppCache.digest(data) if data is not None else None
            job.migrations.append(migration)
    reported = [m.text for m in job.migrations if m.report][:20]
    choice = resolver.choose(project, source.name, reported + [m.text for m in job.migrations[:1]])
    if choice.guessed and options.fallback_dialect is not None:
        choice = Choice(options.fallback_dialect, "", guessed=True)
    job.guessed = choice.guessed
    job.app = App(source.name, source.folder, job.migrations, choice.dialect, choice.reason)
    # (A native migration's SQL depends on every file before it, on project modules and
    # on tortoise: the findings of a native app are never reused, and its files are
    # parsed each run; only the SQL tortoise generated is kept, see answers.)
    if use_cache and source.kind == "aerich":  # None when there is no key: then uncached
        job.cache = AppCache.open(
            project.root, project.pyproject is not None, source.folder, choice.dialect.value
        )
    if job.cache is not None:
        if reuse and job.complete:
            job.results_key = cached.results_key(job)
            stored = job.cache.load_results(job.results_key, display_folder(source.folder))
            if stored is not None:
                job.reused = [f for f in stored if source.is_reported(f.path)]
                return job
        # (The review replays every file itself: it gets them all.)
        partial = source.reported is not None and job.complete
        if partial and policy.needs_history and not options.history:
            cached.resume(job)
    # With a resumed replay, only the file before the first reported one (rules
    # compare with it) and the files from there to the last reported one are needed.
    needed = job.migrations[max(job.resume_at - 1, 0) : job.resume_end]
    for migration in needed:
        digest = job.digests[id(migration)]
        if digest is None:
            continue  # unreadable: load_error is set
        if job.cache is not None and job.cache.restore(digest, migration):
            continue
        job.to_load.append(migration)
    return job


def _load(apps: list[PreparedApp]) -> list[Pending]:
    """Load and parse what the cache did not have: in worker processes when there are
    many files, else here (where the files to execute wait for the sandbox)."""
    pending: list[Pending] = []
    todo = [(job, m) for job in apps for m in job.to_load]
    if not todo:
        return pending
    from aerich_lint.codec import adopt
    from aerich_lint.prepare.workers import parse_in_workers

    parsed = parse_in_workers([(m, job.dialect, job.source.kind) for job, m in todo])
    for job, migration in todo:
        done = parsed.get(id(migration))
        if done is not None:
            adopt(migration, done)
            if job.cache is not None:
                job.cache.store(job.digests[id(migration)] or "", migration)
            continue
        info = files.load(migration, source_for(job.source.kind))
        job.to_finish.append(migration)
        if info is not None:
            pending.append((job.source, migration, info))
            job.dynamic.add(id(migration))
    return pending


def _execute(
    apps: list[PreparedApp], pending: list[Pending], options: Options, timeout: float
) -> None:
    """Run the files whose SQL is built at run time, where the project allows it;
    the others say they were not executed. Never cached: what an executed file gives
    may depend on more than its bytes."""
    from aerich_lint.load import execute_pending

    allowed = [p for p in pending if options.execute and p[0].project.lint.execute]
    for source, migration, info in pending:
        if not (options.execute and source.project.lint.execute):
            migration.not_executed = sorted(info.needs_exec)
    sandboxes = execute_pending(
        allowed, timeout, {str(j.source.folder): j.dialect.value for j in apps}
    )
    for job in apps:
        ran = [sandboxes[id(m)] for m in job.migrations if id(m) in sandboxes]
        job.app.executed = len(ran)
        job.app.sandbox = max(set(ran), key=ran.count) if ran else ""
        job.app.not_executed = sum(1 for m in job.migrations if m.not_executed)


def _replay(job: PreparedApp, everything: bool) -> None:
    """Replay the app's history when a rule in force reads it, or when asked (the
    review describes every file from it)."""
    if not (everything or job.policy.needs_history):
        return
    from aerich_lint.history import replay

    begin, end = job.resume_at, job.resume_end or len(job.migrations)
    keep = frozenset(p - begin for p in cached.positions_to_keep(job) if begin <= p <= end)
    native = job.source.kind == "native"
    job.steps, states = replay(job.migrations[begin:end], job.dialect, job.start, keep, native)
    job.states = {p + begin: state for p, state in states.items()}


def _generate_native(apps: list[PreparedApp], options: Options, timeout: float) -> None:
    """The SQL tortoise generates for native migrations' operations, one sandboxed
    child per project (its config and migrations are imported there); where executing
    is off or there is no config to read, the files say their SQL was not read.
    Generating imports the project's migrations and runs tortoise's schema editors
    against a client that connects nowhere; nothing reaches a database."""
    by_project: dict[int, list[PreparedApp]] = {}
    for job in apps:
        if job.source.kind == "native" and job.reused is None:
            by_project.setdefault(id(job.source.project), []).append(job)
    if not by_project:
        return
    from aerich_lint.sources.native import fill_generated

    for jobs in by_project.values():
        project = jobs[0].source.project
        config = project.aerich.tortoise_orm if project.aerich is not None else None
        # (generated even when verify asks for no SQL built at run time: verify applies
        # it as read, as the lint reads it)
        if not (options.execute and project.lint.execute):
            _not_generated(jobs, "")
            continue
        if not config:
            _not_generated(jobs, "no Tortoise config names them ([tool.tortoise] tortoise_orm)")
            continue
        dialects = {job.source.name: job.dialect.value for job in jobs}
        generated, fresh = _native_answer(project, config, dialects, jobs, options, timeout)
        for job in jobs:
            app = generated.apps.get(job.source.name) or _app_in(generated, job.source.folder)
            waiting = {id(m) for m in job.to_finish}
            ran = 0
            for migration in job.migrations:
                job.dynamic.add(id(migration))
                found = app.migrations.get(migration.name) if app is not None else None
                if migration.load_error is not None:
                    continue
                if found is None:
                    why = (
                        generated.refused
                        or generated.error
                        or (
                            f"tortoise's loader has no migration {migration.name} in app "
                            f"{job.source.name}"
                        )
                    )
                    _not_generated([job], why, only=migration)
                    continue
                migration.generation_errors = fill_generated(migration, found)
                if id(migration) not in waiting:  # parsed in a worker: its new SQL is not
                    job.to_finish.append(migration)
                ran += 1
            # (from the cache: nothing of the project ran this time)
            job.app.executed = ran if fresh else 0
            job.app.sandbox = generated.sandbox if ran and fresh else ""


def _native_answer(
    project: Project,
    config: str,
    dialects: dict[str, str],
    jobs: list[PreparedApp],
    options: Options,
    timeout: float,
) -> tuple[NativeSQL, bool]:
    """What the child answers about the project's native migrations, from the cache
    while nothing it depends on changed (``answers``); True when it ran this time."""
    from aerich_lint.load.native import native_sql, read_answer

    watched = [p for job in jobs for p in job.source.files]
    cache = _answers_cache(project, options)
    name = answers.entry_name("native", project, config)
    asked: dict[str, object] = {}
    if cache is not None:  # (the installed tortoise is looked at only to use the cache)
        asked = {"config": config, "dialects": dialects, "tortoise": answers.tortoise_stamp()}
        stored = answers.restore(cache, name, watched, asked)
        if stored is not None:
            child = stored.get("child")
            generated = read_answer(child if isinstance(child, dict) else None)
            sandbox = stored.get("sandbox")
            generated.sandbox = sandbox if isinstance(sandbox, str) else ""
            return generated, False
    paths = project.import_paths()
    generated = native_sql(project.root, paths, config, dialects, timeout)
    failed = generated.error is not None or bool(generated.refused)
    if cache is not None and generated.answer is not None and not failed:
        roots = [project.root, *(Path(p) for p in paths)]
        stored = {"child": generated.answer, "sandbox": generated.sandbox}
        answers.save(cache, name, watched, asked, stored, generated.imported, roots)
    return generated, True


def _answers_cache(project: Project, options: Options) -> AppCache | None:
    """Where a project's children's answers are kept (None: uncached run)."""
    if not options.cache or os.environ.get(ENV_OFF):
        return None
    return AppCache.open(project.root, project.pyproject is not None, project.root, "answers")


def _app_in(generated: NativeSQL, folder: Path) -> AppSQL | None:
    """The generated app whose migration files are in ``folder``: when the label the
    app was given (its files', its folder's) is not the one the config gives it."""
    where = str(folder.resolve())
    for app in generated.apps.values():
        paths = [m.path for m in app.migrations.values() if m.path]
        if paths and all(os.path.dirname(p) == where for p in paths):
            return app
    return None


def _not_generated(jobs: list[PreparedApp], why: str, only: Migration | None = None) -> None:
    from aerich_lint.sources.native import generates_sql

    for job in jobs:
        for migration in job.migrations:
            if only is not None and migration is not only:
                continue
            if migration.load_error is None and generates_sql(migration):
                migration.not_executed = [UPGRADE, DOWNGRADE]
                migration.not_executed_reason = why
        job.app.not_executed = sum(1 for m in job.migrations if m.not_executed)
