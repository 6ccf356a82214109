"""Loading and parsing many files at once, in worker processes.

Parsing is the cold run's cost and each file is independent, so a large
history is split across processes. A few files (the pre-commit case) are not
worth a pool's start-up: below ``MIN_FILES`` everything stays in this process.
Workers return each file as the cache's JSON-able entry, which this process
restores; files whose SQL needs executing come back as None and go the usual
way (a subprocess per run, see load/execute.py).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path

from aerich_lint.model import Dialect, Migration

MIN_FILES = 150  # fewer files to parse than this: no pool
ENV_JOBS = "AERICH_LINT_JOBS"  # worker processes; 1 turns parallel parsing off

Item = tuple[str, str, str, str, str, str]  # path, app, text, format, dialect, kind


def workers(files: int) -> int:
    """How many processes to parse ``files`` files with (1: none, all here)."""
    configured = os.environ.get(ENV_JOBS, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return min(int(configured), max(files, 1))  # as asked, whatever the count
    if files < MIN_FILES:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    return max(1, min(cpus or os.cpu_count() or 1, 8, files // 50))


def parse_in_workers(todo: list[tuple[Migration, Dialect, str]]) -> dict[int, Migration]:
    """The files parsed in workers, by ``id()`` of the migration asked for ({} when
    none were: too few files, one CPU, or no way to start processes)."""
    count = workers(len(todo))
    if count < 2:
        return {}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers inherit sqlglot already imported; elsewhere each imports it.
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if sys.platform == "linux" and "fork" in methods else None
    if method == "fork":
        for dialect in {d for _, d, _ in todo}:
            _warm_up(dialect)
    items: list[Item] = [
        (str(m.path), m.app, m.text, m.format, d.value, kind)
        for m, d, kind in todo
        if m.load_error is None
    ]
    wanted = [m for m, _, _ in todo if m.load_error is None]
    # One chunk per worker: the fewest round trips (the files cost about the same).
    chunk = max(1, -(-len(items) // count))
    if method == "fork":
        # Objects the workers inherit stay out of their garbage collector's way:
        # collecting them would copy every page they sit on.
        gc.freeze()
    try:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            results = list(pool.map(_load_and_parse, items, chunksize=chunk))
    except (OSError, RuntimeError, ImportError):  # no semaphores, fork refused, ...
        return {}
    finally:
        if method == "fork":
            gc.unfreeze()
    return {id(m): done for m, done in zip(wanted, results, strict=True) if done is not None}


def _warm_up(dialect: Dialect) -> None:
    """Import sqlglot and run its parser once here, before forking, so that every
    worker starts with it ready instead of each paying for it."""
    _load_and_parse(("warm_up.py", "app", _WARM_UP, "py", dialect.value, "aerich"))


_WARM_UP = '''
async def upgrade(db):
    return """
        CREATE TABLE IF NOT EXISTS "a" ("id" INT NOT NULL PRIMARY KEY, "b" VARCHAR(5));
        ALTER TABLE "a" ADD "c" INT NOT NULL DEFAULT 0;
        CREATE INDEX "i" ON "a" ("b");
        ALTER TABLE "a" RENAME COLUMN "c" TO "d";
        DROP TABLE "a";"""
'''


def _load_and_parse(item: Item) -> Migration | None:
    """In a worker: one file through the front stages (``prepare.files``), without
    sqlglot's trees; None when its SQL is only known by executing it."""
    from aerich_lint.file_stages import load_and_finish
    from aerich_lint.load.models_state import ModelsStateError, tables_of
    from aerich_lint.sources import source_for

    path, app, text, fmt, dialect_name, kind = item
    source = source_for(kind)
    migration = source.open(Path(path), app)
    migration.text, migration.format = text, fmt
    if load_and_finish(migration, Dialect(dialect_name), source) is not None:
        return None
    if migration.models_state_raw is not None:
        # Decoding MODELS_STATE is a cold run's other big cost; a broken one is
        # reported by the rule, which decodes it again.
        with contextlib.suppress(ModelsStateError):
            tables_of(migration)
    migration.text = ""  # the parent has it
    return migration
