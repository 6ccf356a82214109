from __future__ import annotations

from collections.abc import Iterator

from aerich_lint.effects import (
    ALTER_TABLE_CHANGES,
    AddConstraint,
    CreateIndex,
    DropIndex,
    DropTable,
    Effect,
    Setting,
    TableCommand,
    Truncate,
)
from aerich_lint.model import SECTIONS, Dialect, Severity, Statement
from aerich_lint.rules._online import dropped_index_table, live_table
from aerich_lint.rules.base import Context, Rule, Violation

_ALTER_TABLE = ALTER_TABLE_CHANGES


class LockTimeoutRule(Rule):
    name = "lock-timeout"
    code = "AL309"
    severity = Severity.WARNING
    summary = "A statement locks a live table with no SET lock_timeout before it."
    why = (
        "Even a statement that is instant once it has its lock (ADD COLUMN, DROP COLUMN, "
        "RENAME, SET DEFAULT, ...) first has to get an ACCESS EXCLUSIVE lock, and it waits "
        "for every transaction already touching the table, a long report or a forgotten "
        "idle-in-transaction session included. While it waits, every new query on the "
        "table, plain SELECTs too, queues behind it: a one-millisecond ALTER can stall the "
        "application for as long as the oldest transaction runs. With lock_timeout set the "
        "statement gives up after that time instead and the migration fails cleanly, to be "
        "retried.\n\n"
        "Reported: any ALTER TABLE, DROP TABLE, TRUNCATE, LOCK TABLE, DROP INDEX without "
        "CONCURRENTLY, and CREATE INDEX without CONCURRENTLY (its SHARE lock queues the same "
        "way) on a table that existed before the migration, when no `SET lock_timeout` / "
        "`SET LOCAL lock_timeout` (other than 0) comes earlier in the same section. ALTER "
        "TABLE ... VALIDATE CONSTRAINT is not reported: its lock does not conflict with "
        "reads or writes. Only the first such statement of a section is reported. This "
        "rule is off by default."
    )
    example = 'ALTER TABLE "product" ADD "sku" VARCHAR(50);'
    fix = (
        "Start the migration's SQL with a short lock timeout:\n\n"
        "SET LOCAL lock_timeout = '3s';\n\n"
        'ALTER TABLE "product" ADD "sku" VARCHAR(50);\n\n'
        "SET LOCAL ends with the transaction the migration runs in (aerich's, or with "
        "RUN_IN_TRANSACTION = False the implicit one PostgreSQL opens for a script of "
        "several statements), so the pooled connection does not keep the setting. Retry "
        "the upgrade when it times out. Enable the rule with `extend-select = "
        '["lock-timeout"]` or `--extend-select lock-timeout`.'
    )
    hint = "begin the section with SET LOCAL lock_timeout = '3s'"
    dialects = frozenset({Dialect.POSTGRES})
    enabled_by_default = False
    needs_history = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for section in SECTIONS:
            found: list[tuple[Statement, str]] = []
            for stmt in ctx.statements(section):
                if any(_sets_lock_timeout(f) for f in ctx.effects(stmt)):
                    break
                what = _locks(ctx, section, stmt)
                if what is not None:
                    found.append((stmt, what))
            if not found:
                continue
            stmt, what = found[0]
            more = f" (and {len(found) - 1} more statement(s) after it)" if len(found) > 1 else ""
            yield Violation(
                f"{what} with no SET lock_timeout before it: it waits behind every open "
                f"transaction on the table while new queries queue behind it{more}",
                stmt,
                section,
            )


def _sets_lock_timeout(fact: Effect) -> bool:
    return (
        isinstance(fact, Setting)
        and not fact.pragma
        and fact.name.split(".")[-1] == "lock_timeout"
        and fact.value.strip().lower() not in {"0", "default", ""}
    )


def _locks(ctx: Context, section: str, stmt: Statement) -> str | None:
    """What the statement locks, when it locks a table that existed before."""
    for fact in ctx.effects(stmt):
        if isinstance(fact, DropIndex):
            if fact.concurrently:
                continue
            table = dropped_index_table(ctx, section, stmt, fact)
            if table is not None:
                return f"DROP INDEX {fact.name} locks {table or 'its table'} (ACCESS EXCLUSIVE)"
            continue
        if isinstance(fact, CreateIndex):
            if fact.concurrently:
                continue
            verb, mode = "CREATE INDEX", "SHARE"
        elif isinstance(fact, TableCommand):
            if fact.command == "VALIDATE CONSTRAINT":
                continue
            verb = "LOCK TABLE" if fact.command == "LOCK TABLE" else "ALTER TABLE"
            mode = "SHARE ROW EXCLUSIVE" if "TRIGGER" in fact.command else "ACCESS EXCLUSIVE"
        elif isinstance(fact, AddConstraint) and fact.constraint.kind == "FOREIGN KEY":
            verb, mode = "ALTER TABLE", "SHARE ROW EXCLUSIVE"
        elif isinstance(fact, _ALTER_TABLE):
            verb, mode = "ALTER TABLE", "ACCESS EXCLUSIVE"
        elif isinstance(fact, DropTable):
            verb, mode = "DROP TABLE", "ACCESS EXCLUSIVE"
        elif isinstance(fact, Truncate):
            verb, mode = "TRUNCATE", "ACCESS EXCLUSIVE"
        else:
            continue
        if fact.table and live_table(ctx, section, stmt, fact.table):
            return f"{verb} locks {fact.table} ({mode})"
    return None
