"""PostgreSQL: sql-syntax means what the server says, and what real migrations hold is
understood.

PostgreSQL's own parser (libpg_query, through pglast) judges every PostgreSQL chunk: a
statement it accepts is never sql-syntax, one it refuses is, with its message, at the
line of the culprit. sqlglot stays the parser the rules read; the statements it lacks
are recognised (a known command) or rebuilt as its tree for the equivalent statement.

Every statement of COVERAGE runs on the real server first, in a scratch database holding
BASE and the case's own setup (rolled back after it), to prove it valid; then it is
linted (no sql-syntax, no unrecognized-sql) and what the parser made of it is compared
with the case's ``understood``: the facts the rules read (``effects.py``), the known
command it was named as, or the sqlglot statement it was read as. Every statement of
REFUSED is refused by the server with the message the linter gives.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aerich_lint import effects as E
from aerich_lint.effects import effects
from aerich_lint.model import Chunk, Dialect, LineIndex, OffsetMap, Severity, Statement
from aerich_lint.parse import postgres_grammar
from aerich_lint.parse.sql import parse_chunk, parse_chunk_trees
from conftest import ROOT, lint, server_url, summary, write_migration

PG = Dialect.POSTGRES
NAME = "1_20240102000000_change.py"
FIRST_LINE = 8  # write_migration puts the first upgrade line here
SYNTAX = ["sql-syntax", "unrecognized-sql"]

# The objects the statements of COVERAGE use, made once in the scratch database.
BASE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE category (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE TABLE product (
    id SERIAL PRIMARY KEY, name VARCHAR(200) NOT NULL, sku VARCHAR(50), price NUMERIC(10, 2),
    category_id INT, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), meta JSONB, tags TEXT[]
);
CREATE TABLE tag (id INT NOT NULL, name VARCHAR(20));
CREATE INDEX idx_name ON product (name);
CREATE INDEX idx_sku ON product (sku);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE pair AS (x INT, y INT);
CREATE TABLE point_log (id INT, p pair, vals INT[]);
CREATE DOMAIN positive_int AS INTEGER CHECK (VALUE > 0);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE VIEW product_names AS SELECT id, name FROM product;
CREATE SEQUENCE counter;
CREATE TABLE measurement (id INT, logdate DATE NOT NULL) PARTITION BY RANGE (logdate);
CREATE TABLE m2023 (id INT, logdate DATE NOT NULL);
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER remote FOREIGN DATA WRAPPER dummy_fdw;
"""
# Roles are the cluster's: made in a case's own transaction, which is rolled back.
ROLES = "CREATE ROLE app_reader; CREATE ROLE app_writer;"
TRIGGER = "CREATE TRIGGER trg_touch BEFORE UPDATE ON product FOR EACH ROW EXECUTE FUNCTION touch();"
FK = "ALTER TABLE product ADD CONSTRAINT fk_cat FOREIGN KEY (category_id) REFERENCES category (id);"
MV = "CREATE MATERIALIZED VIEW mv AS SELECT id FROM product;"


@dataclass(frozen=True)
class Case:
    sql: str
    # what the parser makes of it: "command NAME" (a known command), the facts rules read
    # (rendered by ``render``), or "tree X" (a sqlglot statement with no fact)
    understood: tuple[str, ...]
    setup: str = ""
    tx: bool = True  # run in a transaction block that is rolled back; else setup, sql, cleanup
    cleanup: str = ""
    # the server refuses it after parsing, for a reason not its syntax (SQLSTATE)
    sqlstate: str = ""

    def __str__(self) -> str:
        return self.sql


# Valid PostgreSQL that real migrations hold (aerich's own output, hand-written data and
# schema steps; shapes from squawk's tests and from public aerich projects), one a case.
COVERAGE = [
    Case('DROP INDEX idx_name, idx_sku;', ('DropIndex idx_name', 'DropIndex idx_sku', 'Ddl DROP INDEX')),
    Case('DROP INDEX IF EXISTS "idx_name", "idx_sku" CASCADE;', ('DropIndex idx_name if_exists', 'DropIndex idx_sku if_exists', 'Ddl DROP INDEX')),
    Case('DROP INDEX CONCURRENTLY IF EXISTS "idx_name";', ('DropIndex idx_name concurrently if_exists', 'Ddl DROP INDEX'), tx=False, cleanup="CREATE INDEX idx_name ON product (name);"),
    Case('COMMENT ON COLUMN "product"."name" IS NULL;', ('Ddl COMMENT',)),
    Case('COMMENT ON TABLE "product" IS NULL;', ('Ddl COMMENT',)),
    Case('CREATE INDEX "idx_trgm" ON "product" USING gin ("name" gin_trgm_ops);', ('CreateIndex idx_trgm ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_pat ON product (name text_pattern_ops);', ('CreateIndex idx_pat ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_c ON product (name COLLATE "C" DESC NULLS LAST) INCLUDE (sku) WHERE sku IS NOT NULL;', ('CreateIndex idx_c ON product(name, sku)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_v ON product (sku COLLATE "C" varchar_pattern_ops ASC NULLS FIRST, lower(name) DESC);', ('CreateIndex idx_v ON product(sku, name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_gist ON product USING gist (name gist_trgm_ops);', ('CreateIndex idx_gist ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_meta ON product USING gin (meta jsonb_path_ops);', ('CreateIndex idx_meta ON product(meta)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_brin ON product USING brin (created_at) WITH (pages_per_range = 32);', ('CreateIndex idx_brin ON product(created_at)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_hash ON product USING hash (sku);', ('CreateIndex idx_hash ON product(sku)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_ff ON product (name) WITH (fillfactor = 70) TABLESPACE pg_default;', ('CreateIndex idx_ff ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX ON product (name);', ('CreateIndex "" ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX idx_expr ON product ((lower(name)));', ('CreateIndex idx_expr ON product(name)', 'Ddl CREATE INDEX')),
    Case('CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_conc ON product (sku);', ('CreateIndex idx_conc ON product(sku) concurrently if_not_exists', 'Ddl CREATE INDEX'), tx=False, cleanup="DROP INDEX idx_conc;"),
    Case('CREATE UNIQUE INDEX uniq_name ON product (name) NULLS NOT DISTINCT;', ('CreateIndex uniq_name ON product(name) unique', 'Ddl CREATE INDEX')),
    Case('CREATE UNIQUE INDEX uniq_lower ON product (lower(name)) WHERE sku IS NULL;', ('CreateIndex uniq_lower ON product(name) unique', 'Ddl CREATE INDEX')),
    Case("CREATE DOMAIN email AS TEXT CHECK (VALUE ~ '@');", ('command CREATE DOMAIN', 'Ddl CREATE')),
    Case("CREATE DOMAIN code AS VARCHAR(10) NOT NULL DEFAULT 'x' CONSTRAINT code_check CHECK (VALUE <> '');", ('command CREATE DOMAIN', 'Ddl CREATE')),
    Case('ALTER DOMAIN positive_int ADD CONSTRAINT below_max CHECK (VALUE < 1000000) NOT VALID;', ('command ALTER DOMAIN', 'Ddl ALTER')),
    Case('ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive_int_check;', ('command ALTER DOMAIN', 'Ddl ALTER')),
    Case('ALTER DOMAIN positive_int DROP CONSTRAINT IF EXISTS nope;', ('command ALTER DOMAIN', 'Ddl ALTER')),
    Case('ALTER DOMAIN positive_int SET DEFAULT 1;', ('command ALTER DOMAIN', 'Ddl ALTER')),
    Case('DROP DOMAIN IF EXISTS positive_int CASCADE;', ('command DROP DOMAIN', 'Ddl DROP')),
    Case('CREATE TEMP TABLE tmp_ids (id INT) ON COMMIT DROP;', ('CreateTable tmp_ids(id)', 'Ddl CREATE TABLE tmp_ids temporary')),
    Case('CREATE TEMPORARY TABLE tmp_keep (id INT) ON COMMIT DELETE ROWS;', ('CreateTable tmp_keep(id)', 'Ddl CREATE TABLE tmp_keep temporary')),
    Case('CREATE TEMP TABLE tmp_copy ON COMMIT DROP AS SELECT id FROM product;', ('CreateTable tmp_copy()', 'Ddl CREATE TABLE tmp_copy temporary')),
    Case('START TRANSACTION;', ('command START TRANSACTION',), tx=False),
    Case('START TRANSACTION ISOLATION LEVEL SERIALIZABLE;', ('command START TRANSACTION',), tx=False),
    Case('BEGIN;', ('tree Transaction',), tx=False),
    Case('BEGIN WORK;', ('tree Transaction',), tx=False),
    Case('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;', ('command BEGIN',), tx=False),
    Case('COMMIT;', ('tree Commit',), setup='BEGIN;', tx=False),
    Case('COMMIT WORK;', ('tree Commit',), setup='BEGIN;', tx=False),
    Case('COMMIT AND NO CHAIN;', ('tree Commit',), setup='BEGIN;', tx=False),
    Case('END;', ('tree Commit',), setup='BEGIN;', tx=False),
    Case('ROLLBACK;', ('tree Rollback',), setup='BEGIN;', tx=False),
    Case('SAVEPOINT before_backfill;', ('command SAVEPOINT',)),
    Case('RELEASE SAVEPOINT before_backfill;', ('command RELEASE',), setup='SAVEPOINT before_backfill;'),
    Case('ROLLBACK TO SAVEPOINT before_backfill;', ('tree Rollback',), setup='SAVEPOINT before_backfill;'),
    Case('CREATE FOREIGN TABLE remote_product (id INT, name TEXT) SERVER remote;', ('command CREATE FOREIGN TABLE', 'Ddl CREATE')),
    Case("CREATE FOREIGN TABLE IF NOT EXISTS remote_p (id INT) SERVER remote OPTIONS (schema_name 'public', table_name 'product');", ('command CREATE FOREIGN TABLE', 'Ddl CREATE')),
    Case('ALTER FOREIGN TABLE remote_product ADD COLUMN sku TEXT;', ('command ALTER FOREIGN TABLE', 'Ddl ALTER'), setup='CREATE FOREIGN TABLE remote_product (id INT) SERVER remote;'),
    Case('DROP FOREIGN TABLE IF EXISTS remote_product;', ('command DROP FOREIGN TABLE', 'Ddl DROP')),
    Case('CREATE SERVER other_remote FOREIGN DATA WRAPPER dummy_fdw;', ('command CREATE SERVER', 'Ddl CREATE')),
    Case('CREATE USER MAPPING FOR CURRENT_USER SERVER remote;', ('command CREATE USER MAPPING', 'Ddl CREATE')),
    Case('INSERT INTO point_log (id, p.x, p.y) VALUES (1, 2, 3);', ('InsertRows point_log',)),
    Case('INSERT INTO point_log (vals[1]) VALUES (5);', ('InsertRows point_log',)),
    Case('UPDATE point_log SET p.x = 1 WHERE id = 1;', ('UpdateRows point_log(p)',)),
    Case('CREATE SCHEMA IF NOT EXISTS app;', ('Ddl CREATE SCHEMA',)),
    Case('CREATE SCHEMA app AUTHORIZATION CURRENT_USER;', ('command CREATE SCHEMA', 'Ddl CREATE')),
    Case('DROP SCHEMA IF EXISTS app CASCADE;', ('Ddl DROP SCHEMA',)),
    Case('ALTER SCHEMA app RENAME TO app2;', ('command ALTER SCHEMA RENAME', 'Ddl ALTER'), setup='CREATE SCHEMA app;'),
    Case("CREATE TYPE status AS ENUM ('new', 'done');", ('Ddl CREATE TYPE',)),
    Case('CREATE TYPE pair2 AS (x INT, y TEXT);', ('Ddl CREATE TYPE',)),
    Case("ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';", ('command ALTER TYPE', 'Ddl ALTER')),
    Case("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'great' BEFORE 'happy';", ('command ALTER TYPE ADD VALUE', 'Ddl ALTER')),
    Case('ALTER TYPE mood RENAME TO feeling;', ('command ALTER TYPE', 'Ddl ALTER')),
    Case('ALTER TYPE pair ADD ATTRIBUTE z INT;', ('command ALTER TYPE', 'Ddl ALTER')),
    Case('DROP TYPE IF EXISTS mood CASCADE;', ('Ddl DROP TYPE',)),
    Case('CREATE VIEW cheap AS SELECT id, name FROM product WHERE price < 10;', ('Ddl CREATE VIEW',)),
    Case('CREATE OR REPLACE VIEW product_names AS SELECT id, name FROM product;', ('Ddl CREATE VIEW',)),
    Case('DROP VIEW IF EXISTS product_names CASCADE;', ('Ddl DROP VIEW',)),
    Case('ALTER VIEW product_names RENAME TO names;', ('Ddl ALTER VIEW',)),
    Case('CREATE MATERIALIZED VIEW mv AS SELECT category_id, count(*) AS n FROM product GROUP BY category_id WITH NO DATA;', ('Ddl CREATE VIEW',)),
    Case('CREATE MATERIALIZED VIEW IF NOT EXISTS mv2 AS SELECT id FROM product WITH DATA;', ('Ddl CREATE VIEW',)),
    Case('DROP MATERIALIZED VIEW IF EXISTS mv;', ('Ddl DROP VIEW',), setup=MV),
    Case('REFRESH MATERIALIZED VIEW mv;', ('command REFRESH MATERIALIZED VIEW',), setup=MV),
    Case('ALTER MATERIALIZED VIEW mv RENAME TO mv3;', ('command ALTER MATERIALIZED VIEW', 'Ddl ALTER'), setup=MV),
    Case('CREATE SEQUENCE IF NOT EXISTS order_seq START 1000 INCREMENT BY 1;', ('Ddl CREATE SEQUENCE',)),
    Case('CREATE SEQUENCE product_seq AS BIGINT OWNED BY product.id;', ('Ddl CREATE SEQUENCE',)),
    Case("SELECT setval('counter', 42);", ('tree Select',)),
    Case("SELECT setval('counter', (SELECT max(id) FROM product), false);", ('tree Select',)),
    Case("SELECT nextval('counter');", ('tree Select',)),
    Case('ALTER SEQUENCE counter OWNED BY product.id;', ('command ALTER SEQUENCE', 'Ddl ALTER')),
    Case('ALTER SEQUENCE counter RESTART WITH 100;', ('command ALTER SEQUENCE', 'Ddl ALTER')),
    Case('DROP SEQUENCE IF EXISTS counter;', ('Ddl DROP SEQUENCE',)),
    Case('CREATE TRIGGER trg_touch BEFORE UPDATE ON product FOR EACH ROW EXECUTE FUNCTION touch();', ('Ddl CREATE TRIGGER',)),
    Case('CREATE OR REPLACE TRIGGER trg_touch BEFORE INSERT OR UPDATE OF name ON product FOR EACH ROW WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION touch();', ('Ddl CREATE TRIGGER',)),
    Case('CREATE CONSTRAINT TRIGGER trg_c AFTER INSERT ON product DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE PROCEDURE touch();', ('Ddl CREATE TRIGGER',)),
    Case('CREATE TRIGGER trg_stmt AFTER TRUNCATE ON product FOR EACH STATEMENT EXECUTE FUNCTION touch();', ('Ddl CREATE TRIGGER',)),
    Case('DROP TRIGGER trg_touch ON product;', ('Ddl DROP TRIGGER',), setup=TRIGGER),
    Case('DROP TRIGGER IF EXISTS trg_touch ON product CASCADE;', ('Ddl DROP TRIGGER',)),
    Case('ALTER TRIGGER trg_touch ON product RENAME TO trg_touched;', ('command ALTER TRIGGER', 'Ddl ALTER'), setup=TRIGGER),
    Case('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;', ('command CREATE EXTENSION', 'Ddl CREATE')),
    Case('CREATE EXTENSION IF NOT EXISTS "uuid-ossp" SCHEMA public;', ('command CREATE EXTENSION', 'Ddl CREATE')),
    Case('DROP EXTENSION IF EXISTS hstore CASCADE;', ('command DROP EXTENSION', 'Ddl DROP')),
    Case('ALTER TABLE "product" ALTER COLUMN "sku" TYPE INTEGER USING "sku"::integer;', ('ChangeColumn product.sku type=INT', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product ALTER COLUMN price SET DATA TYPE NUMERIC(12,2);', ('ChangeColumn product.price type=DECIMAL(12, 2)', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product ALTER COLUMN sku TYPE VARCHAR(300) COLLATE "C";', ('ChangeColumn product.sku type=VARCHAR(300)', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE "tag" ADD COLUMN "seq" INT GENERATED ALWAYS AS IDENTITY;', ('AddColumn tag.seq INT', 'Ddl ALTER TABLE tag')),
    Case('ALTER TABLE tag ADD COLUMN big BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 5);', ('AddColumn tag.big BIGINT', 'Ddl ALTER TABLE tag')),
    Case('ALTER TABLE tag ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;', ('command ALTER TABLE ADD IDENTITY', 'Ddl ALTER')),
    Case('ALTER TABLE product ADD COLUMN total NUMERIC GENERATED ALWAYS AS (price * 2) STORED;', ('AddColumn product.total DECIMAL', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product SET (fillfactor = 70);', ('Ddl ALTER TABLE product',)),
    Case('ALTER TABLE product RESET (fillfactor);', ('command ALTER TABLE RESET', 'Ddl ALTER')),
    Case('ALTER TABLE product SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.005);', ('Ddl ALTER TABLE product',)),
    Case("ALTER TABLE measurement ATTACH PARTITION m2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');", ('command ALTER TABLE ATTACH PARTITION', 'Ddl ALTER')),
    Case('ALTER TABLE measurement ATTACH PARTITION m2023 DEFAULT;', ('command ALTER TABLE ATTACH PARTITION', 'Ddl ALTER')),
    Case('CREATE TABLE events (id BIGINT NOT NULL, created DATE NOT NULL) PARTITION BY RANGE (created);', ('CreateTable events(id, created)', 'Ddl CREATE TABLE events')),
    Case('CREATE TABLE events_list (id INT, kind TEXT) PARTITION BY LIST (kind);', ('CreateTable events_list(id, kind)', 'Ddl CREATE TABLE events_list')),
    Case('CREATE TABLE events_hash (id INT) PARTITION BY HASH (id);', ('CreateTable events_hash(id)', 'Ddl CREATE TABLE events_hash')),
    # the columns of a partition, a LIKE copy and CREATE TABLE AS come from elsewhere: not in the fact
    Case("CREATE TABLE m2024 PARTITION OF measurement FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", ('CreateTable m2024()', 'Ddl CREATE TABLE m2024')),
    Case('CREATE TABLE m_default PARTITION OF measurement DEFAULT;', ('CreateTable m_default()', 'Ddl CREATE TABLE m_default')),
    Case('CREATE TABLE product_copy (LIKE product INCLUDING ALL);', ('CreateTable product_copy()', 'Ddl CREATE TABLE product_copy')),
    Case('CREATE TABLE product_copy2 (LIKE product INCLUDING DEFAULTS EXCLUDING INDEXES, extra INT);', ('CreateTable product_copy2(extra)', 'Ddl CREATE TABLE product_copy2')),
    Case('ALTER TABLE product REPLICA IDENTITY FULL;', ('command REPLICA IDENTITY', 'Ddl ALTER')),
    Case('ALTER TABLE product REPLICA IDENTITY USING INDEX product_pkey;', ('command REPLICA IDENTITY', 'Ddl ALTER')),
    Case('ALTER TABLE product CLUSTER ON idx_name;', ('command ALTER TABLE CLUSTER ON', 'Ddl ALTER')),
    Case('ALTER TABLE product SET WITHOUT CLUSTER;', ('Ddl ALTER TABLE product',)),
    Case('ALTER INDEX idx_name RENAME TO idx_product_name;', ('Ddl ALTER INDEX',)),
    Case('ALTER INDEX IF EXISTS idx_name RENAME TO idx_product_name;', ('Ddl ALTER INDEX',)),
    Case('ALTER INDEX idx_name SET TABLESPACE pg_default;', ('Ddl ALTER INDEX',)),
    Case('ALTER INDEX idx_name SET (fillfactor = 80);', ('Ddl ALTER INDEX',)),
    Case('ALTER TABLE product ALTER COLUMN name SET STATISTICS 500;', ('command ALTER TABLE SET STATISTICS', 'Ddl ALTER')),
    Case('ALTER TABLE product ALTER COLUMN name SET STORAGE EXTERNAL;', ('command ALTER TABLE SET STORAGE', 'Ddl ALTER')),
    Case('ALTER TABLE product ALTER COLUMN name SET COMPRESSION pglz;', ('command ALTER TABLE SET COMPRESSION', 'Ddl ALTER')),
    Case('ANALYZE product;', ('tree Analyze',)),
    Case('ANALYZE product (name, sku);', ('tree Analyze',)),
    Case('ANALYZE VERBOSE product;', ('tree Analyze',)),
    Case('VACUUM (VERBOSE, ANALYZE) product;', ('command VACUUM',), tx=False),
    Case('SELECT pg_advisory_lock(1);', ('tree Select',)),
    Case("SELECT pg_advisory_xact_lock(hashtext('migrate'));", ('tree Select',)),
    Case('SELECT pg_advisory_unlock(1);', ('tree Select',), setup='SELECT pg_advisory_lock(1);'),
    Case('UPDATE product SET category_id = c.id FROM category c WHERE c.name = product.name;', ('UpdateRows product(category_id)',)),
    Case("DELETE FROM product USING category WHERE product.category_id = category.id AND category.name = 'old';", ('DeleteRows product',)),
    Case("INSERT INTO category (id, name) VALUES (1, 'x') ON CONFLICT DO NOTHING;", ('InsertRows category',)),
    Case("INSERT INTO category (id, name) VALUES (1, 'x') ON CONFLICT ON CONSTRAINT category_pkey DO NOTHING;", ('InsertRows category',)),
    Case("INSERT INTO category (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE category.name IS DISTINCT FROM EXCLUDED.name;", ('InsertRows category',)),
    Case("INSERT INTO category (name) VALUES ('x') RETURNING id;", ('InsertRows category',)),
    Case('INSERT INTO tag (id, name) SELECT id, name FROM category;', ('InsertRows tag',)),
    Case("WITH old AS (SELECT id FROM category WHERE name = 'x') INSERT INTO tag (id) SELECT id FROM old;", ('InsertRows tag',)),
    Case('WITH moved AS (DELETE FROM category WHERE id < 0 RETURNING id, name) INSERT INTO tag (id, name) SELECT id, name FROM moved;', ('InsertRows tag',)),
    Case('WITH c AS (SELECT id FROM category) UPDATE product SET category_id = NULL WHERE category_id NOT IN (SELECT id FROM c);', ('UpdateRows product(category_id)',)),
    Case('COPY category TO STDOUT;', ('ReadRows category',)),
    Case('GRANT SELECT ON product TO app_reader;', ('tree Grant',), setup=ROLES),
    Case('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_reader;', ('command GRANT',), setup=ROLES),
    Case('GRANT USAGE ON SCHEMA public TO app_reader;', ('tree Grant',), setup=ROLES),
    Case('GRANT USAGE, SELECT ON SEQUENCE counter TO app_reader;', ('tree Grant',), setup=ROLES),
    Case('GRANT SELECT (id, name), UPDATE (name) ON product TO app_reader;', ('tree Grant',), setup=ROLES),
    Case('GRANT EXECUTE ON FUNCTION touch() TO app_reader;', ('tree Grant',), setup=ROLES),
    Case('GRANT app_reader TO app_writer WITH ADMIN OPTION;', ('command GRANT',), setup=ROLES),
    Case('REVOKE ALL ON product FROM PUBLIC;', ('tree Revoke',)),
    Case('REVOKE INSERT ON product FROM app_reader CASCADE;', ('tree Revoke',), setup=ROLES),
    Case('REVOKE USAGE ON SCHEMA public FROM app_reader;', ('tree Revoke',), setup=ROLES),
    Case('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app_reader;', ('command ALTER DEFAULT PRIVILEGES', 'Ddl ALTER'), setup=ROLES),
    Case('ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;', ('command ALTER DEFAULT PRIVILEGES', 'Ddl ALTER')),
    Case('ALTER TABLE product OWNER TO app_reader;', ('command ALTER TABLE OWNER', 'TableCommand product ALTER TABLE OWNER', 'Ddl ALTER'), setup=ROLES),
    # no label provider is loaded on the test server: refused after parsing, not for its syntax
    Case("SECURITY LABEL FOR selinux ON TABLE product IS 'system_u:object_r:sepgsql_table_t:s0';", ('command SECURITY LABEL',), sqlstate="22023"),
    Case('CREATE STATISTICS product_stats (dependencies, ndistinct) ON category_id, name FROM product;', ('command CREATE STATISTICS', 'Ddl CREATE')),
    Case('DROP STATISTICS IF EXISTS product_stats;', ('command DROP STATISTICS', 'Ddl DROP')),
    Case("CREATE COLLATION IF NOT EXISTS case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);", ('command CREATE COLLATION', 'Ddl CREATE')),
    Case('CREATE COLLATION c_copy FROM "C";', ('command CREATE COLLATION', 'Ddl CREATE')),
    Case('CREATE RULE no_delete AS ON DELETE TO category DO INSTEAD NOTHING;', ('command CREATE RULE', 'Ddl CREATE')),
    Case('CREATE OR REPLACE RULE log_insert AS ON INSERT TO category DO ALSO (INSERT INTO tag (id) VALUES (NEW.id); INSERT INTO tag (id) VALUES (-NEW.id));', ('command CREATE RULE',)),
    Case('DROP RULE IF EXISTS no_delete ON category;', ('command DROP RULE', 'Ddl DROP')),
    Case('CREATE PUBLICATION pub_products FOR TABLE product, category;', ('command CREATE PUBLICATION', 'Ddl CREATE')),
    Case('CREATE PUBLICATION pub_all FOR ALL TABLES;', ('command CREATE PUBLICATION', 'Ddl CREATE')),
    Case('ALTER PUBLICATION pub_products ADD TABLE tag;', ('command ALTER PUBLICATION', 'Ddl ALTER'), setup='CREATE PUBLICATION pub_products FOR TABLE product;'),
    Case('DROP PUBLICATION IF EXISTS pub_products;', ('command DROP PUBLICATION', 'Ddl DROP')),
    Case("CREATE POLICY by_category ON product USING (category_id = current_setting('app.category')::int);", ('command CREATE POLICY', 'Ddl CREATE')),
    Case('ALTER TABLE product ENABLE ROW LEVEL SECURITY;', ('command ROW LEVEL SECURITY', 'TableCommand product ROW LEVEL SECURITY', 'Ddl ALTER')),
    Case('ALTER TABLE product ADD CONSTRAINT price_positive CHECK (price > 0) NOT VALID;', ('AddConstraint product price_positive CHECK not_valid', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product ADD CONSTRAINT fk_cat FOREIGN KEY (category_id) REFERENCES category (id) ON DELETE SET NULL NOT VALID;', ('AddConstraint product fk_cat FOREIGN KEY not_valid', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product VALIDATE CONSTRAINT fk_cat;', ('command VALIDATE CONSTRAINT', 'TableCommand product VALIDATE CONSTRAINT', 'Ddl ALTER'), setup=FK),
    Case('ALTER TABLE product ALTER CONSTRAINT fk_cat DEFERRABLE INITIALLY DEFERRED;', ('command ALTER TABLE ALTER CONSTRAINT', 'Ddl ALTER'), setup=FK),
    Case('ALTER TABLE product ADD CONSTRAINT uniq_sku UNIQUE USING INDEX uniq_idx;', ('command ADD CONSTRAINT USING INDEX', 'TableCommand product ADD CONSTRAINT USING INDEX', 'Ddl ALTER'), setup='CREATE UNIQUE INDEX uniq_idx ON product (sku);'),
    Case('ALTER TABLE product ADD CONSTRAINT one_name_per_category EXCLUDE USING gist (category_id WITH =);', ('AddConstraint product one_name_per_category EXCLUDECOLUMNCONSTRAINT', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product RENAME CONSTRAINT product_pkey TO product_pk;', ('command RENAME CONSTRAINT', 'TableCommand product RENAME CONSTRAINT', 'Ddl ALTER')),
    Case('ALTER TABLE product SET SCHEMA app;', ('RenameTable product -> app.product', 'Ddl ALTER TABLE product'), setup='CREATE SCHEMA app;'),
    Case('ALTER TABLE product SET UNLOGGED;', ('Ddl ALTER TABLE product',)),
    Case('ALTER TABLE IF EXISTS product ALTER COLUMN price SET DEFAULT 0, ALTER COLUMN sku DROP NOT NULL;', ('ChangeColumn product.price default=0', 'ChangeColumn product.sku not_null=False', 'Ddl ALTER TABLE product')),
    Case('ALTER TABLE product ALTER COLUMN id DROP IDENTITY IF EXISTS;', ('command ALTER TABLE DROP IDENTITY', 'Ddl ALTER')),
    Case('ALTER TABLE product ADD COLUMN tags2 TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];', ('AddColumn product.tags2 ARRAY<TEXT>', 'Ddl ALTER TABLE product')),
    Case("ALTER TABLE product ADD COLUMN status mood NOT NULL DEFAULT 'ok';", ('AddColumn product.status MOOD', 'Ddl ALTER TABLE product')),
    Case("ALTER TABLE product ALTER COLUMN meta SET DEFAULT '{}'::jsonb;", ("ChangeColumn product.meta default=CAST('{}' AS JSONB)", 'Ddl ALTER TABLE product')),
    Case("ALTER TABLE category ALTER COLUMN id SET DEFAULT nextval('counter');", ("ChangeColumn category.id default=NEXTVAL('counter')", 'Ddl ALTER TABLE category')),
    Case('CREATE UNLOGGED TABLE cache_entries (key TEXT PRIMARY KEY, value JSONB);', ('CreateTable cache_entries(key, value)', 'Ddl CREATE TABLE cache_entries')),
    Case('CREATE TABLE child (extra INT) INHERITS (product);', ('CreateTable child(extra)', 'Ddl CREATE TABLE child')),
    Case('CREATE TABLE snapshot AS SELECT id, name FROM product WITH NO DATA;', ('CreateTable snapshot()', 'Ddl CREATE TABLE snapshot')),
    Case('CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT) WITH (fillfactor = 90);', ('CreateTable settings(key, value)', 'Ddl CREATE TABLE settings')),
    Case('CREATE TABLE uuids (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), created TIMESTAMPTZ DEFAULT now());', ('CreateTable uuids(id, created)', 'Ddl CREATE TABLE uuids')),
    Case("CREATE TABLE doc (id SERIAL PRIMARY KEY, body TEXT, tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', body)) STORED);", ('CreateTable doc(id, body, tsv)', 'Ddl CREATE TABLE doc')),
    Case('CREATE TABLE period (id INT, during TSTZRANGE, EXCLUDE USING gist (during WITH &&));', ('CreateTable period(id, during)', 'Ddl CREATE TABLE period')),
    Case('CREATE TABLE t2 (id INT REFERENCES category (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);', ('CreateTable t2(id)', 'Ddl CREATE TABLE t2')),
    Case('TRUNCATE product RESTART IDENTITY CASCADE;', ('Truncate product', 'Ddl TRUNCATE TABLE product')),
    Case("NOTIFY product_changes, 'reload';", ('command NOTIFY',)),
    Case("SELECT pg_notify('product_changes', 'reload');", ('tree Select',)),
    Case('DROP FUNCTION IF EXISTS touch() CASCADE;', ('Ddl DROP FUNCTION',)),
    Case('ALTER FUNCTION touch() SECURITY DEFINER;', ('command ALTER FUNCTION', 'Ddl ALTER')),
    Case('CALL noop();', ('command CALL',), setup='CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$;'),
    Case('DROP PROCEDURE IF EXISTS noop();', ('Ddl DROP PROCEDURE',)),
    Case('CREATE ROLE app_ghost NOLOGIN;', ('command CREATE ROLE', 'Ddl CREATE')),
    Case("ALTER ROLE app_reader SET statement_timeout = '5s';", ('command ALTER ROLE', 'Ddl ALTER'), setup=ROLES),
    Case('DROP ROLE IF EXISTS app_ghost;', ('command DROP ROLE', 'Ddl DROP')),
    Case('REASSIGN OWNED BY app_reader TO CURRENT_USER;', ('command REASSIGN OWNED',), setup=ROLES),
    Case('DROP OWNED BY app_reader;', ('command DROP OWNED', 'Ddl DROP'), setup=ROLES),
    Case('CREATE TEXT SEARCH CONFIGURATION simple_copy (COPY = pg_catalog.simple);', ('command CREATE TEXT SEARCH', 'Ddl CREATE')),
    Case('CLUSTER product USING idx_name;', ('command CLUSTER',)),
    Case("SELECT 1 FROM pg_tables WHERE tablename = 'product';", ('ReadRows pg_tables',)),
]  # fmt: skip


# -- what the parser makes of a statement -------------------------------------------------


def statements(sql: str) -> list[Statement]:
    positions = OffsetMap(LineIndex(sql))
    positions.add(0, len(sql))
    return parse_chunk(Chunk(sql, positions), "upgrade", PG)


def render(fact: E.Effect) -> str:
    """A fact in a few words: its kind, table and what identifies it."""
    if isinstance(fact, E.Ddl):
        words = ("Ddl", fact.verb, fact.table, "temporary" if fact.temporary else "")
        return " ".join(w for w in words if w)
    if isinstance(fact, E.CreateTable):
        return f"CreateTable {fact.table}({', '.join(c.name for c in fact.columns)})"
    if isinstance(fact, E.CreateIndex):
        flags = [
            flag
            for flag, on in (
                ("unique", fact.unique),
                ("concurrently", fact.concurrently),
                ("if_not_exists", fact.if_not_exists),
            )
            if on
        ]
        on = f"ON {fact.table}({', '.join(fact.columns)})"
        return " ".join(["CreateIndex", fact.name or '""', on, *flags])
    if isinstance(fact, E.DropIndex):
        flags = [
            f
            for f, on in (("concurrently", fact.concurrently), ("if_exists", fact.if_exists))
            if on
        ]
        return " ".join(["DropIndex", fact.name, *flags])
    if isinstance(fact, E.AddColumn):
        return f"AddColumn {fact.table}.{fact.column.name} {fact.column.type}"
    if isinstance(fact, E.ChangeColumn):
        parts = [f"ChangeColumn {fact.table}.{fact.column}"]
        if fact.new_type:
            parts.append(f"type={fact.new_type}")
        if fact.set_not_null is not None:
            parts.append(f"not_null={fact.set_not_null}")
        if fact.default is not None:
            parts.append(f"default={fact.default}")
        return " ".join(parts)
    if isinstance(fact, E.AddConstraint):
        c = fact.constraint
        words = ("AddConstraint", fact.table, c.name, c.kind, "not_valid" if fact.not_valid else "")
        return " ".join(w for w in words if w)
    if isinstance(fact, E.UpdateRows):
        return f"UpdateRows {fact.table}({', '.join(fact.columns)})"
    if isinstance(fact, E.RenameTable):
        return f"RenameTable {fact.table} -> {fact.new}"
    if isinstance(fact, E.TableCommand):
        return f"TableCommand {fact.table} {fact.command}"
    return f"{type(fact).__name__} {fact.table}".strip()


def understood(sql: str) -> tuple[str, ...]:
    positions = OffsetMap(LineIndex(sql))
    positions.add(0, len(sql))
    ((stmt, tree),) = parse_chunk_trees(Chunk(sql, positions), "upgrade", PG)
    assert stmt.error is None, stmt.error
    out = [f"command {stmt.command}"] if stmt.command else []
    out += [render(f) for f in effects(stmt, PG)]
    if not out and tree is not None:
        out.append(f"tree {type(tree).__name__}")
    return tuple(out)


def lint_upgrade(tmp_path: Path, upgrade: str, rules: list[str] | None = SYNTAX) -> Any:
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, "0_20240101000000_init.py", 'CREATE TABLE "product" ("id" INT);')
    # the SQL of a Python string literal: its backslashes doubled (\\connect, \\.)
    path = write_migration(folder, NAME, upgrade.replace("\\", "\\\\"), "SELECT 1;")
    return lint(path, only=rules)


@pytest.mark.parametrize("case", COVERAGE, ids=str)
def test_valid_postgres_is_understood(tmp_path: Path, case: Case) -> None:
    assert lint_upgrade(tmp_path, case.sql).findings == []
    assert understood(case.sql) == case.understood


# -- the server ---------------------------------------------------------------------------


class Server:
    """A scratch database of its own, holding BASE; ``error`` runs a case and gives the
    server's (SQLSTATE, message), or None when it succeeds."""

    def __init__(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self.url = server_url("postgres")
        self.name = f"aerich_lint_{secrets.token_hex(4)}"
        self.loop = asyncio.new_event_loop()
        self.admin = self.loop.run_until_complete(asyncpg.connect(self.url))
        self.loop.run_until_complete(self.admin.execute(f'CREATE DATABASE "{self.name}"'))
        self.conn = self.loop.run_until_complete(
            asyncpg.connect(self.url.rsplit("/", 1)[0] + "/" + self.name)
        )
        self.run(BASE)
        self.version = int(
            self.loop.run_until_complete(self.conn.fetchval("SHOW server_version_num"))
        )

    def run(self, sql: str) -> None:
        self.loop.run_until_complete(asyncio.wait_for(self.conn.execute(sql), 30))

    def error(self, sql: str, setup: str = "", tx: bool = True, cleanup: str = "") -> Any:
        import asyncpg

        try:
            if tx:
                self.run("BEGIN")
            if setup:
                self.run(setup)
            self.run(sql)
        except asyncpg.PostgresError as exc:
            return exc.sqlstate, str(exc).splitlines()[0]
        finally:
            if self.conn.is_in_transaction():
                self.run("ROLLBACK")
            if cleanup:
                self.run(cleanup)
        return None

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.run_until_complete(self.admin.execute(f'DROP DATABASE "{self.name}"'))
        self.loop.run_until_complete(self.admin.close())
        self.loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    pg = Server()
    try:
        yield pg
    finally:
        pg.close()


@pytest.mark.parametrize("case", COVERAGE, ids=str)
def test_coverage_is_valid_on_the_server(server: Server, case: Case) -> None:
    found = server.error(case.sql, case.setup, case.tx, case.cleanup)
    if case.sqlstate:
        assert found is not None and found[0] == case.sqlstate, found
    else:
        assert found is None, found


# -- what the server refuses is sql-syntax, with its message, at the culprit's line --------

# (statement, the server's message, line of the culprit from the first): sqlglot read the
# first ones (MySQL syntax aerich or a hand wrote into PostgreSQL migrations), kept the
# next as opaque commands (unrecognized-sql before); the last come from real projects.
REFUSED = [
    ('ALTER TABLE "product" DROP FOREIGN KEY "fk_product_category";', 'syntax error at or near "FOREIGN"', 0),
    ("CREATE TABLE `t` (`id` INT NOT NULL);", 'syntax error at or near "`"', 0),
    ('ALTER TABLE "product" MODIFY COLUMN "name" TEXT;', 'syntax error at or near "MODIFY"', 0),
    ('CREATE TABLE "t" ("id" INT NOT NULL PRIMARY KEY AUTO_INCREMENT);', 'syntax error at or near "AUTO_INCREMENT"', 0),
    ('DROP INDEX "idx_name" ON "product";', 'syntax error at or near "ON"', 0),
    ('ALTER TABLE "product" CHANGE "name" "title" TEXT;', 'syntax error at or near "CHANGE"', 0),
    ('CREATE TABLE "t" ("id" INT) ENGINE=InnoDB;', 'syntax error at or near "ENGINE"', 0),
    ("DELETE product WHERE id = 1;", 'syntax error at or near "product"', 0),
    ('CREATE TABLE "t" ("id" INT NOT NULL,, "x" INT);', 'syntax error at or near ","', 0),
    ('CREATE TABLE "t" ("id" INT,);', 'syntax error at or near ")"', 0),
    ('ALTER TABLE "product"\n    ADD COLUMN "a" INT,\n    DROP FOREIGN KEY "fk";', 'syntax error at or near "FOREIGN"', 2),
    ('ALTER TABLE "product" RENAME COLUMN "name" "title";', 'syntax error at or near ""title""', 0),
    ("CREATE VIEW v AS SELEC name FROM product;", 'syntax error at or near "SELEC"', 0),
    ("frobnicate;", 'syntax error at or near "frobnicate"', 0),
    ("\\connect other", 'syntax error at or near "\\"', 0),
    ('ALTER TABLE "product" ALTER COLUMN "sku" SET;', 'syntax error at or near ";"', 0),
    ('ALTER TABLE "product" ADD CONSTRAINT IF NOT EXISTS "uq" UNIQUE ("sku");', 'syntax error at or near "EXISTS"', 0),
    ("DROP FUNCTION touch IF EXISTS;", 'syntax error at or near "IF"', 0),
    ("COPY category FROM STDIN;\n1\tx\n\\.", 'syntax error at or near "1"', 1),
]  # fmt: skip


# Grammars before PostgreSQL 18's stop at another word for these (servers and pglast 7).
BEFORE_18 = {
    'ALTER TABLE "product" ADD CONSTRAINT IF NOT EXISTS "uq" UNIQUE ("sku");': (
        'syntax error at or near "NOT"'
    ),
}


def words(sql: str, message: str, version: int) -> str:
    """The message of a grammar of that version (180000: PostgreSQL 18)."""
    return BEFORE_18.get(sql, message) if version < 180000 else message


@pytest.mark.parametrize(("sql", "message", "line"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_the_server_refuses_is_sql_syntax(
    tmp_path: Path, sql: str, message: str, line: int
) -> None:
    major, minor = postgres_grammar.parser().get_postgresql_version()
    expected = words(sql, message, major * 10000 + minor)
    result = lint_upgrade(tmp_path, sql)
    assert summary(result.findings) == [("sql-syntax", NAME, "upgrade", FIRST_LINE + line)]
    assert result.findings[0].message.startswith(f"invalid postgres SQL: {expected}")


@pytest.mark.parametrize(("sql", "message", "line"), REFUSED, ids=[r[0] for r in REFUSED])
def test_the_server_refuses_them_with_that_message(
    server: Server, sql: str, message: str, line: int
) -> None:
    assert server.error(sql) == ("42601", words(sql, message, server.version))


def test_mysql_syntax_in_a_postgres_downgrade_says_what_postgres_writes(tmp_path: Path) -> None:
    """aerich's real bug: MySQL's DROP FOREIGN KEY in a PostgreSQL downgrade, which sqlglot
    read as a DROP CONSTRAINT; the server refuses it, so the rollback fails there."""
    folder = tmp_path / "migrations" / "models"
    write_migration(
        folder, "0_20240101000000_init.py", 'CREATE TABLE "product" ("id" INT, "category_id" INT);'
    )
    path = write_migration(
        folder,
        NAME,
        'ALTER TABLE "product" ADD CONSTRAINT "fk_product_category" FOREIGN KEY ("category_id") REFERENCES "product" ("id");',
        'ALTER TABLE "product" DROP FOREIGN KEY "fk_product_category";',
    )
    result = lint(path, only=["sql-syntax", "downgrade-broken", "downgrade-mismatch"])
    assert summary(result.findings) == [("sql-syntax", NAME, "downgrade", 13)]
    assert result.findings[0].message == (
        'invalid postgres SQL: syntax error at or near "FOREIGN" '
        "(MySQL syntax; PostgreSQL writes DROP CONSTRAINT)"
    )


def test_when_both_parsers_refuse_the_server_s_message_points_at_the_culprit(
    tmp_path: Path,
) -> None:
    """sqlglot stops at the field name PostgreSQL allows (line 1) and words its errors
    from its own classes; the server stops at the missing value (line 3). Over 172
    mutations of COVERAGE's statements that both refuse (a token deleted, the statement
    cut short, a comma doubled), pglast's position was the closer to the mutation in
    106, sqlglot's in 3 (the same in 63), and 81 of sqlglot's messages named its
    internals (``<class ...>``, a Token)."""
    sql = 'INSERT INTO "point_log" ("id", "p"."x")\nVALUES (1,\n    );'
    result = lint_upgrade(tmp_path, sql)
    assert summary(result.findings) == [("sql-syntax", NAME, "upgrade", FIRST_LINE + 2)]
    assert result.findings[0].message == 'invalid postgres SQL: syntax error at or near ")"'
    # sqlglot: "Expected table name but got <Token token_type: TokenType.SENTINEL, ...>"
    result = lint_upgrade(tmp_path, "DROP TABLE;")
    assert [f.message for f in result.findings] == [
        'invalid postgres SQL: syntax error at or near ";"'
    ]


def test_comment_on_keeps_the_server_s_checks_after_its_grammar(server: Server) -> None:
    """pglast stops at the grammar, which accepts these; the server refuses them right
    after (SQLSTATE 42601 too), in these words, and so does the linter."""
    for sql, message in (
        ("COMMENT ON COLUMN product IS 'x';", "column name must be qualified"),
        (
            "COMMENT ON TABLE a.b.c.d IS 'x';",
            "improper relation name (too many dotted names): a.b.c.d",
        ),
    ):
        assert postgres_grammar.judge_statement(sql) is None
        assert server.error(sql) == ("42601", message)
        (stmt,) = statements(sql)
        assert stmt.error == message


# -- the server's cut: semicolons that do not end a statement -------------------------------

CUT = """CREATE FUNCTION product_count() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
    DELETE FROM tag;
    SELECT count(*) FROM product;
END;
CREATE RULE log_insert AS ON INSERT TO category DO ALSO (DELETE FROM tag; INSERT INTO tag (id) VALUES (NEW.id));
DELETE FROM tag;"""


def test_a_body_s_semicolons_do_not_end_its_statement(tmp_path: Path, server: Server) -> None:
    """A function's BEGIN ATOMIC body and a rule's actions are one statement each: the
    DELETEs inside are not statements of the migration (they run when the function or
    the rule does), the last one is."""
    assert server.error(CUT) is None
    assert [s.line for s in statements(CUT)] == [1, 6, 7]
    result = lint_upgrade(tmp_path, CUT, [*SYNTAX, "delete-without-where"])
    assert summary(result.findings) == [("delete-without-where", NAME, "upgrade", FIRST_LINE + 6)]


def test_a_refused_statement_after_a_body_leaves_the_body_whole(tmp_path: Path) -> None:
    """The statements before the server's error are cut where the server cuts them (the
    bodies stay whole: no sql-syntax for their pieces); the one holding the error gets
    the server's words; the rest is judged the same way."""
    sql = CUT + '\nALTER TABLE "tag" DROP FOREIGN KEY "fk";\nSELECT 1;\nSELEC 2;'
    result = lint_upgrade(tmp_path, sql)
    assert [(f.rule, f.line, f.message) for f in result.findings] == [
        (
            "sql-syntax",
            FIRST_LINE + 7,
            'invalid postgres SQL: syntax error at or near "FOREIGN" '
            "(MySQL syntax; PostgreSQL writes DROP CONSTRAINT)",
        ),
        ("sql-syntax", FIRST_LINE + 9, 'invalid postgres SQL: syntax error at or near "SELEC"'),
    ]


# -- PL/pgSQL bodies -----------------------------------------------------------------------

# Valid bodies, some of which libpg_query's PL/pgSQL parser complains about for reasons
# that are not syntax ("Not implemented" for a %TYPE argument, "cannot return type
# _record" for an array of a composite type): those complaints are not trusted.
VALID_BODIES = [
    "CREATE OR REPLACE FUNCTION stamp() RETURNS trigger AS $$\nBEGIN\n  NEW.created_at = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;",
    "CREATE FUNCTION name_of(p_id product.id%TYPE) RETURNS text LANGUAGE plpgsql AS $$\nDECLARE r product%ROWTYPE;\nBEGIN\n  SELECT * INTO STRICT r FROM product WHERE id = p_id;\n  RETURN r.name;\nEXCEPTION WHEN no_data_found THEN RETURN NULL;\nEND $$;",
    "CREATE FUNCTION pairs(i int) RETURNS pair[] LANGUAGE plpgsql AS $$ BEGIN RETURN array[row(i, i)::pair]; END $$;",
    "CREATE FUNCTION rename_all() RETURNS void LANGUAGE plpgsql AS $fn$\nDECLARE t text;\nBEGIN\n  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n    EXECUTE format('ANALYZE %I', t);\n  END LOOP;\n  RAISE NOTICE 'done: %', now() USING HINT = 'x';\nEND $fn$;",
    "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'status') THEN\n    CREATE TYPE status AS ENUM ('new', 'done');\n  END IF;\nEND $$;",
    "CREATE PROCEDURE backfill() LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE product SET sku = '' WHERE sku IS NULL;\n  COMMIT;\nEND $$;",
]  # fmt: skip
INVALID_BODIES = [
    ("CREATE FUNCTION one() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1\nEND;\n$$;", "syntax error at end of input"),
    ("DO $$ BEGIN IF true THEN RAISE NOTICE 'x'; END; $$;", 'syntax error at or near ";"'),
    ("CREATE OR REPLACE FUNCTION stamp() RETURNS trigger AS $$\nBEGIN\n  SELEC 1;\n  RETURN NEW;\nEND $$ LANGUAGE plpgsql;", 'syntax error at or near "SELEC"'),
]  # fmt: skip


@pytest.mark.parametrize("sql", VALID_BODIES)
def test_a_valid_plpgsql_body_is_not_reported(tmp_path: Path, server: Server, sql: str) -> None:
    assert server.error(sql) is None
    assert lint_upgrade(tmp_path, sql).findings == []


@pytest.mark.parametrize(("sql", "message"), INVALID_BODIES)
def test_a_plpgsql_syntax_error_is_sql_syntax(
    tmp_path: Path, server: Server, sql: str, message: str
) -> None:
    """The server compiles the body when the statement runs (check_function_bodies is
    on by default) and refuses it; the finding is at the statement's line (libpg_query
    gives no position inside a body)."""
    found = server.error(sql)
    assert found is not None and found[0] == "42601"
    major, _ = postgres_grammar.parser().get_postgresql_version()
    if major < 18:
        pytest.skip("pglast 7 aborts on some bodies: they are judged from pglast 8 on")
    result = lint_upgrade(tmp_path, sql)
    assert summary(result.findings) == [("sql-syntax", NAME, "upgrade", FIRST_LINE)]
    assert result.findings[0].message == f"invalid postgres SQL: in the PL/pgSQL body: {message}"


# -- COPY ... FROM STDIN --------------------------------------------------------------------


def test_copy_from_stdin_is_valid_sql_that_aerich_cannot_feed(
    tmp_path: Path, server: Server
) -> None:
    """Valid SQL (psql, which sends the rows, runs it), so not sql-syntax: it is read as
    rows loaded into the table (data-migration, info). Through asyncpg, which is what
    aerich runs it with, the server waits for rows that never come: the migration hangs.
    Rows written after it (a psql dump) are SQL to the server, which refuses them
    (REFUSED, at the line of the first row)."""
    import asyncpg

    url = server.url.rsplit("/", 1)[0] + "/" + server.name
    done = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", "COPY category FROM STDIN"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    async def hangs() -> bool:
        conn = await asyncpg.connect(url)
        try:
            await asyncio.wait_for(conn.execute("COPY category FROM STDIN"), 2)
        except asyncio.TimeoutError:
            return True
        finally:
            conn.terminate()
        return False

    assert asyncio.run(hangs())
    assert understood("COPY category FROM STDIN;") == ("InsertRows category",)
    result = lint_upgrade(tmp_path, "COPY category FROM STDIN;", [*SYNTAX, "data-migration"])
    assert [(f.rule, f.severity) for f in result.findings] == [("data-migration", Severity.INFO)]


# -- without pglast, and what it costs ----------------------------------------------------


def test_without_pglast_the_linter_behaves_as_sqlglot_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform with no pglast wheel: nothing is judged by the server's grammar, silently
    (sqlglot reads MySQL's DROP FOREIGN KEY, an unknown word is unrecognized-sql); what
    does not need pglast (DROP INDEX a, b) is still understood."""
    postgres_grammar.parser.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, "pglast", None)  # import pglast raises ImportError
            assert not postgres_grammar.available()
            result = lint_upgrade(
                tmp_path,
                'ALTER TABLE "product" DROP FOREIGN KEY "fk";\nfrobnicate;\nDROP INDEX a, b;',
            )
            assert summary(result.findings) == [
                ("unrecognized-sql", NAME, "upgrade", FIRST_LINE + 1)
            ]
            assert understood("DROP INDEX a, b;") == (
                "DropIndex a",
                "DropIndex b",
                "Ddl DROP INDEX",
            )
    finally:
        postgres_grammar.parser.cache_clear()
    assert postgres_grammar.available()


def test_one_pglast_call_per_valid_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheap path: a chunk the server accepts costs one call, whatever it holds; one
    it refuses, two more per error (the text before it, the text after it)."""
    calls: list[str] = []
    real = postgres_grammar.judge_script

    def counting(sql: str) -> Any:
        calls.append(sql)
        return real(sql)

    monkeypatch.setattr(postgres_grammar, "judge_script", counting)
    statements("\n".join(c.sql for c in COVERAGE if c.tx))
    assert len(calls) == 1
    calls.clear()
    statements("SELECT 1;\nSELECT 2;\nSELEC 3;\nSELECT 4;")
    assert calls == [
        "SELECT 1;\nSELECT 2;\nSELEC 3;\nSELECT 4;",  # refused at SELEC
        "SELECT 1;\nSELECT 2;\n",  # the text before it: valid
        "SELECT 4;",  # the text after it: valid
    ]


def _imports(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aerich_lint", *args],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return done.stderr


def test_pglast_is_imported_to_parse_postgres_only(tmp_path: Path) -> None:
    """A cold PostgreSQL run imports it; the same run answered by the cache does not, nor
    does a MySQL or SQLite run."""
    app = tmp_path / "pg" / "migrations" / "models"
    write_migration(app, "0_20240101000000_init.py", 'CREATE TABLE "product" ("id" INT);')
    assert " pglast" in _imports(str(app), "--dialect", "postgres")
    assert "pglast" not in _imports(str(app), "--dialect", "postgres")
    for dialect, sql in (
        ("mysql", "CREATE TABLE `product` (`id` INT);"),
        ("sqlite", 'CREATE TABLE "product" ("id" INT);'),
    ):
        other = tmp_path / dialect / "migrations" / "models"
        write_migration(other, "0_20240101000000_init.py", sql)
        assert "pglast" not in _imports(str(other), "--dialect", dialect)


# -- MySQL and SQLite ---------------------------------------------------------------------

OTHER_DIALECTS = [
    ("mysql", "ALTER TABLE `product` DROP FOREIGN KEY `fk_product_category`;"),
    ("mysql", "ALTER TABLE `product` MODIFY COLUMN `name` VARCHAR(300) NOT NULL;"),
    ("mysql", "CREATE TABLE `t` (`id` INT NOT NULL PRIMARY KEY AUTO_INCREMENT) ENGINE=InnoDB;"),
    ("mysql", "DROP INDEX `idx_name` ON `product`;"),
    ("mysql", "ALTER TABLE `product` CHANGE `name` `title` VARCHAR(200) NOT NULL;"),
    ("sqlite", 'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "x" TEXT);'),
    ("sqlite", "INSERT OR REPLACE INTO product (id) VALUES (1);"),
    ("sqlite", "PRAGMA foreign_keys = OFF;"),
]


@pytest.mark.parametrize(("dialect", "sql"), OTHER_DIALECTS)
def test_mysql_and_sqlite_are_not_judged_by_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, sql: str
) -> None:
    def refuse(sql: str) -> Any:
        raise AssertionError("PostgreSQL's parser asked about " + sql)

    monkeypatch.setattr(postgres_grammar, "judge_script", refuse)
    monkeypatch.setattr(postgres_grammar, "judge_statement", refuse)
    folder = tmp_path / "migrations" / "models"
    write_migration(folder, NAME, sql, "SELECT 1;")
    assert lint(folder / NAME, dialect=dialect, only=SYNTAX).findings == []


# -- bad input never raises ----------------------------------------------------------------

GARBAGE = [
    "",
    ";;;",
    "\x00DROP TABLE product;",
    "SELECT 'a\x00b';",
    "(" * 5000 + "SELECT 1" + ")" * 5000,
    "SELECT " + "(" * 3000,
    "$$ unterminated",
    "DO $x$ BEGIN $y$;",
    "\\",
    "\\connect\n\\.",
    "/* never closed",
    "E'\\",
    "DROP INDEX ,;",
    "DROP INDEX a,, b;",
    "DROP INDEX IF EXISTS;",
    "INSERT INTO t (a.) VALUES (1);",
    "INSERT INTO t (a[) VALUES (1);",
    "INSERT INTO (a.b) VALUES (1);",
    "ALTER TABLE SET SCHEMA;",
    "ALTER TABLE t SET SCHEMA;",
    "ALTER TABLE t SET SCHEMA 'x';",
    "ALTER TABLE t REPLICA IDENTITY FULL, , ADD x INT;",
    "ALTER TABLE t REPLICA IDENTITY FULL, ADD;",
    "CREATE TEMP TABLE ON COMMIT DROP;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ $$;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$" + "BEGIN " * 2000 + "$$;",
    "\ud800",
    "SELECT 1; " * 2000,
    "\uff53\uff45\uff4c\uff45\uff43\uff54 \uff11;",  # fullwidth "select 1"
    "CREATE RULE r AS ON INSERT TO t DO ALSO (" * 50,
]


@pytest.mark.parametrize("sql", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises(tmp_path: Path, sql: str) -> None:
    for stmt in statements(sql):
        assert stmt.error is None or isinstance(stmt.error, str)
        effects(stmt, PG)
    if "\ud800" not in sql and "\x00" not in sql:
        lint_upgrade(tmp_path, sql, None)
