"""The package's shape: no import cycles, and no import from a lower layer to a higher
one (the pipeline runs discover -> load -> parse -> history -> rules -> report, and each
stage imports only what comes before it). Imports inside functions count; imports
under ``if TYPE_CHECKING:`` (types only) do not."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "aerich_lint"

# Each top-level module or package of aerich_lint, by layer: a unit imports only units
# of its own layer or of lower ones. A new module gets a layer here.
LAYERS: list[set[str]] = [
    {"__init__", "errors", "model", "git", "naming"},
    {"dialects", "targets", "config", "effects"},
    {"codec", "options", "sandbox", "discover", "fingerprint"},
    {"dialect", "load", "parse", "baseline"},
    {"sources", "history"},
    {"file_stages", "cache", "rules"},
    {"policy", "docs"},
    {"findings"},
    {"suppress", "since"},
    {"prepare"},
    {"lint"},
    {"report", "verify", "drift"},
    {"status"},  # reads the live catalog as verify does (verify.introspect)
    {"cli", "__main__"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The aerich_lint modules this file imports (``from pkg import submodule`` is an
    import of the submodule, not of the package's ``__init__``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and (child.module or "").startswith("aerich_lint"):
                assert child.module is not None
                subs = [f"{child.module}.{a.name}" for a in child.names]
                subs = [s for s in subs if s in modules]
                found.update(subs)
                if len(subs) < len(child.names):
                    found.add(child.module)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("aerich_lint"))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_no_import_cycles_between_modules() -> None:
    assert _cycles(_graph()) == []


def test_no_import_cycles_between_packages() -> None:
    units: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        units.setdefault(_unit(module), set()).update(
            _unit(t) for t in targets if _unit(t) != _unit(module)
        )
    assert _cycles(units) == []


def test_every_module_has_a_layer() -> None:
    layered = set().union(*LAYERS)
    assert {_unit(m) for m in _graph()} - layered == set()
    assert layered - {_unit(m) for m in _graph()} == set(), "a layer names a unit that is gone"


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    layer = {unit: n for n, units in enumerate(LAYERS) for unit in units}
    upward = [
        f"{module} (layer {layer[_unit(module)]}) imports {target} (layer {layer[_unit(target)]})"
        for module, targets in sorted(_graph().items())
        for target in sorted(targets)
        if layer[_unit(target)] > layer[_unit(module)]
    ]
    assert upward == []


def test_the_checks_see_a_cycle_and_an_upward_import() -> None:
    """The checks themselves can fail."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    graph = _graph()
    assert "aerich_lint.prepare" in graph["aerich_lint.lint"]
    assert "aerich_lint.lint" not in graph["aerich_lint.prepare"]
