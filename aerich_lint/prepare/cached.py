"""What the cache keeps for an app beyond its parsed files: the app's findings (reused
whole when nothing they depend on changed) and replay states (a pre-commit run on the
newest file resumes the history there instead of replaying every file)."""

from __future__ import annotations

import hashlib

from aerich_lint.cache import cache_key
from aerich_lint.model import Finding
from aerich_lint.prepare.app import PreparedApp

_RESUME_LOOKBACK = 16  # stored states looked for before the first reported file


def results_key(job: PreparedApp) -> str:
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


def resume(job: PreparedApp) -> None:
    """Start the replay at (or shortly before) the first reported file when the cache
    has the state there: the files before it are then neither restored nor replayed.
    Looking a few files back finds the state a previous run stored before the file
    that was newest then, when the reported file is the one added since."""
    assert job.cache is not None
    first = next(p for p, m in enumerate(job.migrations) if m.report)
    for position in range(first, max(first - _RESUME_LOOKBACK, 0), -1):
        state = job.cache.load_state(state_key(job, position), job.dialect)
        if state is not None:
            job.start, job.resume_at = state, position
            job.resume_end = 1 + max(p for p, m in enumerate(job.migrations) if m.report)
            return


def positions_to_keep(job: PreparedApp) -> set[int]:
    """Replay states worth caching: on a full run, before and after the newest file
    (where pre-commit resumes for an edited or a new newest file); on a partial run,
    before each reported file (the next edit of that file resumes there)."""
    count = len(job.migrations)
    if job.source.reported is None:
        return {count - 1, count}
    return {p for p, m in enumerate(job.migrations) if m.report}


def state_key(job: PreparedApp, position: int) -> str:
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


def save(job: PreparedApp, findings: list[Finding], clean: bool) -> None:
    """After the rules ran (what they derived from a file alone is kept with it): the
    files parsed, the replay states and, when the run had no internal error and
    executed nothing, the app's findings. Nothing after a file that was executed: what
    it gives may depend on more than its bytes."""
    if job.cache is None:
        return
    job.cache.save()
    if job.states and job.complete:
        dynamic = [p for p, m in enumerate(job.migrations) if id(m) in job.dynamic]
        limit = min(dynamic) if dynamic else len(job.migrations)
        job.cache.save_states(
            {state_key(job, p): state for p, state in job.states.items() if p <= limit}
        )
    if job.results_key is not None and job.source.reported is None and clean and not job.dynamic:
        job.cache.save_results(job.results_key, findings)
