"""Read ``upgrade()`` / ``downgrade()`` SQL out of a Python migration.

The usual aerich file only returns string literals: that is read from the AST
without running anything. A function that builds SQL at run time or runs
queries through the client is marked for execution (see ``execute.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from aerich_lint.load.literals import python_literal
from aerich_lint.model import (
    SECTIONS,
    Chunk,
    FunctionFacts,
    LineIndex,
    Migration,
    OffsetMap,
    Section,
)

CLIENT_METHODS = frozenset(
    {
        "execute_script",
        "execute_query",
        "execute_query_dict",
        "execute_query_dict_with_affected",
        "execute_insert",
        "execute_many",
    }
)
# Calls at module level that reach a database or start an event loop.
_MODULE_CALLS = frozenset(
    {*CLIENT_METHODS, "run_async", "run", "init", "get_connection", "generate_schemas", "connect"}
)


@dataclass
class PythonInfo:
    """What the static pass learned; kept for executing the file if needed."""

    needs_exec: set[str] = field(default_factory=set)  # section names
    return_lines: dict[str, int] = field(default_factory=dict)
    def_lines: dict[str, int] = field(default_factory=dict)


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node  # the last definition wins, as at import time
    return found


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _static_return(func: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | bool | None:
    """The returned literal expression; None for no return; False: needs executing."""
    body = [s for s in func.body if not _is_docstring(s) and not isinstance(s, ast.Pass)]
    if not body:
        return None
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return False
    value = body[0].value
    if value is None:
        return None
    if isinstance(value, ast.Constant) and (isinstance(value.value, str) or value.value is None):
        return value
    if isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    ):
        return value
    return False


def _chunk(text: str, lines: LineIndex, node: ast.Constant) -> Chunk:
    mapped = python_literal(text, lines, node)
    if mapped is None:
        return Chunk(str(node.value), OffsetMap.fixed(lines, node.lineno))
    return Chunk(mapped[0], mapped[1])


def load_python(migration: Migration, text: str) -> PythonInfo:
    info = PythonInfo()
    try:
        tree = ast.parse(text, filename=str(migration.path))
    except SyntaxError as exc:
        migration.load_error = f"Python syntax error: {exc.msg}"
        migration.load_error_line = exc.lineno or 1
        return info
    except (ValueError, RecursionError) as exc:
        migration.load_error = f"cannot parse Python: {exc}"
        return info
    lines = LineIndex(text)
    for name in SECTIONS:
        func = _function(tree, name)
        if func is None:
            migration.sections[name] = Section(name, defined=False)
            continue
        info.def_lines[name] = func.lineno
        facts = function_facts(func)
        migration.functions[name] = facts
        info.return_lines[name] = facts.returns[-1][0] if facts.returns else func.lineno
        section = Section(name, line=func.lineno)
        migration.sections[name] = section
        value = _static_return(func)
        if value is False:
            info.needs_exec.add(name)
            section.dynamic = True
        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
            section.chunks.append(_chunk(text, lines, value))
        elif isinstance(value, (ast.List, ast.Tuple)):
            migration.format = "py-list"
            for elt in value.elts:
                assert isinstance(elt, ast.Constant)
                section.chunks.append(_chunk(text, lines, elt))
    if migration.sections[SECTIONS[0]].defined is False:
        migration.load_error = "no upgrade() function"
    migration.module_db_calls = module_calls(tree)
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value_node = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value_node = [node.target], node.value
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "RUN_IN_TRANSACTION":
                migration.run_in_transaction_line = node.lineno
                if isinstance(value_node, ast.Constant):
                    migration.run_in_transaction = bool(value_node.value)
                else:
                    info.needs_exec.add("RUN_IN_TRANSACTION")
            elif target.id == "MODELS_STATE":
                migration.has_models_state = True
                migration.models_state_line = node.lineno
                if isinstance(value_node, ast.Constant) and isinstance(value_node.value, str):
                    migration.models_state_raw = value_node.value
    return info


def _kind(value: ast.expr | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, ast.Constant):
        return "str" if isinstance(value.value, str) else type(value.value).__name__
    if isinstance(value, (ast.JoinedStr,)):
        return "str"
    if isinstance(value, (ast.List, ast.Tuple)):
        return "list"
    if isinstance(value, (ast.Dict, ast.DictComp)):
        return "dict"
    if isinstance(value, (ast.Set, ast.SetComp)):
        return "set"
    return "dynamic"


def function_facts(func: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionFacts:
    facts = FunctionFacts(func.name, func.lineno, isinstance(func, ast.AsyncFunctionDef))
    params = func.args.posonlyargs + func.args.args
    db = params[0].arg if params else None
    own_returns = {id(node) for node in _own_nodes(func) if isinstance(node, ast.Return)}
    for node in ast.walk(func):
        if isinstance(node, ast.Return):
            if id(node) in own_returns:
                facts.returns.append((node.lineno, _kind(node.value)))
        elif isinstance(node, ast.Await) and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            if _kind(node.value) == "str":
                facts.awaited_literals.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == db
            and node.func.attr in CLIENT_METHODS
        ):
            facts.db_calls.append((node.lineno, node.func.attr))
    facts.returns.sort()
    return facts


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of ``func`` outside nested functions and classes: a helper's
    ``return`` is not what ``upgrade()`` returns."""
    todo: list[ast.AST] = list(func.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def module_calls(tree: ast.Module) -> list[tuple[int, str]]:
    """Top-level statements that call into a database or an event loop at import."""
    found = []
    for stmt in tree.body:
        if isinstance(
            stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
        ):
            continue
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
            continue  # RUN_IN_TRANSACTION, MODELS_STATE and other literals
        for node in ast.walk(stmt):
            if isinstance(node, ast.Await):
                found.append((node.lineno, "await"))
            elif isinstance(node, ast.Call):
                name = (
                    node.func.attr
                    if isinstance(node.func, ast.Attribute)
                    else node.func.id
                    if isinstance(node.func, ast.Name)
                    else ""
                )
                if name in _MODULE_CALLS:
                    found.append((node.lineno, ast.unparse(node.func)))
    return found
