from __future__ import annotations

import re
from collections.abc import Iterator

from aerich_lint.effects import (
    ALTER_TABLE_CHANGES,
    AddConstraint,
    CreateIndex,
    DropIndex,
    DropTable,
    Reindex,
    Setting,
    TableCommand,
    Truncate,
)
from aerich_lint.model import SECTIONS, Dialect, Severity, Statement
from aerich_lint.rules._online import dropped_index_table, index_table, live_table, same_transaction
from aerich_lint.rules.base import ALL_SYSTEMS, Context, Rule, Violation

_ALTER_TABLE = ALTER_TABLE_CHANGES
# LOCK TABLE modes that conflict with neither plain reads (ACCESS SHARE) nor ordinary
# writes (ROW EXCLUSIVE): waiting for them stalls no application query.
_HARMLESS_MODES = frozenset(
    {"ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE"}
)
# lock_timeout values that turn the timeout off: 0 in any unit, DEFAULT (0 unless the
# server or role says otherwise).
_OFF = re.compile(r"^(0+(\.0*)?\s*(us|ms|s|min|h|d)?|default|)$")


class LockTimeoutRule(Rule):
    name = "lock-timeout"
    code = "AL309"
    systems = ALL_SYSTEMS
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
        "Reported: any ALTER TABLE, DROP TABLE, TRUNCATE, DROP INDEX without CONCURRENTLY, "
        "CREATE INDEX and REINDEX without CONCURRENTLY (their SHARE lock queues the same "
        "way), and LOCK TABLE in a mode that conflicts with reads or ordinary writes "
        "(SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE: LOCK TABLE's default) "
        "on a table that existed before the migration, when no lock_timeout (other than "
        "0) is in force: `SET [SESSION] lock_timeout`, `SELECT set_config('lock_timeout', "
        "..., false)`, or `SET LOCAL lock_timeout` / `set_config(..., true)` in the same "
        "transaction. A SET LOCAL lasts until its transaction ends: with "
        "RUN_IN_TRANSACTION = False it does nothing when it runs alone (outside a "
        "transaction block) and does not reach statements sent in another "
        "`execute_script()`. `RESET lock_timeout` goes back to the server's default (0, no "
        "timeout, unless configured otherwise); a custom "
        "setting such as `app.lock_timeout` is not lock_timeout. Not reported: ALTER TABLE "
        "... VALIDATE CONSTRAINT and DETACH PARTITION ... CONCURRENTLY or FINALIZE (their "
        "lock on the table is SHARE UPDATE EXCLUSIVE, which does not conflict with reads or "
        "writes of it; FINALIZE's ACCESS EXCLUSIVE is on the partition it detaches), "
        "LOCK TABLE in ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE or SHARE UPDATE EXCLUSIVE "
        "mode, and LOCK TABLE ... NOWAIT (it fails at once instead of waiting). Only the "
        "first such statement of a section is reported. This rule is off by default."
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
            found: list[tuple[Statement, str, Statement | None]] = []
            session = False  # a session-wide lock_timeout is in force
            local: tuple[Statement, bool] | None = None  # the last SET LOCAL, and its value
            for stmt in ctx.statements(section):
                what = _locks(ctx, section, stmt)
                if what is not None:
                    if local is not None and same_transaction(ctx, section, local[0], stmt):
                        if not local[1]:
                            found.append((stmt, what, None))
                    elif not session:
                        unreached = local[0] if local is not None and local[1] else None
                        found.append((stmt, what, unreached))
                for fact in ctx.effects(stmt):
                    if not isinstance(fact, Setting) or fact.pragma:
                        continue
                    if fact.name == "lock_timeout":
                        on = _OFF.match(fact.value.strip().lower()) is None
                        if fact.local:
                            local = (stmt, on)
                        else:
                            session, local = on, None
                    elif fact.name == "all" and fact.value == "DEFAULT":  # RESET ALL
                        session, local = False, None
            if not found:
                continue
            stmt, what, unreached = found[0]
            more = f" (and {len(found) - 1} more statement(s) after it)" if len(found) > 1 else ""
            why = (
                f" (the SET LOCAL lock_timeout at line {unreached.line} does not reach it: "
                f"it lasts until its own transaction ends, and alone outside a transaction "
                f"block it does nothing)"
                if unreached is not None
                else ""
            )
            yield Violation(
                f"{what} with no SET lock_timeout before it: it waits behind every open "
                f"transaction on the table while new queries queue behind it{more}{why}",
                stmt,
                section,
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
        if isinstance(fact, Reindex):
            if fact.concurrently or fact.kind not in {"INDEX", "TABLE"}:
                continue
            table = (
                index_table(ctx, section, stmt, fact.name)
                if fact.kind == "INDEX"
                else (fact.table if live_table(ctx, section, stmt, fact.table) else None)
            )
            if table is not None:
                on = "the index" if fact.kind == "INDEX" else "its indexes"
                return f"REINDEX locks {table or 'its table'} (SHARE, and ACCESS EXCLUSIVE on {on})"
            continue
        if isinstance(fact, CreateIndex):
            if fact.concurrently:
                continue
            verb, mode = "CREATE INDEX", "SHARE"
        elif isinstance(fact, TableCommand):
            if fact.command == "VALIDATE CONSTRAINT":
                continue
            if fact.command == "DETACH PARTITION" and fact.mode:
                continue  # CONCURRENTLY / FINALIZE: SHARE UPDATE EXCLUSIVE on the table
            if fact.command == "LOCK TABLE":
                verb, mode = "LOCK TABLE", fact.mode or "ACCESS EXCLUSIVE"
                if fact.nowait or mode in _HARMLESS_MODES:
                    continue
            else:
                verb = "ALTER TABLE"
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
