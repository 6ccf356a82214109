from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    AddColumn,
    AddConstraint,
    AlterOptions,
    ChangeColumn,
    ColumnInfo,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    Effect,
    RenameColumn,
    Setting,
)
from aerich_lint.model import SECTIONS, Dialect, Severity
from aerich_lint.rules._online import older_than
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation
from aerich_lint.targets import Target

_KEYS = frozenset({"PRIMARY KEY", "UNIQUE", "FOREIGN KEY"})


def _columns(fact: Effect) -> list[ColumnInfo]:
    if isinstance(fact, AddColumn):
        return [fact.column]
    if isinstance(fact, CreateTable):
        return list(fact.columns)
    if isinstance(fact, (ChangeColumn, RenameColumn)) and fact.definition is not None:
        return [fact.definition]
    return []


def _if_exists(fact: Effect) -> str | None:
    """The MariaDB-only IF [NOT] EXISTS clause the fact was written with, if any."""
    if isinstance(fact, AddColumn) and fact.if_not_exists:
        return "ADD COLUMN IF NOT EXISTS"
    if isinstance(fact, DropColumn) and fact.if_exists:
        return "DROP COLUMN IF EXISTS"
    if isinstance(fact, CreateIndex) and fact.if_not_exists:
        return "CREATE INDEX IF NOT EXISTS"
    if isinstance(fact, DropIndex) and fact.if_exists:
        return "DROP INDEX IF EXISTS"
    if isinstance(fact, DropConstraint) and fact.if_exists:
        return f"DROP {fact.kind} IF EXISTS"
    return None


def _fact_problems(fact: Effect, target: Target) -> Iterator[str]:
    mysql = target.engine == "mysql"
    if isinstance(fact, RenameColumn) and fact.definition is None:
        if mysql and older_than(target, 8, 0):
            yield (
                f"RENAME COLUMN needs MySQL 8.0 (target: {target}): write "
                f"CHANGE {fact.old} {fact.new} with the column's full definition"
            )
        elif not mysql and older_than(target, 10, 5, 2):
            yield (
                f"RENAME COLUMN needs MariaDB 10.5.2 (target: {target}): write "
                f"CHANGE {fact.old} {fact.new} with the column's full definition"
            )
    clause = _if_exists(fact)
    if mysql and clause is not None:
        yield f"{clause} is MariaDB syntax: MySQL rejects the statement"
    if isinstance(fact, ChangeColumn) and fact.definition is None:
        if fact.new_type is not None:
            yield "ALTER COLUMN ... TYPE is PostgreSQL syntax: MySQL changes a type with MODIFY"
        elif fact.set_not_null is not None:
            verb = "SET" if fact.set_not_null else "DROP"
            yield (
                f"ALTER COLUMN ... {verb} NOT NULL is PostgreSQL syntax: MySQL changes "
                f"nullability with MODIFY and the column's full definition"
            )
    if isinstance(fact, DropConstraint) and mysql:
        if fact.kind == "CONSTRAINT" and older_than(target, 8, 0, 19):
            yield (
                f"DROP CONSTRAINT needs MySQL 8.0.19 (target: {target}): use DROP FOREIGN "
                f"KEY, DROP INDEX or DROP CHECK"
            )
        elif fact.kind == "CHECK" and older_than(target, 8, 0, 16):
            yield f"DROP CHECK needs MySQL 8.0.16 (target: {target})"
    for column in _columns(fact):
        if column.not_null and (column.default or "").upper() == "NULL":
            yield (
                f"column {fact.table}.{column.name} is NOT NULL DEFAULT NULL: MySQL rejects "
                f"the definition (Invalid default value), even on an empty table"
            )


def _option_problems(facts: list[Effect], target: Target, fk_checks_off: bool) -> Iterator[str]:
    """ALGORITHM= / LOCK= requests the server refuses for what the statement does: it
    fails the statement rather than fall back to a slower algorithm."""
    options = next((f for f in facts if isinstance(f, AlterOptions)), None)
    if options is None:
        return
    mysql = target.engine == "mysql"
    keys = [
        f
        for f in facts
        if isinstance(f, CreateIndex)
        or (isinstance(f, AddConstraint) and f.constraint.kind in _KEYS)
    ]
    if options.algorithm == "INSTANT":
        if mysql and older_than(target, 8, 0, 12):
            yield f"ALGORITHM=INSTANT needs MySQL 8.0.12 (target: {target})"
            return
        if not mysql and older_than(target, 10, 3, 7):
            yield f"ALGORITHM=INSTANT needs MariaDB 10.3.7 (target: {target})"
            return
        if keys:
            yield (
                "ALGORITHM=INSTANT cannot build an index or key: the server refuses the "
                "statement (use ALGORITHM=INPLACE, LOCK=NONE)"
            )
        if any(isinstance(f, DropColumn) for f in facts):
            if mysql and older_than(target, 8, 0, 29):
                yield f"ALGORITHM=INSTANT drops a column from MySQL 8.0.29 on (target: {target})"
            elif not mysql and older_than(target, 10, 4):
                yield f"ALGORITHM=INSTANT drops a column from MariaDB 10.4 on (target: {target})"
    online = options.algorithm == "INPLACE" or options.lock == "NONE"
    if online and not fk_checks_off and any(_is_foreign_key(f) for f in facts):
        asked = "ALGORITHM=INPLACE" if options.algorithm == "INPLACE" else "LOCK=NONE"
        yield (
            f"{asked} cannot add a foreign key while foreign_key_checks is on: the server "
            f"refuses the statement"
        )


def _is_foreign_key(fact: Effect) -> bool:
    return isinstance(fact, AddConstraint) and fact.constraint.kind == "FOREIGN KEY"


def _turns_off_fk_checks(fact: Effect) -> bool | None:
    if not isinstance(fact, Setting) or fact.name.split(".")[-1].lstrip("@") != (
        "foreign_key_checks"
    ):
        return None
    return fact.value.lower() in {"0", "off", "false"}


class MysqlUnsupportedSyntaxRule(Rule):
    name = "mysql-unsupported-syntax"
    code = "AL322"
    systems = ALL_SYSTEMS
    severity = Severity.ERROR
    summary = "SQL the target MySQL / MariaDB server rejects: the migration fails on it."
    why = (
        "Each of these makes the server refuse the statement, so the migration stops there "
        "(and, DDL committing as it goes on MySQL, stays half applied; see implicit-commit). "
        "`ALTER TABLE ... RENAME COLUMN` exists from MySQL 8.0 and MariaDB 10.5.2; older "
        "servers only know `CHANGE old new <definition>`. `ADD COLUMN IF NOT EXISTS`, `DROP "
        "COLUMN IF EXISTS`, `CREATE INDEX IF NOT EXISTS`, `DROP INDEX IF EXISTS` and `DROP "
        "FOREIGN KEY / CONSTRAINT IF EXISTS` are MariaDB extensions that MySQL rejects. "
        "`ALTER COLUMN ... TYPE` and `SET / DROP NOT NULL` are PostgreSQL's: MySQL's ALTER "
        "COLUMN only sets or drops a default (and, from 8.0.23, visibility). "
        "`DROP CONSTRAINT` exists from MySQL 8.0.19, `DROP CHECK` from 8.0.16. A column "
        "declared `NOT NULL DEFAULT NULL` (what aerich writes for a "
        "`DatetimeField(auto_now_add=True)` added to an existing model) is refused with "
        "`Invalid default value`, even on an empty table. An explicit "
        "`ALGORITHM=` or `LOCK=` is a demand, not a hint: when the operation cannot be done "
        "that way the server fails the statement instead of taking a slower path. "
        "`ALGORITHM=INSTANT` exists from MySQL 8.0.12 (MariaDB 10.3.7), never builds an "
        "index or key, and drops a column only from MySQL 8.0.29 (MariaDB 10.4); adding a "
        "foreign key with `ALGORITHM=INPLACE` or `LOCK=NONE` is refused unless "
        "foreign_key_checks is off. Version checks use the configured target "
        "(`--target-version mysql:5.7`, default MySQL 8.0); a version without a patch "
        "number is taken as its newest patch release."
    )
    example = (
        "-- target mysql:5.7\n"
        "ALTER TABLE `customer` RENAME COLUMN `name` TO `full_name`;\n"
        "ALTER TABLE `audit` ADD `created_at` DATETIME(6) NOT NULL DEFAULT NULL;\n"
        "ALTER TABLE `event` ADD INDEX `idx_event_title` (`title`), ALGORITHM=INSTANT;"
    )
    fix = (
        "Write what the target accepts. Before MySQL 8.0: `ALTER TABLE `customer` CHANGE "
        "`name` `full_name` VARCHAR(100) NOT NULL;` (the full definition: see "
        "change-loses-attributes). On MySQL, drop the IF [NOT] EXISTS clauses (aerich runs "
        "each migration once; see implicit-commit for re-runs). Change a type or "
        "nullability with `ALTER TABLE `account` MODIFY `note` VARCHAR(100) NOT NULL;`. "
        "For a NOT NULL column added to a table, give it a real default (`DEFAULT "
        "CURRENT_TIMESTAMP(6)`, or `default=` on the field) or add it nullable first. Ask "
        "only for the algorithm the operation supports (`ALGORITHM=INPLACE, LOCK=NONE` for "
        "an index), or run `SET foreign_key_checks = 0;` before an in-place foreign key (the "
        "existing rows are then not checked). Fix the generated file before it runs; if the "
        'server version is wrong, set `target-version = "mysql:8.0"` in `[tool.aerich-lint]`.'
    )
    hint = "write SQL the target server accepts (or set target-version)"
    dialects = frozenset({Dialect.MYSQL})

    def check(self, ctx: Context) -> Iterator[Violation]:
        target = ctx.target
        for section in SECTIONS:
            fk_checks_off = False
            for stmt in ctx.statements(section):
                facts = ctx.effects(stmt)
                found = [p for f in facts for p in _fact_problems(f, target)]
                found += _option_problems(facts, target, fk_checks_off)
                for message in dict.fromkeys(found):
                    yield Violation(message, stmt, section)
                for fact in facts:
                    off = _turns_off_fk_checks(fact)
                    if off is not None:
                        fk_checks_off = off
