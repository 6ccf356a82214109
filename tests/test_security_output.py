"""Hostile migrations from a pull request: what aerich-lint prints must stay inert.

Each test builds a real project in a temporary folder and runs the real command.
The attacks: workflow commands forged through names and paths in a GitHub
Actions log, terminal escapes, HTML and links in the markdown review, invalid XML,
a flood of findings, SQL nested deeper than the parser recurses, an unwritable
baseline, and an "All checks passed" beside an exit code 2.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import INIT_SQL, cli, write_migration

# A table name that tries everything at once: newlines and a CR (each starts a
# new line for the runner, then a workflow command), the runner's legacy
# "##[command]" (honoured anywhere in a line), SGR and OSC 8 escapes, BEL,
# backspace, a bidi override and isolate.
NAME = (
    "evil\n::error file=x.py,line=1::forged\r::stop-commands::tok ##[error]legacy "
    "\x1b[31mred\x1b]8;;http://e\x07link\x1b]8;;\x07\x08\u202egnp\u2066.exe"
)
# The same as the text output shows it: one line, every control visible.
SHOWN = (
    "evil\\n::error file=x.py,line=1::forged\\r::stop-commands::tok ##\\x5berror]legacy "
    "\\x1b[31mred\\x1b]8;;http://e\\x07link\\x1b]8;;\\x07\\x08\\u202egnp\\u2066.exe"
)
DROP = "migrations/models/1_20240102000000_drop.py"
# Our own annotations, and nothing else, may start a line with "::".
OURS = re.compile(
    r"::(error|warning|notice) (file=[^,:]*,line=\d+,col=\d+,title=[a-z-]+ \(AL\d+\)|"
    r"title=aerich-lint)::"
)
# What the runner takes as a line: LF, CR LF or a lone CR ends one.
RUNNER_LINES = re.compile(r"\r\n|\r|\n")


def source(text: str) -> str:
    """``text`` as it goes into the migration's Python string literal: controls as
    escape sequences, newlines as they are."""
    return text.encode("unicode_escape").decode("ascii").replace("\\n", "\n")


def hostile_project(root: Path) -> Path:
    folder = root / "migrations" / "models"
    table = f'CREATE TABLE "{source(NAME)}" ("id" SERIAL NOT NULL PRIMARY KEY);'
    write_migration(folder, "0_20240101000000_init.py", table)
    write_migration(folder, "1_20240102000000_drop.py", f'DROP TABLE "{source(NAME)}";', table)
    return root


def assert_inert_in_a_github_log(output: str) -> None:
    for line in RUNNER_LINES.split(output):
        stripped = line.lstrip()
        if stripped.startswith("::"):
            assert OURS.match(stripped), line
        assert "##[" not in line, line


def test_text_output_in_github_actions_cannot_forge_workflow_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_project(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    proc = cli("--no-color", "--select", "drop-table", "migrations", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert_inert_in_a_github_log(proc.stdout + proc.stderr)
    lines = proc.stdout.split("\n")
    assert f"{DROP}:8:1: error drop-table drops table {SHOWN}: every row in it is deleted" in lines
    assert lines[-2] == (
        f"::error file={DROP},line=8,col=1,title=drop-table (AL101)::drops table {SHOWN}: "
        "every row in it is deleted — fix: back the data up and drop the table in a later, "
        "separate migration"
    )


def test_github_format_escapes_every_field(tmp_path: Path) -> None:
    hostile_project(tmp_path)
    # A folder and a file name with a newline and workflow-command text in them.
    folder = tmp_path / "::error title=t::forged" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    write_migration(folder, "1_20240102000000_x\n::warning::name,a.py", 'DROP TABLE "product";')
    proc = cli(
        "--format", "github", "--select", "drop-table", "migrations", folder.parent.name,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert_inert_in_a_github_log(proc.stdout + proc.stderr)
    lines = proc.stdout.splitlines()
    assert (
        "::error file=%3A%3Aerror title=t%3A%3Aforged/models/1_20240102000000_x\\n%3A%3Awarning"
        "%3A%3Aname%2Ca.py,line=8,col=1,title=drop-table (AL101)::drops table product: every "
        "row in it is deleted — fix: back the data up and drop the table in a later, separate "
        "migration"
    ) in lines
    ours = next(line for line in lines if line.startswith(f"::error file={DROP},"))
    assert ours.startswith(f"::error file={DROP},line=8,col=1,title=drop-table (AL101)::")
    assert f"::drops table {SHOWN}: every row" in ours


def test_a_path_that_starts_with_a_command_is_shown_from_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "::error title=t::forged" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    write_migration(folder, "1_20240102000000_drop.py", 'DROP TABLE "product";')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    proc = cli("--no-color", "--select", "drop-table", folder.parent.name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert_inert_in_a_github_log(proc.stdout)
    assert (
        "./::error title=t::forged/models/1_20240102000000_drop.py:8:1: error drop-table "
        "drops table product: every row in it is deleted"
    ) in proc.stdout.splitlines()


def test_stderr_and_config_values_cannot_forge_workflow_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_project(tmp_path)
    # A config value (the pull request can change pyproject.toml too) and a path.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aerich]\ntortoise_orm = "x\\n::error::config"\nlocation = "./migrations"\n'
    )
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    proc = cli(
        "--no-color", "--select", "drop-table", "migrations", "gone\n::error::path", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert_inert_in_a_github_log(proc.stdout + proc.stderr)
    assert proc.stderr.splitlines() == [
        "aerich-lint: error: gone\\n::error::path: no such file or directory"
    ]
    assert "x\\n::error::config" in proc.stdout


def test_terminal_escapes_from_migrations_are_shown_not_sent(tmp_path: Path) -> None:
    hostile_project(tmp_path)
    plain = cli("--no-color", "--select", "drop-table", "migrations", cwd=tmp_path)
    colored = cli("--color", "--select", "drop-table", "migrations", cwd=tmp_path)
    for proc in (plain, colored):
        assert proc.returncode == 1, proc.stderr
        assert SHOWN in proc.stdout
        for char in "\r\x07\x08\u202e\u2066":
            assert char not in proc.stdout
    assert "\x1b" not in plain.stdout
    # With colour on, every ESC is one of our own SGR codes.
    assert "\x1b[31m" in colored.stdout  # "error" in red
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored.stdout) == plain.stdout


def test_markdown_review_holds_no_html_links_or_broken_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    column = "a<img src=x>[l](http://e.example)``b|c"
    write_migration(
        folder,
        "1_20240102000000_x.py",
        f'ALTER TABLE "product" ADD "{column}" VARCHAR(10) DEFAULT \'<b>x</b> *q* $m$\' NOT NULL;\n'
        'DROP TABLE "evil\n| x | y |\n## heading";',
        "SELECT 1;",
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    proc = cli("review", "migrations", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    assert summary.read_text() == report
    assert_inert_in_a_github_log(report)
    lines = report.splitlines()
    # The name is one code span whose fence is longer than its backtick run.
    assert (
        "- adds column ``` product.a<img src=x>[l](http://e.example)``b|c ``` VARCHAR(10) "
        "NOT NULL DEFAULT '&lt;b&gt;x&lt;/b&gt; \\*q\\* \\$m\\$'"
    ) in lines
    assert (
        "- drops table `evil\\n| x | y |\\n## heading` if it exists (it does not at this point)"
        in lines
    )
    # In a message (a table cell): HTML as entities, link syntax and pipes escaped,
    # the bare URL's "://" broken so GitHub does not link it.
    row = next(line for line in lines if "`downgrade-mismatch`" in line and "product.a" in line)
    assert (
        "column product.a&lt;img src=x&gt;\\[l\\](http\\://e.example)\\`\\`b\\|c added by the "
        "upgrade is left in place by the downgrade"
    ) in row
    assert row.count(" | ") == 4  # five cells, whatever the name holds
    assert (
        "| 9 | error | `unknown-object` (AL201) | drops table evil\\\\n\\| x \\| y \\|\\\\n## heading, "
        "which does not exist | restore the migration that creates it, or regenerate this one |"
    ) in lines
    # Outside code spans (where markdown shows text as it is), no "<" at all.
    outside = re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", report)
    assert "<" not in outside and "&lt;img" in outside
    assert not any(line.startswith("## heading") for line in lines)


def test_junit_is_valid_xml_and_json_is_exact_whatever_the_sql_holds(tmp_path: Path) -> None:
    hostile_project(tmp_path)
    junit = cli("--format", "junit", "--select", "drop-table", "migrations", cwd=tmp_path)
    assert junit.returncode == 1, junit.stderr
    assert_inert_in_a_github_log(junit.stdout)
    root = ET.fromstring(junit.stdout)  # \x07, \x08 and \x1b are not XML 1.0
    (failure,) = root.iter("failure")
    assert failure.get("message") == (
        f"drops table {NAME}: every row in it is deleted".replace("\x1b", "\\x1b")
        .replace("\x07", "\\x07")
        .replace("\x08", "\\x08")
    )
    assert f"error drop-table drops table {SHOWN}: every row" in (failure.text or "")
    for fmt in ("json", "sarif", "gitlab"):
        proc = cli("--format", fmt, "--select", "drop-table", "migrations", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert_inert_in_a_github_log(proc.stdout)
        assert "##\\u005b" in proc.stdout
    doc = json.loads(
        cli("--format", "json", "--select", "drop-table", "migrations", cwd=tmp_path).stdout
    )
    assert doc["findings"][0]["statement"] == f'DROP TABLE "{NAME}"'


@pytest.mark.skipif(sys.platform != "linux", reason="file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    path = write_migration(folder, "1_20240102000000_x.py", 'DROP TABLE "product";')
    os.rename(path, os.fsencode(folder) + b"/1_20240102000000_x\xff.py")
    for fmt in ("text", "json", "sarif", "gitlab", "github", "junit", "markdown"):
        # (With and without the cache: its keys are made of file names too.)
        cache = ["--no-cache"] if fmt == "json" else []
        proc = cli(*cache, "--format", fmt, "--select", "drop-table", "migrations", cwd=tmp_path)
        assert proc.returncode == 1, (fmt, proc.stderr)
        assert proc.stderr == ""
    text = cli(
        "--no-cache", "--no-color", "--select", "drop-table", "migrations", cwd=tmp_path
    ).stdout
    assert "migrations/models/1_20240102000000_x\\udcff.py:8:1: error drop-table" in text


FLOOD = 2000


def test_a_flood_of_findings_is_summarised(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    write_migration(folder, "1_20240102000000_flood.py", 'DELETE FROM "product";\n' * FLOOD)
    args = ("--select", "delete-without-where", "migrations")
    flood = "migrations/models/1_20240102000000_flood.py"

    text = cli("--no-color", *args, cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert len([line for line in lines if re.match(f"{flood}:[0-9]", line)]) == 20
    assert (
        f"{flood}: {FLOOD - 20} more delete-without-where findings not shown (only the first "
        "20 of a rule in a file are; --format json lists all)"
    ) in lines
    assert f"Found {FLOOD} problems ({FLOOD} errors) in 2 migrations." in lines
    assert len(lines) < 60

    github = cli("--format", "github", *args, cwd=tmp_path).stdout.splitlines()
    errors = [line for line in github if line.startswith("::error ")]
    assert len(errors) == 10  # what GitHub shows of a kind in a step
    assert errors[-1] == (
        f"::error title=aerich-lint::{FLOOD - 9} more errors without an annotation (GitHub "
        "shows 10 per step): the job log lists them (the first 20 of a rule in a file), "
        "--format json or sarif every one"
    )
    assert len(github) < 60

    review = cli("review", *args, cwd=tmp_path).stdout
    assert f"- deletes every row of `product`: its data is deleted ({FLOOD} times)" in review
    assert len(review.splitlines()) < 60

    # The machine formats keep every finding.
    doc = json.loads(cli("--format", "json", *args, cwd=tmp_path).stdout)
    assert len(doc["findings"]) == FLOOD


# PostgreSQL 15 accepts 9,000 nested parentheses here (its parser stops near
# 10,000: "memory exhausted"); sqlglot recurses out of stack after about 490.
DEPTH = 3000


def test_sql_nested_deeper_than_the_parser_is_unrecognised_not_invalid(tmp_path: Path) -> None:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT_SQL)
    nested = "(" * DEPTH + "1" + ")" * DEPTH
    write_migration(folder, "1_20240102000000_deep.py", f"SELECT {nested};", "SELECT 1;")
    proc = cli("--format", "json", "migrations", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    rules = [f["rule"] for f in json.loads(proc.stdout)["findings"]]
    assert "sql-syntax" not in rules
    assert "unrecognized-sql" in rules
    # Not an error: --fail-on error passes it. And a second, cached run agrees.
    for _ in range(2):
        assert cli("--fail-on", "error", "migrations", cwd=tmp_path).returncode == 0
    text = cli("--no-color", "--select", "unrecognized-sql", "migrations", cwd=tmp_path).stdout
    line = next(line for line in text.splitlines() if "unrecognized-sql" in line)
    assert len(line) < 1200  # the 6,000-character statement is shortened in the middle
    assert line.endswith("': no rule can check this statement")


def _project(root: Path) -> Path:
    write_migration(root / "migrations" / "models", "0_20240101000000_init.py", INIT_SQL)
    return root


@pytest.mark.parametrize("where", ["a_file/baseline.json", "missing/baseline.json"])
def test_write_baseline_where_it_cannot_be_written(tmp_path: Path, where: str) -> None:
    _project(tmp_path)
    (tmp_path / "a_file").write_text("")
    proc = cli("--write-baseline", where, "migrations", cwd=tmp_path)
    assert proc.returncode == 2
    reason = "Not a directory" if where.startswith("a_file") else "No such file or directory"
    assert proc.stderr == f"aerich-lint: error: --write-baseline {where}: {reason}\n"
    assert proc.stdout == ""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders"
)
def test_write_baseline_into_a_read_only_folder(tmp_path: Path) -> None:
    _project(tmp_path)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        proc = cli("--write-baseline", "ro/baseline.json", "migrations", cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 2
    assert (
        proc.stderr == "aerich-lint: error: --write-baseline ro/baseline.json: Permission denied\n"
    )
    assert list(folder.iterdir()) == []


def test_write_baseline_beside_a_leftover_temporary_folder(tmp_path: Path) -> None:
    _project(tmp_path)
    (tmp_path / ".baseline.json.tmp").mkdir()  # what the old fixed temporary name hit
    proc = cli("--write-baseline", "baseline.json", "migrations", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "baseline.json").read_text())["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".baseline")) == [
        ".baseline.json.tmp"
    ]


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
def test_no_pass_verdict_in_a_run_that_exits_2(tmp_path: Path, fmt: str) -> None:
    _project(tmp_path)
    clean = tmp_path / "migrations"
    runs = [
        ("--format", fmt, str(clean), "does-not-exist"),  # a missing path beside a good one
        ("--format", fmt, "does-not-exist"),
    ]
    for args in runs:
        proc = cli("--fail-on", "error", *args, cwd=tmp_path)
        assert proc.returncode == 2, args
        out = proc.stdout.lower()
        assert "all checks passed" not in out and "no finding at or above" not in out, out
        assert proc.stderr == "aerich-lint: error: does-not-exist: no such file or directory\n"
    text = cli("--fail-on", "error", str(clean), "does-not-exist", cwd=tmp_path).stdout
    if fmt == "text":
        assert "Incomplete run: 1 error (on stderr)." in text.splitlines()
    # A broken config and an unwritable baseline: an error line, no report at all.
    (tmp_path / "pyproject.toml").write_text("[tool.aerich-lint\n")
    proc = cli("--format", fmt, "migrations", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    (tmp_path / "pyproject.toml").unlink()
    proc = cli("--format", fmt, "--write-baseline", "missing/b.json", "migrations", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""


def test_github_and_markdown_say_the_run_is_incomplete(tmp_path: Path) -> None:
    _project(tmp_path)
    github = cli("--format", "github", "--fail-on", "error", "migrations", "gone", cwd=tmp_path)
    assert github.stdout.splitlines()[-1] == (
        "aerich-lint: 2 problems (2 info) in 1 migration; incomplete run: 1 error (on stderr)."
    )
    review = cli("review", "migrations", "gone", cwd=tmp_path)
    assert review.returncode == 2
    assert review.stdout.startswith(
        "## aerich-lint review\n\n**Incomplete run: 1 error**; migrations may be missing below:"
        "\n\n- gone: no such file or directory\n"
    )
