"""The PostgreSQL online-safety rules (AL301-AL309), and column-type-change on MySQL:
what they report on short migrations and on the real aerich output, and what they
must leave alone (new tables, widenings, the safe multi-step sequences)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_aerich_fixtures import find, line_of

from aerich_lint.docs import explain
from aerich_lint.model import Dialect, Finding
from aerich_lint.rules.registry import BY_NAME, RULES
from aerich_lint.targets import parse_target
from conftest import AERICH, lint, summary, write_migration

ON_BY_DEFAULT = [
    "non-concurrent-index",
    "concurrently-in-transaction",
    "constraint-not-valid",
    "set-not-null",
    "column-type-change",
    "volatile-default",
    "add-unique",
    "add-primary-key",
]
ALL_MINE = [*ON_BY_DEFAULT, "lock-timeout"]
NAME = "1_20240102000000_change.py"
NEXT = "2_20240103000000_next.py"
PG10 = [parse_target("postgres:10")]
PG11 = [parse_target("postgres:11")]

PG_INIT = """
CREATE TABLE IF NOT EXISTS "category" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(50) NOT NULL);
CREATE TABLE IF NOT EXISTS "product" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "sku" VARCHAR(50),
    "price" NUMERIC(10,2),
    "code" CHAR(5),
    "views" BIGINT NOT NULL DEFAULT 0,
    "stock" INT NOT NULL DEFAULT 0,
    "seen" TIMESTAMPTZ(3),
    "category_id" INT
);
CREATE TABLE IF NOT EXISTS "tag" ("id" INT NOT NULL, "name" VARCHAR(20));
"""

MYSQL_INIT = """
CREATE TABLE IF NOT EXISTS `product` (
    `id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT,
    `name` VARCHAR(200) NOT NULL,
    `code` VARCHAR(20),
    `stock` INT NOT NULL DEFAULT 0
) CHARACTER SET utf8mb4;
"""


@pytest.fixture
def pg_app(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", PG_INIT)
    return folder


@pytest.fixture
def mysql_app(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", MYSQL_INIT)
    return folder


def check(
    folder: Path,
    upgrade: str,
    downgrade: str = "SELECT 1;",
    rit: bool = True,
    name: str = NAME,
    dialect: str = "postgres",
    rules: list[str] = ON_BY_DEFAULT,
    **kw: object,
) -> list[tuple[str, str, str, int]]:
    path = write_migration(folder, name, upgrade, downgrade, run_in_transaction=rit)
    return summary(lint(path, dialect=dialect, only=rules, **kw).findings)


def findings(
    folder: Path,
    upgrade: str,
    downgrade: str = "SELECT 1;",
    rit: bool = True,
    rules: list[str] = ON_BY_DEFAULT,
    **kw: object,
) -> list[Finding]:
    """The findings (with messages and severities) of one migration after the init."""
    path = write_migration(folder, NAME, upgrade, downgrade, run_in_transaction=rit)
    return lint(path, only=rules, **kw).findings


# -- the rules' metadata ------------------------------------------------------------


def test_codes_order_and_documentation() -> None:
    mine = [r for r in RULES if r.name in ALL_MINE]
    assert [r.name for r in mine] == ALL_MINE
    assert [r.code for r in mine] == [f"AL30{i}" for i in range(1, 10)]
    for rule in mine:
        assert rule.summary and rule.why and rule.example and rule.fix and rule.hint
        assert "\n" not in rule.summary and "\n" not in rule.hint
        assert Dialect.POSTGRES in rule.dialects
        assert f"{rule.name} ({rule.code})" in explain(rule)
    assert BY_NAME["column-type-change"].dialects == {Dialect.POSTGRES, Dialect.MYSQL}
    assert not BY_NAME["lock-timeout"].enabled_by_default
    assert "aerich migrate --empty" in BY_NAME["non-concurrent-index"].fix
    assert "RUN_IN_TRANSACTION = False" in BY_NAME["non-concurrent-index"].fix
    assert "STABLE" in BY_NAME["volatile-default"].why


# -- a new table is quiet -------------------------------------------------------------


def test_new_table_with_indexes_constraints_and_not_null_is_quiet(pg_app: Path) -> None:
    upgrade = """
        CREATE TABLE IF NOT EXISTS "label" ("id" INT NOT NULL, "name" VARCHAR(50), "uid" UUID);
        CREATE INDEX "idx_label_name" ON "label" ("name");
        CREATE UNIQUE INDEX "uid_label_name" ON "label" ("name");
        ALTER TABLE "label" ADD PRIMARY KEY ("id");
        ALTER TABLE "label" ADD CONSTRAINT "label_name_key" UNIQUE ("name");
        ALTER TABLE "label" ALTER COLUMN "name" SET NOT NULL;
        ALTER TABLE "label" ALTER COLUMN "name" TYPE VARCHAR(20);
        ALTER TABLE "label" ADD "category_id" INT REFERENCES "category" ("id");
        ALTER TABLE "label" ADD CONSTRAINT "fk_label_cat" FOREIGN KEY ("category_id") REFERENCES "category" ("id");
        ALTER TABLE "label" ADD CONSTRAINT "label_check" CHECK ("id" > 0);
        ALTER TABLE "label" ADD "token" UUID NOT NULL DEFAULT gen_random_uuid();
        DROP INDEX "idx_label_name";"""
    assert check(pg_app, upgrade, 'DROP TABLE "label";', rules=ALL_MINE) == []
    assert check(pg_app, upgrade, 'DROP TABLE "label";', rules=ALL_MINE, target_versions=PG10) == []


def test_columns_added_in_the_same_migration_keep_the_rows_of_their_table(
    pg_app: Path,
) -> None:
    upgrade = """
        ALTER TABLE "product" ADD "weight" VARCHAR(10);
        ALTER TABLE "product" ALTER COLUMN "weight" SET NOT NULL;
        ALTER TABLE "product" ALTER COLUMN "weight" TYPE INT USING "weight"::INT;"""
    # the column is new, product's rows are not: SET NOT NULL fails on the first of them
    # (nothing filled the column); tests/test_pg_semantics.py has the details
    assert check(pg_app, upgrade) == [("set-not-null", NAME, "upgrade", 9)]


def test_a_table_or_column_renamed_earlier_in_the_migration_is_still_live(pg_app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" RENAME TO "item";
        ALTER TABLE "item" RENAME COLUMN "sku" TO "ref";
        CREATE INDEX "idx_item_ref" ON "item" ("ref");
        ALTER TABLE "item" ALTER COLUMN "ref" TYPE VARCHAR(20);
        ALTER TABLE "item" ALTER COLUMN "ref" SET NOT NULL;"""
    found = findings(pg_app, upgrade)
    assert [(f.rule, f.line, f.severity.label) for f in found] == [
        ("non-concurrent-index", 10, "warning"),
        ("column-type-change", 11, "error"),  # VARCHAR(50), known as product.sku
        ("set-not-null", 12, "warning"),
    ]


# -- AL301 non-concurrent-index ------------------------------------------------------------


def test_non_concurrent_index(pg_app: Path) -> None:
    found = findings(pg_app, 'CREATE INDEX "idx_product_name" ON "product" ("name");')
    assert summary(found) == [("non-concurrent-index", NAME, "upgrade", 8)]
    assert found[0].severity.label == "warning"
    assert found[0].message == (
        "CREATE INDEX idx_product_name on product without CONCURRENTLY: writes to product "
        "wait until the index is built"
    )


def test_concurrently_alone_without_transaction_is_quiet(pg_app: Path) -> None:
    found = check(
        pg_app,
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_product_name" ON "product" ("name");',
        'DROP INDEX IF EXISTS "idx_product_name";',  # the downgrade cannot be concurrent
        rit=False,
        rules=ALL_MINE,
    )
    assert found == [("lock-timeout", NAME, "downgrade", 13)]  # opt-in; nothing else


def test_drop_index_finds_its_table_in_the_history(pg_app: Path) -> None:
    write_migration(
        pg_app,
        NAME,
        'CREATE INDEX CONCURRENTLY "idx_product_sku" ON "product" ("sku");',
        'DROP INDEX "idx_product_sku";',
        run_in_transaction=False,
    )
    path = write_migration(
        pg_app, NEXT, 'DROP INDEX "idx_product_sku";\nDROP INDEX CONCURRENTLY "idx_other";'
    )
    found = lint(path, only=["non-concurrent-index"]).findings
    assert summary(found) == [("non-concurrent-index", NEXT, "upgrade", 8)]
    assert "ACCESS EXCLUSIVE lock on product" in found[0].message


def test_drop_index_locks_the_live_table_of_an_index_created_just_before(pg_app: Path) -> None:
    upgrade = 'CREATE INDEX CONCURRENTLY "i" ON "product" ("sku");\nDROP INDEX "i";'
    found = findings(pg_app, upgrade, rit=False, rules=["non-concurrent-index"])
    assert summary(found) == [("non-concurrent-index", NAME, "upgrade", 9)]
    assert "ACCESS EXCLUSIVE lock on product" in found[0].message


# -- AL302 concurrently-in-transaction ---------------------------------------------------


def test_concurrently_in_a_transactional_upgrade(pg_app: Path) -> None:
    found = findings(pg_app, 'CREATE INDEX CONCURRENTLY "idx_product_name" ON "product" ("name");')
    assert summary(found) == [("concurrently-in-transaction", NAME, "upgrade", 8)]
    assert found[0].severity.label == "error"
    assert found[0].message == (
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction block: this migration runs "
        "in a transaction (RUN_IN_TRANSACTION = True)"
    )


def test_concurrently_in_a_downgrade_is_always_in_a_transaction(pg_app: Path) -> None:
    found = findings(
        pg_app,
        'CREATE INDEX CONCURRENTLY "idx_product_name" ON "product" ("name");',
        'DROP INDEX CONCURRENTLY IF EXISTS "idx_product_name";',
        rit=False,
    )
    assert summary(found) == [("concurrently-in-transaction", NAME, "downgrade", 13)]
    assert found[0].message.endswith("aerich runs every downgrade in a transaction")


def test_concurrently_among_other_statements_runs_in_an_implicit_transaction(
    pg_app: Path,
) -> None:
    found = findings(
        pg_app,
        'ALTER TABLE "product" ADD "x" INT;\n'
        'CREATE INDEX CONCURRENTLY "idx_product_x" ON "product" ("x");',
        rit=False,
        rules=["concurrently-in-transaction"],
    )
    assert summary(found) == [("concurrently-in-transaction", NAME, "upgrade", 9)]
    assert "one implicit transaction" in found[0].message


def test_other_statements_refused_in_a_transaction(pg_app: Path) -> None:
    upgrade = """
        VACUUM "product";
        CREATE DATABASE "reports";
        DROP DATABASE IF EXISTS "reports";
        REINDEX INDEX CONCURRENTLY "idx_product_name";
        REINDEX TABLE "product";
        REFRESH MATERIALIZED VIEW CONCURRENTLY "stats";"""
    found = findings(pg_app, upgrade, rules=["concurrently-in-transaction"])
    assert [(f.line, f.message.split(" cannot")[0]) for f in found] == [
        (8, "VACUUM"),
        (9, "CREATE DATABASE"),
        (10, "DROP DATABASE"),
        (11, "REINDEX ... CONCURRENTLY"),
    ]


def test_alter_type_add_value_depends_on_the_target_version(pg_app: Path) -> None:
    upgrade = "ALTER TYPE \"mood\" ADD VALUE 'ecstatic';"
    assert check(pg_app, upgrade) == []  # PostgreSQL 13 by default
    assert check(pg_app, upgrade, target_versions=[parse_target("postgres:12")]) == []
    found = findings(pg_app, upgrade, target_versions=PG10)
    assert summary(found) == [("concurrently-in-transaction", NAME, "upgrade", 8)]
    assert "on postgres 10 (allowed from PostgreSQL 12)" in found[0].message
    assert check(pg_app, upgrade, rit=False, target_versions=PG10) == []


# -- AL303 constraint-not-valid ------------------------------------------------------------


def test_foreign_key_and_check_without_not_valid(pg_app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") REFERENCES "category" ("id");
        ALTER TABLE "product" ADD CONSTRAINT "product_stock_check" CHECK ("stock" >= 0);
        ALTER TABLE "product" ADD "tag_id" INT REFERENCES "tag" ("id");"""
    found = findings(pg_app, upgrade)
    assert summary(found) == [
        ("constraint-not-valid", NAME, "upgrade", 8),
        ("constraint-not-valid", NAME, "upgrade", 9),
        ("constraint-not-valid", NAME, "upgrade", 10),
    ]
    assert "writes to product and category wait" in found[0].message
    assert "all reads and writes of product wait" in found[1].message
    assert "inline REFERENCES tag" in found[2].message


def test_not_valid_then_validate_in_a_later_migration_is_quiet(pg_app: Path) -> None:
    first = write_migration(
        pg_app,
        NAME,
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") '
        'REFERENCES "category" ("id") NOT VALID;\n'
        'ALTER TABLE "product" ADD CONSTRAINT "product_stock_check" CHECK ("stock" >= 0) NOT VALID;',
        'ALTER TABLE "product" DROP CONSTRAINT "fk_product_category";\n'
        'ALTER TABLE "product" DROP CONSTRAINT "product_stock_check";',
    )
    second = write_migration(
        pg_app,
        NEXT,
        'ALTER TABLE "product" VALIDATE CONSTRAINT "fk_product_category";\n'
        'ALTER TABLE "product" VALIDATE CONSTRAINT "product_stock_check";',
        "SELECT 1;",
    )
    assert lint(first, second, only=ON_BY_DEFAULT).findings == []


def test_not_valid_then_validate_in_the_same_transaction_is_reported(pg_app: Path) -> None:
    found = findings(
        pg_app,
        'ALTER TABLE "product" ADD CONSTRAINT "c1" CHECK ("stock" >= 0) NOT VALID;\n'
        'ALTER TABLE "product" VALIDATE CONSTRAINT "c1";',
    )
    assert summary(found) == [("constraint-not-valid", NAME, "upgrade", 8)]
    assert "validated in the same transaction" in found[0].message


def test_the_broken_downgrade_of_drop_model_is_not_judged() -> None:
    # aerich's downgrade re-adds the FK with a plain ADD CONSTRAINT (to a table the
    # downgrade never re-creates: downgrade-broken says so). The locking rules judge
    # upgrades only: a rollback cannot split validation into a later migration.
    folder = AERICH / "postgres" / "migrations" / "models"
    path = find(folder, "drop_model")
    assert "FOREIGN KEY" in path.read_text().split("def downgrade")[1]
    found = lint(path, only=[*ON_BY_DEFAULT, "downgrade-broken"]).findings
    downgrade_fk = line_of(path, "FOREIGN KEY", after="def downgrade")
    assert summary(found) == [("downgrade-broken", path.name, "downgrade", downgrade_fk)]


# -- AL304 set-not-null ------------------------------------------------------------------


def test_set_not_null(pg_app: Path) -> None:
    found = findings(pg_app, 'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;')
    assert summary(found) == [("set-not-null", NAME, "upgrade", 8)]
    assert found[0].message == (
        "SET NOT NULL on product.sku scans the whole table under an ACCESS EXCLUSIVE lock, "
        "and fails if a row holds NULL"
    )


def test_set_not_null_on_a_column_that_already_is_is_quiet(pg_app: Path) -> None:
    assert check(pg_app, 'ALTER TABLE "product" ALTER COLUMN "name" SET NOT NULL;') == []


CHECK_SKU = (
    'ALTER TABLE "product" ADD CONSTRAINT "product_sku_nn" CHECK ("sku" IS NOT NULL) NOT VALID;'
)


def test_check_validate_then_set_not_null_is_quiet_from_pg12(pg_app: Path) -> None:
    first = write_migration(
        pg_app, NAME, CHECK_SKU, 'ALTER TABLE "product" DROP CONSTRAINT "product_sku_nn";'
    )
    upgrade = (
        'ALTER TABLE "product" VALIDATE CONSTRAINT "product_sku_nn";\n'
        'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;\n'
        'ALTER TABLE "product" DROP CONSTRAINT "product_sku_nn";'
    )
    second = write_migration(
        pg_app, NEXT, upgrade, 'ALTER TABLE "product" ALTER COLUMN "sku" DROP NOT NULL;'
    )
    assert lint(first, second, only=ON_BY_DEFAULT).findings == []
    # before 12, SET NOT NULL scans whatever constraint exists
    old = lint(second, only=ON_BY_DEFAULT, target_versions=PG11).findings
    assert summary(old) == [("set-not-null", NEXT, "upgrade", 9)]
    assert "no way around it on postgres 11" in old[0].message


def test_set_not_null_after_an_unvalidated_check_is_reported(pg_app: Path) -> None:
    write_migration(pg_app, NAME, CHECK_SKU, "SELECT 1;")
    path = write_migration(pg_app, NEXT, 'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;')
    assert summary(lint(path, only=ON_BY_DEFAULT).findings) == [
        ("set-not-null", NEXT, "upgrade", 8)
    ]


def test_set_not_null_after_a_check_validated_earlier_is_quiet(pg_app: Path) -> None:
    write_migration(pg_app, NAME, CHECK_SKU, "SELECT 1;")
    write_migration(pg_app, NEXT, 'ALTER TABLE "product" VALIDATE CONSTRAINT "product_sku_nn";')
    path = write_migration(
        pg_app,
        "3_20240104000000_third.py",
        'ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;',
    )
    assert lint(path, only=ON_BY_DEFAULT).findings == []


# -- AL305 column-type-change (PostgreSQL) ----------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        '"sku" TYPE VARCHAR(100) USING "sku"::VARCHAR(100)',
        '"sku" TYPE VARCHAR(50)',
        '"sku" TYPE VARCHAR',
        '"sku" SET DATA TYPE TEXT',
        '"name" TYPE CHARACTER VARYING(255)',
        '"price" TYPE NUMERIC(12, 2)',
        '"price" TYPE NUMERIC',
        '"seen" TYPE TIMESTAMPTZ(6)',
        '"seen" TYPE TIMESTAMP(3) WITH TIME ZONE',
    ],
)
def test_type_changes_without_a_rewrite_are_quiet(pg_app: Path, change: str) -> None:
    assert check(pg_app, f'ALTER TABLE "product" ALTER COLUMN {change};') == []


def test_type_change_severities(pg_app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(20) USING "sku"::VARCHAR(20);
        ALTER TABLE "product" ALTER COLUMN "price" TYPE NUMERIC(8, 2);
        ALTER TABLE "product" ALTER COLUMN "views" TYPE INT;
        ALTER TABLE "product" ALTER COLUMN "stock" TYPE BIGINT;
        ALTER TABLE "product" ALTER COLUMN "code" TYPE TEXT;
        ALTER TABLE "product" ALTER COLUMN "price" TYPE NUMERIC(12, 4);
        ALTER TABLE "product" ALTER COLUMN "name" TYPE TEXT;
        ALTER TABLE "product" ALTER COLUMN "name" TYPE VARCHAR(100);"""
    found = findings(pg_app, upgrade)
    assert [(f.rule, f.line, f.severity.label) for f in found] == [
        ("column-type-change", 8, "error"),
        ("column-type-change", 9, "error"),
        ("column-type-change", 10, "error"),
        ("column-type-change", 11, "warning"),
        ("column-type-change", 12, "warning"),  # CHAR(n) -> TEXT strips padding: a rewrite
        ("column-type-change", 13, "warning"),  # the old type is NUMERIC(8, 2) by now
        ("column-type-change", 15, "error"),  # TEXT (line 14, quiet) -> VARCHAR(100)
    ]
    assert found[0].message == (
        "narrows product.sku from VARCHAR(50) to VARCHAR(20) (50 characters to 20): values "
        "that do not fit fail the ALTER, or are cut by a USING cast"
    )
    assert "BIGINT values outside the INT range" in found[2].message
    assert found[3].message == (
        "changes product.stock from INT to BIGINT: rewrites the table and its indexes under "
        "an ACCESS EXCLUSIVE lock"
    )


def test_type_change_with_an_unknown_old_type(pg_app: Path) -> None:
    # a statement the linter does not understand makes the replayed history unreliable
    write_migration(
        pg_app,
        NAME,
        'ALTER TABLE "product" INHERIT "base";',
    )
    path = write_migration(
        pg_app,
        NEXT,
        'ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(20);\n'
        'ALTER TABLE "product" ALTER COLUMN "price" TYPE BIGINT;',
    )
    found = lint(path, only=["column-type-change"]).findings
    # to VARCHAR it may be a widening, which is free: info; to BIGINT it rewrites unless
    # it already was one: a warning
    assert [(f.line, f.severity.label) for f in found] == [(8, "info"), (9, "warning")]
    assert all("its old type is unknown" in f.message for f in found)


def test_real_aerich_type_change_postgres() -> None:
    path = find(AERICH / "postgres" / "migrations" / "models", "type_change")
    found = lint(path, only=ALL_MINE[:-1]).findings
    assert [(f.rule, f.section, f.line, f.severity.label) for f in found] == [
        ("column-type-change", "upgrade", line_of(path, "TYPE VARCHAR(30)"), "error"),
        ("column-type-change", "upgrade", line_of(path, "TYPE BIGINT"), "warning"),
    ]  # the downgrade (BIGINT back to INT) is not judged


# -- AL305 column-type-change (MySQL) -------------------------------------------------------


def test_real_aerich_type_change_mysql() -> None:
    path = find(AERICH / "mysql" / "migrations" / "models", "type_change")
    found = lint(path, dialect="mysql", only=ALL_MINE).findings
    assert [(f.rule, f.section, f.line, f.severity.label) for f in found] == [
        (
            "column-type-change",
            "upgrade",
            line_of(path, "MODIFY COLUMN `sku` VARCHAR(30)"),
            "error",
        ),
        ("column-type-change", "upgrade", line_of(path, "MODIFY COLUMN `stock` BIGINT"), "warning"),
    ]
    assert "fail the ALTER in strict mode, or are truncated" in found[0].message
    assert found[1].message == (
        "changes product.stock from INT to BIGINT: MySQL 8.0 copies the whole table for it "
        "(ALGORITHM=COPY): reads go on, writes wait until the copy is done"
    )


def test_mysql_modify(mysql_app: Path) -> None:
    upgrade = """
        ALTER TABLE `product` MODIFY COLUMN `code` VARCHAR(40);
        ALTER TABLE `product` MODIFY COLUMN `code` VARCHAR(50), ALGORITHM=INPLACE, LOCK=NONE;
        ALTER TABLE `product` MODIFY COLUMN `stock` BIGINT NOT NULL DEFAULT 0, ALGORITHM=INPLACE;
        ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(200) NULL;
        ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(100) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
        ALTER TABLE `product` MODIFY COLUMN `stock` INT(11) NOT NULL, ALGORITHM=INSTANT;"""
    path = write_migration(mysql_app, NAME, upgrade, "SELECT 1;")
    found = lint(path, dialect="mysql", only=ALL_MINE).findings
    assert [(f.line, f.severity.label) for f in found] == [
        # line 8: VARCHAR(20) -> (40), 80 -> 160 bytes in utf8mb4: MySQL does it in place
        # by itself (metadata only), no clause needed
        # line 9: ALGORITHM=INPLACE, LOCK=NONE is honoured
        (10, "warning"),  # INT -> BIGINT needs a copy: ALGORITHM=INPLACE is refused
        # line 11: the same type, only the nullability changes
        (12, "error"),  # narrowing: an online clause does not make it safe
        (13, "error"),  # BIGINT -> INT (11 is a display width) loses values, INSTANT or not
    ]
    assert found[0].message == (
        "changes product.stock from INT to BIGINT with ALGORITHM=INPLACE: MySQL 8.0 can only "
        "do it by copying the table, so it refuses the statement (ERROR 1846) and the upgrade "
        "stops here"
    )


def test_mysql_change_renaming_and_retyping_is_judged_by_its_old_type(mysql_app: Path) -> None:
    upgrade = (
        "ALTER TABLE `product` CHANGE `code` `ref` VARCHAR(10);\n"
        "ALTER TABLE `product` CHANGE `name` `title` VARCHAR(200) NOT NULL;\n"
        "ALTER TABLE `product` MODIFY `ref` VARCHAR(5);"
    )
    path = write_migration(mysql_app, NAME, upgrade, "SELECT 1;")
    found = lint(path, dialect="mysql", only=["column-type-change"]).findings
    assert [(f.line, f.severity.label) for f in found] == [(8, "error"), (10, "error")]
    assert found[0].message.startswith("narrows product.code from VARCHAR(20) to VARCHAR(10)")
    assert found[1].message.startswith("narrows product.ref from VARCHAR(10) to VARCHAR(5)")


# -- AL306 volatile-default ----------------------------------------------------------------


def test_volatile_default(pg_app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" ADD "uid" UUID NOT NULL DEFAULT gen_random_uuid();
        ALTER TABLE "product" ADD "r" FLOAT DEFAULT random();
        ALTER TABLE "product" ADD "n" BIGINT DEFAULT nextval('product_n_seq');
        ALTER TABLE "product" ADD "serial_no" SERIAL;
        ALTER TABLE "product" ADD "v4" UUID DEFAULT uuid_generate_v4();
        ALTER TABLE "product" ADD "at" TIMESTAMPTZ DEFAULT clock_timestamp();
        ALTER TABLE "product" ADD "created" TIMESTAMPTZ NOT NULL DEFAULT now();
        ALTER TABLE "product" ADD "created2" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP;
        ALTER TABLE "product" ADD "created3" TIMESTAMPTZ DEFAULT transaction_timestamp();
        ALTER TABLE "product" ADD "qty" INT NOT NULL DEFAULT 0;
        ALTER TABLE "product" ADD "label" TEXT DEFAULT 'random()';
        ALTER TABLE "product" ADD "empty" TEXT DEFAULT NULL;"""
    found = findings(pg_app, upgrade, rules=["volatile-default"])
    assert [f.line for f in found] == [8, 9, 10, 11, 12, 13]
    assert found[0].message == (
        "adds product.uid with default GEN_RANDOM_UUID(), which calls the volatile "
        "gen_random_uuid(): every row of product is rewritten under an ACCESS EXCLUSIVE lock"
    )
    assert "a SERIAL column, which calls the volatile nextval()" in found[3].message
    # before PostgreSQL 11 every non-NULL default rewrites
    old = findings(pg_app, upgrade, rules=["volatile-default"], target_versions=PG10)
    assert [f.line for f in old] == list(range(8, 19))
    assert "on postgres 10 any non-NULL default rewrites" in old[-1].message


# -- AL307 add-unique ---------------------------------------------------------------------


def test_add_unique(pg_app: Path) -> None:
    upgrade = """
        ALTER TABLE "product" ADD CONSTRAINT "product_sku_key" UNIQUE ("sku");
        ALTER TABLE "product" ADD UNIQUE ("name");
        ALTER TABLE "product" ADD "ean" VARCHAR(13) UNIQUE;
        ALTER TABLE "product" ADD "slug" VARCHAR(13) NOT NULL DEFAULT 'x' UNIQUE;"""
    found = findings(pg_app, upgrade, rules=["add-unique"])
    assert summary(found) == [("add-unique", NAME, "upgrade", line) for line in (8, 9, 10, 11)]
    assert found[0].message == (
        "adds UNIQUE constraint product_sku_key to product: fails if existing rows hold "
        "duplicates, and reads and writes wait while its index builds"
    )
    assert "fails once the table has two rows" in found[3].message
    assert "two rows" not in found[2].message


def test_unique_index_concurrently_then_using_index_is_quiet(pg_app: Path) -> None:
    first = write_migration(
        pg_app,
        NAME,
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "uid_product_sku" ON "product" ("sku");',
        'DROP INDEX IF EXISTS "uid_product_sku";',
        run_in_transaction=False,
    )
    second = write_migration(
        pg_app,
        NEXT,
        'ALTER TABLE "product" ADD CONSTRAINT "product_sku_key" UNIQUE USING INDEX "uid_product_sku";',
        'ALTER TABLE "product" DROP CONSTRAINT "product_sku_key";',
    )
    assert lint(first, second, only=ON_BY_DEFAULT).findings == []


def test_real_aerich_add_index_postgres() -> None:
    path = find(AERICH / "postgres" / "migrations" / "models", "add_index")
    found = summary(lint(path, only=ON_BY_DEFAULT).findings)
    email, sku, title = (
        line_of(path, '"uid_customer_email_0c7dc6" ON'),
        line_of(path, '"idx_product_sku_22efdc" ON'),
        line_of(path, '"idx_product_title_e73efa" ON'),
    )
    assert sorted(found) == sorted(
        [
            # the unique index: one finding (add-unique says writes wait and duplicates fail)
            ("add-unique", path.name, "upgrade", email),
            ("non-concurrent-index", path.name, "upgrade", sku),
            ("non-concurrent-index", path.name, "upgrade", title),
        ]
    )  # its downgrade's DROP INDEX statements are not judged


# -- AL308 add-primary-key --------------------------------------------------------------------


def test_add_primary_key(pg_app: Path) -> None:
    found = findings(
        pg_app,
        'ALTER TABLE "tag" ADD PRIMARY KEY ("id");\nALTER TABLE "product" ADD "k" INT PRIMARY KEY;',
        rules=["add-primary-key"],
    )
    assert summary(found) == [
        ("add-primary-key", NAME, "upgrade", 8),
        ("add-primary-key", NAME, "upgrade", 9),
    ]
    assert found[0].message == (
        "adds a PRIMARY KEY (id) to tag: builds a unique index and checks for NULLs over "
        "every row under an ACCESS EXCLUSIVE lock"
    )


def test_primary_key_using_an_index_built_concurrently_is_quiet(pg_app: Path) -> None:
    first = write_migration(
        pg_app,
        NAME,
        'CREATE UNIQUE INDEX CONCURRENTLY "tag_pkey_idx" ON "tag" ("id");',
        'DROP INDEX IF EXISTS "tag_pkey_idx";',
        run_in_transaction=False,
    )
    second = write_migration(
        pg_app,
        NEXT,
        'ALTER TABLE "tag" ADD CONSTRAINT "tag_pkey" PRIMARY KEY USING INDEX "tag_pkey_idx";',
    )
    assert lint(first, second, only=ON_BY_DEFAULT).findings == []


# -- AL309 lock-timeout ----------------------------------------------------------------------


def test_lock_timeout_is_opt_in(pg_app: Path) -> None:
    path = write_migration(
        pg_app, NAME, 'ALTER TABLE "product" ADD "x" INT;', 'ALTER TABLE "product" DROP COLUMN "x";'
    )
    assert "lock-timeout" not in [f.rule for f in lint(path, only=None).findings]
    found = lint(path, only=None, extend_select=["lock-timeout"]).findings
    assert [(f.rule, f.section, f.line) for f in found if f.rule == "lock-timeout"] == [
        ("lock-timeout", "upgrade", 8),
        ("lock-timeout", "downgrade", 13),
    ]


def test_lock_timeout(pg_app: Path) -> None:
    upgrade = """
        CREATE TABLE "box" ("id" INT);
        ALTER TABLE "box" ADD "x" INT;
        ALTER TABLE "product" VALIDATE CONSTRAINT "c";
        CREATE INDEX CONCURRENTLY "i" ON "product" ("sku");
        ALTER TABLE "product" ADD "x" INT;
        DROP TABLE "tag";"""
    found = findings(pg_app, upgrade, rules=["lock-timeout"], rit=False)
    assert summary(found) == [("lock-timeout", NAME, "upgrade", 12)]
    assert found[0].message == (
        "ALTER TABLE locks product (ACCESS EXCLUSIVE) with no SET lock_timeout before it: it "
        "waits behind every open transaction on the table while new queries queue behind it "
        "(and 1 more statement(s) after it)"
    )


@pytest.mark.parametrize(
    "setting, reported",
    [
        ("SET LOCAL lock_timeout = '3s';", False),
        ("SET lock_timeout TO '2s';", False),
        ("SET lock_timeout = 0;", True),
        ("SET statement_timeout = '5s';", True),
    ],
)
def test_lock_timeout_setting(pg_app: Path, setting: str, reported: bool) -> None:
    upgrade = f'{setting}\nCREATE INDEX "i" ON "product" ("sku");\nTRUNCATE "tag";'
    found = check(pg_app, upgrade, rules=["lock-timeout"])
    assert found == ([("lock-timeout", NAME, "upgrade", 9)] if reported else [])


# -- the real aerich 'online' app ------------------------------------------------------------


def test_real_aerich_online_postgres() -> None:
    folder = AERICH / "postgres" / "migrations" / "online"
    files = {step: find(folder, step) for step in (
        "add_fk_existing", "set_not_null", "add_unique", "add_default_now", "widen_varchar",
        "add_index_existing", "add_required", "add_with_default", "new_table_with_index",
    )}  # fmt: skip
    expected = [
        ("constraint-not-valid", "add_fk_existing", "ADD CONSTRAINT"),
        ("set-not-null", "set_not_null", "SET NOT NULL"),
        ("add-unique", "add_unique", "CREATE UNIQUE INDEX"),  # one finding, not two
        ("non-concurrent-index", "add_index_existing", "CREATE INDEX"),
    ]
    want = sorted(
        (rule, files[step].name, "upgrade", line_of(files[step], needle))
        for rule, step, needle in expected
    )
    result = lint(folder, only=ON_BY_DEFAULT)
    assert sorted(summary(result.findings)) == want
    # on PostgreSQL 10 the constant default of add_with_default rewrites the table; the
    # `NOT NULL DEFAULT NULL` aerich writes for auto_now_add is no default at all
    old = lint(folder, only=["volatile-default"], target_versions=PG10).findings
    step = files["add_with_default"]
    assert summary(old) == [
        ("volatile-default", step.name, "upgrade", line_of(step, 'ADD "score"'))
    ]


def test_real_aerich_online_mysql_widened_varchar() -> None:
    folder = AERICH / "mysql" / "migrations" / "online"
    path = find(folder, "widen_varchar")
    found = lint(folder, dialect="mysql", only=["column-type-change"]).findings
    assert [(f.path.name, f.line, f.severity.label) for f in found] == [
        (path.name, line_of(path, "MODIFY COLUMN `name` VARCHAR(200)"), "warning")
    ]  # set_not_null's MODIFY keeps the type: not a type change
    assert "copies the whole table" in found[0].message  # 200 bytes -> 800 bytes (utf8mb4)


# -- facts, not trees: a warm cache gives the same findings -----------------------------------


def test_warm_cache_gives_the_same_findings(pg_app: Path) -> None:
    upgrade = """
        CREATE DATABASE "reports";
        REINDEX TABLE CONCURRENTLY "product";
        ALTER TABLE "product" ADD CONSTRAINT "c1" CHECK ("sku" IS NOT NULL) NOT VALID;
        ALTER TABLE "product" VALIDATE CONSTRAINT "c1";
        ALTER TABLE "product" ALTER COLUMN "sku" SET NOT NULL;
        ALTER TABLE "product" ALTER COLUMN "sku" TYPE VARCHAR(10);
        CREATE INDEX "i" ON "product" ("sku");"""
    path = write_migration(pg_app, NAME, upgrade, "SELECT 1;")
    cold = summary(lint(path, only=ALL_MINE).findings)
    warm = summary(lint(path, only=ALL_MINE).findings)
    assert cold == warm
    assert [rule for rule, *_ in cold] == [
        "concurrently-in-transaction",
        "concurrently-in-transaction",
        "constraint-not-valid",
        "lock-timeout",
        "column-type-change",
        "non-concurrent-index",
    ]
