"""Tortoise ORM 1.x native migrations in verify.

A native file holds no SQL: tortoise's schema editors generate it from the
operations, in ``prepare`` as for the lint (``load.native``: the project's config
and migrations are imported in a sandboxed child, never in this process). Verify
applies that SQL as read, like aerich's template files. ``RunPython`` code runs
where tortoise runs it among that SQL (``interleave``), in verify's sandboxed child
(``_native_child``), its queries sent to verify; nothing of the project runs in
verify's process. With ``--no-exec`` it is not run (verify says so).

How ``tortoise migrate`` sends it (tortoise-orm 1.1.9, ``migrations/executor.py``
and ``migrations/schema_editor/base.py``): a migration runs in one transaction when
it is ``atomic`` and the backend can roll DDL back (PostgreSQL, SQLite; never
MySQL), both ways; each string an operation generates (``_run_sql``) is one
``execute_script`` call, so outside a transaction a string of several statements
is still one call (one implicit transaction on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aerich_lint.model import DOWNGRADE, UPGRADE, Dialect, Migration, Statement

if TYPE_CHECKING:
    pass

NATIVE = "native"


def python_lines(migration: Migration) -> list[int]:
    """The lines of the migration's ``RunPython`` operations."""
    from aerich_lint.sources.native import read_native

    if migration.format != NATIVE or migration.load_error is not None:
        return []
    return [op.line for op in read_native(migration.text).operations if op.kind == "RunPython"]


def generation_error(migration: Migration, section: str) -> tuple[int, str] | None:
    """(line, message) of the first thing tortoise could not generate the SQL of in
    ``section``, if any."""
    for where, line, message in migration.generation_errors:
        if where == section:
            return line, message
    error = migration.section(section).error
    if error:
        return migration.section(section).line, error
    return None


def is_plain(migration: Migration) -> bool:
    """All of its SQL was generated: it is applied as read."""
    if migration.load_error is not None or migration.not_executed:
        return False
    if migration.generation_errors:
        return False
    return not any(s.error for s in migration.sections.values())


def calls(migration: Migration, section: str, statements: list[Statement]) -> list[list[Statement]]:
    """The statements grouped as tortoise sends them: one group per string an
    operation generated (one ``execute_script`` call each). A statement that cannot
    be placed in its string is a group of its own."""
    chunks = migration.section(section).chunks
    groups: list[list[Statement]] = []
    at, offset, current = 0, 0, -1
    for stmt in statements:
        scan, start, found = at, offset, -1
        while scan < len(chunks):
            found = chunks[scan].sql.find(stmt.sql, start) if stmt.sql else -1
            if found >= 0:
                break
            scan, start = scan + 1, 0
        if scan >= len(chunks):
            groups.append([stmt])
            current = -1
            continue
        if current != scan:
            groups.append([])
            current = scan
        groups[-1].append(stmt)
        at, offset = scan, found + len(stmt.sql)
    return groups


@dataclass(frozen=True)
class Parameters:
    """What a RunSQL string given as ``(sql, params)`` is sent with: tortoise runs it
    with ``execute_query(sql, params)``, binding the values."""

    values: tuple[Any, ...] | None  # None: not literal values (verify cannot bind them)
    line: int


def parameters(migration: Migration, section: str) -> dict[str, Parameters]:
    """The RunSQL strings of ``section`` sent with parameters, by their chunk's
    ``via`` (``operation:<i>.<k>``, as ``sources.native`` names them)."""
    from aerich_lint.sources.native import read_native

    if migration.format != NATIVE or migration.load_error is not None:
        return {}
    found: dict[str, Parameters] = {}
    for op in read_native(migration.text).operations:
        if op.kind != "RunSQL":
            continue
        texts = op.sql if section == UPGRADE else (op.reverse_sql or [])
        for k, text in enumerate(texts):
            if text.parameters != ():  # (tortoise sends a string without parameters as is)
                found[f"operation:{op.index}.{k}"] = Parameters(
                    text.parameters, text.parameters_line
                )
    return found


def in_transaction(migration: Migration, engine: Dialect) -> bool:
    """``atomic`` on a backend that rolls DDL back (tortoise: ``can_rollback_ddl``)."""
    return migration.run_in_transaction and engine is not Dialect.MYSQL


@dataclass(frozen=True)
class PythonStep:
    """A ``RunPython`` operation where tortoise runs it among the section's SQL."""

    operation: int  # its index in ``operations``
    line: int
    atomic: bool | None  # its own ``atomic=``


def interleave(
    migration: Migration, section: str, statements: list[Statement]
) -> list[list[Statement] | PythonStep]:
    """The section as tortoise runs it: the statements of the operations before a
    ``RunPython`` (by the line of their operation), the RunPython, and so on; upgrade
    in the order of ``operations``, downgrade last operation first. A downgrade runs
    RunPython only when every operation can be unapplied (tortoise refuses to unapply
    the migration otherwise)."""
    from aerich_lint.sources.native import read_native

    operations = read_native(migration.text).operations if migration.format == NATIVE else []
    python = [op for op in operations if op.kind == "RunPython"]
    if not python or (section == DOWNGRADE and not all(op.reversible for op in operations)):
        return [statements] if statements else []
    order = [op.index for op in operations]
    if section == DOWNGRADE:
        order.reverse()
    sql_ops = [op for op in operations if op.kind != "RunPython"]
    by_op: dict[int, list[Statement]] = {}
    current = order[0] if order else 0
    for stmt in statements:
        for op in sql_ops:
            if op.line <= stmt.line <= max(op.end_line, op.line):
                current = op.index
                break
        by_op.setdefault(current, []).append(stmt)
    pieces: list[list[Statement] | PythonStep] = []
    kinds = {op.index: op for op in operations}
    for index in order:
        op = kinds[index]
        if op.kind == "RunPython":
            pieces.append(PythonStep(index, op.line, op.atomic))
        elif by_op.get(index):
            pieces.append(by_op.pop(index))
    leftover = [s for group in by_op.values() for s in group]  # (none expected)
    if leftover:
        pieces.append(leftover)
    return pieces
