"""``--since REF``, ``edited-migration``, baselines and the markdown review, on real
git repositories holding real aerich migrations (tests/fixtures/aerich/postgres)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AERICH, cli, lint, write_migration

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

MODELS = AERICH / "postgres" / "migrations" / "models"
APP = Path("migrations") / "models"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@e",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@e",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain output, and no appending to a real job summary when run in CI."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    )
    return proc.stdout


def fixture(version: int) -> Path:
    return next(MODELS.glob(f"{version}_*.py"))


def name(version: int) -> str:
    return fixture(version).name


def copy(repo: Path, *versions: int) -> None:
    for v in versions:
        shutil.copy(fixture(v), repo / APP / name(v))


def make_repo(tmp_path: Path) -> Path:
    """``main``: migrations 0-5 (applied, with findings); ``feature`` branches off it."""
    repo = tmp_path / "repo"
    (repo / APP).mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    copy(repo, 0, 1, 2, 3, 4, 5)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "applied history")
    _git(repo, "checkout", "-q", "-b", "feature")
    return repo


def feature_repo(tmp_path: Path) -> Path:
    """The feature branch adds 6-9 in every state git knows: 6 and 7 committed, 8
    staged, 9 untracked. Meanwhile ``main`` moved on and edited 5 (after the
    merge base: not this branch's change)."""
    repo = make_repo(tmp_path)
    copy(repo, 6, 7)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "type change and indexes")
    _git(repo, "checkout", "-q", "main")
    five = repo / APP / name(5)
    five.write_text(five.read_text().replace('DROP TABLE IF EXISTS "category"', "SELECT 1"))
    _git(repo, "commit", "-q", "-am", "main edits 5 later")
    _git(repo, "checkout", "-q", "feature")
    copy(repo, 8)
    _git(repo, "add", ".")
    copy(repo, 9)
    return repo


def check(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("--dialect", "postgres", "--no-color", *args, cwd=repo)


def findings(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    doc = json.loads(proc.stdout)
    return [(Path(f["path"]).name, f["rule"], f["line"]) for f in doc["findings"]]


# -- --since -----------------------------------------------------------------------


def test_since_reports_exactly_the_new_migrations_with_history_context(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["files"] == 4
    found = findings(proc)
    assert {f[0] for f in found} == {name(6), name(7), name(9)}  # 8 is clean
    # history-based: VARCHAR(50) comes from migration 1, which is not reported
    narrow = next(f for f in doc["findings"] if f["rule"] == "column-type-change")
    assert narrow["message"].startswith("narrows product.sku from VARCHAR(50) to VARCHAR(30)")
    assert (name(9), "models-state-mismatch", 16) in found
    assert "edited-migration" not in {f[1] for f in found}  # 5 changed on main only

    text = check(repo, "--since", "main", "migrations")
    # 9 renames table tag while the running code's Tag (main's MODELS_STATE) uses it
    assert (name(9), "breaks-running-code", 8) in found
    assert (name(9), "rename-table", 8) not in found
    assert (
        text.stdout.splitlines()[-1] == "Found 7 problems (2 errors, 5 warnings) in 4 migrations."
    )
    assert not any(name(v) in text.stdout for v in range(6))


def test_since_counts_untracked_files_and_nothing_else(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    proc = check(repo, "--since", "main", "migrations")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "All checks passed: 0 migrations."
    copy(repo, 6)  # untracked
    (repo / APP / "notes.txt").write_text("not a migration")
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    assert json.loads(proc.stdout)["summary"]["files"] == 1
    assert {f[0] for f in findings(proc)} == {name(6)}
    # ignored files are not changes
    (repo / ".gitignore").write_text(f"{APP.as_posix()}/{name(6)}\n")
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    assert json.loads(proc.stdout)["summary"]["files"] == 0


def test_since_intersects_with_the_files_named(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    proc = check(
        repo, "--format", "json", "--since", "main", str(APP / name(4)), str(APP / name(7))
    )
    assert {f[0] for f in findings(proc)} == {name(7)}
    assert json.loads(proc.stdout)["summary"]["files"] == 1


def test_renamed_migration_counts_as_added(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    _git(repo, "mv", str(APP / name(4)), str(APP / "4_20261122032410_drop_fields.py"))
    _git(repo, "commit", "-q", "-m", "rename")
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    found = findings(proc)
    assert {f[0] for f in found} == {"4_20261122032410_drop_fields.py"}
    assert "edited-migration" not in {f[1] for f in found}


def test_edited_old_migration_is_reported(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    one = repo / APP / name(1)
    one.write_text(one.read_text().replace('ADD "sku" VARCHAR(50);', 'ADD "sku" VARCHAR(80);'))
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    doc = json.loads(proc.stdout)
    edited = [f for f in doc["findings"] if f["rule"] == "edited-migration"]
    assert [(Path(f["path"]).name, f["line"], f["severity"], f["code"]) for f in edited] == [
        (name(1), 6, "warning", "AL230")
    ]
    assert edited[0]["message"] == (
        "this migration existed before and its upgrade was edited: aerich records applied "
        "migrations by file name, so databases that already ran this file will never see the edit"
    )
    assert edited[0]["fix"] == "revert the edit and put the change in a new migration"
    assert doc["summary"]["files"] == 5
    # the edited history is replayed: 6 now narrows sku from VARCHAR(80)
    assert any("from VARCHAR(80) to VARCHAR(30)" in f["message"] for f in doc["findings"])
    # committing the edit does not hide it
    _git(repo, "commit", "-q", "-am", "edit 1")
    again = check(repo, "--format", "json", "--since", "main", "migrations")
    assert [f for f in findings(again) if f[1] == "edited-migration"] == [
        (name(1), "edited-migration", 6)
    ]
    # without --since there is no base to compare with: the rule is inactive
    plain = check(repo, "--format", "json", "--select", "edited-migration", "migrations")
    assert findings(plain) == []


def test_only_real_upgrade_edits_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    two, three = repo / APP / name(2), repo / APP / name(3)
    # 2: the downgrade is repaired; aerich downgrade reads it from disk, so that is fine
    two.write_text(two.read_text().replace('TO "name";"""', 'TO "name";\n        """'))
    two.write_text(
        two.read_text().replace(
            'RENAME COLUMN "full_name" TO "name"', 'RENAME COLUMN "full_name"  TO "name"'
        )
    )
    # 3: reformatted only (whitespace and a Python comment)
    three.write_text(
        "# reformatted\n"
        + three.read_text().replace(
            'ADD "title" VARCHAR(200) NOT NULL;', 'ADD "title"   VARCHAR(200)  NOT NULL ;'
        )
    )
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    assert json.loads(proc.stdout)["summary"]["files"] == 2  # both are reported ...
    assert "edited-migration" not in {f[1] for f in findings(proc)}  # ... neither is edited
    three.write_text(three.read_text().replace('ADD "title"', 'ADD "headline"'))
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    assert [f for f in findings(proc) if f[1] == "edited-migration"] == [
        (name(3), "edited-migration", 7)
    ]


def test_edited_migration_file_suppression(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    one = repo / APP / name(1)
    one.write_text(
        "# aerich-lint: ignore-file edited-migration never applied anywhere\n"
        + one.read_text().replace("VARCHAR(50);", "VARCHAR(80);")
    )
    proc = check(repo, "--format", "json", "--since", "main", "migrations")
    rules = {f[1] for f in findings(proc)}
    assert "edited-migration" not in rules and "unused-suppression" not in rules
    # without --since the suppression is not reported as unused either
    plain = check(repo, "--format", "json", "migrations")
    assert "unused-suppression" not in {f[1] for f in findings(plain)}


@pytest.mark.parametrize("command", [[], ["review"]])
def test_not_a_git_repository_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    app = tmp_path / "plain" / APP
    app.mkdir(parents=True)
    shutil.copy(fixture(0), app / name(0))
    proc = cli(
        *command, "--dialect", "postgres", "--since", "main", "migrations", cwd=tmp_path / "plain"
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("aerich-lint: error: --since: ")
    assert lines[0].endswith("is not in a git repository")


@pytest.mark.parametrize("command", [[], ["review"]])
def test_unknown_ref_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    repo = make_repo(tmp_path)
    proc = cli(
        *command, "--dialect", "postgres", "--since", "no-such-branch", "migrations", cwd=repo
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"aerich-lint: error: --since: unknown git revision 'no-such-branch' in {repo.resolve()}"
    ]


def test_since_accepts_commits_and_relative_refs(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    proc = check(repo, "--format", "json", "--since", "HEAD", "migrations")
    # from the commit that added 6 and 7: only the staged 8 and the untracked 9
    assert json.loads(proc.stdout)["summary"]["files"] == 2
    sha = _git(repo, "rev-parse", "main").strip()
    proc = check(repo, "--format", "json", "--since", sha, "migrations")
    assert json.loads(proc.stdout)["summary"]["files"] == 4


# -- baseline ----------------------------------------------------------------------


def test_baseline_write_and_reuse(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write = check(repo, "--write-baseline", "baseline.json", "migrations")
    assert write.returncode == 0, write.stderr
    assert write.stdout == "Wrote 14 findings to the baseline baseline.json.\n"
    doc = json.loads((repo / "baseline.json").read_text())
    assert list(doc) == ["version", "fingerprints"] and doc["version"] == 1
    assert len(doc["fingerprints"]) == 14
    entry = next(e for e in doc["fingerprints"].values() if e["rule"] == "drop-table")
    assert entry == {
        "rule": "drop-table",
        "path": f"migrations/models/{name(5)}",
        "message": "drops table category: every row in it is deleted",
    }

    # the old findings are accepted: nothing is reported
    proc = check(repo, "--baseline", "baseline.json", "migrations")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-2:] == [
        "All checks passed: 6 migrations.",
        "14 findings in the baseline were not reported.",
    ]

    # new migrations bring new findings: only those are reported
    copy(repo, 6, 7, 8, 9)
    proc = check(repo, "--format", "json", "--baseline", "baseline.json", "migrations")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert {f[0] for f in findings(proc)} == {name(6), name(7), name(9)}
    assert doc["summary"]["baselined"] == 14
    assert doc["summary"]["findings"] == 7

    # moving statements down keeps them baselined; a new statement is new
    five = repo / APP / name(5)
    five.write_text(
        five.read_text().replace(
            'return """\n        ALTER TABLE "product" DROP CONSTRAINT',
            'return """\n\n        -- moved down\n        ALTER TABLE "product" DROP CONSTRAINT',
            1,
        )
    )
    four = repo / APP / name(4)
    four.write_text(
        four.read_text().replace(
            'DROP COLUMN "age";',
            'DROP COLUMN "age";\n        ALTER TABLE "product" DROP COLUMN "description";',
            1,
        )
    )
    moved = findings(check(repo, "--format", "json", "migrations"))
    assert (name(5), "drop-table", 12) in moved  # was line 10
    proc = check(repo, "--format", "json", "--baseline", "baseline.json", "migrations")
    doc = json.loads(proc.stdout)
    assert doc["summary"]["baselined"] == 14
    assert not [f for f in findings(proc) if f[0] == name(5)]
    # the new DROP COLUMN in 4 is reported (with what it does to the downgrade and state)
    new_in_4 = [f for f in doc["findings"] if Path(f["path"]).name == name(4)]
    assert [f["message"] for f in new_in_4 if f["rule"] == "drop-column"] == [
        "drops column product.description: its data is deleted"
    ]
    assert "drop-table" not in {f[1] for f in findings(proc)}


def test_baseline_without_one_in_use_counts_nothing(tmp_path: Path) -> None:
    proc = cli("--format", "json", "--dialect", "postgres", str(MODELS))
    assert json.loads(proc.stdout)["summary"]["baselined"] == 0
    text = cli("--dialect", "postgres", "--no-color", str(MODELS))
    assert "baseline" not in text.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--baseline bl.json: no such file (create it with --write-baseline)"),
        (
            "{",
            "--baseline bl.json: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)",
        ),
        (
            "[]",
            '--baseline bl.json: not an aerich-lint baseline (expected {"version": 1, "fingerprints": {...}}; write one with --write-baseline)',
        ),
        (
            '{"version": 2, "fingerprints": {}}',
            "--baseline bl.json: unsupported baseline version 2 (expected 1)",
        ),
    ],
)
def test_missing_or_broken_baseline_is_a_usage_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "bl.json").write_text(content)
    proc = cli("--dialect", "postgres", "--baseline", "bl.json", str(MODELS), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [f"aerich-lint: error: {message}"]


def test_baseline_and_write_baseline_together_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli("--baseline", "a.json", "--write-baseline", "b.json", str(MODELS), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "aerich-lint: error: --baseline and --write-baseline cannot be used together"
    ]
    assert not (tmp_path / "b.json").exists()


def test_baseline_with_since(tmp_path: Path) -> None:
    """A baseline written on main, a branch checked with both: its new findings only."""
    repo = make_repo(tmp_path)
    assert check(repo, "--write-baseline", "bl.json", "migrations").returncode == 0
    copy(repo, 6)
    one = repo / APP / name(1)
    one.write_text(one.read_text().replace("VARCHAR(50);", "VARCHAR(80);"))
    proc = check(repo, "--format", "json", "--since", "main", "--baseline", "bl.json", "migrations")
    found = findings(proc)
    # 1's add-required-column is baselined; its edit is new, and so is what it does
    # to 6, whose downgrade now gives sku back as VARCHAR(50)
    assert sorted(found) == [
        (name(1), "edited-migration", 6),
        (name(6), "column-type-change", 8),
        (name(6), "column-type-change", 9),
        (name(6), "downgrade-mismatch", 12),
    ]
    assert json.loads(proc.stdout)["summary"]["baselined"] == 1


# -- review ------------------------------------------------------------------------


def review(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_python_m(), "review", "--dialect", "postgres", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _python_m() -> list[str]:
    return [sys.executable, "-m", "aerich_lint"]


def section(report: str, file_name: str) -> str:
    """The part of the report about one migration."""
    start = report.index(f"### `migrations/models/{file_name}`")
    end = report.find("\n### ", start + 1)
    return report[start : end if end != -1 else report.index("\n---\n")]


def test_review_of_a_branch(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    proc = review(repo, "--since", "main", "migrations", env={"GITHUB_STEP_SUMMARY": ""})
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    assert report.startswith("## aerich-lint review\n\n")
    assert (
        "**4 migrations** in app `models` (postgres). Risk: 2 high, 1 medium, 1 low. "
        "Cannot be rolled back: 0." in report
    )
    headings = [line for line in report.splitlines() if line.startswith("### ")]
    assert headings == [f"### `migrations/models/{name(v)}`" for v in (6, 7, 8, 9)]
    assert "| Migration | Risk | Rollback | Findings |" in report
    assert f"| `{name(6)}` | **high** | yes | 2 |" in report
    assert f"| `{name(8)}` | low | yes | 0 |" in report

    six = section(report, name(6))
    assert "**Risk: high** (1 error finding, 1 warning finding). **Rollback: yes.**" in six
    # the old types come from the replayed history (migration 1, not reported)
    assert "- changes `product.sku` from VARCHAR(50) to VARCHAR(30)\n" in six
    assert "- changes `product.stock` from INT to BIGINT\n" in six
    assert (
        "| 8 | error | `column-type-change` (AL305) | narrows product.sku from VARCHAR(50) to "
        "VARCHAR(30)" in six
    )
    assert (
        "| widen without a rewrite, or add a new column and backfill it; never narrow live |" in six
    )

    seven = section(report, name(7))
    assert "**Risk: medium** (3 warning findings). **Rollback: yes.**" in seven
    assert "- creates unique index `uid_customer_email_0c7dc6` on `customer` (`email`)\n" in seven
    assert "- creates index `idx_product_sku_22efdc` on `product` (`sku`, `stock`)\n" in seven
    assert "- creates table `product_tag` with columns `product_id`, `tag_id`\n" in section(
        report, name(8)
    )
    assert "No findings." in section(report, name(8))
    assert "- renames table `tag` to `label`\n" in section(report, name(9))
    assert report.rstrip().endswith("Generated by aerich-lint 0.1.0.")
    assert "**high** = an error finding, or the upgrade deletes data" in report

    # deterministic: the same bytes on a second run, and from check --format markdown
    assert review(repo, "--since", "main", "migrations").stdout == report
    as_format = check(repo, "--format", "markdown", "--since", "main", "migrations")
    assert as_format.returncode == 1  # check still fails on findings
    assert as_format.stdout == report


def test_review_of_the_applied_history_in_plain_words(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    report = review(repo, "migrations").stdout
    assert (
        "**6 migrations** in app `models` (postgres). Risk: 4 high, 1 medium, 1 low. Cannot be rolled back: 4."
        in report
    )

    init = section(report, name(0))
    assert (
        "**Risk: low**. **Rollback: no: its downgrade is empty (aerich's init never has one).**"
        in init
    )
    assert "- creates table `category` with columns `id`, `name`\n" in init

    add_fields = section(report, name(1))
    assert (
        "- adds column `customer.nickname` VARCHAR(50) NOT NULL without a default\n" in add_fields
    )
    assert "- adds column `product.stock` INT NOT NULL DEFAULT 0\n" in add_fields
    assert "- adds nullable column `product.sku` VARCHAR(50)\n" in add_fields
    assert "**Risk: high** (1 error finding). **Rollback: yes.**" in add_fields

    assert "- renames `customer.name` to `customer.full_name`\n" in section(report, name(2))
    assert "**Risk: medium** (1 warning finding). **Rollback: yes.**" in section(report, name(2))

    rename_no = section(report, name(3))
    assert (
        "What it does:\n\n"
        "- adds column `product.title` VARCHAR(200) NOT NULL without a default\n"
        "- drops column `product.name`: its data is deleted\n"
    ) in rename_no
    assert "**Risk: high** (3 error findings, deletes data)." in rename_no
    assert (
        "**Rollback: no: its downgrade has an error finding (add-required-column): adds NOT NULL column "
        "product.name without a default to an existing table" in rename_no
    )
    assert (
        "| 9 | error | `drop-column` (AL102) | drops column product.name: its data is deleted |"
        in rename_no
    )

    drop_model = section(report, name(5))
    assert (
        "- drops constraint `fk_product_category_b9cd9984` from `product`\n"
        "- drops column `product.category_id`: its data is deleted\n"
        "- drops table `category`: its data is deleted\n"
    ) in drop_model
    assert (
        "**Rollback: no: the downgrade fails: constraint fk_product_category_b9cd9984 of "
        "product references table category, which does not exist.**" in drop_model
    )
    assert review(repo, "migrations").stdout == report


def test_review_appends_to_the_github_step_summary(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path)
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary_file)}
    first = review(repo, "--since", "main", "migrations", env=env)
    assert first.returncode == 0
    assert summary_file.read_text() == "earlier step\n" + first.stdout
    # check --format markdown prints only: the summary is review's
    check_env = {**os.environ, **env}
    subprocess.run(
        [*_python_m(), "--dialect", "postgres", "--format", "markdown", "migrations"],
        cwd=repo,
        env=check_env,
        capture_output=True,
        check=False,
    )
    assert summary_file.read_text() == "earlier step\n" + first.stdout


def test_review_with_nothing_to_review(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    proc = review(repo, "--since", "main", "migrations")
    assert proc.returncode == 0
    assert proc.stdout == "## aerich-lint review\n\nNo migration to review.\n"


def test_review_describes_every_kind_of_statement(tmp_path: Path) -> None:
    from aerich_lint.report.review import build

    app = tmp_path / "migrations" / "models"
    write_migration(
        app,
        "0_20240101000000_init.py",
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "price" INT);\n'
        'CREATE TABLE "log" ("id" SERIAL NOT NULL PRIMARY KEY);',
    )
    write_migration(
        app,
        "1_20240102000000_misc.py",
        """
        CREATE TABLE "tmp" ("id" INT);
        DROP TABLE "tmp";
        ALTER TABLE "product" ALTER COLUMN "price" SET NOT NULL;
        ALTER TABLE "product" ALTER COLUMN "price" SET DEFAULT 0;
        ALTER TABLE "product" ALTER COLUMN "price" DROP NOT NULL;
        ALTER TABLE "product" RENAME TO "item";
        CREATE INDEX CONCURRENTLY "idx_item_name" ON "item" ("name");
        DROP INDEX "idx_item_name";
        ALTER TABLE "item" ADD CONSTRAINT "ck" CHECK ("price" > 0) NOT VALID;
        UPDATE "item" SET "price" = 1 WHERE "price" IS NULL;
        DELETE FROM "log";
        TRUNCATE TABLE "log";
        SET lock_timeout = '5s';
        ALTER TABLE "item" ADD "code" VARCHAR(10) UNIQUE;
        """,
        "SELECT 1;",
    )
    result = lint(app, only=None, history=True)
    misc = next(r for r in build(result) if r.name.startswith("1_"))
    assert misc.actions == [
        "creates table `tmp` with columns `id`",
        "drops table `tmp`, created earlier in this migration",
        "makes `product.price` NOT NULL",
        "sets the default of `product.price` to 0",
        "makes `product.price` nullable",
        "renames table `product` to `item`",
        "creates index `idx_item_name` on `item` (`name`) concurrently",
        "drops index `idx_item_name`",
        "adds CHECK constraint `ck` on `item` NOT VALID (existing rows are not checked)",
        "updates the rows of `item` that match a WHERE clause",
        "deletes every row of `log`: its data is deleted",
        "empties table `log`: its data is deleted",
        "sets `lock_timeout` to `5s`",
        "adds nullable column `item.code` VARCHAR(10) UNIQUE",
    ]
    assert misc.deletes_data and misc.risk == "high"
    assert not misc.rollback


def test_review_rollback_verdicts(tmp_path: Path) -> None:
    from aerich_lint.report.review import build, render

    app = tmp_path / "migrations" / "models"
    write_migration(
        app,
        "0_20240101000000_init.py",
        'CREATE TABLE "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200));',
    )
    write_migration(
        app,
        "1_20240102000000_drop_name.py",
        'ALTER TABLE "product" DROP COLUMN "name";',
        'ALTER TABLE "product" ADD "name" VARCHAR(200);',
    )
    write_migration(app, "2_20240103000000_no_down.py", 'ALTER TABLE "product" ADD "sku" TEXT;')
    (app / "3_20240104000000_broken.py").write_text("async def upgrade(db:\n")
    result = lint(app, only=None, history=True)
    by_name = {r.name[:1]: r for r in build(result)}
    drop = by_name["1"]
    assert (drop.risk, drop.rollback, drop.rollback_reason) == (
        "high",
        True,
        "the schema only: the data the upgrade deletes does not come back",
    )
    assert drop.risk_reasons == ["1 error finding", "deletes data"]
    assert drop.actions == ["drops column `product.name`: its data is deleted"]
    no_down = by_name["2"]
    assert (no_down.rollback, no_down.rollback_reason) == (False, "its downgrade is empty")
    assert no_down.actions == ["adds nullable column `product.sku` TEXT"]
    broken = by_name["3"]
    assert broken.rollback is False and broken.rollback_reason.startswith("the file does not load")
    report = render(result)
    assert (
        "**Rollback: yes (the schema only: the data the upgrade deletes does not come back).**"
        in report
    )
    assert "aerich-lint cannot read it: " in report
