"""`aerich-lint verify` on Tortoise ORM 1.x native migrations, on real servers.

The histories are the ones the real `tortoise makemigrations` wrote
(tests/fixtures/native, see its MANIFEST.md). Verify generates their SQL with
tortoise's own schema editors (in the sandbox), applies it as `tortoise migrate`
sends it and round-trips every migration. PostgreSQL and MariaDB come from
AERICH_LINT_TEST_POSTGRES_URL and AERICH_LINT_TEST_MYSQL_URL (see conftest.py);
each run makes and drops its own scratch database.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from aerich_lint.model import Dialect, Migration, Severity
from aerich_lint.verify import VerifyOptions, VerifyResult, run_verify
from aerich_lint.verify.native import in_transaction
from conftest import FIXTURES, scratch_databases, server_url

NATIVE = FIXTURES / "native"
SANDBOX = "audit hooks"  # the end of every sandbox description


def verify(*paths: Path | str, url: str, **kw: object) -> VerifyResult:
    return run_verify(VerifyOptions(paths=[str(p) for p in paths], database_url=url, **kw))  # type: ignore[arg-type]


def found(result: VerifyResult) -> list[tuple[str, str, str, int]]:
    return [(f.rule, f.path.name, f.section, f.line) for f in result.findings]


def messages(result: VerifyResult) -> dict[tuple[str, str, str], str]:
    return {(f.rule, f.path.name, f.section): f.message for f in result.findings}


def project(dialect: str, tmp_path: Path, without_type_change: bool = False) -> Path:
    """A copy of a fixture project. ``without_type_change``: its models history without
    0006_type_change (which tortoise cannot generate SQL for, so verify stops there),
    0007 depending on 0005 instead, to reach the hazards after it."""
    root = tmp_path / dialect
    shutil.copytree(NATIVE / dialect, root, ignore=shutil.ignore_patterns("sqlmigrate"))
    if without_type_change:
        folder = root / "models" / "migrations"
        (folder / "0006_type_change.py").unlink()
        unique = folder / "0007_add_unique.py"
        unique.write_text(unique.read_text().replace("0006_type_change", "0005_identical_fields"))
    return root


def native_file(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(dedent(body).lstrip("\n"))
    return path


# --- clean histories: nothing to say --------------------------------------------------


def test_clean_native_history_verifies_without_a_finding(server: str) -> None:
    dialect = server.split("://", 1)[0]
    folder = NATIVE / dialect / "clean"
    before = sorted(p.name for p in folder.rglob("*"))
    result = verify(folder, url=server)
    assert (result.errors, result.warnings, result.findings) == ([], [], [])
    assert (result.files, result.verified, result.no_downgrade) == (2, 2, 0)
    (app,) = result.apps
    assert app.executed == 2 and app.sandbox.endswith(SANDBOX)  # generated in the sandbox
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written there


def test_migrate_sends_atomic_migrations_in_a_transaction_except_on_mysql() -> None:
    """tortoise's executor: a transaction when ``atomic`` and the backend can roll DDL
    back (``can_rollback_ddl``: PostgreSQL and SQLite, not MySQL)."""
    atomic = Migration(Path("0001_x.py"), "models", "0001_x", 1, "native")
    plain = Migration(Path("0002_x.py"), "models", "0002_x", 2, "native", run_in_transaction=False)
    assert [in_transaction(atomic, d) for d in Dialect] == [d is not Dialect.MYSQL for d in Dialect]
    assert [in_transaction(plain, d) for d in Dialect] == [False] * len(Dialect)


# --- the models histories: what tortoise's own output does on a real server --------


# Up to 0006_type_change: tortoise cannot generate an AlterField that changes the
# field's type ("Please use AlterFieldManual"), so `tortoise migrate` fails there and
# verify stops the app there (the 6 or 7 files after it are not verified).
STOPPED = {
    "postgres": [
        # ADD COLUMN "active" BOOL NOT NULL (BooleanField(default=False): no SQL DEFAULT)
        ("upgrade-failed", "0002_add_required_bool.py", "upgrade", 11),
        ("upgrade-failed", "0004_rename_widened.py", "upgrade", 11),  # "title" NOT NULL
        ("downgrade-failed", "0004_rename_widened.py", "downgrade", 16),  # "name" NOT NULL
        ("upgrade-failed", "0006_type_change.py", "upgrade", 11),
    ],
    # MySQL fills the implicit default of a NOT NULL column into the rows.
    "mysql": [("upgrade-failed", "0006_type_change.py", "upgrade", 11)],
    "sqlite": [
        ("upgrade-failed", "0002_add_required_bool.py", "upgrade", 11),
        ("upgrade-failed", "0004_rename_widened.py", "upgrade", 11),
        ("downgrade-failed", "0004_rename_widened.py", "downgrade", 16),
        ("upgrade-failed", "0006_type_change.py", "upgrade", 11),
    ],
}
NULLS = {
    "postgres": 'column "active" of relation "product" contains null values',
    "sqlite": "Cannot add a NOT NULL column with default value NULL",
}


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_models_history_stops_at_the_type_change_tortoise_cannot_generate(dialect: str) -> None:
    url = server_url(dialect)
    before = scratch_databases(url)
    result = verify(NATIVE / dialect / "models", url=url)
    assert result.errors == []
    after = {"postgres": 7, "mysql": 6, "sqlite": 6}[dialect]
    assert result.warnings == [
        f"app models: 0006_type_change.py cannot be applied, so the {after} migrations after "
        "it were not verified"
    ]
    assert found(result) == STOPPED[dialect]
    assert all(f.severity is Severity.ERROR for f in result.findings)
    said = messages(result)
    assert said[("upgrade-failed", "0006_type_change.py", "upgrade")] == (
        "the upgrade fails: tortoise could not generate its SQL (AlterField: ValueError: "
        "Automatic field type altering is not supported yet (field 'price'). Please use "
        "AlterFieldManual), so verify cannot apply it"
    )
    if dialect in NULLS:
        assert said[("upgrade-failed", "0002_add_required_bool.py", "upgrade")] == (
            "the upgrade fails once the tables have rows (it succeeds on empty tables): "
            + NULLS[dialect]
        )
    assert result.verified == 5
    assert scratch_databases(url) - before == set()


def test_postgres_models_history_past_the_type_change(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = project("postgres", tmp_path, without_type_change=True) / "models"
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [
        ("upgrade-failed", "0002_add_required_bool.py", "upgrade", 11),
        ("upgrade-failed", "0004_rename_widened.py", "upgrade", 11),
        ("downgrade-failed", "0004_rename_widened.py", "downgrade", 16),
        # the rollback re-adds "code" with an inline UNIQUE: PostgreSQL names it itself
        ("roundtrip-mismatch", "0009_drop_field.py", "downgrade", 10),
        # the rollback re-adds "category_id" NOT NULL without default
        ("downgrade-failed", "0010_drop_model.py", "downgrade", 10),
        # (0012's RunPython runs: its ORM update passes)
    ]
    said = messages(result)
    assert said[("roundtrip-mismatch", "0009_drop_field.py", "downgrade")] == (
        "after upgrade and downgrade the schema differs from before: constraint "
        '"product_code_key" on "product" is left over; constraint "uid_product_code_9a8272" '
        'on "product" is missing'
    )
    assert (
        'column "category_id" of relation "product" contains null values'
        in (said[("downgrade-failed", "0010_drop_model.py", "downgrade")])
    )
    # 0013 (atomic = False) sends CREATE INDEX CONCURRENTLY outside a transaction, as
    # tortoise migrate does, so it passes (sqlmigrate's BEGIN is only its display).
    # 0011 (RunSQL) and 0012 (RunPython) have no reverse: upgrade only.
    assert (result.verified, result.no_downgrade) == (10, 2)


def test_mariadb_models_history_past_the_type_change(tmp_path: Path) -> None:
    url = server_url("mysql")
    folder = project("mysql", tmp_path, without_type_change=True) / "models"
    result = verify(folder, url=url)
    assert result.errors == []
    assert result.warnings == [
        "app models: 0010_drop_model.py cannot be applied, so the 2 migrations after it "
        "were not verified"
    ]
    assert found(result) == [
        # the upgrade creates `uidx_product_code_9a8272`, the rollback drops `uid_...`
        ("downgrade-failed", "0007_add_unique.py", "downgrade", 11),
        # the rollback's inline UNIQUE is an index named `code`
        ("roundtrip-mismatch", "0009_drop_field.py", "downgrade", 10),
        # DROP COLUMN `category_id` while its foreign key constraint still uses it
        ("upgrade-failed", "0010_drop_model.py", "upgrade", 10),
    ]
    said = messages(result)
    assert said[("downgrade-failed", "0007_add_unique.py", "downgrade")] == (
        "the downgrade fails: Can't DROP INDEX `uid_product_code_9a8272`; check that it "
        "exists (error 1091)"
    )
    assert said[("roundtrip-mismatch", "0009_drop_field.py", "downgrade")] == (
        'after upgrade and downgrade the schema differs from before: constraint "code" on '
        '"product" is left over; constraint "uidx_product_code_9a8272" on "product" is missing'
    )
    drop = said[("upgrade-failed", "0010_drop_model.py", "upgrade")]
    assert "(error 1553)" in drop or "(error 1828)" in drop, drop  # MariaDB / MySQL 8
    assert "fk_product_category_b9cd9984" in drop or "category_id" in drop


def test_sqlite_models_history_past_the_type_change(tmp_path: Path) -> None:
    folder = project("sqlite", tmp_path, without_type_change=True) / "models"
    result = verify(folder, url="sqlite://:memory:")
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [
        ("upgrade-failed", "0002_add_required_bool.py", "upgrade", 11),
        ("upgrade-failed", "0004_rename_widened.py", "upgrade", 11),
        ("downgrade-failed", "0004_rename_widened.py", "downgrade", 16),
        # the table rebuild of RemoveField loses 0008's index; the rollback's UNIQUE
        # is an index, no longer the table's constraint
        ("roundtrip-mismatch", "0009_drop_field.py", "downgrade", 10),
        # the rebuild keeps "category_id" INT NOT NULL but does not copy it ...
        ("downgrade-failed", "0010_drop_model.py", "downgrade", 10),
        ("upgrade-failed", "0010_drop_model.py", "upgrade", 10),
    ]
    said = messages(result)
    assert said[("roundtrip-mismatch", "0009_drop_field.py", "downgrade")] == (
        "after upgrade and downgrade the schema differs from before: index "
        '"idx_product_created_9eb6f4" on "product" is missing; index '
        '"uid_product_code_9a8272" on "product" is left over; constraint "unique(code)" on '
        '"product" is missing'
    )
    assert said[("upgrade-failed", "0010_drop_model.py", "upgrade")] == (
        "the upgrade fails once the tables have rows (it succeeds on empty tables): "
        "NOT NULL constraint failed: new__product.category_id"
    )
    # ... so the rollback's AddField finds the column there
    assert said[("downgrade-failed", "0010_drop_model.py", "downgrade")] == (
        "the downgrade fails: duplicate column name: category_id"
    )
    assert (result.verified, result.no_downgrade) == (9, 2)


# --- RunPython, non-atomic migrations, SQL that was not generated --------------------


def test_runpython_runs_after_a_not_null_column_it_cannot_save(tmp_path: Path) -> None:
    """verify runs RunPython code as tortoise migrate does; here the NOT NULL column
    added before it fails on the rows already, and that is a failure of its own."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_rank.py",
        """
        from tortoise import fields, migrations
        from tortoise.migrations import operations as ops


        async def fill_rank(apps, schema_editor):
            Author = apps.get_model('clean.Author')
            await Author.all().update(rank=1)


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [
                ops.AddField(model_name='Author', name='rank', field=fields.IntField()),
                ops.RunPython(code=fill_rank, reverse_code=ops.RunPython.noop),
                ops.RunPython(code=fill_rank, reverse_code=ops.RunPython.noop),
            ]
        """,
    )
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 14)]
    (failed,) = result.findings
    assert failed.severity is Severity.ERROR  # the code ran: no excuse left
    assert failed.message == (
        "the upgrade fails once the tables have rows (it succeeds on empty tables): "
        'column "rank" of relation "author" contains null values'
    )
    assert result.verified == 3


FILL_RANK = """
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def fill_rank(apps, schema_editor):
    Author = apps.get_model('clean.Author')
    await Author.all().update(rank=1)
    for author in await Author.all():
        author.rank = author.rank + 1
        await author.save()


class Migration(migrations.Migration):
    dependencies = [('clean', '0002_add_nullable')]

    operations = [
        ops.AddField(model_name='Author', name='rank', field=fields.IntField(null=True)),
        ops.RunPython(code=fill_rank, reverse_code=ops.RunPython.noop),
        ops.AlterField(model_name='Author', name='rank', field=fields.IntField()),
    ]
"""


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_runpython_fills_the_rows_before_the_column_becomes_not_null(
    dialect: str, tmp_path: Path
) -> None:
    """AddField null=True, a RunPython filling every row through the historical model
    (ORM update, select, save), AlterField null=False: on tables with rows it passes
    because the code ran, in the migration's transaction (on MySQL in one of its own)."""
    url = server_url(dialect)
    folder = project(dialect, tmp_path) / "clean"
    native_file(folder / "migrations", "0003_rank.py", FILL_RANK)
    result = verify(folder, url=url)
    assert (result.errors, result.warnings, result.findings) == ([], [], [])
    assert (result.verified, result.no_downgrade) == (3, 0)
    (app,) = result.apps
    assert app.executed == 3 and app.sandbox.endswith(SANDBOX)


def test_runpython_that_fills_nothing_leaves_the_not_null_change_failing(
    tmp_path: Path,
) -> None:
    """The same migration whose code fills nothing: the AlterField fails on the rows,
    an error (the code ran, it did not fill them)."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    idle = FILL_RANK.replace(
        "    await Author.all().update(rank=1)\n", "    return None\n    await Author.all()\n"
    )
    path = native_file(folder / "migrations", "0003_rank.py", idle)
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 20)]
    assert result.findings[0].severity is Severity.ERROR
    assert result.findings[0].message == (
        "the upgrade fails once the tables have rows (it succeeds on empty tables): "
        'column "rank" of relation "author" contains null values'
    )


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_runpython_that_raises_fails_the_upgrade_at_its_line(dialect: str, tmp_path: Path) -> None:
    """Its exception is the upgrade's failure, at the line that raised; its query ran
    on the scratch database (one row, then none on empty tables)."""
    url = server_url(dialect)
    folder = project(dialect, tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_check.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        async def check(apps, schema_editor):
            Author = apps.get_model('clean.Author')
            authors = await Author.filter(bio__isnull=True)
            raise ValueError(f"{len(authors)} authors without a bio")


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [ops.RunPython(check, ops.RunPython.noop)]
        """,
    )
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 8)]
    assert result.findings[0].severity is Severity.ERROR
    assert result.findings[0].message == (
        "the upgrade fails with a row in each table: its RunPython code raised ValueError: "
        "1 authors without a bio; and on empty tables: its RunPython code raised "
        "ValueError: 0 authors without a bio"
    )
    assert result.verified == 2


REVERSE = """
from tortoise import migrations
from tortoise.migrations import operations as ops


async def forward(apps, schema_editor):
    Author = apps.get_model('clean.Author')
    await Author.all().update(bio='filled')


async def backward(apps, schema_editor):
    {body}


class Migration(migrations.Migration):
    dependencies = [('clean', '0002_add_nullable')]

    operations = [ops.RunPython(forward, reverse_code=backward)]
"""


def test_runpython_reverse_code_runs_on_downgrade(tmp_path: Path) -> None:
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    # What it does is seen: the table it creates is left over after the downgrade.
    path = native_file(
        folder / "migrations",
        "0003_bio.py",
        REVERSE.format(
            body="await schema_editor.client.execute_script('CREATE TABLE \"ran\" (id INT)')"
        ),
    )
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("roundtrip-mismatch", path.name, "downgrade", 14)]  # its class
    assert result.findings[0].message == (
        'after upgrade and downgrade the schema differs from before: table "ran" is left '
        "over (not in the schema before)"
    )
    assert (result.verified, result.no_downgrade) == (3, 0)
    # Its exception is the downgrade's failure, at the line that raised.
    native_file(folder / "migrations", "0003_bio.py", REVERSE.format(body="raise KeyError('bio')"))
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("downgrade-failed", path.name, "downgrade", 11)]
    assert result.findings[0].message == (
        "the downgrade fails: its RunPython reverse_code raised KeyError: 'bio'"
    )


def test_runpython_past_the_deadline_is_stopped_at_its_line(tmp_path: Path) -> None:
    """Its child is killed at --timeout; verify says where the code was."""
    folder = project("sqlite", tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_slow.py",
        """
        import time

        from tortoise import migrations
        from tortoise.migrations import operations as ops


        def slow(apps, schema_editor):
            time.sleep(60)


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [ops.RunPython(slow, ops.RunPython.noop)]
        """,
    )
    result = verify(folder, url="sqlite://:memory:", timeout=3.0)
    assert result.errors == []
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 8)]
    assert result.findings[0].message == (
        "the upgrade fails: its RunPython code did not return within 3 s (--timeout); it "
        "was at line 8"
    )
    assert result.verified == 2


def test_runpython_queries_are_vetted_before_they_run(tmp_path: Path) -> None:
    """Its queries go through the same guard as every statement."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_role.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        async def role(apps, schema_editor):
            await schema_editor.client.execute_script("CREATE ROLE aerich_lint_intruder")


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [ops.RunPython(role)]
        """,
    )
    result = verify(folder, url=url)
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 6)]
    assert result.findings[0].message == (
        "the upgrade fails: verify refuses to run CREATE ROLE: it changes the server's roles "
        "and users, outside the scratch database (the migration is not verified)"
    )
    assert result.warnings == [
        "app clean: verify refused to run a statement of 0003_role.py, so it was not verified"
    ]


def test_runpython_is_not_run_with_no_exec_and_a_failure_on_rows_is_only_a_warning(
    tmp_path: Path,
) -> None:
    """--no-exec: tortoise generates nothing, so only an app of RunSQL is applied (as
    read); its RunPython is not run, verify says so once, and a failure on tables with
    rows is only a warning (the code may fill them)."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    migrations = folder / "migrations"
    (migrations / "0002_add_nullable.py").unlink()
    native_file(
        migrations,
        "0001_initial.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        class Migration(migrations.Migration):
            initial = True

            operations = [
                ops.RunSQL('CREATE TABLE "author" ("id" SERIAL PRIMARY KEY, "name" TEXT)',
                           reverse_sql='DROP TABLE "author"'),
            ]
        """,
    )
    path = native_file(
        migrations,
        "0002_rank.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        async def fill_rank(apps, schema_editor):
            await schema_editor.client.execute_script('UPDATE "author" SET "rank" = 1')


        class Migration(migrations.Migration):
            dependencies = [('clean', '0001_initial')]

            operations = [
                ops.RunSQL('ALTER TABLE "author" ADD "rank" INT', 'ALTER TABLE "author" DROP "rank"'),
                ops.RunPython(code=fill_rank, reverse_code=ops.RunPython.noop),
                ops.RunPython(code=fill_rank, reverse_code=ops.RunPython.noop),
                ops.RunSQL('ALTER TABLE "author" ALTER "rank" SET NOT NULL',
                           'ALTER TABLE "author" ALTER "rank" DROP NOT NULL'),
            ]
        """,
    )
    result = verify(folder, url=url, execute=False)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [
        ("not-executed", path.name, "upgrade", 14),
        ("upgrade-failed", path.name, "upgrade", 16),
    ]
    skipped, failed = result.findings
    assert (failed.severity, skipped.severity) == (Severity.WARNING, Severity.WARNING)
    assert failed.message == (
        "the upgrade fails once the tables have rows (it succeeds on empty tables): "
        'column "rank" of relation "author" contains null values'
    )
    assert skipped.message == (
        "verify applies this migration's SQL but does not run its RunPython code (and 1 "
        "more): what that code does is not verified, and a failure on tables with rows is "
        "only a warning here (the code may fill them)"
    )
    assert result.verified == 2
    # Executing, the code runs and fills the rows: nothing to say.
    result = verify(folder, url=url)
    assert (result.errors, result.warnings, result.findings) == ([], [], [])
    assert result.verified == 2


def test_one_string_of_several_statements_outside_a_transaction_is_one_call(
    tmp_path: Path,
) -> None:
    """tortoise migrate sends each string of a RunSQL in one execute_script call: with
    atomic = False PostgreSQL still runs two statements of one string as one implicit
    transaction, where CONCURRENTLY is refused; as two strings they pass."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    body = """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]
            atomic = False

            operations = [
                ops.RunSQL(
                    {sql},
                    reverse_sql='DROP INDEX CONCURRENTLY "idx_a"; DROP INDEX CONCURRENTLY "idx_b";',
                ),
            ]
        """
    one = (
        '\'CREATE INDEX CONCURRENTLY "idx_a" ON "author" ("name"); '
        'CREATE INDEX CONCURRENTLY "idx_b" ON "author" ("bio");\''
    )
    path = native_file(folder / "migrations", "0003_indexes.py", body.format(sql=one))
    result = verify(folder, url=url)
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 11)]
    assert result.findings[0].message == (
        "the upgrade fails: CREATE INDEX CONCURRENTLY cannot run inside a transaction block "
        "(PostgreSQL runs a string of several statements as one transaction, even with "
        "atomic = False)"
    )
    two = (
        '[\'CREATE INDEX CONCURRENTLY "idx_a" ON "author" ("name")\', '
        '\'CREATE INDEX CONCURRENTLY "idx_b" ON "author" ("bio")\']'
    )
    native_file(
        folder / "migrations",
        "0003_indexes.py",
        body.format(sql=two).replace(
            '\'DROP INDEX CONCURRENTLY "idx_a"; DROP INDEX CONCURRENTLY "idx_b";\'',
            "['DROP INDEX CONCURRENTLY \"idx_a\"', 'DROP INDEX CONCURRENTLY \"idx_b\"']",
        ),
    )
    result = verify(folder, url=url)
    assert (result.errors, result.warnings, result.findings) == ([], [], [])
    assert result.verified == 3


def test_native_sql_not_generated_is_not_verified() -> None:
    """With executing project code off, tortoise cannot generate the SQL: verify says so
    at the first migration and stops the app."""
    result = verify(NATIVE / "sqlite" / "clean", url="sqlite://:memory:", execute=False)
    assert result.errors == []
    assert found(result) == [("not-executed", "0001_initial.py", "upgrade", 5)]
    assert result.findings[0].message == (
        "verify applies the SQL tortoise generates for this migration's operations, but it "
        "was not generated: executing project code is off; not verified"
    )
    assert result.warnings == [
        "app clean: 0001_initial.py cannot be applied, so the 1 migration after it was not verified"
    ]
    assert result.verified == 0 and result.apps[0].executed == 0


def test_runsql_parameters_are_bound_as_tortoise_binds_them(tmp_path: Path) -> None:
    """RunSQL's ``(sql, params)`` runs as ``execute_query(sql, params)``: literal
    values are bound (unbound, PostgreSQL would refuse the $1); others are not sent."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_params.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops

        NAME = "x"


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [
                ops.RunSQL(
                    [
                        ("UPDATE author SET bio = $1 WHERE name = $2", ["b", "n"]),
                        ("UPDATE author SET bio = $1", [NAME]),
                    ],
                    reverse_sql=[("UPDATE author SET bio = NULL WHERE name = $1", ("n",))],
                ),
            ]
        """,
    )
    result = verify(folder, url=url)
    assert (result.errors, result.warnings) == ([], [])
    assert found(result) == [("not-executed", path.name, "upgrade", 14)]
    assert result.findings[0].message == (
        "verify does not send this RunSQL string: its parameters are not literal values it "
        "can bind, so what it does is not verified"
    )
    assert result.verified == 3


def test_native_sql_is_vetted_before_it_runs(tmp_path: Path) -> None:
    """The file is a stranger's: its RunSQL goes through the same guard as aerich's."""
    url = server_url("postgres")
    folder = project("postgres", tmp_path) / "clean"
    path = native_file(
        folder / "migrations",
        "0003_role.py",
        """
        from tortoise import migrations
        from tortoise.migrations import operations as ops


        class Migration(migrations.Migration):
            dependencies = [('clean', '0002_add_nullable')]

            operations = [
                ops.RunSQL("CREATE ROLE aerich_lint_intruder", "DROP ROLE aerich_lint_intruder"),
            ]
        """,
    )
    result = verify(folder, url=url)
    assert found(result) == [("upgrade-failed", path.name, "upgrade", 9)]
    assert result.findings[0].message == (
        "the upgrade fails: verify refuses to run CREATE ROLE: it changes the server's roles "
        "and users, outside the scratch database (the migration is not verified)"
    )
    assert result.warnings == [
        "app clean: verify refused to run a statement of 0003_role.py, so it was not verified"
    ]
    assert result.verified == 2


def test_two_leaves_are_both_verified_in_the_graph_order() -> None:
    """tortoise has no conflict check: `migrate` plans every leaf, parents first."""
    url = server_url("postgres")
    lines: list[str] = []
    result = verify(NATIVE / "conflict", url=url, progress=lines.append)
    assert (result.errors, result.warnings, result.findings) == ([], [], [])
    assert [line.split(":")[0] for line in lines] == [
        "[1/3] inventory/0001_initial.py",
        "[2/3] inventory/0002_add_note.py",
        "[3/3] inventory/0002_add_stock.py",
    ]
    assert result.verified == 3
