"""Every rule's cases: ``tests/rules/<rule_name>.toml``, one migration in, findings out.

A case file holds ``[[case]]`` tables (see README "To add a rule"):

- ``name``: what the case shows (the test id is ``<rule>:<name>``).
- ``dialect``: postgres (default), mysql or sqlite.
- ``history``: the upgrade SQL of the earlier migrations, written as ``0_...``,
  ``1_...`` before the case's file. Default: one init migration that creates a
  ``"product"`` table (``id``, ``name VARCHAR(200) NOT NULL``) for the dialect.
- ``upgrade`` / ``downgrade`` / ``run_in_transaction``: the case's migration, written
  by ``write_migration`` (upgrade SQL from line 8 of the file).
- ``[[case.file]]`` (``name``, ``text``): whole files written into the app folder
  after the history, instead of upgrade/downgrade (invalid Python, odd names, ...).
  TOML puts every key after a ``[[case.file]]`` header into that file: write the
  case's own keys, ``expect`` included, before its first ``[[case.file]]``.
- ``models_state``: tables and their columns (``{ product = ["id", "name"] }``; a
  column may be a table of describe() attributes, ``{ db_column = "sku", nullable =
  true }``), written as the case's MODELS_STATE (base64 + zlib + JSON, as aerich does).
- ``verify = true``: run ``aerich-lint verify`` (``locks = true``: ``--locks``) on the
  dialect's test server instead of linting: SQLite in memory, PostgreSQL and MySQL from
  AERICH_LINT_TEST_POSTGRES_URL / AERICH_LINT_TEST_MYSQL_URL (skipped when unset, failed
  in CI); only the findings of ``select``'s rules are compared.
- ``select`` (default: only the file's rule), ``target`` (e.g. ``"mysql:5.7"``),
  ``execute`` (default true; false is ``--no-exec``).
- ``example``: true when the case's upgrade is the rule's documented ``example``;
  ``"downgrade"`` (its downgrade is), ``"both"`` (``-- upgrade``, the upgrade,
  ``-- downgrade``, the downgrade), ``"file"`` (its one ``[[case.file]]``'s text) or
  ``"names"`` (its files' paths, ``migrations/models/<name>``, one a line).
- ``expect``: every finding in the case's files (the history's are not linted), in
  order: ``rule``, ``section``, ``message``, ``line`` and, when not the case's own
  file (the last one written), ``file``. For upgrade/downgrade cases ``line`` counts from the section's first SQL
  line (1); a finding outside the SQL (on a ``def`` line, say) gives ``file_line``
  instead. In ``[[case.file]]`` cases ``line`` is the file's line. ``severity`` is
  optional. ``expect = []``: the rule must stay quiet.
"""

from __future__ import annotations

import base64
import json
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from aerich_lint.lint import Options, run
from aerich_lint.model import Dialect, Finding
from aerich_lint.rules.registry import BY_NAME, RULES
from aerich_lint.targets import parse_target
from aerich_lint.verify import VerifyOptions, run_verify
from conftest import INIT_SQL, server_url, write_migration

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

HERE = Path(__file__).resolve().parent

# Rules a case file cannot run, and why: their files hold no cases. Their examples are
# a diff and a `git mv`, not a migration; their tests build git repositories.
EXEMPT: dict[str, str] = {
    "edited-migration": "needs a git history and --since (tests/test_review_since.py)",
    "deleted-migration": "needs a git history and --since (tests/test_deleted_migration.py)",
    "breaks-running-code": "needs a git history and --since (tests/test_breaks_running_code.py)",
    "sql-generation-failed": "needs a Tortoise project whose SQL tortoise generates "
    "(settings, models): tests/test_native.py, on the generated fixtures",
    "mixed-migration-systems": "needs an aerich folder and a native package side by side: "
    "tests/test_native.py",
    "applied-file-missing": "needs a database the real aerich upgraded: tests/test_status.py",
    "applied-state-differs": "needs a database the real aerich upgraded: tests/test_status.py",
    "schema-drift": "needs a database the real aerich upgraded: tests/test_status.py",
}

INIT: dict[str, str] = {
    "postgres": INIT_SQL,
    "mysql": "CREATE TABLE IF NOT EXISTS `product` (`id` INT NOT NULL PRIMARY KEY "
    "AUTO_INCREMENT, `name` VARCHAR(200) NOT NULL) CHARACTER SET utf8mb4;",
    "sqlite": 'CREATE TABLE IF NOT EXISTS "product" ("id" INTEGER PRIMARY KEY '
    'AUTOINCREMENT NOT NULL, "name" VARCHAR(200) NOT NULL);',
}

CASE_KEYS = {
    "name", "example", "dialect", "history", "upgrade", "downgrade", "run_in_transaction",
    "file", "select", "target", "execute", "models_state", "verify", "locks", "expect",
}  # fmt: skip
FILE_KEYS = {"name", "text"}
EXPECT_KEYS = {"rule", "file", "section", "line", "file_line", "message", "severity"}
EXAMPLE_KINDS = {True, False, "downgrade", "both", "file", "names"}
DIALECTS = {d.value for d in Dialect}
APP = Path("migrations") / "models"
CASE_NAME = "{n}_20240201000000_change.py"


def models_state(tables: dict[str, list[Any]]) -> str:
    """A MODELS_STATE line: tortoise's describe() of models with these columns."""
    state = {}
    for table, columns in tables.items():
        fields = [c if isinstance(c, dict) else {"db_column": c} for c in columns]
        fields = [{"name": f["db_column"], "nullable": False, **f} for f in fields]
        state[f"models.{table.title()}"] = {
            "name": f"models.{table.title()}", "app": "models", "table": table,
            "abstract": False, "pk_field": fields[0], "data_fields": fields[1:],
            "fk_fields": [], "o2o_fields": [], "m2m_fields": [],
        }  # fmt: skip
    blob = base64.b64encode(zlib.compress(json.dumps(state).encode())).decode()
    return f'\n\nMODELS_STATE = (\n    "{blob}"\n)\n'


def file_name(rule: str) -> str:
    return rule.replace("-", "_") + ".toml"


def load(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    assert set(data) <= {"case"}, f"{path.name}: unknown top-level keys {set(data) - {'case'}}"
    cases: list[dict[str, Any]] = data.get("case", [])
    return cases


def sql(text: str) -> str:
    return dedent(text).strip("\n")


@dataclass
class Written:
    folder: Path
    main: str  # the case's own file (the last one written)
    paths: list[Path]  # the files linted: the case's, not its history
    starts: dict[str, int]  # section -> file line of its first SQL line
    lines: dict[str, int]  # section -> how many SQL lines


def write(case: dict[str, Any], tmp_path: Path) -> Written:
    dialect = case.get("dialect", "postgres")
    folder = tmp_path / APP
    folder.mkdir(parents=True)
    history = case.get("history", [INIT[dialect]])
    for i, upgrade in enumerate(history):
        name = "0_20240101000000_init.py" if i == 0 else f"{i}_2024010{i}000000_step.py"
        write_migration(folder, name, upgrade, "SELECT 1;" if i else "")
    if "file" in case:
        paths = [folder / file["name"] for file in case["file"]]
        for path, file in zip(paths, case["file"], strict=True):
            path.write_text(file["text"])
        return Written(folder, paths[-1].name, paths, {}, {})
    upgrade, downgrade = sql(case.get("upgrade", "")), sql(case.get("downgrade", ""))
    main = CASE_NAME.format(n=len(history))
    path = write_migration(folder, main, upgrade, downgrade, case.get("run_in_transaction", True))
    if "models_state" in case:
        path.write_text(path.read_text() + models_state(case["models_state"]))
    up_lines = len(upgrade.split("\n"))
    return Written(
        folder,
        main,
        [path],
        {"upgrade": 8, "downgrade": 12 + up_lines},
        {"upgrade": up_lines, "downgrade": len(downgrade.split("\n")) if downgrade else 0},
    )


def lint_case(rule: str, case: dict[str, Any], tmp_path: Path) -> tuple[Written, list[Finding]]:
    written = write(case, tmp_path)
    if case.get("verify", False):
        url = server_url(case.get("dialect", "postgres"))  # skips when there is none
        verified = run_verify(
            VerifyOptions(
                paths=[str(p) for p in written.paths],
                database_url=url,
                locks=case.get("locks", False),
                execute=case.get("execute", True),
            )
        )
        assert verified.errors == [], verified.errors
        select = case.get("select", [rule])
        return written, [f for f in verified.findings if f.rule in select]
    target = case.get("target")
    options = Options(
        paths=[str(p) for p in written.paths],
        dialect=Dialect(case.get("dialect", "postgres")),
        select=case.get("select", [rule]),
        execute=case.get("execute", True),
        target_versions=[parse_target(target)] if target else [],
        cache=False,
    )
    result = run(options)
    assert result.errors == [], result.errors
    return written, result.findings


def described(finding: Finding, written: Written) -> dict[str, Any]:
    """A finding as a case's ``expect`` writes it."""
    out: dict[str, Any] = {"rule": finding.rule}
    if finding.path.name != written.main:
        out["file"] = finding.path.name
    out["section"] = finding.section
    start = written.starts.get(finding.section)
    own = finding.path.name == written.main
    if (
        own
        and start is not None
        and 1 <= finding.line - start + 1 <= written.lines[finding.section]
    ):
        out["line"] = finding.line - start + 1
    elif own and start is not None:
        out["file_line"] = finding.line
    else:
        out["line"] = finding.line
    out["message"] = finding.message
    return out


def all_cases() -> list[Any]:
    params = []
    for rule in RULES:
        path = HERE / file_name(rule.name)
        if not path.exists() or rule.name in EXEMPT:
            continue
        for case in load(path):
            params.append(pytest.param(rule.name, case, id=f"{rule.name}:{case.get('name')}"))
    return params


@pytest.mark.parametrize(("rule", "case"), all_cases())
def test_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    check_keys(case)
    written, findings = lint_case(rule, case, tmp_path)
    want = [{k: v for k, v in e.items() if k != "severity"} for e in case["expect"]]
    assert [described(f, written) for f in findings] == want
    for finding, expected in zip(findings, case["expect"], strict=True):
        if "severity" in expected:
            assert finding.severity.label == expected["severity"]


# --- the case files themselves ----------------------------------------------------


def check_keys(case: dict[str, Any]) -> None:
    name = case.get("name")
    assert isinstance(name, str) and name, f"a case without a name: {case}"
    assert set(case) <= CASE_KEYS, f"{name}: unknown keys {sorted(set(case) - CASE_KEYS)}"
    assert "expect" in case, f"{name}: no expect (write expect = [] for a quiet case)"
    assert case.get("example", False) in EXAMPLE_KINDS, f"{name}: example = {case['example']!r}"
    assert case.get("dialect", "postgres") in DIALECTS, f"{name}: dialect {case['dialect']!r}"
    if "file" in case:
        assert not {"upgrade", "downgrade", "run_in_transaction"} & set(case), (
            f"{name}: whole files or upgrade/downgrade, not both"
        )
        for file in case["file"]:
            assert set(file) == FILE_KEYS, f"{name}: a file has keys {sorted(file)}"
    else:
        assert "upgrade" in case, f"{name}: no upgrade and no files"
    for finding in case["expect"]:
        assert set(finding) <= EXPECT_KEYS, f"{name}: unknown keys in {finding}"
        assert {"rule", "section", "message"} <= set(finding), f"{name}: incomplete {finding}"
        assert ("line" in finding) != ("file_line" in finding), f"{name}: line or file_line"
        assert finding["rule"] in BY_NAME, f"{name}: unknown rule {finding['rule']!r}"


def example_text(case: dict[str, Any]) -> str:
    kind = case["example"]
    if kind is True:
        return sql(case["upgrade"])
    if kind == "downgrade":
        return sql(case["downgrade"])
    if kind == "both":
        return f"-- upgrade\n{sql(case['upgrade'])}\n-- downgrade\n{sql(case['downgrade'])}"
    if kind == "file":
        (file,) = case["file"]
        return str(file["text"]).strip()
    assert kind == "names"
    return "\n".join(f"{APP.as_posix()}/{f['name']}" for f in case["file"])


def test_every_rule_has_a_case_file() -> None:
    missing = [file_name(r.name) for r in RULES if not (HERE / file_name(r.name)).exists()]
    assert missing == []


def test_every_case_file_names_a_rule() -> None:
    names = {file_name(r.name) for r in RULES}
    assert sorted(p.name for p in HERE.glob("*.toml") if p.name not in names) == []


@pytest.mark.parametrize("rule", [r.name for r in RULES if r.name not in EXEMPT])
def test_the_example_is_a_case(rule: str) -> None:
    cases = load(HERE / file_name(rule))
    for case in cases:
        check_keys(case)
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names), f"{rule}: two cases with the same name"
    examples = [c for c in cases if c.get("example", False) is not False]
    assert len(examples) == 1, f"{rule}: {len(examples)} cases with example = true"
    (case,) = examples
    assert example_text(case) == BY_NAME[rule].example.strip()
    assert any(f["rule"] == rule for f in case["expect"]), "the example finds nothing"
    positive = [c for c in cases if any(f["rule"] == rule for f in c["expect"])]
    quiet = [c for c in cases if not any(f["rule"] == rule for f in c["expect"])]
    assert len(positive) >= 2, f"{rule}: needs a positive case besides its example"
    assert quiet, f"{rule}: needs a case that must stay quiet"


@pytest.mark.parametrize("rule", sorted(EXEMPT))
def test_exempt_rules_hold_no_cases(rule: str) -> None:
    assert rule in BY_NAME
    assert load(HERE / file_name(rule)) == [], f"{rule} is exempt: {EXEMPT[rule]}"


def test_unknown_keys_are_refused() -> None:
    case = {"name": "typo", "upgrade": "SELECT 1;", "expcet": [], "expect": []}
    with pytest.raises(AssertionError, match="unknown keys"):
        check_keys(case)
    case = {"name": "typo", "upgrade": "SELECT 1;", "expect": [{"rule": "truncate", "lne": 1}]}
    with pytest.raises(AssertionError, match="unknown keys"):
        check_keys(case)


# versions 0 to 2, before the version 3 files of the two examples below
THREE_VERSIONS = [INIT["postgres"], 'ALTER TABLE "product" ADD "a" INT;', "SELECT 1;"]


def test_the_edited_migration_example_reads_cleanly(tmp_path: Path) -> None:
    """Its example is a diff: both versions of the file are valid migrations whose
    upgrades differ, and neither is an SQL error (tests/test_review_since.py runs it)."""
    example = BY_NAME["edited-migration"].example
    lines = example.splitlines()
    name = lines[0].removeprefix("# ").split(" ")[0]
    versions = []
    for sign in "-+":
        body = [line for line in lines[1:] if line[:1] not in "-+"]
        body += [" " + line[1:] for line in lines[1:] if line.startswith(sign)]
        text = "\n".join(body) + "\n\n\nasync def downgrade(db):\n    return 'SELECT 1;'\n"
        folder = tmp_path / sign
        case = {"name": name, "file": [{"name": name, "text": text}]}
        case["select"] = ["sql-syntax", "invalid-migration", "version-name"]
        case["history"] = THREE_VERSIONS
        written, findings = lint_case("edited-migration", case, folder)
        assert findings == []
        versions.append(written.paths[0].read_text())
    assert versions[0] != versions[1]


def test_the_deleted_migration_example_is_a_rename_within_a_version(tmp_path: Path) -> None:
    """Its example is a `git mv`: both names are valid migration names of the same
    version, so only the rename can be wrong (tests/test_deleted_migration.py runs it)."""
    example = BY_NAME["deleted-migration"].example
    paths = [w for w in example.split() if w.startswith(f"{APP.as_posix()}/")]
    names = sorted({Path(p).name for p in paths})
    assert len(names) == 2 and len({n.split("_")[0] for n in names}) == 1
    for name in names:
        text = "async def upgrade(db):\n    return 'SELECT 1;'\n\n\nasync def downgrade(db):\n"
        text += "    return 'SELECT 1;'\n"
        case = {"name": name, "file": [{"name": name, "text": text}]}
        case["select"] = ["invalid-migration", "version-name"]
        case["history"] = THREE_VERSIONS
        _, findings = lint_case("deleted-migration", case, tmp_path / name)
        assert findings == []
