#!/usr/bin/env python3
"""Lint a corpus of real aerich migration folders, for judging aerich-lint's precision.

Standard library only. Every app folder under the corpus root (default ``.corpus``) is
linted by its own ``aerich-lint <folder> --format json --no-cache`` process, so one
folder that makes aerich-lint fail cannot hide the others: its exit code and the first
line of its stderr are recorded and the run goes on. The corpus is other projects'
files and is never committed; see benchmarks/README.md for how to build one.

The app folders are the ``folder`` column of ``<root>/INDEX.tsv`` when it exists, else
every folder holding numbered migration files (``<n>_*.py``, ``.sql`` or ``.json``).
aerich-lint decides each folder's dialect as it does for a user (the project's
configuration, else the SQL); with ``--index-dialect`` a folder whose project
(``<root>/<project>/``) has no ``pyproject.toml`` gets ``--dialect`` from INDEX.tsv's
``dialect`` column instead.

Usage::

    .venv/bin/python benchmarks/precision.py                       # totals per rule
    .venv/bin/python benchmarks/precision.py /data/corpus --jobs 4
    .venv/bin/python benchmarks/precision.py --sample 50 --seed 1 --out sample.md
    .venv/bin/python benchmarks/precision.py --rule drop-column    # every finding of one rule
    .venv/bin/python benchmarks/precision.py --json results.json   # everything, for scripts
    .venv/bin/python benchmarks/precision.py --json new.json --compare old.json --out diff.md

``--compare OLD.json`` matches this run's findings with an earlier run's ``--json``
(folder, file, rule, section, line and message; then the message's head at the same
line; then the message's head wherever the line moved) and prints per rule how many
appeared and disappeared; with ``--out`` every one of them is written as Markdown.

Exit code: 0 when every folder was linted (aerich-lint exit 0 or 1), else 1; 2 when the
``--compare`` file is not what ``--json`` writes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

MIGRATION_FILE = re.compile(r"^\d+_.*\.(py|sql|json)$")
DIALECTS = ("postgres", "mysql", "sqlite")
SEVERITIES = ("error", "warning", "info")
STATEMENT_LIMIT = 2000  # characters of a statement kept in the sample file
MESSAGE_HEAD = 80  # characters of a message's head that --compare matches on


@dataclass
class FolderResult:
    folder: str  # relative to the corpus root, e.g. owner__repo/models
    command: list[str]
    exit_code: int | None = None  # None: not run to the end (timeout, not startable)
    stderr_first_line: str = ""
    error_line: str = ""  # the exception line of a traceback, else the first stderr line
    traceback: bool = False
    bad_output: str = ""  # why stdout was not aerich-lint's JSON report, if it was not
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.exit_code not in (0, 1) or self.traceback or bool(self.bad_output)


# --------------------------------------------------------------------------- corpus


def read_index(root: Path) -> dict[str, dict[str, str]]:
    """INDEX.tsv's rows by folder, or nothing when the corpus has no index."""
    index = root / "INDEX.tsv"
    if not index.is_file():
        return {}
    with index.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["folder"]: row for row in rows if row.get("folder")}


def find_app_folders(root: Path) -> list[str]:
    """Every folder under ``root`` that holds numbered migration files."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(MIGRATION_FILE.match(name) for name in filenames):
            found.add(Path(dirpath).relative_to(root).as_posix())
    return sorted(found)


def project_of(root: Path, folder: str) -> Path:
    """The project folder of an app folder: the first component under the root."""
    return root / folder.split("/", 1)[0]


def build_command(
    executable: Sequence[str],
    root: Path,
    folder: str,
    index: dict[str, dict[str, str]],
    index_dialect: bool = False,
) -> list[str]:
    """By default aerich-lint decides the dialect as it does for a user (config, then the
    SQL); ``index_dialect`` forces INDEX.tsv's guess on folders without a pyproject."""
    command = [*executable, "check", str((root / folder).resolve())]
    command += ["--format", "json", "--no-cache"]
    dialect = index.get(folder, {}).get("dialect", "")
    if (
        index_dialect
        and dialect in DIALECTS
        and not (project_of(root, folder) / "pyproject.toml").is_file()
    ):
        command += ["--dialect", dialect]
    return command


# --------------------------------------------------------------------------- running


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def exception_line(stderr: str) -> str:
    """The ``SomeError: message`` line that ends the last traceback in ``stderr``."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback ("))
    tail = [line for line in lines[start + 1 :] if line and not line.startswith(" ")]
    return tail[0] if tail else first_line(stderr)


def lint_folder(command: list[str], root: Path, folder: str, timeout: float) -> FolderResult:
    result = FolderResult(folder, command)
    try:
        # cwd: the copied project, so nothing of the checkout that runs this is importable
        # by a relative name and aerich-lint finds the project's own pyproject.toml.
        proc = subprocess.run(
            command,
            cwd=project_of(root, folder),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        result.stderr_first_line = result.error_line = f"timed out after {timeout:g} s"
        return result
    except OSError as exc:
        result.stderr_first_line = result.error_line = f"could not start: {exc}"
        return result
    result.exit_code = proc.returncode
    result.stderr_first_line = first_line(proc.stderr)
    result.traceback = "Traceback (most recent call last)" in proc.stderr
    result.error_line = exception_line(proc.stderr) if result.traceback else first_line(proc.stderr)
    if proc.returncode in (0, 1):
        try:
            report = json.loads(proc.stdout)
            findings = report["findings"]
            if not isinstance(findings, list):
                raise TypeError("findings is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            result.bad_output = f"{type(exc).__name__}: {exc}"
        else:
            project = project_of(root, folder).resolve()
            result.findings = [f for f in findings if isinstance(f, dict)]
            for finding in result.findings:  # paths relative to the corpus root
                path = Path(str(finding.get("path", "")))
                finding["path"] = relative_path(str(project / path), root)
    return result


def lint_all(
    executable: Sequence[str],
    root: Path,
    folders: Sequence[str],
    index: dict[str, dict[str, str]],
    jobs: int,
    timeout: float,
    index_dialect: bool = False,
) -> list[FolderResult]:
    commands = [build_command(executable, root, folder, index, index_dialect) for folder in folders]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = [
            pool.submit(lint_folder, command, root, folder, timeout)
            for command, folder in zip(commands, folders, strict=True)
        ]
        return [run.result() for run in runs]


# --------------------------------------------------------------------------- reporting


def relative_path(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def statement_text(finding: dict[str, Any], root: Path) -> str:
    """The finding's statement; for findings without one, the source line it points at."""
    statement = str(finding.get("statement") or "")
    if statement:
        return statement
    line = finding.get("line")
    path = root / str(finding.get("path", ""))
    if isinstance(line, int) and line > 0 and path.is_file():
        lines = path.read_text("utf-8", errors="replace").splitlines()
        if line <= len(lines):
            return lines[line - 1].strip()
    return ""


def all_findings(results: Iterable[FolderResult]) -> list[tuple[str, dict[str, Any]]]:
    """(folder, finding) pairs in a stable order: folder, path, line, column, rule."""
    pairs = [(r.folder, f) for r in results for f in r.findings]
    return sorted(
        pairs,
        key=lambda p: (
            p[0],
            str(p[1].get("path", "")),
            int(p[1].get("line") or 0),
            int(p[1].get("column") or 0),
            str(p[1].get("rule", "")),
            str(p[1].get("message", "")),
        ),
    )


def print_totals(results: Sequence[FolderResult], root: Path) -> None:
    per_rule: dict[str, Counter[str]] = {}
    codes: dict[str, str] = {}
    for _, finding in all_findings(results):
        rule = str(finding.get("rule", "?"))
        codes.setdefault(rule, str(finding.get("code", "")))
        per_rule.setdefault(rule, Counter())[str(finding.get("severity", "?"))] += 1
    exit_codes = Counter("none" if r.exit_code is None else str(r.exit_code) for r in results)
    folders_with = sum(1 for r in results if r.findings)
    print(f"corpus: {root}")
    print(
        f"folders: {len(results)} linted, {folders_with} with findings; exit codes: "
        + ", ".join(f"{code}: {n}" for code, n in sorted(exit_codes.items()))
    )
    print()
    width = max([len(rule) for rule in per_rule] + [4])
    header = f"{'code':<6} {'rule':<{width}} " + " ".join(f"{s:>7}" for s in SEVERITIES)
    print(header + f" {'total':>7}")
    print("-" * (len(header) + 8))
    total: Counter[str] = Counter()
    for rule in sorted(per_rule, key=lambda r: (codes[r], r)):
        counts = per_rule[rule]
        total.update(counts)
        cells = " ".join(f"{counts[s]:>7}" for s in SEVERITIES)
        print(f"{codes[rule]:<6} {rule:<{width}} {cells} {sum(counts.values()):>7}")
    print("-" * (len(header) + 8))
    cells = " ".join(f"{total[s]:>7}" for s in SEVERITIES)
    print(f"{'':<6} {'all':<{width}} {cells} {sum(total.values()):>7}")
    print()
    exit2 = [r for r in results if r.exit_code == 2]
    tracebacks = [r for r in results if r.traceback]
    failed = [r for r in results if r.failed]
    print(f"folders with exit code 2: {len(exit2)}; with a traceback: {len(tracebacks)}")
    for r in failed:
        what = "traceback" if r.traceback else f"exit {r.exit_code}"
        detail = r.bad_output or r.error_line or r.stderr_first_line or "(no stderr)"
        print(f"  {r.folder}: {what}: {detail}")


def print_rule(results: Sequence[FolderResult], root: Path, rule: str) -> int:
    chosen = [
        (folder, f)
        for folder, f in all_findings(results)
        if rule in (str(f.get("rule", "")), str(f.get("code", "")))
    ]
    for _, f in chosen:
        where = f"{f.get('path', '')}:{f.get('line', '?')}"
        statement = " ".join(statement_text(f, root).split())
        print(f"{where}: {f.get('severity', '?')}: {f.get('message', '')}")
        if statement:
            print(f"    {statement[:300]}")
    print(f"{len(chosen)} finding(s) of {rule}")
    return len(chosen)


def write_sample(
    results: Sequence[FolderResult], root: Path, size: int, seed: int, out: Path
) -> int:
    """A reproducible random sample of warning and error findings, as Markdown."""
    population = [
        (folder, f)
        for folder, f in all_findings(results)
        if f.get("severity") in ("error", "warning")
    ]
    chosen = random.Random(seed).sample(population, min(size, len(population)))
    parts = [
        f"# aerich-lint precision sample: {len(chosen)} of {len(population)} "
        f"warning/error findings (seed {seed}, corpus {root})\n",
        "Judge each: `verdict:` TP (a real hazard), FP (not one), or ? (cannot tell).\n",
    ]
    for number, (folder, f) in enumerate(chosen, 1):
        parts.append(finding_markdown(f"{number}.", folder, f, root))
    out.write_text("\n".join(parts), encoding="utf-8")
    return len(chosen)


def finding_markdown(label: str, folder: str, f: dict[str, Any], root: Path) -> str:
    """One finding for judging by hand: heading, file, message, statement, verdict line."""
    statement = statement_text(f, root)
    if len(statement) > STATEMENT_LIMIT:
        statement = statement[:STATEMENT_LIMIT] + "\n... (cut)"
    fence = "~~~~" if "```" in statement else "```"
    return (
        f"## {label} {f.get('rule', '?')} ({f.get('code', '')}, {f.get('severity', '?')})\n\n"
        f"- file: `{f.get('path', '')}` line {f.get('line', '?')}\n"
        f"- folder: `{folder}`\n"
        f"- message: {f.get('message', '')}\n\n"
        f"{fence}sql\n{statement}\n{fence}\n\n"
        "verdict: \n"
    )


# --------------------------------------------------------------------------- compare

Pair = tuple[str, dict[str, Any]]  # (folder, finding)


@dataclass
class Comparison:
    appeared: list[Pair] = field(default_factory=list)  # in this run only
    disappeared: list[Pair] = field(default_factory=list)  # in the earlier run only
    exact: int = 0  # same folder, file, rule, section, line and message
    reworded: int = 0  # same line, the message's head alike, the rest of it changed
    moved: int = 0  # the message's head alike, another line
    old_counts: Counter[str] = field(default_factory=Counter)  # findings per rule
    new_counts: Counter[str] = field(default_factory=Counter)
    codes: dict[str, str] = field(default_factory=dict)  # rule -> code


def load_results(path: Path) -> list[FolderResult]:
    """The folder results an earlier run wrote with ``--json``."""
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, list):
        raise ValueError("not the JSON list that --json writes")
    names = {f.name for f in fields(FolderResult)}
    results = []
    for item in data:
        if not isinstance(item, dict) or "folder" not in item:
            raise ValueError("an entry without a folder")
        known = {k: v for k, v in item.items() if k in names}
        known.setdefault("command", [])
        results.append(FolderResult(**known))
    return results


def message_head(message: str) -> str:
    """What a message says before its first ``: ``, numbers blurred (line numbers and
    counts move with the lines), at most MESSAGE_HEAD characters."""
    head = message.split(": ", 1)[0]
    return re.sub(r"\d+", "#", head)[:MESSAGE_HEAD]


def _where(pair: Pair) -> tuple[str, str, str, str]:
    folder, f = pair
    return folder, str(f.get("path", "")), str(f.get("rule", "")), str(f.get("section", ""))


def _line(pair: Pair) -> int:
    line = pair[1].get("line")
    return line if isinstance(line, int) else 0


def _exact(pair: Pair) -> tuple[str, str, str, str, int, str]:
    return (*_where(pair), _line(pair), str(pair[1].get("message", "")))


def _same_line(pair: Pair) -> tuple[str, str, str, str, int, str]:
    return (*_where(pair), _line(pair), message_head(str(pair[1].get("message", ""))))


def _moved(pair: Pair) -> tuple[str, str, str, str, str]:
    return (*_where(pair), message_head(str(pair[1].get("message", ""))))


def _match(
    old: list[Pair], new: list[Pair], key: Callable[[Pair], Hashable], nearest: bool = False
) -> tuple[list[Pair], list[Pair], int]:
    """Pair old and new findings with equal ``key``; the unpaired ones of each side and
    the number paired. ``nearest``: within a key, pair in line order (lines moved)."""
    buckets: dict[Hashable, list[Pair]] = defaultdict(list)
    for pair in old:
        buckets[key(pair)].append(pair)
    if nearest:
        for bucket in buckets.values():
            bucket.sort(key=_line)
        new = sorted(new, key=_line)
    unmatched_new = []
    paired = 0
    for pair in new:
        candidates = buckets.get(key(pair))
        if candidates:
            candidates.pop(0)
            paired += 1
        else:
            unmatched_new.append(pair)
    unmatched_old = [pair for bucket in buckets.values() for pair in bucket]
    return unmatched_old, unmatched_new, paired


def compare(old_results: Sequence[FolderResult], new_results: Sequence[FolderResult]) -> Comparison:
    """Which findings appeared and disappeared between two runs over the same corpus."""
    old = all_findings(old_results)
    new = all_findings(new_results)
    result = Comparison()
    for pairs, counts in ((old, result.old_counts), (new, result.new_counts)):
        for _, f in pairs:
            rule = str(f.get("rule", "?"))
            counts[rule] += 1
            result.codes.setdefault(rule, str(f.get("code", "")))
    old, new, result.exact = _match(old, new, _exact)
    old, new, result.reworded = _match(old, new, _same_line)
    old, new, result.moved = _match(old, new, _moved, nearest=True)
    result.appeared = sorted(new, key=_exact)
    result.disappeared = sorted(old, key=_exact)
    return result


def folder_changes(
    old_results: Sequence[FolderResult], new_results: Sequence[FolderResult]
) -> list[str]:
    """Folders linted by one run only, or whose exit code or failure changed."""
    old = {r.folder: r for r in old_results}
    new = {r.folder: r for r in new_results}
    lines = []
    for folder in sorted(old.keys() | new.keys()):
        before, after = old.get(folder), new.get(folder)
        if before is None or after is None:
            lines.append(f"  {folder}: only in the {'earlier' if after is None else 'new'} run")
        elif (before.exit_code, before.failed) != (after.exit_code, after.failed):
            detail = after.bad_output or after.error_line or after.stderr_first_line
            lines.append(
                f"  {folder}: exit {before.exit_code} -> {after.exit_code}"
                + (f" ({detail})" if after.failed and detail else "")
            )
    return lines


def print_comparison(comparison: Comparison, changes: Sequence[str], old_path: Path) -> None:
    appeared = Counter(str(f.get("rule", "?")) for _, f in comparison.appeared)
    disappeared = Counter(str(f.get("rule", "?")) for _, f in comparison.disappeared)
    rules = sorted(
        comparison.old_counts.keys() | comparison.new_counts.keys(),
        key=lambda r: (comparison.codes.get(r, ""), r),
    )
    print(f"compared with {old_path}")
    width = max([len(rule) for rule in rules] + [4])
    header = f"{'code':<6} {'rule':<{width}} {'before':>7} {'after':>7} {'+new':>7} {'-gone':>7}"
    print(header)
    print("-" * len(header))
    for rule in rules:
        if not (appeared[rule] or disappeared[rule]):
            continue
        print(
            f"{comparison.codes.get(rule, ''):<6} {rule:<{width}} "
            f"{comparison.old_counts[rule]:>7} {comparison.new_counts[rule]:>7} "
            f"{appeared[rule]:>7} {disappeared[rule]:>7}"
        )
    print("-" * len(header))
    print(
        f"{'':<6} {'all':<{width}} {sum(comparison.old_counts.values()):>7} "
        f"{sum(comparison.new_counts.values()):>7} {len(comparison.appeared):>7} "
        f"{len(comparison.disappeared):>7}"
    )
    print(
        f"matched: {comparison.exact} unchanged, {comparison.reworded} reworded at the same "
        f"line, {comparison.moved} at another line; rules without a change are not listed"
    )
    print(f"folders whose result changed: {len(changes)}")
    for line in changes:
        print(line)


def write_comparison(comparison: Comparison, root: Path, old_path: Path, out: Path) -> int:
    """Every appeared and disappeared finding as Markdown, for judging by hand."""
    parts = [
        f"# aerich-lint findings that changed against {old_path} (corpus {root})\n",
        f"{len(comparison.appeared)} appeared, {len(comparison.disappeared)} disappeared. "
        "Judge each: `verdict:` TP (a real hazard), FP (not one), or ? (cannot tell); "
        "for a disappeared finding the verdict is on the finding that is gone.\n",
    ]
    for title, sign, pairs in (
        ("Appeared", "+", comparison.appeared),
        ("Disappeared", "-", comparison.disappeared),
    ):
        parts.append(f"# {title} ({len(pairs)})\n")
        for number, (folder, f) in enumerate(pairs, 1):
            parts.append(finding_markdown(f"{sign}{number}.", folder, f, root))
    out.write_text("\n".join(parts), encoding="utf-8")
    return len(comparison.appeared) + len(comparison.disappeared)


# --------------------------------------------------------------------------- main


def default_executable() -> list[str]:
    """The aerich-lint next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("aerich-lint")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("aerich-lint")
    return [found] if found else [sys.executable, "-m", "aerich_lint"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", default=".corpus", type=Path, help="corpus root")
    parser.add_argument("--aerich-lint", dest="executable", help="aerich-lint command to run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel runs")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per folder")
    parser.add_argument("--sample", type=int, metavar="N", help="sample N warning/error findings")
    parser.add_argument("--seed", type=int, default=0, help="random seed of --sample")
    parser.add_argument("--out", type=Path, help="file the --sample or the --compare goes to")
    parser.add_argument("--rule", help="list every finding of this rule (name or code)")
    parser.add_argument("--json", type=Path, help="write every folder's result to this file")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="OLD.json",
        help="findings that appeared and disappeared since the run that wrote OLD.json",
    )
    parser.add_argument(
        "--index-dialect",
        action="store_true",
        help="pass INDEX.tsv's dialect guess as --dialect (default: aerich-lint infers it)",
    )
    args = parser.parse_args(argv)
    if args.sample is not None and args.out is None:
        parser.error("--sample needs --out FILE")
    if args.sample is not None and args.compare is not None:
        parser.error("--sample and --compare both write to --out: run them one at a time")
    if args.compare is not None and not args.compare.is_file():
        parser.error(f"no earlier run at {args.compare} (write one with --json)")
    if not args.root.is_dir():
        parser.error(f"no corpus at {args.root} (see benchmarks/README.md to build one)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root: Path = args.root
    old_results: list[FolderResult] | None = None
    if args.compare is not None:  # read before the run: a bad file should not cost one
        try:
            old_results = load_results(args.compare)
        except (ValueError, TypeError) as exc:
            print(f"--compare {args.compare}: {exc}", file=sys.stderr)
            return 2
    index = read_index(root)
    folders = sorted(index) if index else find_app_folders(root)
    folders = [f for f in folders if (root / f).is_dir()]
    if not folders:
        print(f"no app folders under {root}", file=sys.stderr)
        return 1
    executable = args.executable.split() if args.executable else default_executable()
    if executable and os.sep in executable[0]:
        # each folder is linted from inside its project: a relative path must not break
        executable[0] = str(Path(executable[0]).resolve())
    results = lint_all(
        executable, root, folders, index, args.jobs, args.timeout, args.index_dialect
    )

    print_totals(results, root)
    if args.rule:
        print()
        print_rule(results, root, args.rule)
    if args.sample is not None:
        written = write_sample(results, root, args.sample, args.seed, args.out)
        print(f"\nsample of {written} finding(s) written to {args.out}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1), "utf-8")
    if old_results is not None:
        comparison = compare(old_results, results)
        print()
        print_comparison(comparison, folder_changes(old_results, results), args.compare)
        if args.out is not None:
            written = write_comparison(comparison, root, args.compare, args.out)
            print(f"\n{written} changed finding(s) written to {args.out}")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
