"""Stage 4: replay each app's history in memory.

Every upgrade is applied in version order to a schema model; each migration's
downgrade is applied to a copy of the state after its upgrade and compared with
the state before it. Rules read the result from ``Context.history``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aerich_lint.effects import AddColumn, CreateTable, RenameTable, effects
from aerich_lint.history.schema import Applier, Known, NoOp, Problem, Schema
from aerich_lint.model import DOWNGRADE, UPGRADE, Dialect, Migration, Statement
from aerich_lint.parse.commands import UNKNOWN_EFFECT


@dataclass
class StatementProblem:
    statement: Statement
    problem: Problem


@dataclass
class StatementNoOp:
    """A statement that did nothing, while what it meant to change was still unchanged
    when its section ended (no-op-statement's finding)."""

    statement: Statement
    noop: NoOp


@dataclass
class Step:
    """One migration's place in the history."""

    before: Schema
    after: Schema
    downgraded: Schema | None  # None: no downgrade to apply
    upgrade_problems: list[StatementProblem] = field(default_factory=list)
    downgrade_problems: list[StatementProblem] = field(default_factory=list)
    upgrade_noops: list[StatementNoOp] = field(default_factory=list)
    downgrade_noops: list[StatementNoOp] = field(default_factory=list)
    reliable: bool = True  # False once an earlier statement could not be understood
    # Every object a missing reference could name was seen: the history starts at
    # version 0 and was understood up to here (later files do not change it).
    complete: bool = False


def _understood(migration: Migration, sections: tuple[str, ...] = (UPGRADE, DOWNGRADE)) -> bool:
    """Was all of the SQL of these sections read and understood? Not when the file
    did not load, a section failed to execute or a statement was not understood."""
    if migration.load_error or any(s in migration.not_executed for s in sections):
        return False
    for name in sections:
        section = migration.sections.get(name)
        if section is not None and (
            section.error is not None
            or not all(_statement_understood(s) for s in section.statements)
        ):
            return False
    return True


def _statement_understood(stmt: Statement) -> bool:
    return stmt.error is None and stmt.command != "" and stmt.command not in UNKNOWN_EFFECT


@dataclass
class State:
    """Where a replay stands between two migrations: enough to resume from there
    (the cache keeps some, so a run on one changed file need not replay the rest)."""

    schema: Schema
    known: Known
    reliable: bool


def replay(
    migrations: list[Migration],
    dialect: Dialect,
    start: State | None = None,
    keep: frozenset[int] = frozenset(),
    native: bool = False,
) -> tuple[dict[int, Step], dict[int, State]]:
    """Steps keyed by ``id(migration)``, for migrations in aerich's order, and the
    states before the positions in ``keep`` (``len(migrations)``: after the last).
    ``start`` resumes a history whose earlier files are not in ``migrations``."""
    if start is None:
        schema = Schema(dialect, "tortoise" if native else "aerich")
        # whole from aerich's init (version 0), or from the native migration tortoise
        # marks initial
        first = migrations[0] if migrations else None
        known = Known(
            complete=first is not None and (first.version == 0 if not native else _initial(first))
        )
        reliable = True
    else:
        schema, known, reliable = start.schema.copy(), start.known.copy(), start.reliable
    steps: dict[int, Step] = {}
    states: dict[int, State] = {}
    snapshot = schema.copy()  # the state after the previous migration
    for position, migration in enumerate(migrations):
        if position in keep:
            states[position] = State(snapshot, known.copy(), reliable)
        step = Step(
            before=snapshot,
            after=snapshot,
            downgraded=None,
            reliable=reliable,
            complete=known.complete,
        )
        if migration.load_error is None:
            applier = Applier(schema, known)
            step.upgrade_noops = _apply_section(
                applier, migration.statements(UPGRADE), dialect, step.upgrade_problems
            )
            if step.upgrade_problems or any(migration.statements(UPGRADE)):
                snapshot = schema.copy()
            step.after = snapshot
            down = migration.section(DOWNGRADE)
            if not _understood(migration, (UPGRADE,)):
                # The schema after this upgrade is not known: neither is what its
                # downgrade finds or gives back, nor whether MODELS_STATE matches it.
                step.complete = False
            elif down.statements:
                downgraded = snapshot.copy()
                undo = Applier(downgraded, known)
                step.downgrade_noops = _apply_section(
                    undo, down.statements, dialect, step.downgrade_problems
                )
                # (What a downgrade not understood gives back is not known.)
                step.downgraded = downgraded if _understood(migration, (DOWNGRADE,)) else None
        steps[id(migration)] = step
        if not _understood(migration):
            # What it did is unknown from here on: replay findings would guess.
            reliable = False
            known.complete = False
    if len(migrations) in keep:
        states[len(migrations)] = State(snapshot, known.copy(), reliable)
    return steps, states


def _apply_section(
    applier: Applier,
    statements: list[Statement],
    dialect: Dialect,
    problems: list[StatementProblem],
) -> list[StatementNoOp]:
    """Apply one section's statements, adding what fails to ``problems``; the statements
    that did nothing and still matter when the section ends are returned."""
    facts = [effects(stmt, dialect) for stmt in statements]
    created: dict[str, tuple[int, int]] = {}  # table -> (position, line) of its first CREATE
    for position, (stmt, found) in enumerate(zip(statements, facts, strict=True)):
        for fact in found:
            new = fact.table if isinstance(fact, CreateTable) else ""
            new = fact.new if isinstance(fact, RenameTable) else new
            if new:
                created.setdefault(new, (position, stmt.line))
    noops: list[StatementNoOp] = []
    # Past a statement that was not understood, what exists is a guess.
    judged = True
    for position, (stmt, found) in enumerate(zip(statements, facts, strict=True)):
        judged = judged and _statement_understood(stmt)
        applier.later = {t: line for t, (at, line) in created.items() if at > position}
        before = len(applier.noops)
        for fact in found:
            met = applier.apply(fact)
            if judged:
                problems.extend(StatementProblem(stmt, p) for p in met)
        if judged:
            noops.extend(StatementNoOp(stmt, n) for n in applier.noops[before:])
    return [n for n in noops if n.noop.holds(applier.schema)]


@dataclass(frozen=True)
class Difference:
    """One way the schema after upgrade + downgrade differs from the one before.
    ``minor``: the previous code still works on it (a default, a looser column, an
    extra table or plain index): worth knowing, not a rollback that breaks."""

    message: str
    minor: bool = False
    index: str = ""  # the index it is about, if any


def differences(before: Schema, after: Schema, upgraded: Schema) -> list[Difference]:
    """How the schema after upgrade + downgrade differs from the one before, in words."""
    out: list[Difference] = []
    changed = []
    for name, table in before.tables.items():
        other = after.tables.get(name)
        if other is None:
            how = (
                "is dropped by the upgrade and never re-created by the downgrade"
                if name not in upgraded.tables
                else "is not restored by the downgrade"
            )
            out.append(Difference(f"table {name} {how}"))
        elif other is not table:  # copy-on-write: the same object was never changed
            changed.append(name)
    for name in after.tables.keys() - before.tables.keys():
        out.append(
            Difference(
                f"table {name} created by the upgrade is left in place by the downgrade",
                minor=True,
            )
        )
    out.sort(key=lambda d: d.message)
    for name in sorted(changed):
        old, new = before.tables[name].columns, after.tables[name].columns
        for col in sorted(old.keys() - new.keys()):
            out.append(Difference(f"column {name}.{col} is not restored by the downgrade"))
        for col in sorted(new.keys() - old.keys()):
            extra = new[col]
            blocks = extra.not_null and extra.default is None and not extra.generated
            out.append(
                Difference(
                    f"column {name}.{col} added by the upgrade is left in place by the downgrade"
                    + (
                        ": NOT NULL without a default, so the previous code's INSERTs fail"
                        if blocks
                        else ""
                    ),
                    minor=not blocks,
                )
            )
        for col in sorted(old.keys() & new.keys()):
            a, b = old[col], new[col]
            if a.type != b.type:
                out.append(Difference(f"column {name}.{col} comes back as {b.type}, was {a.type}"))
            if a.not_null != b.not_null:
                now, was = ("NOT NULL", "nullable") if b.not_null else ("nullable", "NOT NULL")
                out.append(
                    Difference(
                        f"column {name}.{col} comes back {now}, was {was}", minor=not b.not_null
                    )
                )
            if a.default != b.default:
                out.append(
                    Difference(
                        f"column {name}.{col} comes back with default {b.default or 'none'}, "
                        f"was {a.default or 'none'}",
                        minor=True,
                    )
                )
    if before.indexes is not after.indexes:
        # An index a table declares (SQLite's sqlite_autoindex_ for an inline UNIQUE)
        # cannot be dropped by name: the same columns, just as unique, are the same.
        shapes_before = {(ix.table, ix.columns, ix.unique) for ix in before.indexes.values()}
        shapes_after = {(ix.table, ix.columns, ix.unique) for ix in after.indexes.values()}
        for key in sorted(before.indexes.keys() - after.indexes.keys()):
            ix = before.indexes[key]
            if ix.declared and (ix.table, ix.columns, ix.unique) in shapes_after:
                continue
            if ix.table in after.tables:
                out.append(
                    Difference(
                        f"index {ix.name} on {ix.table} is not re-created by the downgrade",
                        minor=not ix.unique,
                        index=ix.name,
                    )
                )
        for key in sorted(after.indexes.keys() - before.indexes.keys()):
            ix = after.indexes[key]
            if ix.table not in before.tables:
                continue
            if (ix.table, ix.columns, ix.unique) in shapes_before and any(
                b.declared and (b.table, b.columns, b.unique) == (ix.table, ix.columns, ix.unique)
                for b in before.indexes.values()
            ):
                continue
            by = (
                "created by the upgrade is left in place"
                if key in upgraded.indexes
                else "is created by the downgrade, and was not there before the upgrade"
            )
            out.append(
                Difference(
                    f"index {ix.name} on {ix.table} {by}", minor=not ix.unique, index=ix.name
                )
            )
    return out


def readded_not_null(
    migration: Migration, step: Step, dialect: Dialect
) -> list[tuple[Statement, str]]:
    """Downgrade statements re-adding a NOT NULL column without a default to a
    table that existed before the upgrade (so it may have rows)."""
    out = []
    for stmt in migration.statements(DOWNGRADE):
        for fact in effects(stmt, dialect):
            if (
                isinstance(fact, AddColumn)
                and fact.column.not_null
                and fact.column.default is None
                and not fact.column.primary_key
                and fact.table in step.before.tables
            ):
                out.append(
                    (
                        stmt,
                        f"column {fact.table}.{fact.column.name} comes back NOT NULL without "
                        f"a default: the downgrade fails on a table with rows",
                    )
                )
    return out


def _initial(migration: Migration) -> bool:
    from aerich_lint.sources.native import read_native

    return read_native(migration.text).initial is True
