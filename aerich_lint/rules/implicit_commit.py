from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    AddColumn,
    AlterOptions,
    ChangeColumn,
    CreateIndex,
    CreateTable,
    Ddl,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    Effect,
    Truncate,
)
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules.base import Context, Rule, Violation


def is_ddl(facts: list[Effect]) -> bool:
    """A statement MySQL commits implicitly (CREATE/DROP TEMPORARY TABLE does not)."""
    return any(isinstance(f, Ddl) and not f.temporary for f in facts)


def repeatable(facts: list[Effect]) -> bool:
    """Would running the statement a second time succeed and change nothing?"""
    known = False
    for f in facts:
        if isinstance(f, Ddl):
            continue
        known = True
        guarded = (
            (isinstance(f, CreateTable) and f.if_not_exists)
            or (isinstance(f, AddColumn) and f.if_not_exists)
            or (isinstance(f, CreateIndex) and f.if_not_exists)
            or (isinstance(f, (DropTable, DropColumn, DropIndex, DropConstraint)) and f.if_exists)
        )
        # MODIFY / ALTER COLUMN SET DEFAULT restate a state; TRUNCATE empties again
        if not (guarded or isinstance(f, (ChangeColumn, AlterOptions, Truncate))):
            return False
    return known


class ImplicitCommitRule(Rule):
    name = "implicit-commit"
    code = "AL320"
    severity = Severity.WARNING
    summary = (
        "Several DDL statements in a MySQL upgrade: each commits alone, a failure leaves it "
        "half applied."
    )
    why = (
        "MySQL and MariaDB cannot roll back DDL. CREATE, ALTER, DROP, RENAME and TRUNCATE "
        "TABLE and CREATE/DROP INDEX first commit whatever transaction is open and then "
        "commit their own change. Aerich runs the upgrade in a transaction and inserts its "
        "row in the `aerich` table at the end, but on MySQL that transaction covers nothing: "
        "when the second ALTER fails (a duplicate while building a unique index, a lock wait "
        "timeout, a NULL in a column made NOT NULL, a deploy killed halfway), the first ALTER "
        "is already committed and the aerich row is never written. The schema is half "
        "migrated, the application may run against it, and the next `aerich upgrade` runs the "
        "file again from the top and stops at once on the change that is already there "
        "(`Duplicate column name`), so the database has to be repaired by hand. Statements "
        "that can run twice without error (CREATE TABLE IF NOT EXISTS, DROP TABLE IF EXISTS, "
        "MODIFY, MariaDB's ADD COLUMN IF NOT EXISTS ...) do not block the re-run, so the "
        "finding starts after the first statement that cannot. CREATE/DROP TEMPORARY TABLE "
        "does not commit. Files with RUN_IN_TRANSACTION = False are reported by "
        "non-transactional instead. PostgreSQL and SQLite run DDL inside the transaction and "
        "are not concerned."
    )
    example = (
        "-- MySQL, RUN_IN_TRANSACTION = True\n"
        "ALTER TABLE `customer` ADD `nickname` VARCHAR(50) NOT NULL DEFAULT '';\n"
        "ALTER TABLE `customer` ADD UNIQUE INDEX `uid_customer_email` (`email`);\n"
        "-- a duplicate email fails the second statement: the first one stays"
    )
    fix = (
        "Give each DDL statement its own migration so that every file is all or nothing: "
        "keep the first statement, create the next file with "
        "`aerich migrate --empty --name add_email_unique`, move the second statement (and its "
        "part of the downgrade) there, and repeat. With generated migrations, change one "
        "field per `aerich migrate`. Changes to one table can also be merged into a single "
        "statement, which MySQL applies atomically: "
        "`ALTER TABLE `customer` ADD `nickname` VARCHAR(50) NOT NULL DEFAULT '', ADD UNIQUE "
        "INDEX `uid_customer_email` (`email`);`. Where statements must stay together, make "
        "the earlier ones repeatable: `CREATE TABLE IF NOT EXISTS`, `DROP TABLE IF EXISTS`, on "
        "MariaDB `ADD COLUMN IF NOT EXISTS` and `CREATE INDEX IF NOT EXISTS`."
    )
    hint = "one DDL statement per migration (`aerich migrate --empty`), or merge into one ALTER"
    dialects = frozenset({Dialect.MYSQL})

    def check(self, ctx: Context) -> Iterator[Violation]:
        if not ctx.migration.run_in_transaction:
            return  # non-transactional already reports every multi-statement file
        ddl = [s for s in ctx.statements(UPGRADE) if is_ddl(ctx.effects(s))]
        if len(ddl) < 2:
            return
        committed: Statement | None = None  # the first one a re-run would fail on
        for stmt in ddl:
            if committed is not None:
                lines = ", ".join(str(s.line) for s in ddl[:6]) + (", ..." if len(ddl) > 6 else "")
                yield Violation(
                    f"{len(ddl)} DDL statements in one upgrade (lines {lines}): MySQL commits "
                    f"each by itself, so if this one or a later one fails, line "
                    f"{committed.line} stays applied, aerich records nothing, and a re-run "
                    f"fails on it",
                    stmt,
                    UPGRADE,
                )
                return
            if not repeatable(ctx.effects(stmt)):
                committed = stmt
