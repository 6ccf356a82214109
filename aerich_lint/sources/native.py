"""Tortoise ORM 1.x native migrations, read statically: a package of ``NNNN_name.py``
files, each a ``class Migration(migrations.Migration)`` with ``operations``, applied in
the order of their dependency graph (``dependencies``, ``run_before``, ``replaces``).

Nothing here imports the files or tortoise: the class body is read from the AST, so the
graph and reversibility are known even where tortoise is not installed, and a file from
a pull request runs nowhere. The SQL the operations stand for is tortoise's to generate
(``load/native.py``, in the sandbox).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aerich_lint.discover import (
    class_assignment,
    dependency_pairs,
    dotted,
    literal,
    migration_class,
    native_label,
    native_version,
)
from aerich_lint.load.literals import python_literal
from aerich_lint.model import DOWNGRADE, UPGRADE, Chunk, LineIndex, Migration, OffsetMap, Section

if TYPE_CHECKING:
    from aerich_lint.load.native import MigrationSQL
    from aerich_lint.load.python import PythonInfo


@dataclass(frozen=True)
class SqlText:
    """One SQL string of a RunSQL, with the map back to its place in the file."""

    sql: str
    positions: OffsetMap | None  # None: not a plain literal (built at run time)
    line: int
    # given as ``(sql, params)``: the params as tortoise binds them (``execute_query``),
    # None when they are not literal values; () for a string without parameters
    parameters: tuple[Any, ...] | None = ()
    parameters_line: int = 0  # the pair's line


@dataclass
class Operation:
    index: int  # in ``operations``
    kind: str  # the class name: AddField, RunSQL, RunPython, ...
    line: int
    end_line: int
    keywords: dict[str, str] = field(default_factory=dict)  # literal str arguments
    sql: list[SqlText] = field(default_factory=list)  # RunSQL's forward statements
    reverse_sql: list[SqlText] | None = None  # None: no reverse given
    reversible: bool = True  # RunSQL / RunPython without a reverse: False
    atomic: bool | None = None  # the operation's own ``atomic=`` (RunSQL, RunPython)


@dataclass
class NativeFile:
    """What a native migration file says about itself."""

    atomic: bool = True
    atomic_line: int = 0
    initial: bool | None = None
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    dependencies_line: int = 0
    run_before: list[tuple[str, str]] = field(default_factory=list)
    replaces: list[tuple[str, str]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    class_line: int = 0
    error: str | None = None  # the file cannot be read as a native migration
    error_line: int = 1


@lru_cache(maxsize=256)
def read_native(text: str) -> NativeFile:
    """The file read statically; once per text (ordering, loading, generating and
    several rules all ask): callers must not change what it returns."""
    out = NativeFile()
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        out.error, out.error_line = f"Python syntax error: {exc.msg}", exc.lineno or 1
        return out
    except (ValueError, RecursionError) as exc:
        out.error = f"cannot parse Python: {exc}"
        return out
    cls = migration_class(tree)
    if cls is None:
        out.error = "no `class Migration(migrations.Migration)`"
        return out
    out.class_line = cls.lineno
    lines = LineIndex(text)
    seen_operations = False
    for stmt in cls.body:
        name, value = class_assignment(stmt)
        if name is None or value is None:
            continue
        if name == "atomic":
            out.atomic_line = stmt.lineno
            atomic = literal(value)
            out.atomic = atomic if isinstance(atomic, bool) else True
        elif name == "initial":
            initial = literal(value)
            out.initial = initial if isinstance(initial, bool) else None
        elif name in ("dependencies", "run_before", "replaces"):
            pairs = dependency_pairs(value)
            setattr(out, name, pairs)
            if name == "dependencies":
                out.dependencies_line = stmt.lineno
        elif name == "operations":
            seen_operations = True
            if not isinstance(value, (ast.List, ast.Tuple)):
                out.error, out.error_line = "`operations` is not a list", stmt.lineno
                continue
            out.operations = [_operation(i, node, text, lines) for i, node in enumerate(value.elts)]
    if not seen_operations:
        out.error, out.error_line = "the Migration class has no `operations`", cls.lineno
    return out


def _operation(index: int, node: ast.expr, text: str, lines: LineIndex) -> Operation:
    end = getattr(node, "end_lineno", None) or node.lineno
    if not isinstance(node, ast.Call):
        return Operation(index, "?", node.lineno, end)
    kind = (dotted(node.func) or "?").rsplit(".", 1)[-1]
    op = Operation(index, kind, node.lineno, end)
    arguments = dict(_positional(kind, node))
    arguments.update({k.arg: k.value for k in node.keywords if k.arg is not None})
    for key, value in arguments.items():
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            op.keywords[key] = value.value
    atomic = arguments.get("atomic")
    if atomic is not None and isinstance(literal(atomic), bool):
        op.atomic = bool(literal(atomic))
    if kind == "RunSQL":
        sql = arguments.get("sql")
        op.sql = _sql_texts(sql, text, lines) if sql is not None else []
        reverse = arguments.get("reverse_sql")
        if reverse is not None and not _is_none(reverse):
            op.reverse_sql = _sql_texts(reverse, text, lines)
        op.reversible = op.reverse_sql is not None
    elif kind == "RunPython":
        reverse = arguments.get("reverse_code")
        op.reversible = reverse is not None and not _is_none(reverse)
    return op


# The positional parameters of the operations whose arguments are read here.
_POSITIONAL = {"RunSQL": ("sql", "reverse_sql"), "RunPython": ("code", "reverse_code")}


def _positional(kind: str, node: ast.Call) -> list[tuple[str, ast.expr]]:
    names = _POSITIONAL.get(kind, ())
    return list(zip(names, node.args, strict=False))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _sql_texts(node: ast.expr, text: str, lines: LineIndex) -> list[SqlText]:
    """RunSQL's ``sql`` or ``reverse_sql``: a string, or a list of strings or of
    ``(sql, params)`` pairs; each string as one text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [_sql_text(node, text, lines)]
    if isinstance(node, (ast.List, ast.Tuple)):
        out: list[SqlText] = []
        for item in node.elts:
            elt: ast.expr = item
            parameters: tuple[Any, ...] | None = ()
            if isinstance(item, (ast.List, ast.Tuple)) and item.elts:
                elt = item.elts[0]  # (sql, params)
                if len(item.elts) == 2:
                    parameters = _parameters(item.elts[1])
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                found = _sql_text(elt, text, lines)
            else:
                found = SqlText("", None, elt.lineno)
            if parameters != ():
                found = replace(found, parameters=parameters, parameters_line=item.lineno)
            out.append(found)
        return out
    return [SqlText("", None, node.lineno)]


def _parameters(node: ast.expr) -> tuple[Any, ...] | None:
    """The parameters as tortoise passes them, () for none, None when not literals."""
    value = literal(node)
    if value is None:
        return None if not (isinstance(node, ast.Constant) and node.value is None) else ()
    if not value:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else None


def _sql_text(node: ast.Constant, text: str, lines: LineIndex) -> SqlText:
    mapped = python_literal(text, lines, node)
    if mapped is None:
        return SqlText(str(node.value), OffsetMap.fixed(lines, node.lineno), node.lineno)
    return SqlText(mapped[0], mapped[1], node.lineno)


# -- the graph ---------------------------------------------------------------------------


@dataclass
class Graph:
    """One app's migrations as tortoise orders them."""

    order: list[str]  # the names in the order ``tortoise migrate`` applies them
    leaves: list[str]  # migrations nothing in the app depends on (one, normally)
    missing: list[tuple[str, tuple[str, str]]]  # (migration, the parent it names, absent)
    cycle: list[str]  # names on a dependency cycle (tortoise refuses the graph)


def graph_of(app: str, files: dict[str, NativeFile]) -> Graph:
    """Order as tortoise's executor plans ``migrate``: for each leaf in name order, its
    forwards plan (parents first), each migration once. Dependencies on other apps are left to those
    apps (``__first__`` / ``__latest__`` included)."""
    parents: dict[str, set[str]] = {name: set() for name in files}
    missing: list[tuple[str, tuple[str, str]]] = []
    for name, native in files.items():
        for parent in native.dependencies:
            if parent[0] != app or parent[1] == "__first__":
                continue
            if parent[1] in files:
                parents[name].add(parent[1])
            else:
                missing.append((name, parent))
        for child in native.run_before:
            if child[0] == app and child[1] in files:
                parents[child[1]].add(name)
    children = {name: {c for c, ps in parents.items() if name in ps} for name in files}
    leaves = sorted(name for name in files if not children[name])
    order: list[str] = []
    done: set[str] = set()
    cycle: list[str] = []
    for leaf in leaves or sorted(files):
        _plan(leaf, parents, order, done, cycle)
    for name in sorted(files):  # on a cycle with no leaf: still every file, once
        _plan(name, parents, order, done, cycle)
    return Graph(order, leaves, missing, sorted(set(cycle)))


def _plan(
    start: str, parents: dict[str, set[str]], order: list[str], done: set[str], cycle: list[str]
) -> None:
    """Depth first, parents before children (iterative: a long chain is no recursion);
    a migration met again while its own parents are planned is on a cycle."""
    if start in done:
        return
    active: set[str] = set()
    stack: list[tuple[str, bool]] = [(start, False)]
    while stack:
        name, processed = stack.pop()
        if processed:
            active.discard(name)
            if name not in done:
                done.add(name)
                order.append(name)
            continue
        if name in done:
            continue
        if name in active:
            cycle.append(name)
            continue
        active.add(name)
        stack.append((name, True))
        # (as tortoise's _iterative_dfs: parents pushed in name order, so the last is
        # planned first)
        stack.extend((p, False) for p in sorted(parents[name]) if p not in done)


# -- the source --------------------------------------------------------------------------


# Chunk.via of the SQL a native operation sends: "operation" for what tortoise generates
# (each statement executed alone), "operation:<i>.<k>" for RunSQL's string k of operation
# i (each string executed whole: on PostgreSQL a string of several statements is one
# implicit transaction)
VIA = "operation"


def read_app(files: Sequence[Path], label: str = "") -> tuple[str, Graph]:
    """An app's files read from disk: its label (as discovery named the app, else the
    one its files give each other) and its graph (unreadable files are left out of it)."""
    read: dict[str, NativeFile] = {}
    for path in files:
        try:
            read[path.stem] = read_native(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            continue
    label = label or (native_label(files[0].parent) if files else "")
    return label, graph_of(label, read)


class NativeSource:
    kind = "native"

    def order(self, files: list[Path], app: str) -> list[Path]:
        """In the order ``tortoise migrate`` applies them; unreadable files last."""
        _, graph = read_app(files, app)
        by_stem = {p.stem: p for p in files}
        planned = set(graph.order)
        return [by_stem[name] for name in graph.order] + [p for p in files if p.stem not in planned]

    def open(self, path: Path, app: str) -> Migration:
        return Migration(
            path=path, app=app, name=path.stem, version=native_version(path), format="native"
        )

    def read(self, migration: Migration) -> bytes | None:
        from aerich_lint.load import read_file

        return read_file(migration)

    def load(self, migration: Migration) -> PythonInfo | None:
        """The file's own facts and the SQL it holds as text (RunSQL); tortoise's
        generated SQL for the other operations is not read here."""
        native = read_native(migration.text)
        if native.error is not None:
            migration.load_error, migration.load_error_line = native.error, native.error_line
            return None
        migration.run_in_transaction = native.atomic
        migration.run_in_transaction_line = native.atomic_line
        upgrade = Section(UPGRADE, line=native.class_line)
        downgrade = Section(DOWNGRADE, line=native.class_line)
        for op in native.operations:
            upgrade.chunks.extend(_chunks(op.sql, op.index))
        for op in reversed(native.operations):  # unapplied last operation first
            downgrade.chunks.extend(_chunks(op.reverse_sql or [], op.index))
        downgrade.defined = all(op.reversible for op in native.operations)
        migration.sections = {UPGRADE: upgrade, DOWNGRADE: downgrade}
        return None


def _chunks(texts: list[SqlText], index: int) -> list[Chunk]:
    return [
        Chunk(t.sql, t.positions, via=f"{VIA}:{index}.{k}")
        for k, t in enumerate(texts)
        if t.positions is not None and t.sql.strip()
    ]


def fill_generated(migration: Migration, generated: MigrationSQL) -> list[tuple[str, int, str]]:
    """The migration's sections from the SQL tortoise generated for it, each statement
    at its operation's line (RunSQL's at its string); what could not be generated, as
    (section, line, message)."""
    native = read_native(migration.text)
    operations = {op.index: op for op in native.operations}
    lines = LineIndex(migration.text)
    failures: list[tuple[str, int, str]] = []
    sections = {}
    for name, steps in ((UPGRADE, generated.forward), (DOWNGRADE, generated.backward)):
        section = Section(name, line=native.class_line)
        for step in steps:
            op = operations.get(step.operation)
            line = op.line if op is not None else native.class_line
            if op is not None and op.kind == "RunSQL":
                texts = op.sql if name == UPGRADE else (op.reverse_sql or [])
                section.chunks.extend(_chunks(texts, op.index))
                continue
            section.chunks.extend(
                Chunk(sql, OffsetMap.fixed(lines, line), via=VIA) for sql in step.sql if sql.strip()
            )
            failed = (line, f"{step.kind}: {step.error}")
            # (one finding for an operation that fails both ways: where it first fails)
            python = op is not None and op.kind == "RunPython"
            if step.error and not python and all((f[1], f[2]) != failed for f in failures):
                failures.append((name, *failed))
        sections[name] = section
    if generated.error:
        failures.append((UPGRADE, native.class_line, generated.error))
    migration.sections = sections
    return failures


def generates_sql(migration: Migration) -> bool:
    """Does the migration hold an operation whose SQL only tortoise knows (anything but
    RunSQL and RunPython)?"""
    native = read_native(migration.text)
    return any(op.kind not in ("RunSQL", "RunPython") for op in native.operations)
