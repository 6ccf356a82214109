"""The lint: prepared apps (``prepare``) -> rules -> findings.

``run(options)`` is ``check(prepare(options))``. ``check`` runs the rules in force on
each reported migration with its place in the replayed history, applies suppressions,
the baseline and the configured severities, and stores what the cache keeps. Reporting
is left to ``report``; nothing here prints.

The rules' logic is imported only when a rule is to run: a warm run reuses every
app's stored findings and needs none of it (``rules/__init__.py`` is the catalog).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from aerich_lint.discover import AppSource
from aerich_lint.findings import display_path, make_finding
from aerich_lint.model import Dialect, Finding, Migration
from aerich_lint.options import Options, Result
from aerich_lint.policy import Policy
from aerich_lint.prepare import Prepared, PreparedApp, cached, prepare
from aerich_lint.sources import source_for

if TYPE_CHECKING:
    from aerich_lint.rules.base import Context
    from aerich_lint.since import AppScope

__all__ = ["Options", "Result", "check", "run"]


def run(options: Options) -> Result:
    known = None
    if options.baseline is not None:
        from aerich_lint import baseline

        known = baseline.load(options.baseline)  # a bad baseline stops the run first
    return check(prepare(options), known)


def check(prepared: Prepared, known: frozenset[str] | None = None) -> Result:
    """The findings on the prepared apps; ``known`` is a loaded baseline."""
    found = prepared.found
    result = Result(errors=prepared.errors, warnings=list(found.warnings), fail_on=prepared.fail_on)
    for source in found.apps:
        if id(source) in prepared.scopes:
            policy = prepared.policies[id(source.project)]
            result.findings.extend(_deleted_findings(source, prepared.scopes[id(source)], policy))
    for job in prepared.apps:
        result.files += sum(1 for m in job.migrations if m.report)
        result.apps.append(job.app)
        if job.reused is not None:
            result.findings.extend(job.reused)
            continue
        if job.resume_at == 0:
            result.steps.update(job.steps)
        errors_before = len(result.errors)
        findings = _check_app(job, result.errors, _other_systems(found.apps, job.source))
        result.findings.extend(findings)
        cached.save(job, findings, clean=len(result.errors) == errors_before)
    result.findings.sort(key=Finding.sort_key)
    if known is not None:
        from aerich_lint import baseline

        result.findings, result.baselined = baseline.split(result.findings, known)
    return result


def _other_systems(apps: list[AppSource], source: AppSource) -> frozenset[str]:
    """The migration systems of the project's other apps named like this one."""
    return frozenset(
        a.kind
        for a in apps
        if a is not source and a.project is source.project and a.name == source.name
    )


def _check_app(job: PreparedApp, errors: list[str], others: frozenset[str]) -> list[Finding]:
    from aerich_lint.rules.base import AppIndex, Context

    migrations = job.migrations
    index = AppIndex(job.source.files)
    first_version = index.versions[0] if index.versions else None
    needs_history = job.policy.needs_history
    findings: list[Finding] = []
    running = _running_models(job) if job.scope is not None else {}
    for position, migration in enumerate(migrations):
        if not migration.report:
            continue
        ctx = Context(
            migration,
            job.dialect,
            is_first=first_version is not None and migration.version == first_version,
            history=job.steps.get(id(migration)) if needs_history else None,
            app=index,
            previous=migrations[position - 1] if position and needs_history else None,
            target=job.target,
            enabled=frozenset(job.policy.enabled),
            edited=_edited(job, migration),
            renamed_from=_renamed_from(job, migration),
            running_models=running.get(id(migration)),
            system=job.source.kind,
            other_systems=others,
        )
        findings.extend(check_migration(ctx, job.policy, errors))
    return findings


def check_migration(ctx: Context, policy: Policy, errors: list[str]) -> list[Finding]:
    """The rules in force on one migration, suppressions applied; a rule that fails
    is reported in ``errors`` and the others go on."""
    from aerich_lint.rules.registry import RULES
    from aerich_lint.suppress import Suppressions

    migration = ctx.migration
    ignored_here = policy.ignored_in(migration.path)
    active = [
        r
        for r in RULES
        if r.name in policy.enabled and r.name not in ignored_here and not r.verify_only
    ]
    suppressions = Suppressions(migration)
    findings: list[Finding] = []
    for rule in active:
        if ctx.dialect not in rule.dialects or ctx.system not in rule.systems:
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
            if suppressions.hides(rule, violation):
                continue
            findings.append(make_finding(rule, violation, migration, policy))
    findings.extend(suppressions.findings(policy, ignored_here))
    return findings


def _running_models(job: PreparedApp) -> dict[int, Any]:
    """--since: for each file the branch adds, the models of the code still running
    while it is applied: the MODELS_STATE of the newest file the branch left as it
    was, else (a base without one) of the branch's newest file before it."""
    if job.source.kind != "aerich" or "breaks-running-code" not in job.policy.enabled:
        return {}
    from aerich_lint.load.models_state import ModelsStateError, decoded

    scope = job.scope
    assert scope is not None
    out: dict[int, Any] = {}
    base: Migration | None = None
    previous: Migration | None = None
    for migration in job.migrations:
        added = migration.report and migration.path.name not in scope.modified
        if added:
            source = base or previous
            if source is not None:
                with contextlib.suppress(ModelsStateError):
                    out[id(migration)] = decoded(source)
        if migration.models_state_raw is not None:
            if not migration.report:
                base = migration
            previous = migration
    return out


def _renamed_from(job: PreparedApp, migration: Migration) -> str:
    old = job.scope.renamed.get(migration.path.name) if job.scope is not None else None
    return old.name if old is not None else ""


def _deleted_findings(source: AppSource, scope: AppScope, policy: Policy) -> list[Finding]:
    """deleted-migration for the files the branch removed: there is no file to load, so
    the rule sees a stand-in with the base path (an app whose only change is a deletion
    has no file to report and no job of its own)."""
    if "deleted-migration" not in policy.enabled:
        return []
    from aerich_lint.rules.base import Context
    from aerich_lint.rules.registry import BY_NAME

    rule = BY_NAME["deleted-migration"]
    out: list[Finding] = []
    stems: set[str] = set()
    for path in scope.deleted:
        if path.stem in stems or rule.name in policy.ignored_in(path):
            continue  # an old-format pair (.sql + .json) is one migration
        stems.add(path.stem)
        stand_in = source_for(source.kind).open(path, source.name)
        ctx = Context(stand_in, Dialect.POSTGRES, is_first=False, deleted=True)  # (any dialect)
        out.extend(make_finding(rule, v, stand_in, policy) for v in rule.check(ctx))
    return out


def _edited(job: PreparedApp, migration: Migration) -> bool:
    if job.scope is None or "edited-migration" not in job.policy.enabled:
        return False
    from aerich_lint.since import upgrade_edited

    return upgrade_edited(migration, job.scope, job.dialect, job.source.kind)
