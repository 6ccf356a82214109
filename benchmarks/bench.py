#!/usr/bin/env python3
"""Benchmark aerich-lint as whole processes on a synthetic migration history.

Standard library only. Every number is the wall time of a complete ``aerich-lint``
process (interpreter start-up, imports, discovery, parsing, rules, output), measured
with ``subprocess`` and summarised as the median of several runs. Nothing is timed
in-process. The same history's upgrade SQL is extracted to ``.sql`` files and linted
by squawk (the ``squawk`` scenario) for comparison: after the table come each
aerich-lint scenario's ratio to squawk's median and a check of the targets (cold
<= 5x squawk, warm <= 1.5x squawk, one changed file < 0.3 s, peak memory < 200 MiB).

squawk is a benchmark-only dependency, not one of aerich-lint's::

    .venv/bin/pip install squawk-cli      # the `squawk` executable; else that scenario is skipped

Usage::

    .venv/bin/python benchmarks/bench.py                 # 1000 migrations, 7 runs
    .venv/bin/python benchmarks/bench.py --install       # a regular install: the README numbers
    .venv/bin/python benchmarks/bench.py --migrations 5000 --runs 11 --json out.json
    .venv/bin/python benchmarks/bench.py --scenario squawk --scenario cold --runs 3
    .venv/bin/python benchmarks/bench.py --squawk /usr/local/bin/squawk
    .venv/bin/python benchmarks/bench.py --extract-sql /tmp/sql --keep /tmp/history

The SQL always goes to ``<root>/sql`` (``<root>``: a temporary folder, or ``--keep``'s)
unless ``--extract-sql DIR`` names another folder. To add a scenario, append a
``Scenario`` to ``SCENARIOS`` (see the comment there).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "aerich" / "postgres" / "migrations"
TEMPLATE_APPS = ("models", "clean")  # template folders under the fixtures, in this order
APP = "models"  # the app folder of the synthetic history: <project>/migrations/models
FIRST_TIMESTAMP = datetime(2020, 1, 1)

PYPROJECT = '[tool.aerich-lint]\ndialect = "postgres"\n'
MIGRATION_NAME = re.compile(r"^(?P<version>\d+)_(?P<timestamp>\d{14})_(?P<name>.+)\.py$")
# The SQL literal returned by upgrade()/downgrade(); MODELS_STATE is not preceded by `return`.
RETURNED_SQL = re.compile(r'(return\s+""")(.*?)(""")', re.DOTALL)
QUOTED_IDENTIFIER = re.compile(r'"([A-Za-z_][A-Za-z0-9_$]*)"')

# Runs one command, then prints its exit code and the peak RSS of its process tree.
MAXRSS_WRAPPER = """\
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


class BenchmarkError(Exception):
    """A command failed or the input is unusable: the run stops."""


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class Template:
    name: str  # the part after <version>_<timestamp>_, without .py
    text: str


@dataclass(frozen=True)
class History:
    project: Path  # holds pyproject.toml
    migrations: Path  # <project>/migrations
    files: list[Path]  # <project>/migrations/models/*.py, in version order

    @property
    def middle_file(self) -> Path:
        return self.files[len(self.files) // 2]


def load_templates(fixtures: Path) -> list[Template]:
    templates: list[Template] = []
    for app in TEMPLATE_APPS:
        found = []
        for path in (fixtures / app).glob("*.py"):
            match = MIGRATION_NAME.match(path.name)
            if match:
                found.append((int(match["version"]), match["name"], path))
        templates += [Template(name, path.read_text("utf-8")) for _, name, path in sorted(found)]
    if not templates:
        raise BenchmarkError(f"no aerich migration templates under {fixtures}")
    return templates


def suffix_identifiers(text: str, suffix: str) -> str:
    """Append ``suffix`` to every "quoted" identifier in the returned SQL literals."""

    def rename_sql(match: re.Match[str]) -> str:
        sql = QUOTED_IDENTIFIER.sub(lambda q: f'"{q[1]}{suffix}"', match[2])
        return match[1] + sql + match[3]

    return RETURNED_SQL.sub(rename_sql, text)


def migration_filename(index: int, name: str) -> str:
    stamp = (FIRST_TIMESTAMP + timedelta(minutes=index)).strftime("%Y%m%d%H%M%S")
    return f"{index}_{stamp}_{name}.py"


def build_history(root: Path, count: int, templates: Sequence[Template]) -> History:
    project = root / "project"
    app_dir = project / "migrations" / APP
    app_dir.mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT, "utf-8")
    files = []
    for index in range(count):
        template = templates[index % len(templates)]
        path = app_dir / migration_filename(index, template.name)
        path.write_text(suffix_identifiers(template.text, f"_{index}"), "utf-8")
        files.append(path)
    return History(project=project, migrations=project / "migrations", files=files)


def build_verify_history(root: Path, count: int, fixtures: Path) -> Path:
    """A history `aerich-lint verify` can replay: the `clean` app's aerich files
    repeated, each repetition with its own table names (suffix per cycle, so a
    cycle's later migrations find the tables its init created)."""
    cycle = _clean_templates(fixtures)
    project = root / "verify-project"
    app_dir = project / "migrations" / APP
    app_dir.mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT, "utf-8")
    for index in range(count):
        template = cycle[index % len(cycle)]
        path = app_dir / migration_filename(index, template.name)
        path.write_text(suffix_identifiers(template.text, f"_{index // len(cycle)}"), "utf-8")
    return project / "migrations"


EXECUTED_FILES = 10  # migrations in the history whose SQL is built at run time
DYNAMIC_MIGRATION = """from tortoise import BaseDBAsyncClient

TABLE = "event_{index}"


async def upgrade(db: BaseDBAsyncClient) -> str:
    return f'CREATE TABLE "{{TABLE}}" ("id" SERIAL NOT NULL PRIMARY KEY);'


async def downgrade(db: BaseDBAsyncClient) -> str:
    return f'DROP TABLE "{{TABLE}}";'
"""


def build_executed_history(root: Path, count: int) -> Path:
    """Migrations whose upgrade is an f-string: each is run in the sandbox."""
    app_dir = root / "exec-project" / "migrations" / APP
    app_dir.mkdir(parents=True)
    (app_dir.parent.parent / "pyproject.toml").write_text(PYPROJECT, "utf-8")
    for index in range(count):
        path = app_dir / migration_filename(index, f"event_{index}")
        path.write_text(DYNAMIC_MIGRATION.format(index=index), "utf-8")
    return app_dir.parent


def _clean_templates(fixtures: Path) -> list[Template]:
    found = []
    for path in (fixtures / "clean").glob("*.py"):
        match = MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match["version"]), Template(match["name"], path.read_text("utf-8"))))
    return [t for _, t in sorted(found, key=lambda vt: vt[0])]


def postgres_reachable(url: str) -> str | None:
    """None when something listens at the URL's host and port, else why not."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return None
    except OSError as exc:
        return f"no PostgreSQL at {parts.hostname}:{parts.port or 5432} ({exc.strerror or exc})"


# ------------------------------------------------------------------------ SQL extraction


def upgrade_sql(path: Path) -> str | None:
    """The SQL literal returned by the file's upgrade(), or None if it is not a literal."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "upgrade":
            for stmt in node.body:
                if isinstance(stmt, ast.Return):
                    return literal_sql(stmt.value)
    return None


def literal_sql(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        parts = [literal_sql(element) for element in node.elts]
        if all(part is not None for part in parts):
            return "\n".join(part for part in parts if part is not None)
    return None


def extract_sql(files: Sequence[Path], target: Path) -> list[Path]:
    """Write each migration's upgrade SQL to ``target/<name>.sql``; returns those files
    (a migration whose upgrade() returns no SQL literal has none)."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in files:
        sql = upgrade_sql(path)
        if sql is None or not sql.strip():
            continue
        sql_file = target / f"{path.stem}.sql"
        sql_file.write_text(sql.strip() + "\n", "utf-8")
        written.append(sql_file)
    return written


# ----------------------------------------------------------------------------- scenarios


class FileEdits:
    """Appends a line to a file so its content hash changes; remembers the original."""

    def __init__(self) -> None:
        self.originals: dict[Path, bytes] = {}
        self.counter = 0

    def append_line(self, path: Path) -> None:
        original = self.originals.setdefault(path, path.read_bytes())
        self.counter += 1
        newline = b"" if original.endswith(b"\n") else b"\n"
        path.write_bytes(original + newline + f"# bench edit {self.counter}\n".encode())

    def restore_all(self) -> None:
        for path, original in self.originals.items():
            path.write_bytes(original)
        self.originals.clear()


@dataclass(frozen=True)
class Context:
    """What a scenario needs to build its command line."""

    aerich_lint: Path
    history: History
    sql_dir: Path  # where the upgrade SQL was extracted
    sql_files: tuple[Path, ...] = ()  # the .sql files written this run (not older ones)
    verify_history: Path | None = None  # a history that applies cleanly (verify scenarios)
    verify_url: str = ""  # the PostgreSQL server `aerich-lint verify` runs on
    executed_history: Path | None = None  # EXECUTED_FILES migrations built at run time
    squawk: Path | None = None  # the squawk executable, None when not found
    squawk_config: Path | None = None  # an empty .squawk.toml: squawk's defaults
    edits: FileEdits = field(default_factory=FileEdits)  # files changed by a scenario


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    command: Callable[[Context], list[str]]
    ok_exit_codes: frozenset[int] = frozenset({0})
    # Untimed, before every run (warm-up included): e.g. delete or prime a cache.
    before_each: Callable[[Context], None] | None = None
    # Untimed, once before the first run / once after the last (even after a failure):
    # e.g. prime the cache, restore a file the scenario changed.
    before_all: Callable[[Context], None] | None = None
    after_all: Callable[[Context], None] | None = None
    # A reason to skip (e.g. a missing tool), or None to run.
    skip_reason: Callable[[Context], str | None] = field(default=lambda ctx: None)
    tool: str = "aerich-lint"  # "squawk" for the reference the ratios divide by
    # False: the scenario lints another input than squawk's, so no ratio to squawk.
    compare_with_squawk: bool = True


LINT_EXIT_CODES = frozenset({0, 1})  # 1: problems found (the fixtures contain hazards)
SQUAWK_EXIT_CODES = frozenset({0, 1})  # 1: squawk found issues (it finds thousands here)


# Rules that read the replayed history: ignoring all four skips the replay.
HISTORY_RULES = "unknown-object,downgrade-broken,downgrade-mismatch,models-state-mismatch"


def _cache_dir(history: History) -> Path:
    """The cache the runs use (AERICH_LINT_CACHE_DIR): next to the project, so that
    the benchmark neither reads nor fills the user's own cache folder."""
    return history.project.parent / "aerich-lint-cache"


def _clear_cache(ctx: Context) -> None:
    shutil.rmtree(_cache_dir(ctx.history), ignore_errors=True)


def _lint(ctx: Context, *extra: str) -> list[str]:
    return [str(ctx.aerich_lint), str(ctx.history.migrations), "--no-color", *extra]


def _one_file(ctx: Context) -> list[str]:
    return [str(ctx.aerich_lint), str(ctx.history.middle_file)]


def _prime_cache(ctx: Context) -> None:
    """Untimed whole-folder and one-file runs, so the cache holds every file as it is."""
    for command in (_lint(ctx), _one_file(ctx)):
        run_once(command, LINT_EXIT_CODES)


def _edit_middle_file(ctx: Context) -> None:
    # A new line each run: a content hash the cache has never seen.
    ctx.edits.append_line(ctx.history.middle_file)


def _restore_files(ctx: Context) -> None:
    ctx.edits.restore_all()
    _prime_cache(ctx)  # the changed file's original entry was dropped from the cache


def _squawk(ctx: Context) -> list[str]:
    # The files are passed as arguments: 1000 paths are well under ARG_MAX. squawk also
    # takes patterns it expands itself ('<dir>/*.sql'); that measured the same here.
    # --config names an empty file: squawk's defaults (no --pg-version, no excluded or
    # opt-in rules) wherever a .squawk.toml may sit above the current folder.
    return [str(ctx.squawk), "--config", str(ctx.squawk_config), *map(str, ctx.sql_files)]


def _squawk_missing(ctx: Context) -> str | None:
    if ctx.squawk is None:
        return "squawk not found: pip install squawk-cli"
    if not ctx.sql_files:
        return f"no upgrade SQL extracted to {ctx.sql_dir}"
    return None


# Add scenarios here. Order matters: the warm scenarios use the cache the earlier ones
# left (and each has --warmup untimed runs first); a scenario that changes files puts
# them back, and re-primes the cache, in its after_all hook.
SCENARIOS: list[Scenario] = [
    Scenario(
        name="startup",
        description="aerich-lint --version",
        command=lambda ctx: [str(ctx.aerich_lint), "--version"],
    ),
    Scenario(
        name="squawk",
        description="squawk <every extracted .sql file> (squawk-cli, default settings)",
        command=_squawk,
        ok_exit_codes=SQUAWK_EXIT_CODES,
        skip_reason=_squawk_missing,
        tool="squawk",
    ),
    Scenario(
        name="cold",
        description="aerich-lint <project>/migrations --no-cache (every file parsed)",
        command=lambda ctx: _lint(ctx, "--no-cache"),
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="cold-no-replay",
        description="as cold, with the four rules that need the history replay ignored",
        command=lambda ctx: _lint(ctx, "--no-cache", "--ignore", HISTORY_RULES),
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="first-run",
        description="whole folder with an empty cache (parses and writes the cache)",
        command=_lint,
        ok_exit_codes=LINT_EXIT_CODES,
        before_each=_clear_cache,
    ),
    Scenario(
        name="whole-folder",
        description="aerich-lint <project>/migrations, warm cache",
        command=_lint,
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="warm-no-replay",
        description="as whole-folder (warm), with the rules that need the replay ignored",
        command=lambda ctx: _lint(ctx, "--ignore", HISTORY_RULES),
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="one-file",
        description="aerich-lint <one migration in the middle>, warm cache (as pre-commit runs it)",
        command=_one_file,
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="one-changed-file",
        description="as one-file, the file changed before each run (a line appended, untimed): "
        "the cache misses it",
        command=_one_file,
        ok_exit_codes=LINT_EXIT_CODES,
        before_all=_prime_cache,
        before_each=_edit_middle_file,
        after_all=_restore_files,
    ),
    Scenario(
        name="one-file-cold",
        description="one migration in the middle, --no-cache (the whole history is still replayed)",
        command=lambda ctx: [*_one_file(ctx), "--no-cache"],
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="json",
        description="aerich-lint <project>/migrations --format json, warm cache",
        command=lambda ctx: _lint(ctx, "--format", "json"),
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="executed",
        description=f"aerich-lint on {EXECUTED_FILES} migrations whose SQL is an f-string, "
        "--no-cache: each runs in a fresh sandboxed process",
        command=lambda ctx: [str(ctx.aerich_lint), str(ctx.executed_history), "--no-cache"],
        ok_exit_codes=LINT_EXIT_CODES,
        compare_with_squawk=False,
    ),
    Scenario(
        name="executed-no-exec",
        description="as executed, with --no-exec (nothing run; each file is not-executed)",
        command=lambda ctx: [
            str(ctx.aerich_lint),
            str(ctx.executed_history),
            "--no-cache",
            "--no-exec",
        ],
        ok_exit_codes=LINT_EXIT_CODES,
        compare_with_squawk=False,
    ),
    Scenario(
        name="verify-postgres",
        description="aerich-lint verify on --verify-migrations files (default 50), PostgreSQL "
        "(scratch database, round trip of each migration)",
        command=lambda ctx: [
            str(ctx.aerich_lint),
            "verify",
            str(ctx.verify_history),
            "--database-url",
            ctx.verify_url,
            "--quiet",
        ],
        skip_reason=lambda ctx: postgres_reachable(ctx.verify_url),
        compare_with_squawk=False,  # another history (50 migrations), a database round trip
    ),
]


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Result:
    scenario: str
    command: list[str]
    samples: list[float]  # seconds, one per timed run
    tool: str = "aerich-lint"
    compare_with_squawk: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def run_once(command: Sequence[str], ok_exit_codes: frozenset[int]) -> float:
    """Wall time of one whole process, in seconds; stdout goes to /dev/null."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok_exit_codes:
        stderr = done.stderr.decode("utf-8", "replace")[-2000:]
        raise BenchmarkError(
            f"{shlex.join(command)} exited with {done.returncode} "
            f"(expected {sorted(ok_exit_codes)})\n{stderr}"
        )
    return elapsed


def run_scenario(scenario: Scenario, ctx: Context, runs: int, warmup: int) -> Result:
    command = scenario.command(ctx)
    samples = []
    try:
        if scenario.before_all is not None:
            scenario.before_all(ctx)
        for index in range(warmup + runs):
            if scenario.before_each is not None:
                scenario.before_each(ctx)
            elapsed = run_once(command, scenario.ok_exit_codes)
            if index >= warmup:
                samples.append(elapsed)
    finally:
        if scenario.after_all is not None:
            scenario.after_all(ctx)
    return Result(
        scenario=scenario.name,
        command=command,
        samples=samples,
        tool=scenario.tool,
        compare_with_squawk=scenario.compare_with_squawk,
    )


def peak_rss_mib(command: Sequence[str], ok_exit_codes: frozenset[int]) -> float:
    """Max RSS of one run of ``command`` (and its children), via a wrapper process."""
    done = subprocess.run(
        [sys.executable, "-c", MAXRSS_WRAPPER, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    code, maxrss = (int(word) for word in done.stdout.split())
    if code not in ok_exit_codes:
        raise BenchmarkError(f"{shlex.join(command)} exited with {code} under the RSS wrapper")
    bytes_per_unit = 1 if sys.platform == "darwin" else 1024  # macOS: bytes; Linux: KiB
    return maxrss * bytes_per_unit / (1024 * 1024)


# ------------------------------------------------------------------------------ machine


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    python: str
    aerich_lint: str
    squawk: str | None = None  # squawk-cli's version, None when not found

    def line(self) -> str:
        squawk = f", squawk {self.squawk}" if self.squawk else ""
        return (
            f"Machine: {self.cpu}, {self.cores} cores, Python {self.python}, "
            f"aerich-lint {self.aerich_lint}{squawk}"
        )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def run_in_interpreter(executable: Path, code: str) -> str | None:
    """stdout of ``code`` run by the interpreter in the script's shebang, or None."""
    try:
        with executable.open("rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            probe = [*shlex.split(first[2:]), "-c", code]
            done = subprocess.run(probe, capture_output=True, text=True, check=True)
            return done.stdout.strip()
    except (OSError, ValueError, subprocess.CalledProcessError):
        pass
    return None


def interpreter_version(executable: Path) -> str:
    """Python version of the interpreter in the script's shebang (else this one's)."""
    probed = run_in_interpreter(executable, "import platform;print(platform.python_version())")
    return probed or platform.python_version()


def package_folder(executable: Path) -> Path | None:
    """The aerich_lint package the executable imports (None if it cannot be found)."""
    probed = run_in_interpreter(
        executable, "import pathlib, aerich_lint; print(pathlib.Path(aerich_lint.__file__).parent)"
    )
    return Path(probed) if probed else None


def sources_state(package: Path | None) -> list[str]:
    """The package's .py files with mtimes and sizes: what aerich-lint's cache
    fingerprint is made of, so a change during the run means cache misses."""
    if package is None:
        return []
    stamps = []
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:  # deleted meanwhile
            continue
        stamps.append(f"{path.relative_to(package)}:{stat.st_mtime_ns}:{stat.st_size}")
    return stamps


def tool_version(executable: Path) -> str:
    """The last word of ``<executable> --version`` ("aerich-lint 0.1.0", "squawk 2.70.0")."""
    done = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(f"{executable} --version exited with {done.returncode}")
    return done.stdout.strip().rsplit(" ", 1)[-1]


def describe_machine(executable: Path, squawk: Path | None) -> Machine:
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        python=interpreter_version(executable),
        aerich_lint=tool_version(executable),
        squawk=tool_version(squawk) if squawk is not None else None,
    )


# ------------------------------------------------------------------------------ output


def markdown_table(results: Sequence[Result]) -> str:
    lines = [
        "| scenario | median (s) | min (s) | max (s) | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario} | {r.median:.3f} | {min(r.samples):.3f} | "
            f"{max(r.samples):.3f} | {len(r.samples)} |"
        )
    return "\n".join(lines)


def ratios_to_squawk(results: Sequence[Result]) -> dict[str, float]:
    """Each aerich-lint scenario's median / squawk's median ({} without squawk)."""
    squawk = next((r for r in results if r.tool == "squawk"), None)
    if squawk is None or squawk.median <= 0:
        return {}
    return {
        r.scenario: r.median / squawk.median
        for r in results
        if r.tool == "aerich-lint" and r.compare_with_squawk
    }


@dataclass(frozen=True)
class Target:
    """One of the issue's performance targets: ``value`` against ``limit``."""

    name: str
    limit: float
    unit: str  # "x squawk", "s", "MiB"
    inclusive: bool  # True: value <= limit passes; False: value < limit
    value: float | None  # None: skipped
    skipped: str = ""  # why it could not be checked

    @property
    def status(self) -> str:
        if self.value is None:
            return "SKIP"
        ok = self.value <= self.limit if self.inclusive else self.value < self.limit
        return "PASS" if ok else "FAIL"

    def line(self) -> str:
        """E.g. ``PASS  cold <= 5x squawk: 4.05x squawk``."""
        bound = f"{'<=' if self.inclusive else '<'} {self._format(self.limit, '{:g}')}"
        if self.value is None:
            return f"  SKIP  {self.name} {bound} ({self.skipped})"
        digits = {"s": "{:.3f}", "MiB": "{:.1f}"}.get(self.unit, "{:.2f}")
        return f"  {self.status}  {self.name} {bound}: {self._format(self.value, digits)}"

    def _format(self, number: float, spec: str) -> str:
        gap = "" if self.unit.startswith("x") else " "  # 5x squawk, 0.3 s, 200 MiB
        return f"{spec.format(number)}{gap}{self.unit}"


def sandbox_cost(results: Sequence[Result]) -> float | None:
    """Wall time that executing one file in the sandbox adds, from two scenarios."""
    medians = {r.scenario: r.median for r in results}
    if "executed" not in medians or "executed-no-exec" not in medians:
        return None
    return (medians["executed"] - medians["executed-no-exec"]) / EXECUTED_FILES


def check_targets(results: Sequence[Result], rss_mib: float | None) -> list[Target]:
    """The issue's targets on this run; a target whose scenario did not run is skipped."""
    medians = {r.scenario: r.median for r in results}
    ratios = ratios_to_squawk(results)

    def ratio(scenario: str) -> tuple[float | None, str]:
        if scenario not in medians:
            return None, f"{scenario} did not run"
        if scenario not in ratios:
            return None, "squawk did not run"
        return ratios[scenario], ""

    cold, cold_why = ratio("cold")
    warm, warm_why = ratio("whole-folder")
    changed = medians.get("one-changed-file")
    return [
        Target("cold", 5.0, "x squawk", True, cold, cold_why),
        Target("warm (whole-folder)", 1.5, "x squawk", True, warm, warm_why),
        Target("one-changed-file", 0.3, "s", False, changed, "one-changed-file did not run"),
        Target("peak memory (cold)", 200.0, "MiB", False, rss_mib, "not measured"),
    ]


def report_json(
    results: Sequence[Result],
    machine: Machine,
    rss_mib: float | None,
    targets: Sequence[Target],
    args: argparse.Namespace,
    ctx: Context,
) -> dict[str, object]:
    def portable(command: list[str]) -> list[str]:
        """Paths as <project>/..., <sql>/..., <root>/...; the .sql files as one pattern."""
        words: list[str] = []
        for word in command:
            in_sql_dir = word.startswith(str(ctx.sql_dir) + os.sep)
            if in_sql_dir and word.endswith(".sql"):
                if "<sql>/*.sql" not in words:
                    words.append("<sql>/*.sql")
                continue
            word = word.replace(str(ctx.history.project), "<project>")
            word = word.replace(str(ctx.sql_dir), "<sql>")
            words.append(word.replace(str(ctx.history.project.parent), "<root>"))
        return words

    return {
        "machine": machine.__dict__,
        "migrations": args.migrations,
        "runs": args.runs,
        "warmup": args.warmup,
        "peak_rss_mib_cold": rss_mib,
        "scenarios": [
            {
                "name": r.scenario,
                "tool": r.tool,
                "command": portable(r.command),
                "median": r.median,
                "min": min(r.samples),
                "max": max(r.samples),
                "runs": len(r.samples),
                "samples": r.samples,
            }
            for r in results
        ],
        "ratios_to_squawk": ratios_to_squawk(results),
        "sandbox_cost_per_executed_file": sandbox_cost(results),
        "targets": [
            {
                "name": t.name,
                "limit": t.limit,
                "unit": t.unit,
                "inclusive": t.inclusive,
                "value": t.value,
                "status": t.status.lower(),
                **({"skipped": t.skipped} if t.value is None else {}),
            }
            for t in targets
        ],
    }


# -------------------------------------------------------------------------------- main


def find_executable(name: str, *also_in: Path) -> Path | None:
    """``name`` next to this Python, else on PATH, else in one of ``also_in``."""
    filename = f"{name}.exe" if os.name == "nt" else name
    beside = Path(sys.executable).parent / filename
    if beside.is_file():
        return beside
    on_path = shutil.which(name)
    if on_path is not None:
        return Path(on_path)
    for folder in also_in:
        if (folder / filename).is_file():
            return folder / filename
    return None


def default_aerich_lint() -> Path:
    """Next to this Python, else on PATH, else in the repository's .venv (so a plain
    ``python benchmarks/bench.py`` finds the development install)."""
    venv_bin = REPO_ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin")
    found = find_executable("aerich-lint", venv_bin)
    if found is None:
        raise BenchmarkError(
            f"aerich-lint not found next to {sys.executable}, on PATH or in {venv_bin}: "
            "pass --aerich-lint PATH"
        )
    return found


def default_squawk(aerich_lint: Path) -> Path | None:
    """Next to this Python, else on PATH, else next to aerich-lint (the same venv)."""
    return find_executable("squawk", aerich_lint.parent)


def int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--migrations",
        type=int_at_least(1),
        default=1000,
        metavar="N",
        help="migration files in the synthetic history (default: 1000)",
    )
    parser.add_argument(
        "--runs", type=int_at_least(1), default=7, help="timed runs per scenario (default: 7)"
    )
    parser.add_argument(
        "--warmup",
        type=int_at_least(0),
        default=1,
        help="untimed runs before the timed ones (default: 1)",
    )
    parser.add_argument(
        "--aerich-lint",
        type=Path,
        metavar="PATH",
        help="executable to benchmark (default: next to this Python, else on PATH, else in "
        "the repository's .venv)",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="benchmark a regular install of this checkout, made in a fresh virtual "
        "environment (the numbers users get; the development .venv's editable install is "
        "slower to import)",
    )
    parser.add_argument(
        "--squawk",
        type=Path,
        metavar="PATH",
        help="squawk executable (pip install squawk-cli) for the squawk scenario (default: "
        "next to this Python, else on PATH, else next to aerich-lint; skipped if none)",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=DEFAULT_FIXTURES,
        metavar="DIR",
        help="folder holding the models/ and clean/ template migrations",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        choices=[s.name for s in SCENARIOS],
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument(
        "--verify-migrations",
        type=int_at_least(1),
        default=50,
        metavar="N",
        help="migrations in the history the verify scenario replays (default: 50)",
    )
    parser.add_argument(
        "--verify-url",
        default=os.environ.get(
            "AERICH_LINT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        metavar="URL",
        help="PostgreSQL server for the verify scenario (default: $AERICH_LINT_TEST_POSTGRES_URL "
        "or postgres://postgres@127.0.0.1:5432/postgres)",
    )
    parser.add_argument(
        "--extract-sql",
        type=Path,
        metavar="DIR",
        help="write each migration's upgrade SQL to DIR/<name>.sql and keep it (default: "
        "<root>/sql, which squawk lints; <root> is a temporary folder or --keep's)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="build the history in DIR (must not exist) and keep it",
    )
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def resolve_squawk(args: argparse.Namespace, aerich_lint: Path) -> Path | None:
    if args.squawk is None:
        return default_squawk(aerich_lint)
    found = shutil.which(str(args.squawk))  # a path, or a name looked up on PATH
    if found is None:
        raise BenchmarkError(f"squawk executable not found: {args.squawk}")
    return Path(found).resolve()


def print_report(
    results: Sequence[Result],
    rss: float,
    targets: Sequence[Target],
    machine: Machine,
    args: argparse.Namespace,
) -> None:
    print(
        f"{args.migrations} migrations, median of {args.runs} runs ({args.warmup} warm-up), "
        "whole-process wall time:\n"
    )
    print(markdown_table(results))
    ratios = ratios_to_squawk(results)
    if ratios:
        print("\nRatio to squawk (aerich-lint median / squawk median, same history):")
        width = max(map(len, ratios))
        for name, ratio in ratios.items():
            print(f"  {name + ':':<{width + 1}} {ratio:.2f}x squawk")
    print(f"\nPeak memory (max RSS) of cold (--no-cache): {rss:.1f} MiB")
    per_file = sandbox_cost(results)
    if per_file is not None:
        print(
            f"Sandbox cost per executed file: {per_file:.3f} s "
            f"((executed - executed-no-exec) / {EXECUTED_FILES}; files run side by side, "
            "one per CPU)"
        )
    scale = "" if args.migrations == 1000 else f"; this run has {args.migrations}"
    print(f"\nTargets (the issue's, set for 1000 migrations{scale}):")
    for target in targets:
        print(target.line())
    print()
    print(machine.line())


def install(root: Path) -> Path:
    """A regular (not editable) install of this checkout in a fresh virtual
    environment: what users run. An editable install adds an import hook that every
    import goes through (about 50 ms per run here), which users never have."""
    venv = root / "venv"
    progress(f"installing aerich-lint[postgres] from {REPO_ROOT} into {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    done = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "--quiet", f"{REPO_ROOT}[postgres]"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"pip install failed:\n{done.stderr[-2000:]}")
    return bindir / "aerich-lint"


def benchmark(args: argparse.Namespace, root: Path) -> None:
    if args.install:
        args.aerich_lint = install(root)
    executable = (args.aerich_lint or default_aerich_lint()).resolve()
    if not executable.is_file():
        raise BenchmarkError(f"aerich-lint executable not found: {executable}")
    squawk = resolve_squawk(args, executable)
    history = build_history(root, args.migrations, load_templates(args.fixtures))
    progress(f"built {len(history.files)} migrations in {history.migrations}")
    os.environ["AERICH_LINT_CACHE_DIR"] = str(_cache_dir(history))  # inherited by every run
    sql_dir = args.extract_sql.resolve() if args.extract_sql is not None else root / "sql"
    sql_files = extract_sql(history.files, sql_dir)
    progress(f"wrote {len(sql_files)} .sql files to {sql_dir}")
    squawk_config = root / "squawk-defaults.toml"
    squawk_config.write_text("# empty: squawk's default settings\n", "utf-8")
    verify_history = build_verify_history(root, args.verify_migrations, args.fixtures)
    executed_history = build_executed_history(root, EXECUTED_FILES)
    ctx = Context(
        aerich_lint=executable,
        executed_history=executed_history,
        history=history,
        sql_dir=sql_dir,
        sql_files=tuple(sql_files),
        verify_history=verify_history,
        verify_url=args.verify_url,
        squawk=squawk,
        squawk_config=squawk_config,
    )

    package = package_folder(executable)
    sources_before = sources_state(package)
    results = []
    for scenario in SCENARIOS:
        if args.scenario and scenario.name not in args.scenario:
            continue
        reason = scenario.skip_reason(ctx)
        if reason:
            progress(f"skip {scenario.name}: {reason}")
            continue
        progress(f"run  {scenario.name}: {scenario.description}")
        results.append(run_scenario(scenario, ctx, args.runs, args.warmup))

    cold = next(s for s in SCENARIOS if s.name == "cold")  # the largest: every file parsed
    rss = peak_rss_mib(cold.command(ctx), cold.ok_exit_codes)
    machine = describe_machine(executable, squawk)
    targets = check_targets(results, rss)
    sources_changed = sources_state(package) != sources_before
    print_report(results, rss, targets, machine, args)
    if sources_changed:
        print(
            f"\nWARNING: aerich-lint's source files ({package}) changed during the run. Its "
            "cache fingerprint includes them, so warm-cache numbers may include cache misses "
            "and the code measured changed: rerun on a quiet tree."
        )
    if args.json is not None:
        data = report_json(results, machine, rss, targets, args, ctx)
        data["sources_changed_during_run"] = sources_changed
        args.json.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
        progress(f"wrote {args.json}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.keep is not None:
            args.keep.mkdir(parents=True)
            benchmark(args, args.keep.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="aerich-lint-bench-") as tmp:
                benchmark(args, Path(tmp))
    except (BenchmarkError, FileExistsError) as exc:
        print(f"bench.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
