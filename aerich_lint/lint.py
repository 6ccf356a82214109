"""The lint pipeline: discover -> load -> parse -> rules -> findings.

Reporting is left to ``report``; this module only computes findings, applies
configuration and suppressions, and never prints.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aerich_lint.cache import ENV_OFF, AppCache, cache_key
from aerich_lint.config import DEFAULT_EXEC_TIMEOUT, Project
from aerich_lint.dialect import DialectResolver
from aerich_lint.discover import AppSource, discover, matches_any
from aerich_lint.effects import effects
from aerich_lint.errors import UsageError
from aerich_lint.history import State, Step, replay
from aerich_lint.load import (
    Pending,
    execute_pending,
    file_ignores,
    load_text,
    new_migration,
    read_file,
)
from aerich_lint.model import (
    FILE,
    App,
    Dialect,
    Finding,
    Migration,
    Severity,
    Statement,
    Suppression,
)
from aerich_lint.parse import parse_migration, parse_suppression
from aerich_lint.rules import BY_NAME, RULES, Context, Rule, Violation, lookup, resolve
from aerich_lint.rules.base import AppIndex
from aerich_lint.targets import Target, target_for

if TYPE_CHECKING:
    from aerich_lint.since import AppScope


@dataclass
class Options:
    paths: list[str] = field(default_factory=list)
    dialect: Dialect | None = None
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity | None = None
    exec_timeout: float | None = None
    execute: bool = True  # False (--no-exec): nothing of any project is imported
    config: Path | None = None
    cache: bool = True
    target_versions: list[Target] = field(default_factory=list)
    since: str | None = None  # git revision: report only migrations changed since its merge base
    baseline: Path | None = None  # hide the findings recorded in this baseline file
    history: bool = False  # load every file of each app even if no enabled rule needs it


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    apps: list[App] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    fail_on: Severity = Severity.WARNING
    baselined: list[Finding] | None = None  # hidden by --baseline (None: no baseline)
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level JSON (verify)

    @property
    def failed(self) -> bool:
        return any(f.severity >= self.fail_on for f in self.findings)


@dataclass
class Policy:
    """The rules, severities and ignores in force for one project."""

    enabled: set[str]
    severity: dict[str, Severity]
    per_file: dict[str, list[str]]
    root: Path

    def ignored_in(self, path: Path) -> set[str]:
        """The rules ``per-file-ignores`` turns off for this file."""
        return {
            name
            for glob, names in self.per_file.items()
            if matches_any(path, [glob], self.root)
            for name in names
        }

    @property
    def needs_history(self) -> bool:
        """Does a rule in force read the replayed history (so every file is needed)?"""
        return any(BY_NAME[name].needs_history for name in self.enabled)


def policy_for(project: Project, options: Options) -> Policy:
    cfg = project.lint
    where = str(project.pyproject or "configuration")
    if options.select is not None:
        enabled = resolve(options.select, "--select")
    elif cfg.select is not None:
        enabled = resolve(cfg.select, f"{where}: select")
    else:
        enabled = {r.name for r in RULES if r.enabled_by_default}
    enabled |= resolve(cfg.extend_select, f"{where}: extend-select")
    enabled |= resolve(options.extend_select, "--extend-select")
    enabled -= resolve(cfg.ignore, f"{where}: ignore")
    enabled -= resolve(options.ignore, "--ignore")
    if options.since is None:  # they compare with the --since revision
        enabled -= {"edited-migration", "deleted-migration"}
    severity = {}
    for key, level in cfg.severity.items():
        rule = lookup(key)
        if rule is None:
            raise UsageError(f"{where}: severity: unknown rule {key!r} (see `aerich-lint rules`)")
        severity[rule.name] = level
    per_file = {
        glob: sorted(resolve(rules, f"{where}: per-file-ignores.{glob}"))
        for glob, rules in cfg.per_file_ignores.items()
    }
    return Policy(enabled, severity, per_file, project.root)


def run(options: Options) -> Result:
    known = None
    if options.baseline is not None:
        from aerich_lint import baseline

        known = baseline.load(options.baseline)
    found = discover(options.paths, options.config)
    scopes: dict[int, AppScope] = {}
    if options.since is not None:
        from aerich_lint.since import limit_to_changes

        scopes = limit_to_changes(found.apps, options.since)
    result = Result(errors=list(found.errors), warnings=list(found.warnings))
    projects = {id(a.project): a.project for a in found.apps}
    policies = {key: policy_for(p, options) for key, p in projects.items()}
    first = next(iter(projects.values()), None)
    result.fail_on = options.fail_on or (first.lint.fail_on if first else None) or Severity.WARNING
    timeout = options.exec_timeout or (first.lint.exec_timeout if first else DEFAULT_EXEC_TIMEOUT)
    resolver = DialectResolver(options.dialect, timeout, execute=options.execute)
    use_cache = options.cache and not os.environ.get(ENV_OFF)
    # The findings of an unchanged app are reused whole, except where they depend on
    # more than the files and the configuration (git state, the review's history).
    reuse = use_cache and options.since is None and not options.history

    pending: list[Pending] = []
    work = [
        job
        for source in found.apps
        if (
            job := _load_app(
                source,
                policies[id(source.project)],
                resolver,
                use_cache,
                options.target_versions,
                options.history,
                reuse,
            )
        )
    ]
    for job in work:
        job.scope = scopes.get(id(job.source))
    for source in found.apps:
        if id(source) in scopes:
            policy = policies[id(source.project)]
            result.findings.extend(_deleted_findings(source, scopes[id(source)], policy))
    load_all(work, pending)
    allowed = [p for p in pending if options.execute and p[0].project.lint.execute]
    for source, migration, info in pending:
        if not (options.execute and source.project.lint.execute):
            migration.not_executed = sorted(info.needs_exec)
    sandboxes = execute_pending(
        allowed, timeout, {str(j.source.folder): j.dialect.value for j in work}
    )
    # (Never cached: what an executed file gives may depend on more than its bytes.)
    executed = {id(m) for _, m, _ in pending}
    for job in work:
        _count_executed(job.app, sandboxes)
    for job in work:
        result.files += sum(1 for m in job.migrations if m.report)
        result.apps.append(job.app)
        if job.reused is not None:
            result.findings.extend(job.reused)
            continue
        _parse_app(job, executed)
        errors_before = len(result.errors)
        findings = _check_app(job, result.errors)
        result.findings.extend(findings)
        if job.cache is not None:
            job.cache.save()
            _save_states(job, executed)
            if (
                job.results_key is not None
                and job.source.reported is None
                and len(result.errors) == errors_before
                and not any(id(m) in executed for m in job.migrations)
            ):
                job.cache.save_results(job.results_key, findings)
    result.findings.sort(key=Finding.sort_key)
    if known is not None:
        from aerich_lint import baseline

        result.findings, result.baselined = baseline.split(result.findings, known)
    return result


def _load_app(
    source: AppSource,
    policy: Policy,
    resolver: DialectResolver,
    use_cache: bool,
    target_versions: list[Target],
    full_history: bool = False,
    reuse: bool = False,
) -> _AppWork | None:
    """Read the app's files, choose its dialect, and reuse the app's findings or
    restore what the cache has (the rest is left in ``to_load``)."""
    project = source.project
    if not any(source.is_reported(f) for f in source.files):
        return None
    # History rules need every file of the app; otherwise only the reported ones.
    needs_history = full_history or policy.needs_history
    job = _AppWork(source, policy, target_versions=target_versions)
    for path in source.files:
        if needs_history or source.is_reported(path):
            migration = new_migration(path, source.name)
            migration.report = source.is_reported(path)
            data = read_file(migration)
            job.digests[id(migration)] = AppCache.digest(data) if data is not None else None
            job.migrations.append(migration)
    reported = [m.text for m in job.migrations if m.report][:20]
    choice = resolver.choose(project, source.name, reported + [m.text for m in job.migrations[:1]])
    job.app = App(source.name, source.folder, job.migrations, choice.dialect, choice.reason)
    if use_cache:  # None when there is no key to sign entries with: then uncached
        job.cache = AppCache.open(
            project.root, project.pyproject is not None, source.folder, choice.dialect.value
        )
    if job.cache is not None:
        if reuse and len(job.migrations) == len(source.files):
            job.results_key = _results_key(job)
            found = job.cache.load_results(job.results_key, _display_folder(source.folder))
            if found is not None:
                job.reused = [f for f in found if source.is_reported(f.path)]
                return job
        # (The review replays every file itself: it gets them all.)
        partial = source.reported is not None and len(job.migrations) == len(source.files)
        if partial and policy.needs_history and not full_history:
            _resume(job)
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


_RESUME_LOOKBACK = 16  # stored states looked for before the first reported file


def _resume(job: _AppWork) -> None:
    """Start the replay at (or shortly before) the first reported file when the cache
    has the state there: the files before it are then neither restored nor replayed.
    Looking a few files back finds the state a previous run stored before the file
    that was newest then, when the reported file is the one added since."""
    assert job.cache is not None
    first = next(p for p, m in enumerate(job.migrations) if m.report)
    for position in range(first, max(first - _RESUME_LOOKBACK, 0), -1):
        state = job.cache.load_state(_state_key(job, position), job.dialect)
        if state is not None:
            job.start, job.resume_at = state, position
            job.resume_end = 1 + max(p for p, m in enumerate(job.migrations) if m.report)
            return


def _results_key(job: _AppWork) -> str:
    policy = job.policy
    return cache_key(
        job.source.name,
        job.dialect.value,
        str(job.target),
        sorted(policy.enabled),
        {name: level.label for name, level in policy.severity.items()},
        policy.per_file,
        str(policy.root.resolve()),
        [(m.path.name, job.digests[id(m)]) for m in job.migrations],
    )


def _count_executed(app: App, sandboxes: dict[int, str]) -> None:
    """How many of the app's files ran in the sandbox, and in what; how many not."""
    ran = [sandboxes[id(m)] for m in app.migrations if id(m) in sandboxes]
    app.executed = len(ran)
    app.sandbox = max(set(ran), key=ran.count) if ran else ""
    app.not_executed = sum(1 for m in app.migrations if m.not_executed)


def load_all(work: list[_AppWork], pending: list[Pending]) -> None:
    """Load (and, for the files that need no executing, parse) what the cache did
    not have: in worker processes when there are many files, else here."""
    from aerich_lint.parallel import parse_in_workers

    todo = [(job, m) for job in work for m in job.to_load]
    parsed = parse_in_workers([(m, job.dialect) for job, m in todo])
    for job, migration in todo:
        done = parsed.get(id(migration))
        if done is not None:
            _adopt(migration, done)
            if job.cache is not None:
                job.cache.store(job.digests[id(migration)] or "", migration)
            continue
        info = load_text(migration)
        job.to_parse.append(migration)
        if info is not None and info.needs_exec and migration.load_error is None:
            pending.append((job.source, migration, info))


def _adopt(migration: Migration, parsed: Migration) -> None:
    """Take what a worker loaded and parsed; keep this process's own fields."""
    for name in (
        "format", "sections", "run_in_transaction", "run_in_transaction_line",
        "models_state_raw", "has_models_state", "models_state_line", "load_error",
        "load_error_line", "functions", "module_db_calls",
    ):  # fmt: skip
        setattr(migration, name, getattr(parsed, name))
    migration.memo.update(parsed.memo)


def _parse_app(job: _AppWork, executed: set[int]) -> None:
    for migration in job.to_parse:
        if migration.load_error is None:
            parse_migration(migration, job.dialect)
        digest = job.digests[id(migration)]
        if job.cache is not None and digest is not None and id(migration) not in executed:
            for section in migration.sections.values():
                for stmt in section.statements:
                    effects(stmt, job.dialect)  # computed now, so that they are cached
            job.cache.store(digest, migration)


@dataclass
class _AppWork:
    source: AppSource
    policy: Policy
    migrations: list[Migration] = field(default_factory=list)
    digests: dict[int, str | None] = field(default_factory=dict)  # id(migration) -> sha256
    to_load: list[Migration] = field(default_factory=list)  # not in the cache
    to_parse: list[Migration] = field(default_factory=list)
    cache: AppCache | None = None
    results_key: str | None = None
    reused: list[Finding] | None = None  # the app's findings, from the cache
    start: State | None = None  # the replay resumes from this cached state ...
    resume_at: int = 0  # ... at this position (earlier files are not loaded)
    resume_end: int | None = None  # ... and stops before this one (nor are later ones)
    states: dict[int, State] = field(default_factory=dict)  # computed, by position
    prefix_hashes: list[str] = field(default_factory=list)  # see _state_key
    app: App = field(default_factory=lambda: App("", Path()))
    target_versions: list[Target] = field(default_factory=list)  # from the command line
    scope: AppScope | None = None  # --since: what changed in the app folder

    @property
    def target(self) -> Target:
        configured = self.target_versions or self.source.project.lint.target_versions
        return target_for(self.dialect, configured)

    @property
    def dialect(self) -> Dialect:
        assert self.app.dialect is not None
        return self.app.dialect


def _check_app(job: _AppWork, errors: list[str]) -> list[Finding]:
    source, migrations = job.source, job.migrations
    index = AppIndex(source.files)
    first_version = index.versions[0] if index.versions else None
    needs_history = job.policy.needs_history
    steps: dict[int, Step] = {}
    if needs_history:
        begin, end = job.resume_at, job.resume_end or len(migrations)
        keep = frozenset(p - begin for p in _positions_to_keep(job) if begin <= p <= end)
        steps, states = replay(migrations[begin:end], job.dialect, job.start, keep)
        job.states = {p + begin: state for p, state in states.items()}
    findings: list[Finding] = []
    for position, migration in enumerate(migrations):
        if not migration.report:
            continue
        file_suppressions(migration)
        ctx = Context(
            migration,
            job.dialect,
            is_first=first_version is not None and migration.version == first_version,
            history=steps.get(id(migration)),
            app=index,
            previous=migrations[position - 1] if position and needs_history else None,
            target=job.target,
            enabled=frozenset(job.policy.enabled),
            edited=_edited(job, migration),
            renamed_from=_renamed_from(job, migration),
        )
        findings.extend(_check(ctx, job.policy, errors))
    return findings


def _positions_to_keep(job: _AppWork) -> set[int]:
    """Replay states worth caching: on a full run, before and after the newest file
    (where pre-commit resumes for an edited or a new newest file); on a partial run,
    before each reported file (the next edit of that file resumes there)."""
    count = len(job.migrations)
    if job.source.reported is None:
        return {count - 1, count}
    return {p for p, m in enumerate(job.migrations) if m.report}


def _state_key(job: _AppWork, position: int) -> str:
    """Replay states depend on the dialect and on the files before them, in order:
    a hash chain over the files, built once per app, gives every position's key."""
    if not job.prefix_hashes:
        chain = hashlib.sha256(cache_key("state", job.dialect.value).encode())
        job.prefix_hashes.append(chain.hexdigest())
        for m in job.migrations:
            chain.update(
                f"\0{m.path.name}\0{job.digests.get(id(m))}".encode("utf-8", "surrogatepass")
            )
            job.prefix_hashes.append(chain.hexdigest())
    return job.prefix_hashes[position]


def _save_states(job: _AppWork, executed: set[int]) -> None:
    """Cache the states this run computed, except after a file that was executed
    (its SQL may depend on more than its own bytes)."""
    if job.cache is None or not job.states or len(job.migrations) != len(job.source.files):
        return
    dynamic = [p for p, m in enumerate(job.migrations) if id(m) in executed]
    limit = min(dynamic) if dynamic else len(job.migrations)
    job.cache.save_states(
        {_state_key(job, p): state for p, state in job.states.items() if p <= limit}
    )


def _renamed_from(job: _AppWork, migration: Migration) -> str:
    old = job.scope.renamed.get(migration.path.name) if job.scope is not None else None
    return old.name if old is not None else ""


def _deleted_findings(source: AppSource, scope: AppScope, policy: Policy) -> list[Finding]:
    """deleted-migration for the files the branch removed: there is no file to load, so
    the rule sees a stand-in with the base path (an app whose only change is a deletion
    has no file to report and no job of its own)."""
    rule = BY_NAME["deleted-migration"]
    if rule.name not in policy.enabled:
        return []
    out: list[Finding] = []
    stems: set[str] = set()
    for path in scope.deleted:
        if path.stem in stems or rule.name in policy.ignored_in(path):
            continue  # an old-format pair (.sql + .json) is one migration
        stems.add(path.stem)
        stand_in = new_migration(path, source.name)
        ctx = Context(stand_in, Dialect.POSTGRES, is_first=False, deleted=True)  # (any dialect)
        out.extend(make_finding(rule, v, stand_in, policy) for v in rule.check(ctx))
    return out


def _edited(job: _AppWork, migration: Migration) -> bool:
    if job.scope is None or "edited-migration" not in job.policy.enabled:
        return False
    from aerich_lint.since import upgrade_edited

    return upgrade_edited(migration, job.scope, job.dialect)


def file_suppressions(migration: Migration) -> None:
    if not migration.text or "aerich-lint" not in migration.text:
        return
    for line, body in file_ignores(migration.text):
        sup = parse_suppression(body, line, 1)
        sup.file_wide = True
        migration.file_suppressions.append(sup)


def _check(ctx: Context, policy: Policy, errors: list[str]) -> list[Finding]:
    migration = ctx.migration
    ignored_here = policy.ignored_in(migration.path)
    active = [
        r
        for r in RULES
        if r.name in policy.enabled and r.name not in ignored_here and not r.verify_only
    ]
    findings: list[Finding] = []
    for rule in active:
        if ctx.dialect not in rule.dialects:
            continue
        try:
            violations = list(rule.check(ctx))
        except Exception as exc:
            errors.append(
                f"{display_path(migration.path)}: internal error in rule {rule.name}: "
                f"{type(exc).__name__}: {exc} (please report it)"
            )
            continue
        for violation in violations:
            if is_suppressed(rule, violation, migration):
                continue
            findings.append(make_finding(rule, violation, migration, policy))
    findings.extend(_suppression_findings(migration, policy, ignored_here))
    return findings


def _matches(sup: Suppression, rule: Rule) -> bool:
    return any(lookup(name) is rule for name in sup.rules)


def is_suppressed(rule: Rule, violation: Violation, migration: Migration) -> bool:
    candidates = list(migration.file_suppressions)
    if violation.statement is not None:
        candidates = violation.statement.suppressions + candidates
    for sup in candidates:
        if _matches(sup, rule):
            sup.used.add(rule.name)
            return True
    return False


def _all_suppressions(migration: Migration) -> list[Suppression]:
    out = list(migration.file_suppressions)
    for section in migration.sections.values():
        for stmt in section.statements:
            out.extend(stmt.suppressions)
    return out


def _suppression_findings(
    migration: Migration, policy: Policy, ignored_here: set[str]
) -> list[Finding]:
    unknown_rule, unused_rule = BY_NAME["unknown-suppression"], BY_NAME["unused-suppression"]
    out: list[Finding] = []
    for sup in _all_suppressions(migration):
        where = Violation("", section=sup.section, line=sup.line)
        if not sup.rules:
            if unknown_rule.name in policy.enabled - ignored_here:
                where.message = "suppression names no rule: write `aerich-lint: ignore RULE`"
                out.append(make_finding(unknown_rule, where, migration, policy))
            continue
        for name in sup.rules:
            rule = lookup(name)
            if rule is None:
                if unknown_rule.name in policy.enabled - ignored_here:
                    where = Violation(
                        f"suppression names unknown rule {name!r}",
                        section=sup.section,
                        line=sup.line,
                    )
                    out.append(make_finding(unknown_rule, where, migration, policy))
            elif (
                not rule.verify_only  # only `aerich-lint verify` can use it
                and rule.name not in sup.used
                and rule.name in policy.enabled
                and unused_rule.name in policy.enabled - ignored_here
            ):
                kind = "file-wide suppression" if sup.file_wide else "suppression"
                where = Violation(
                    f"{kind} of {rule.name} suppresses nothing", section=sup.section, line=sup.line
                )
                out.append(make_finding(unused_rule, where, migration, policy))
    return out


def make_finding(rule: Rule, violation: Violation, migration: Migration, policy: Policy) -> Finding:
    stmt: Statement | None = violation.statement
    line = violation.line if violation.line is not None else (stmt.line if stmt else 1)
    column = stmt.column if stmt is not None and violation.line is None else 1
    severity = policy.severity.get(rule.name) or violation.severity or rule.severity
    return Finding(
        rule=rule.name,
        code=rule.code,
        severity=severity,
        path=display_path(migration.path),
        line=line,
        column=column,
        app=migration.app,
        migration=migration.name,
        version=migration.version,
        section=stmt.section if stmt is not None else violation.section or FILE,
        statement=stmt.sql if stmt is not None else "",
        message=violation.message,
        fix=rule.hint,
    )


def display_path(path: Path) -> Path:
    """Relative to the working directory, as editors and CI logs link it."""
    return _display_folder(path.parent) / path.name


@cache
def _display_folder(folder: Path) -> Path:
    try:
        return Path(os.path.relpath(os.path.abspath(folder), _cwd()))
    except ValueError:  # another drive on Windows
        return folder


@cache
def _cwd() -> str:
    return os.getcwd()
