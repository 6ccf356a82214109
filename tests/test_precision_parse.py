"""Valid SQL the parser got wrong on real projects: statements reported as invalid or
unrecognized, index columns lost, IF [NOT] EXISTS clauses not honoured by the replay.

Each case shows the false finding gone and a true finding of the same file (a
``DROP TABLE`` after the statement, or the same statement on a missing object)
still reported at its exact line. PostgreSQL and MariaDB semantics were checked on
the real servers (PostgreSQL 15, MariaDB 10.11).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lint, summary, write_migration

NAME = "1_20240102000000_change.py"
SYNTAX = ["sql-syntax", "unrecognized-sql", "drop-table"]
REPLAY = ["unknown-object", "sql-syntax", "unrecognized-sql"]
FIRST_LINE = 8  # write_migration puts the first upgrade line here

INIT = {
    "postgres": 'CREATE TABLE IF NOT EXISTS "product" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(200) NOT NULL, "sku" VARCHAR(20));',
    "mysql": "CREATE TABLE IF NOT EXISTS `product` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(200) NOT NULL, `sku` VARCHAR(20)) CHARACTER SET utf8mb4;",
    "sqlite": 'CREATE TABLE IF NOT EXISTS "product" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "name" VARCHAR(200) NOT NULL, "sku" VARCHAR(20));',
}


def app(tmp_path: Path, dialect: str) -> Path:
    """An app whose init migration creates product (id, name, sku)."""
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", INIT[dialect])
    return folder


def check_followed_by_drop(
    tmp_path: Path, dialect: str, sql: str
) -> tuple[list[tuple[str, str, str, int]], int]:
    """Lint ``sql`` followed by a DROP TABLE; the findings and the DROP's line."""
    folder = app(tmp_path, dialect)
    upgrade = f"{sql.strip()}\nDROP TABLE product;"
    write_migration(folder, NAME, upgrade, "SELECT 1;")
    drop_line = FIRST_LINE + upgrade.count("\n")
    return summary(lint(folder / NAME, dialect=dialect, only=SYNTAX).findings), drop_line


# -- 1. COMMENT ON ----------------------------------------------------------------

# What aerich and Tortoise write, verbatim (aerich 0.10.1 `migrate --offline`):
# a description removed, changed, a table's and an m2m table's comment, an enum's.
AERICH_COMMENTS = [
    'COMMENT ON COLUMN "author"."name" IS NULL;',
    'COMMENT ON COLUMN "author"."name" IS \'A new name\';',
    "COMMENT ON TABLE \"author\" IS 'Authors table';",
    "COMMENT ON TABLE book_tag IS 'the tags';",
    "COMMENT ON COLUMN author.\"nick\" IS 'nick name';",
    'COMMENT ON COLUMN "author"."color" IS \'RED: red\\nBLUE: blue\';',
]
# Hand-written forms PostgreSQL accepts (each checked on the server).
OTHER_COMMENTS = [
    "COMMENT ON TABLE t IS NULL;",
    'COMMENT ON TABLE "public"."t" IS NULL;',
    'COMMENT ON COLUMN "public"."t"."c" IS NULL;',
    "COMMENT ON COLUMN t.c IS E'line\\\\none';",
    "COMMENT ON COLUMN t.c IS $$it's$$;",
    "COMMENT ON COLUMN t.c IS U&'d\\\\0061t';",
    "COMMENT ON TABLE t IS 'one'\n  'two';",
    "comment on column t.c is null;",
    "COMMENT ON COLUMN таблица.столбец IS NULL;",
    'COMMENT ON CONSTRAINT "t_pkey" ON "t" IS \'pk\';',
    "COMMENT ON CONSTRAINT c ON DOMAIN d IS NULL;",
    "COMMENT ON TRIGGER trg ON public.t IS 'x';",
    "COMMENT ON POLICY p ON t IS 'x';",
    "COMMENT ON INDEX idx IS 'x';",
    "COMMENT ON EXTENSION pg_trgm IS 'x';",
    "COMMENT ON SCHEMA public IS 'standard public schema';",
    "COMMENT ON DATABASE app IS NULL;",
    "COMMENT ON MATERIALIZED VIEW mv IS 'x';",
    "COMMENT ON FUNCTION f(integer, text) IS NULL;",
    "COMMENT ON FUNCTION now() IS NULL;",
    "COMMENT ON TYPE mood IS 'x';",
    "COMMENT ON SEQUENCE t_id_seq IS 'x';",
    "COMMENT ON EVENT TRIGGER e IS 'x';",
    "COMMENT ON TEXT SEARCH CONFIGURATION fr IS 'x';",
    "COMMENT ON OPERATOR CLASS int4_ops USING btree IS 'x';",
    "COMMENT ON CAST (integer AS bigint) IS 'x';",
    "COMMENT ON LARGE OBJECT 1234 IS 'x';",
]


@pytest.mark.parametrize("sql", AERICH_COMMENTS + OTHER_COMMENTS)
def test_comment_on_is_valid_sql(tmp_path: Path, sql: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, "postgres", sql)
    assert found == [("drop-table", NAME, "upgrade", drop_line)]


# PostgreSQL rejects each of these (checked); sqlglot accepted the ones marked *.
BAD_COMMENTS = [
    "COMMENT ON TABLE t IS 'one' 'two';",  # constants join only across a newline
    "COMMENT ON COLUMN t IS 'x';",  # * column name must be qualified
    "COMMENT ON TABLE t.a.b.c IS 'x';",  # * too many dotted names
    "COMMENT ON COLUMN t.c IS N'x';",  # * no national strings here
    "COMMENT ON COLUMN t.c 'x';",  # * no IS
    "COMMENT ON TABLE t IS 1;",
    "COMMENT ON TABLE t IS NULL NULL;",
    "COMMENT ON WIDGET w IS NULL;",
    "COMMENT ON CONSTRAINT c t IS 'x';",
    "COMMENT ON FUNCTION f(int IS NULL;",
]


@pytest.mark.parametrize("sql", BAD_COMMENTS)
def test_invalid_comment_on_is_still_an_error(tmp_path: Path, sql: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, "postgres", sql)
    assert found == [
        ("sql-syntax", NAME, "upgrade", FIRST_LINE),
        ("drop-table", NAME, "upgrade", drop_line),
    ]


def test_comment_on_is_null_is_invalid_mysql(tmp_path: Path) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, "mysql", "COMMENT ON COLUMN t.c IS NULL;")
    assert found == [
        ("sql-syntax", NAME, "upgrade", FIRST_LINE),
        ("drop-table", NAME, "upgrade", drop_line),
    ]


# MySQL keeps comments in the column definition and the table options (aerich 0.10.1
# writes the first three for a description added, changed and removed).
MYSQL_COMMENTS = [
    "ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(200) NOT NULL COMMENT 'A new name';",
    "ALTER TABLE `product` MODIFY COLUMN `sku` VARCHAR(20) COMMENT 'Big one' DEFAULT 'x';",
    "ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(200) NOT NULL;",
    "ALTER TABLE `product` ADD `nick` VARCHAR(30) COMMENT 'nick name';",
    "ALTER TABLE `product` COMMENT='Products';",
    "ALTER TABLE `product` COMMENT = 'Products';",
    "ALTER TABLE `product` COMMENT '';",
    "CREATE TABLE `tag` (`id` INT NOT NULL PRIMARY KEY, `name` VARCHAR(4) NOT NULL COMMENT 'RED: red' DEFAULT 'red') CHARACTER SET utf8mb4 COMMENT='tags';",
]


@pytest.mark.parametrize("sql", MYSQL_COMMENTS)
def test_mysql_comments_are_valid_sql(tmp_path: Path, sql: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, "mysql", sql)
    assert found == [("drop-table", NAME, "upgrade", drop_line)]


def test_aerich_description_removed_keeps_the_history_reliable(tmp_path: Path) -> None:
    """The sql-syntax error used to stop the replay: the unknown column after it was
    never reported."""
    folder = app(tmp_path, "postgres")
    write_migration(
        folder,
        NAME,
        'COMMENT ON COLUMN "product"."name" IS NULL;\n'
        'ALTER TABLE "product" ALTER COLUMN "title" TYPE VARCHAR(30) USING "title"::VARCHAR(30);',
        'COMMENT ON COLUMN "product"."name" IS \'The name\';',
    )
    result = lint(folder, only=REPLAY)
    assert summary(result.findings) == [("unknown-object", NAME, "upgrade", FIRST_LINE + 1)]
    assert result.findings[0].message == "changes column product.title, which does not exist"


# -- 2. index columns -------------------------------------------------------------

# (dialect, index on product.name written so, the same index on a missing column)
INDEX_FORMS = [
    ("postgres", 'CREATE INDEX "idx" ON "product" USING GIN ("name" gin_trgm_ops);', 'CREATE INDEX "idx" ON "product" USING GIN ("nope" gin_trgm_ops);'),
    ("postgres", 'CREATE INDEX "idx" ON "product" ("name" text_pattern_ops);', 'CREATE INDEX "idx" ON "product" ("nope" text_pattern_ops);'),
    ("postgres", "CREATE INDEX idx ON product USING gist (name gist_trgm_ops);", "CREATE INDEX idx ON product USING gist (nope gist_trgm_ops);"),
    ("postgres", "CREATE INDEX idx ON product USING gin (name extensions.gin_trgm_ops) WHERE sku IS NULL;", "CREATE INDEX idx ON product USING gin (nope extensions.gin_trgm_ops);"),
    ("postgres", "CREATE INDEX idx ON product (name varchar_pattern_ops DESC NULLS LAST);", "CREATE INDEX idx ON product (nope varchar_pattern_ops DESC);"),
    ("postgres", 'CREATE INDEX idx ON product (name COLLATE "C" text_pattern_ops);', 'CREATE INDEX idx ON product (nope COLLATE "C");'),
    ("postgres", "CREATE INDEX idx ON product (lower(name));", "CREATE INDEX idx ON product (lower(nope));"),
    ('postgres', 'CREATE INDEX IF NOT EXISTS "idx" ON "product" (LOWER("name"));', 'CREATE INDEX IF NOT EXISTS "idx" ON "product" (LOWER("nope"));'),
    ("postgres", "CREATE INDEX idx ON product USING gin (lower(coalesce(name, '')) gin_trgm_ops);", "CREATE INDEX idx ON product USING gin (lower(coalesce(nope, '')) gin_trgm_ops);"),
    ("postgres", "CREATE INDEX idx ON product USING gin (to_tsvector('english', name));", "CREATE INDEX idx ON product USING gin (to_tsvector('english', nope));"),
    ("postgres", "CREATE INDEX idx ON product ((name || sku));", "CREATE INDEX idx ON product ((name || nope));"),
    ("postgres", "CREATE INDEX idx ON product (id) INCLUDE (name, sku);", "CREATE INDEX idx ON product (id) INCLUDE (name, nope);"),
    ("postgres", "CREATE UNIQUE INDEX idx ON product (name) NULLS NOT DISTINCT;", "CREATE UNIQUE INDEX idx ON product (nope) NULLS NOT DISTINCT;"),
    ("postgres", "CREATE INDEX idx ON ONLY product (name);", "CREATE INDEX idx ON ONLY product (nope);"),
    ("postgres", "CREATE INDEX idx ON product USING hnsw (name vector_cosine_ops) WITH (m = 16, ef_construction = 64);", "CREATE INDEX idx ON product USING hnsw (nope vector_cosine_ops) WITH (m = 16);"),
    ("mysql", "ALTER TABLE `product` ADD INDEX `idx` ((LOWER(`name`)));", "ALTER TABLE `product` ADD INDEX `idx` ((LOWER(`nope`)));"),
    ("mysql", "ALTER TABLE `product` ADD INDEX `idx` (`name`(10));", "ALTER TABLE `product` ADD INDEX `idx` (`nope`(10));"),
    ("mysql", "CREATE INDEX `idx` ON `product` (`name`(10));", "CREATE INDEX `idx` ON `product` (`nope`(10));"),
    ("mysql", "ALTER TABLE `product` ADD FULLTEXT INDEX `ft` (`name`) WITH PARSER ngram;", "ALTER TABLE `product` ADD FULLTEXT INDEX `ft` (`nope`) WITH PARSER ngram;"),
    ("sqlite", 'CREATE INDEX IF NOT EXISTS "idx" ON "product" (LOWER("name"));', 'CREATE INDEX IF NOT EXISTS "idx" ON "product" (LOWER("nope"));'),
    ("sqlite", "CREATE INDEX idx ON product (name COLLATE NOCASE DESC);", "CREATE INDEX idx ON product (nope COLLATE NOCASE);"),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "good", "bad"), INDEX_FORMS)
def test_index_columns_are_the_columns_it_uses(
    tmp_path: Path, dialect: str, good: str, bad: str
) -> None:
    folder = app(tmp_path, dialect)
    write_migration(folder, NAME, f"{good}\n{_renamed(bad)}")
    result = lint(folder, dialect=dialect, only=REPLAY)
    assert summary(result.findings) == [("unknown-object", NAME, "upgrade", FIRST_LINE + 1)]
    assert result.findings[0].message == "indexes column product.nope, which does not exist"


def _renamed(sql: str) -> str:
    """The second index under another name (the first one exists by then)."""
    return sql.replace("idx", "idx_other", 1).replace("`ft`", "`ft_other`")


def test_dropping_an_indexed_column_drops_its_opclass_index(tmp_path: Path) -> None:
    """PostgreSQL drops an index with a column it uses (checked, also for expression
    and INCLUDE columns): a later DROP INDEX without IF EXISTS fails. With the column
    lost, the replay kept the index and missed it."""
    folder = app(tmp_path, "postgres")
    write_migration(
        folder,
        NAME,
        'CREATE INDEX "idx_trgm" ON "product" USING GIN ("name" gin_trgm_ops);\n'
        'CREATE INDEX "idx_lower" ON "product" (lower("sku"));\n'
        'CREATE INDEX "idx_incl" ON "product" ("id") INCLUDE ("sku");\n'
        'ALTER TABLE "product" DROP COLUMN "name";\n'
        'ALTER TABLE "product" DROP COLUMN "sku";\n'
        'DROP INDEX "idx_trgm";\n'
        'DROP INDEX "idx_lower";\n'
        'DROP INDEX IF EXISTS "idx_incl";',
    )
    result = lint(folder, only=REPLAY)
    assert summary(result.findings) == [
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 5),
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 6),
    ]
    assert [f.message for f in result.findings] == [
        "drops index idx_trgm, which no longer exists",
        "drops index idx_lower, which no longer exists",
    ]


def test_opclass_index_is_seen_by_the_index_rules(tmp_path: Path) -> None:
    folder = app(tmp_path, "postgres")
    write_migration(
        folder,
        NAME,
        'CREATE INDEX "idx" ON "product" USING GIN ("name" gin_trgm_ops);\n'
        "CREATE UNIQUE INDEX idx_sku ON product (sku) NULLS NOT DISTINCT;",
    )
    found = summary(lint(folder, only=["non-concurrent-index", *REPLAY]).findings)
    assert found == [
        ("non-concurrent-index", NAME, "upgrade", FIRST_LINE),
        ("non-concurrent-index", NAME, "upgrade", FIRST_LINE + 1),
    ]


# -- 3. IF [NOT] EXISTS -----------------------------------------------------------

ALTER_ACTIONS = [
    'ADD COLUMN "x" INT',
    'ADD "x" INT NOT NULL DEFAULT 0',
    'DROP COLUMN "name"',
    'RENAME COLUMN "name" TO "title"',
    'RENAME TO "other"',
    'ALTER COLUMN "name" TYPE VARCHAR(30) USING "name"::VARCHAR(30)',
    'ALTER COLUMN "name" SET NOT NULL',
    'ALTER COLUMN "name" DROP DEFAULT',
    'ADD CONSTRAINT "uq" UNIQUE ("name")',
    'ADD CONSTRAINT "fk" FOREIGN KEY ("name") REFERENCES "product" ("id")',
    'DROP CONSTRAINT "uq"',
    'DROP CONSTRAINT IF EXISTS "uq"',
    'DROP COLUMN IF EXISTS "name"',
]


@pytest.mark.parametrize("action", ALTER_ACTIONS)
def test_alter_table_if_exists_on_a_missing_table_is_a_no_op(tmp_path: Path, action: str) -> None:
    """PostgreSQL: NOTICE relation "gone" does not exist, skipping (checked)."""
    folder = app(tmp_path, "postgres")
    write_migration(
        folder, NAME, f'ALTER TABLE IF EXISTS "gone" {action};\nALTER TABLE "gone" {action};'
    )
    result = lint(folder, only=REPLAY)
    assert summary(result.findings) == [("unknown-object", NAME, "upgrade", FIRST_LINE + 1)]
    assert "table gone, which does not exist" in result.findings[0].message


MARIADB_ACTIONS = [
    "ADD COLUMN `x` INT",
    "DROP COLUMN `name`",
    "MODIFY COLUMN `name` VARCHAR(30) NOT NULL",
    "CHANGE `name` `title` VARCHAR(30)",
    "RENAME COLUMN `name` TO `title`",
    "ADD INDEX `idx` (`name`)",
    "DROP INDEX `idx`",
    "DROP FOREIGN KEY `fk`",
]


@pytest.mark.parametrize("action", MARIADB_ACTIONS)
def test_mariadb_alter_table_if_exists_is_a_no_op(tmp_path: Path, action: str) -> None:
    """MariaDB: a warning 1146, and the statement succeeds (checked on 10.11)."""
    folder = app(tmp_path, "mysql")
    write_migration(
        folder, NAME, f"ALTER TABLE IF EXISTS `gone` {action};\nALTER TABLE `gone` {action};"
    )
    found = summary(lint(folder, dialect="mysql", only=REPLAY).findings)
    expected = [("unknown-object", NAME, "upgrade", FIRST_LINE + 1)]
    if action.startswith("DROP INDEX"):
        expected = []  # an index drop is not checked against its table
    assert found == expected


def test_alter_table_if_exists_on_an_existing_table_applies(tmp_path: Path) -> None:
    folder = app(tmp_path, "postgres")
    write_migration(
        folder,
        NAME,
        'ALTER TABLE IF EXISTS "product" ADD COLUMN "x" INT;\n'
        'ALTER TABLE IF EXISTS "product" DROP COLUMN "sku";\n'
        'ALTER TABLE "product" DROP COLUMN "x";\n'
        'ALTER TABLE "product" DROP COLUMN "sku";\n'
        'ALTER TABLE IF EXISTS "product" ADD COLUMN "name" INT;',
    )
    result = lint(folder, only=REPLAY)
    assert summary(result.findings) == [
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 3),
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 4),
    ]
    assert [f.message for f in result.findings] == [
        "drops column product.sku, which does not exist",
        "adds column product.name, which already exists",
    ]


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_if_exists_clauses_skip_the_missing_object_not_the_table(
    tmp_path: Path, dialect: str
) -> None:
    """DROP COLUMN / DROP CONSTRAINT IF EXISTS skip a missing column or constraint, but
    fail on a missing table (PostgreSQL: relation does not exist; MariaDB: 1146)."""
    q = "`" if dialect == "mysql" else '"'
    folder = app(tmp_path, dialect)
    lines = [
        "ALTER TABLE {q}product{q} DROP COLUMN IF EXISTS {q}nope{q};",
        "ALTER TABLE {q}product{q} DROP CONSTRAINT IF EXISTS {q}nope{q};",
        "ALTER TABLE {q}product{q} ADD COLUMN IF NOT EXISTS {q}name{q} INT;",
        "CREATE INDEX IF NOT EXISTS {q}idx{q} ON {q}product{q} ({q}name{q});",
        "CREATE INDEX IF NOT EXISTS {q}idx{q} ON {q}product{q} ({q}sku{q});",
        "DROP INDEX IF EXISTS {q}nope{q}" + (" ON `product`;" if dialect == "mysql" else ";"),
        "ALTER TABLE {q}gone{q} DROP COLUMN IF EXISTS {q}nope{q};",
        "ALTER TABLE {q}gone{q} DROP CONSTRAINT IF EXISTS {q}nope{q};",
    ]
    write_migration(folder, NAME, "\n".join(line.format(q=q) for line in lines))
    result = lint(folder, dialect=dialect, only=REPLAY)
    assert summary(result.findings) == [
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 6),
        ("unknown-object", NAME, "upgrade", FIRST_LINE + 7),
    ]
    assert [f.message for f in result.findings] == [
        "drops table gone, which does not exist",
        "drops a constraint of table gone, which does not exist",
    ]


# -- 4. statement forms the parser now accepts -------------------------------------

# (dialect, statement): valid SQL that was reported as sql-syntax or unrecognized-sql.
NOW_ACCEPTED = [
    ("postgres", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO readonly;"),
    ("postgres", "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app;"),
    ("postgres", "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO app;"),
    ("postgres", "GRANT app_role TO app_user;"),
    ("postgres", "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;"),
    ("postgres", "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO readonly;"),
    ("postgres", "CREATE MATERIALIZED VIEW mv AS SELECT name, count(*) AS n FROM product GROUP BY name WITH NO DATA;"),
    ("postgres", "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT name FROM product WITH DATA;"),
    ("postgres", "CREATE VIEW v WITH (security_barrier) AS SELECT name FROM product;"),
    ("postgres", "CREATE VIEW v AS SELECT name FROM product WHERE sku IS NULL WITH CHECK OPTION;"),
    ("postgres", "CREATE OR REPLACE VIEW v AS SELECT name FROM product WITH LOCAL CHECK OPTION;"),
    ("postgres", "CREATE OR REPLACE VIEW v WITH (security_barrier = true) AS SELECT name FROM product WITH CASCADED CHECK OPTION;"),
    ("postgres", "CREATE RECURSIVE VIEW nums (n) AS VALUES (1) UNION ALL SELECT n + 1 FROM nums WHERE n < 100;"),
    ("postgres", "CREATE UNIQUE INDEX idx ON product (name) NULLS NOT DISTINCT;"),
    ("postgres", "CREATE UNIQUE INDEX idx ON product (name) INCLUDE (sku) NULLS DISTINCT WHERE sku IS NOT NULL;"),
    ("postgres", "CREATE INDEX idx ON ONLY product (name);"),
    ("postgres", "COMMENT ON EXTENSION pg_trgm IS 'trigram matching';"),
    ("mysql", "CREATE TRIGGER trg BEFORE INSERT ON product FOR EACH ROW BEGIN\n  IF NEW.sku IS NULL THEN SET NEW.sku = 'x'; END IF;\n  SET NEW.name = CASE WHEN NEW.name = '' THEN 'unnamed' ELSE NEW.name END;\nEND;"),
    ("mysql", "CREATE DEFINER=`root`@`localhost` TRIGGER trg AFTER UPDATE ON product FOR EACH ROW BEGIN\n  CASE NEW.id WHEN 1 THEN SET @x = 1; ELSE SET @x = 2; END CASE;\nEND;"),
    ("mysql", "CREATE TRIGGER trg BEFORE INSERT ON product FOR EACH ROW SET NEW.sku = 'x';"),
    ("mysql", "CREATE PROCEDURE p() BEGIN\n  DECLARE i INT DEFAULT 0;\n  WHILE i < 10 DO SET i = i + 1; END WHILE;\n  lbl: LOOP LEAVE lbl; END LOOP lbl;\nEND;"),
    ("mysql", "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM product WHERE id < 0; END;"),
    ("mysql", "REPLACE INTO `product` (`id`, `name`) VALUES (1, 'x');"),
    ("mysql", "ALTER TABLE `sku_log` RENAME AS `sku_history`;"),
    ("sqlite", "CREATE TRIGGER IF NOT EXISTS trg AFTER UPDATE ON product FOR EACH ROW BEGIN\n  UPDATE product SET sku = CASE WHEN NEW.sku IS NULL THEN 'x' ELSE NEW.sku END WHERE id = NEW.id;\n  INSERT INTO log (a) VALUES (NEW.id);\nEND;"),
    ("sqlite", "CREATE TEMP TRIGGER trg BEFORE DELETE ON product WHEN (CASE WHEN OLD.id > 0 THEN 1 END) BEGIN SELECT RAISE(ABORT, 'no; never'); END;"),
    ("sqlite", "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"),
    ("sqlite", "REPLACE INTO product (id, name) VALUES (1, 'x');"),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "sql"), NOW_ACCEPTED)
def test_now_accepted(tmp_path: Path, dialect: str, sql: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, dialect, sql)
    assert found == [("drop-table", NAME, "upgrade", drop_line)]


# The same shapes, broken: still reported.
STILL_INVALID = [
    ("postgres", "CREATE INDEX idx ON ONLY product (name,;", "sql-syntax"),
    ("postgres", "CREATE UNIQUE INDEX idx ON product (name NULLS NOT DISTINCT;", "sql-syntax"),
    ("postgres", "CREATE VIEW v WITH (security_barrier AS SELECT 1;", "sql-syntax"),
    ("postgres", "CREATE VIEW v AS SELEC name FROM product WITH CHECK OPTION;", "sql-syntax"),
    ("mysql", "REPLACE INTO `product` (`id`, `name`) VALUES (1, 'x';", "unrecognized-sql"),
    ("sqlite", "CREATE TABLE kv (k TEXT PRIMARY KEY v TEXT) WITHOUT ROWID;", "sql-syntax"),
]


@pytest.mark.parametrize(("dialect", "sql", "rule"), STILL_INVALID)
def test_broken_forms_are_still_reported(tmp_path: Path, dialect: str, sql: str, rule: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, dialect, sql)
    assert found == [
        (rule, NAME, "upgrade", FIRST_LINE),
        ("drop-table", NAME, "upgrade", drop_line),
    ]


def test_a_trigger_body_is_one_statement(tmp_path: Path) -> None:
    """Its semicolons do not end it: what follows is checked at its own line, and the
    body's UPDATE is not read as a statement of the migration."""
    folder = app(tmp_path, "sqlite")
    write_migration(
        folder,
        NAME,
        "CREATE TRIGGER trg AFTER INSERT ON product BEGIN\n"
        "  DELETE FROM product;\n"
        "  UPDATE product SET sku = 'x';\n"
        "END;\n"
        "DELETE FROM product;",
        "DROP TRIGGER trg;",
    )
    found = summary(lint(folder, dialect="sqlite", only=[*SYNTAX, "delete-without-where"]).findings)
    assert found == [("delete-without-where", NAME, "upgrade", FIRST_LINE + 4)]


# Common hand-written statements of aerich projects that already parsed: kept so.
HAND_WRITTEN = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
    'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
    "CREATE OR REPLACE FUNCTION touch() RETURNS TRIGGER AS $$\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;",
    "CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$ BEGIN RETURN NEW; END $fn$;",
    "CREATE TRIGGER trg BEFORE UPDATE ON product FOR EACH ROW EXECUTE FUNCTION touch();",
    "CREATE TRIGGER trg BEFORE UPDATE ON product FOR EACH ROW EXECUTE PROCEDURE touch();",
    "DROP TRIGGER IF EXISTS trg ON product;",
    "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('sad', 'ok');\n  END IF;\nEND $$;",
    "ALTER TYPE mood ADD VALUE 'happy';",
    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' AFTER 'ok';",
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');",
    "INSERT INTO product (id, name) VALUES (1, 'x') ON CONFLICT DO NOTHING;",
    "INSERT INTO product (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name;",
    "ALTER SEQUENCE product_id_seq RESTART WITH 1000;",
    "SELECT setval('product_id_seq', (SELECT MAX(id) FROM product));",
    "SELECT setval(pg_get_serial_sequence('\"product\"', 'id'), coalesce(max(\"id\"), 1), max(\"id\") IS NOT null) FROM \"product\";",
    "GRANT SELECT, INSERT ON product TO app_user;",
    "CREATE MATERIALIZED VIEW mv AS SELECT name, count(*) FROM product GROUP BY name;",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;",
    "CREATE VIEW v AS SELECT * FROM product;",
    "CREATE OR REPLACE VIEW v AS SELECT name FROM product WHERE id > 0;",
    'ALTER TABLE "product" ALTER COLUMN "sku" TYPE INTEGER USING "sku"::integer;',
    'ALTER TABLE "product" ALTER COLUMN "sku" TYPE mood USING "sku"::text::mood;',
]  # fmt: skip


@pytest.mark.parametrize("sql", HAND_WRITTEN)
def test_hand_written_postgres_statements(tmp_path: Path, sql: str) -> None:
    found, drop_line = check_followed_by_drop(tmp_path, "postgres", sql)
    assert found == [("drop-table", NAME, "upgrade", drop_line)]
