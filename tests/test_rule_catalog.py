"""The rule catalog (``aerich_lint/rules/__init__.py``) is what the policy reads
without importing the rules' logic; it must say what the rule classes say, and a
warm run must need nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aerich_lint.errors import UsageError
from aerich_lint.rules import CATALOG, resolve, rule_name
from aerich_lint.rules.registry import RULES, catalog_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "aerich" / "postgres"

# What only running rules (or loading and parsing files) needs.
HEAVY = (
    "aerich_lint.rules.",
    "aerich_lint.effects",
    "aerich_lint.history",
    "aerich_lint.parse",
    "aerich_lint.load.python",
    "sqlglot",
)


def test_the_catalog_is_written_from_the_rule_classes() -> None:
    text = (ROOT / "aerich_lint" / "rules" / "__init__.py").read_text(encoding="utf-8")
    assert catalog_source() in text, "run `python -m aerich_lint.rules.registry` and paste it"
    assert [e.name for e in CATALOG] == [r.name for r in RULES]


def test_every_code_and_name_is_one_rules() -> None:
    assert len({e.code for e in CATALOG}) == len(CATALOG)
    assert len({e.name for e in CATALOG}) == len(CATALOG)


def test_names_codes_and_prefixes_resolve_without_the_rules() -> None:
    assert rule_name(" AL101 ") == "drop-table"
    assert rule_name("Drop-Table") == "drop-table"
    assert rule_name("al9") is None
    assert resolve(["AL24"], "--select") == {
        "irreversible-migration",
        "conflicting-leaves",
        "missing-dependency",
        "sql-generation-failed",
        "mixed-migration-systems",
    }
    with pytest.raises(UsageError, match=r"--ignore: unknown rule 'nope'"):
        resolve(["nope"], "--ignore")


def _imported(project: Path, cache: Path) -> list[str]:
    """The heavy modules one ``aerich-lint .`` process imported."""
    code = (
        "import sys, io, contextlib\nfrom aerich_lint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--dialect', 'postgres', '.'])\n    except SystemExit:\n        pass\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))\n"
    )
    env = {**os.environ, "AERICH_LINT_CACHE_DIR": str(cache)}
    env.pop("AERICH_LINT_NO_CACHE", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_a_warm_run_imports_no_rule_logic(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    cold = _imported(project, tmp_path / "cache")
    assert "aerich_lint.rules.drop_column" in cold and "aerich_lint.history" in cold
    assert _imported(project, tmp_path / "cache") == []
