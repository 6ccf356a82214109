"""mysql-add-foreign-key: ADD FOREIGN KEY on a live MySQL / MariaDB table copies it."""

from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import AddConstraint, AlterOptions, Setting
from aerich_lint.model import UPGRADE, Dialect, Severity, Statement
from aerich_lint.rules._online import LOCKING_SECTIONS, live_table
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation


def checks_off(ctx: Context, stmt: Statement) -> bool:
    """Is ``foreign_key_checks`` 0 when ``stmt`` runs (a SET earlier in the upgrade, not
    set back since)? aerich runs a file on one connection, so a SET lasts for it."""
    off = False
    for earlier in ctx.statements(UPGRADE)[: stmt.index]:
        for fact in ctx.effects(earlier):
            if isinstance(fact, Setting) and not fact.pragma:
                name = fact.name.lower().lstrip("@").rsplit(".", 1)[-1]
                if name == "foreign_key_checks":
                    off = fact.value.strip("'\"").lower() in {"0", "off", "false"}
    return off


class MysqlAddForeignKeyRule(Rule):
    name = "mysql-add-foreign-key"
    code = "AL326"
    systems = ALL_SYSTEMS
    severity = Severity.WARNING
    summary = "ADD FOREIGN KEY on a live MySQL table with foreign_key_checks on: a table copy."
    why = (
        "MySQL and MariaDB add a foreign key in place only while `foreign_key_checks` is "
        "off. With the checks on (the default, and what aerich runs with), ALTER TABLE "
        "... ADD [CONSTRAINT ...] FOREIGN KEY copies the whole table (ALGORITHM=COPY): "
        "reads go on, every INSERT, UPDATE and DELETE on it waits until the copy ends, "
        "and it needs the disk space of a second copy. Asked for ALGORITHM=INPLACE, the "
        "server refuses (`Adding foreign keys needs foreign_key_checks=OFF`, checked on "
        "MariaDB in a test). With the checks off, the in-place add does not look at the "
        "existing rows at all: rows that reference nothing stay, unnoticed.\n\n"
        "aerich writes ADD CONSTRAINT ... FOREIGN KEY when a ForeignKeyField is added to "
        "an existing model. Tables created earlier in the same migration are empty and "
        "are not reported, nor is an upgrade that set foreign_key_checks = 0 before the "
        "statement. PostgreSQL's counterpart is constraint-not-valid."
    )
    example = (
        "ALTER TABLE `event` ADD CONSTRAINT `fk_event_account_906c319a` FOREIGN KEY "
        "(`account_id`) REFERENCES `account` (`id`) ON DELETE CASCADE;"
    )
    fix = (
        "Check for orphans first, then add the key in place with the checks off for this "
        "one statement:\n\n"
        "SELECT COUNT(*) FROM `event` e LEFT JOIN `account` a ON a.`id` = e.`account_id` "
        "WHERE e.`account_id` IS NOT NULL AND a.`id` IS NULL;  -- must be 0\n"
        "SET foreign_key_checks = 0;\n"
        "ALTER TABLE `event` ADD CONSTRAINT `fk_event_account_906c319a` FOREIGN KEY "
        "(`account_id`) REFERENCES `account` (`id`) ON DELETE CASCADE, ALGORITHM=INPLACE, "
        "LOCK=NONE;\n"
        "SET foreign_key_checks = 1;\n\n"
        "in the generated migration (aerich runs a file on one connection, so the SET "
        "holds for the ALTER). Rows written between the check and the ALTER are not "
        "checked: run the SELECT again afterwards. For a very large table an online schema "
        "change tool (gh-ost, pt-online-schema-change) does the same without the copy "
        "blocking writes."
    )
    hint = "check orphans, then SET foreign_key_checks = 0 + ADD ... ALGORITHM=INPLACE, LOCK=NONE"
    dialects = frozenset({Dialect.MYSQL})
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section, stmt, fact in ctx.facts(AddConstraint, LOCKING_SECTIONS):
            if fact.constraint.kind != "FOREIGN KEY":
                continue
            if not live_table(ctx, section, stmt, fact.table) or checks_off(ctx, stmt):
                continue
            label = f"FOREIGN KEY {fact.constraint.name}" if fact.constraint.name else "FOREIGN KEY"
            options = [f for f in ctx.effects(stmt) if isinstance(f, AlterOptions)]
            online = [
                o.algorithm for o in options if o.algorithm in {"INPLACE", "INSTANT", "NOCOPY"}
            ]
            if online or any(o.lock == "NONE" for o in options):
                what = f"ALGORITHM={online[0]}" if online else "LOCK=NONE"
                yield Violation(
                    f"adds {label} to {fact.table} with {what} while foreign_key_checks is "
                    f"on: the server refuses it (only a table copy can add it), so the "
                    f"migration fails",
                    stmt,
                    section,
                    severity=Severity.ERROR,
                )
                continue
            yield Violation(
                f"adds {label} to {fact.table} while foreign_key_checks is on: MySQL copies "
                f"the whole table (ALGORITHM=COPY), and writes to {fact.table} wait until the "
                f"copy ends",
                stmt,
                section,
            )
