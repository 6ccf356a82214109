#!/usr/bin/env python3
"""Benchmark aerich-lint as whole processes on a synthetic migration history.

Standard library only. Every number is the wall time of a complete ``aerich-lint``
process (interpreter start-up, imports, discovery, parsing, rules, output), measured
with ``subprocess`` and summarised as the median of several runs. Nothing is timed
in-process.

Usage::

    .venv/bin/python benchmarks/bench.py                 # 1000 migrations, 7 runs
    .venv/bin/python benchmarks/bench.py --migrations 5000 --runs 11 --json out.json
    .venv/bin/python benchmarks/bench.py --extract-sql /tmp/sql --keep /tmp/history

To add a scenario, append a ``Scenario`` to ``SCENARIOS`` (see the comment there).
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


def extract_sql(files: Sequence[Path], target: Path) -> int:
    """Write each migration's upgrade SQL to ``target/<name>.sql``; returns the count."""
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in files:
        sql = upgrade_sql(path)
        if sql is None or not sql.strip():
            continue
        (target / f"{path.stem}.sql").write_text(sql.strip() + "\n", "utf-8")
        written += 1
    return written


# ----------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Context:
    """What a scenario needs to build its command line."""

    aerich_lint: Path
    history: History
    sql_dir: Path | None  # the --extract-sql folder, if any
    verify_history: Path | None = None  # a history that applies cleanly (verify scenarios)
    verify_url: str = ""  # the PostgreSQL server `aerich-lint verify` runs on


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    command: Callable[[Context], list[str]]
    ok_exit_codes: frozenset[int] = frozenset({0})
    # Untimed, before every run (warm-up included): e.g. delete or prime a cache.
    before_each: Callable[[Context], None] | None = None
    # A reason to skip (e.g. a missing tool), or None to run.
    skip_reason: Callable[[Context], str | None] = field(default=lambda ctx: None)


LINT_EXIT_CODES = frozenset({0, 1})  # 1: problems found (the fixtures contain hazards)


# Rules that read the replayed history: ignoring all four skips the replay.
HISTORY_RULES = "unknown-object,downgrade-broken,downgrade-mismatch,models-state-mismatch"


def _clear_cache(ctx: Context) -> None:
    shutil.rmtree(ctx.history.migrations.parent / ".aerich_lint_cache", ignore_errors=True)


def _lint(ctx: Context, *extra: str) -> list[str]:
    return [str(ctx.aerich_lint), str(ctx.history.migrations), "--no-color", *extra]


# Add scenarios here; planned: squawk on the SQL written by --extract-sql,
# command=lambda ctx: ["squawk", *sorted(map(str, ctx.sql_dir.glob("*.sql")))],
# with a skip_reason for a missing `squawk` on PATH or a missing --extract-sql.
SCENARIOS: list[Scenario] = [
    Scenario(
        name="startup",
        description="aerich-lint --version",
        command=lambda ctx: [str(ctx.aerich_lint), "--version"],
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
        command=lambda ctx: [str(ctx.aerich_lint), str(ctx.history.middle_file)],
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="one-file-cold",
        description="one migration in the middle, --no-cache (the whole history is still replayed)",
        command=lambda ctx: [str(ctx.aerich_lint), str(ctx.history.middle_file), "--no-cache"],
        ok_exit_codes=LINT_EXIT_CODES,
    ),
    Scenario(
        name="json",
        description="aerich-lint <project>/migrations --format json, warm cache",
        command=lambda ctx: _lint(ctx, "--format", "json"),
        ok_exit_codes=LINT_EXIT_CODES,
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
    ),
]


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Result:
    scenario: str
    command: list[str]
    samples: list[float]  # seconds, one per timed run

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
    for index in range(warmup + runs):
        if scenario.before_each is not None:
            scenario.before_each(ctx)
        elapsed = run_once(command, scenario.ok_exit_codes)
        if index >= warmup:
            samples.append(elapsed)
    return Result(scenario=scenario.name, command=command, samples=samples)


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

    def line(self) -> str:
        return (
            f"Machine: {self.cpu}, {self.cores} cores, Python {self.python}, "
            f"aerich-lint {self.aerich_lint}"
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


def interpreter_version(executable: Path) -> str:
    """Python version of the interpreter in the script's shebang (else this one's)."""
    try:
        with executable.open("rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            probe = [
                *shlex.split(first[2:]),
                "-c",
                "import platform;print(platform.python_version())",
            ]
            done = subprocess.run(probe, capture_output=True, text=True, check=True)
            return done.stdout.strip()
    except (OSError, ValueError, subprocess.CalledProcessError):
        pass
    return platform.python_version()


def aerich_lint_version(executable: Path) -> str:
    done = subprocess.run(
        [str(executable), "--version"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(f"{executable} --version exited with {done.returncode}")
    return done.stdout.strip().rsplit(" ", 1)[-1]


def describe_machine(executable: Path) -> Machine:
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        python=interpreter_version(executable),
        aerich_lint=aerich_lint_version(executable),
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


def report_json(
    results: Sequence[Result],
    machine: Machine,
    rss_mib: float | None,
    args: argparse.Namespace,
    project: Path,
) -> dict[str, object]:
    def portable(command: list[str]) -> list[str]:
        return [word.replace(str(project), "<project>") for word in command]

    return {
        "machine": machine.__dict__,
        "migrations": args.migrations,
        "runs": args.runs,
        "warmup": args.warmup,
        "peak_rss_mib_whole_folder": rss_mib,
        "scenarios": [
            {
                "name": r.scenario,
                "command": portable(r.command),
                "median": r.median,
                "min": min(r.samples),
                "max": max(r.samples),
                "runs": len(r.samples),
                "samples": r.samples,
            }
            for r in results
        ],
    }


# -------------------------------------------------------------------------------- main


def default_aerich_lint() -> Path:
    return Path(sys.executable).parent / ("aerich-lint.exe" if os.name == "nt" else "aerich-lint")


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
        default=default_aerich_lint(),
        metavar="PATH",
        help="executable to benchmark (default: next to this Python)",
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
        help="write each migration's upgrade SQL to DIR/<name>.sql",
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


def benchmark(args: argparse.Namespace, root: Path) -> None:
    executable = args.aerich_lint.resolve()
    if not executable.is_file():
        raise BenchmarkError(f"aerich-lint executable not found: {executable}")
    history = build_history(root, args.migrations, load_templates(args.fixtures))
    progress(f"built {len(history.files)} migrations in {history.migrations}")
    if args.extract_sql is not None:
        written = extract_sql(history.files, args.extract_sql)
        progress(f"wrote {written} .sql files to {args.extract_sql}")
    verify_history = build_verify_history(root, args.verify_migrations, args.fixtures)
    ctx = Context(
        aerich_lint=executable,
        history=history,
        sql_dir=args.extract_sql,
        verify_history=verify_history,
        verify_url=args.verify_url,
    )

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

    whole_folder = next(s for s in SCENARIOS if s.name == "cold")
    rss = peak_rss_mib(whole_folder.command(ctx), whole_folder.ok_exit_codes)
    machine = describe_machine(executable)

    print(
        f"aerich-lint on {args.migrations} migrations, median of {args.runs} runs "
        f"({args.warmup} warm-up), whole-process wall time:\n"
    )
    print(markdown_table(results))
    print(f"\nPeak memory (max RSS) of whole-folder: {rss:.1f} MiB")
    print(machine.line())
    if args.json is not None:
        data = report_json(results, machine, rss, args, history.project)
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
