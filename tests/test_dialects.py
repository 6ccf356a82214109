"""The dialect registry: every Dialect has a spec, and each spec's fields agree with
the modules that read them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aerich_lint import dialects
from aerich_lint.dialect import from_scheme, infer
from aerich_lint.dialects import SPECS, DialectSpec, spec
from aerich_lint.model import Dialect
from aerich_lint.targets import DEFAULTS, ENGINES, Target, parse_target, target_for

# generated SQL each dialect's markers must recognise
SAMPLES = {
    Dialect.POSTGRES: 'CREATE TABLE "t" ("id" SERIAL NOT NULL PRIMARY KEY, "at" TIMESTAMPTZ);',
    Dialect.MYSQL: "CREATE TABLE `t` (`id` INT NOT NULL AUTO_INCREMENT) CHARACTER SET utf8mb4;",
    Dialect.SQLITE: 'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL);',
}
HEAVY = ("sqlglot", "pglast", "tortoise", "aerich", "asyncio")

by_dialect = pytest.mark.parametrize("s", SPECS, ids=lambda s: s.dialect.value)


def test_every_dialect_has_one_spec() -> None:
    assert [s.dialect for s in SPECS] == list(Dialect)
    for d in Dialect:
        assert isinstance(spec(d), DialectSpec)
        assert spec(d).dialect is d
    assert set(dialects.SPECS) == {spec(d) for d in Dialect}


@by_dialect
def test_sqlglot_name_resolves(s: DialectSpec) -> None:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect

    from aerich_lint.parse.sql import dialect_for

    resolved = SqlglotDialect.get_or_raise(s.sqlglot_name)
    assert type(dialect_for(s.dialect)) is type(resolved)
    assert resolved.tokenize("SELECT 1")


@by_dialect
def test_url_schemes_and_backends_map_back(s: DialectSpec) -> None:
    assert s.url_schemes and s.tortoise_clients
    for scheme in s.url_schemes:
        assert from_scheme(scheme) is s.dialect
        assert from_scheme(scheme.upper() + "+driver") is s.dialect
    for backend in s.tortoise_backends:
        assert from_scheme(backend) is s.dialect
    for client in s.tortoise_clients:
        assert client.module.startswith("tortoise.backends.")
        assert from_scheme(client.module) is s.dialect


def test_url_schemes_are_unambiguous() -> None:
    names = [n for s in SPECS for n in {*s.url_schemes, *s.tortoise_backends}]
    assert len(names) == len(set(names))


@by_dialect
def test_default_target_parses(s: DialectSpec) -> None:
    default = s.default_engine
    text = f"{default.name}:{'.'.join(map(str, default.default))}"
    assert parse_target(text) == Target(default.name, default.default)
    assert target_for(s.dialect, []) == Target(default.name, default.default)
    for engine in s.engines:
        assert engine.name in ENGINES and DEFAULTS[engine.name] == engine.default
        configured = parse_target(f"{engine.name}:99")
        assert target_for(s.dialect, [configured]) == configured
        for alias in engine.aliases:
            assert parse_target(f"{alias}:1").engine == engine.name


def test_target_version_names_unchanged() -> None:
    assert ENGINES == ("postgres", "mysql", "mariadb", "sqlite")
    assert parse_target("postgres:16") == Target("postgres", (16,))
    assert parse_target("mysql:8.0") == Target("mysql", (8, 0))
    assert parse_target("mariadb:10.6") == Target("mariadb", (10, 6))
    both = [parse_target("mysql:5.7"), parse_target("mariadb:10.6")]
    assert target_for(Dialect.MYSQL, both) == Target("mariadb", (10, 6))


@by_dialect
def test_markers_infer_it(s: DialectSpec) -> None:
    assert s.markers
    choice = infer([SAMPLES[s.dialect]])
    assert choice is not None and choice.dialect is s.dialect
    for marker in s.markers:
        assert marker.label in choice.reason or not marker.pattern.search(SAMPLES[s.dialect])


def test_marker_ties_keep_their_order() -> None:
    # one marker each: the lowest marker_rank (MySQL) wins, as before the registry
    choice = infer(["`name` SERIAL"])
    assert choice is not None and choice.dialect is Dialect.MYSQL
    assert len({s.marker_rank for s in SPECS}) == len(SPECS)


@by_dialect
def test_known_commands(s: DialectSpec) -> None:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect

    from aerich_lint.parse.commands import known_command

    sqlglot = SqlglotDialect.get_or_raise(s.sqlglot_name)
    assert s.known_commands
    for cmd in s.known_commands:
        assert cmd.prefix and all(w == w.upper() for w in cmd.prefix + cmd.contains)
    # the first command of the table is recognised as itself
    first = s.known_commands[0]
    sql = " ".join(first.prefix + first.contains) + " x"
    assert known_command(sqlglot.tokenize(sql), s.dialect) is not None


def test_known_commands_are_per_dialect() -> None:
    from sqlglot.dialects.dialect import Dialect as SqlglotDialect

    from aerich_lint.parse.commands import known_command

    tokens = SqlglotDialect.get_or_raise("postgres").tokenize("CREATE EXTENSION x")
    assert known_command(tokens, Dialect.POSTGRES) == "CREATE EXTENSION"
    assert known_command(tokens, Dialect.MYSQL) is None
    tokens = SqlglotDialect.get_or_raise("mysql").tokenize("CREATE INDEX i ON t (c)")
    assert known_command(tokens, Dialect.MYSQL) == "CREATE INDEX"
    assert known_command(tokens, Dialect.SQLITE) is None


@by_dialect
def test_quote_and_names(s: DialectSpec) -> None:
    from aerich_lint.verify import database, introspect

    q = s.identifier_quote
    assert database.quote(s.dialect, "t") == f"{q}t{q}"
    assert introspect.quote(s.dialect, f"a{q}b") == f"{q}a{q}{q}b{q}"
    if s.unique_column_index is not None:
        assert s.unique_column_index("t", "c")
    assert s.constraint_name("t", "CHECK", ("c",), lambda n: False, ()) is None


def test_server_names() -> None:
    pg, my = spec(Dialect.POSTGRES), spec(Dialect.MYSQL)
    assert pg.constraint_name("t", "UNIQUE", ("c",), lambda n: False, ()) == "t_c_key"
    assert pg.constraint_name("t", "PRIMARY KEY", ("c",), lambda n: False, ()) == "t_pkey"
    taken = {"t_c_fkey"}
    assert pg.constraint_name("t", "FOREIGN KEY", ("c",), taken.__contains__, ()) == "t_c_fkey1"
    assert my.constraint_name("t", "FOREIGN KEY", ("c",), lambda n: False, {"t_ibfk_2"}) == (
        "t_ibfk_3"
    )
    assert my.constraint_name("t", "UNIQUE", ("c",), lambda n: False, ()) is None
    assert spec(Dialect.SQLITE).constraint_name("t", "UNIQUE", ("c",), lambda n: False, ()) is None


@by_dialect
def test_introspection_is_named_not_imported(s: DialectSpec) -> None:
    import importlib
    import inspect

    module, _, name = s.introspection.partition(":")
    assert inspect.iscoroutinefunction(getattr(importlib.import_module(module), name))


@by_dialect
def test_verify_fields(s: DialectSpec) -> None:
    assert from_scheme(s.example_url.split("://")[0]) is s.dialect
    assert s.display_name and s.extra and s.version_query.endswith(" AS v")


def test_runner_tables_come_from_the_specs() -> None:
    from aerich_lint.load import _runner

    assert list(_runner._CLIENTS) == [d.value for d in Dialect]
    for s in SPECS:
        assert _runner._CLIENTS[s.dialect.value] == tuple(
            (c.module, c.client_class) for c in s.tortoise_clients
        )
        assert _runner._CAPABILITIES[s.dialect.value] == dict(s.tortoise_capabilities)


def test_import_is_light() -> None:
    code = (
        "import json, sys\n"
        "import aerich_lint.dialects\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_no_layering_violations() -> None:
    # the registry imports none of lint, rules, verify, review or cli
    code = (
        "import json, sys\n"
        "import aerich_lint.dialects\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('aerich_lint'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    allowed = {"aerich_lint", "aerich_lint.model", "aerich_lint.naming"}
    assert {m for m in loaded if not m.startswith("aerich_lint.dialects")} <= allowed


def test_the_command_line_offers_every_dialect() -> None:
    from aerich_lint.cli import DIALECT_CHOICES

    assert tuple(d.value for d in Dialect) == DIALECT_CHOICES
