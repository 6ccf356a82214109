"""What loading and parsing a file gives, as JSON-able data and back: the one list of
a migration's loaded fields, shared by the cache (entries on disk) and the parallel
parse (what a worker hands back).

Dataclasses are written as ``{"@": name, "v": [fields in order]}`` and tuples as
lists; only the effect classes of ``aerich_lint.effects`` are ever rebuilt from data,
never an arbitrary name (a cache file must not be able to make any other object).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

from aerich_lint.model import (
    FunctionFacts,
    Migration,
    Section,
    Statement,
    Suppression,
)

# The scalar fields loading fills in; with ``sections``, ``functions`` and
# ``module_db_calls`` (and the MODELS_STATE tables derived from the file alone), the
# whole of what a file's bytes decide.
PLAIN_FIELDS = (
    "format",
    "run_in_transaction",
    "run_in_transaction_line",
    "models_state_raw",
    "has_models_state",
    "models_state_line",
    "load_error",
    "load_error_line",
)
LOADED_FIELDS = (*PLAIN_FIELDS, "sections", "functions", "module_db_calls")


def adopt(migration: Migration, loaded: Migration) -> None:
    """Take what another process loaded and parsed; keep this process's own fields
    (path, text, what to report)."""
    for name in LOADED_FIELDS:
        setattr(migration, name, getattr(loaded, name))
    if loaded.state_tables is not None:
        migration.state_tables = loaded.state_tables


@cache
def effect_types() -> dict[str, type[Any]]:
    from aerich_lint import effects

    return {
        name: obj
        for name, obj in vars(effects).items()
        if isinstance(obj, type) and dataclasses.is_dataclass(obj)
    }


def value(obj: Any) -> Any:
    """Dataclasses become {"@": name, "v": [fields in order]}; tuples become lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = [value(getattr(obj, f.name)) for f in dataclasses.fields(obj)]
        return {"@": type(obj).__name__, "v": fields}
    if isinstance(obj, (list, tuple)):
        return [value(v) for v in obj]
    return obj


def obj(data: Any) -> Any:
    if isinstance(data, dict):
        return effect_types()[data["@"]](*[obj(v) for v in data["v"]])
    if isinstance(data, list):
        return tuple([obj(v) for v in data])
    return data


def encode(m: Migration) -> dict[str, Any]:
    sections = {}
    for name, section in m.sections.items():
        sections[name] = {
            "defined": section.defined,
            "dynamic": section.dynamic,
            "error": section.error,
            "line": section.line,
            "statements": [
                {
                    "index": s.index,
                    "sql": s.sql,
                    "line": s.line,
                    "column": s.column,
                    "end_line": s.end_line,
                    "error": s.error,
                    "command": s.command,
                    "via": s.via,
                    "suppressions": [
                        [list(x.rules), x.line, x.column, x.reason, x.section]
                        for x in s.suppressions
                    ],
                    "effects": [value(e) for e in (s.effects or [])],
                }
                for s in section.statements
            ],
        }
    return {
        **{key: getattr(m, key) for key in PLAIN_FIELDS},
        "functions": {k: dataclasses.asdict(v) for k, v in m.functions.items()},
        "module_db_calls": [list(c) for c in m.module_db_calls],
        "state_tables": {table: sorted(columns) for table, columns in m.state_tables.items()}
        if m.state_tables is not None
        else None,
        "sections": sections,
    }


def decode(entry: dict[str, Any], m: Migration) -> None:
    for key in PLAIN_FIELDS:
        setattr(m, key, entry[key])
    m.functions = {
        k: FunctionFacts(
            name=v["name"],
            line=v["line"],
            is_async=v["is_async"],
            returns=[(int(a), str(b)) for a, b in v["returns"]],
            awaited_literals=list(v["awaited_literals"]),
            db_calls=[(int(a), str(b)) for a, b in v["db_calls"]],
        )
        for k, v in entry["functions"].items()
    }
    m.module_db_calls = [(int(a), str(b)) for a, b in entry["module_db_calls"]]
    if entry.get("state_tables") is not None:
        m.state_tables = {t: set(cols) for t, cols in entry["state_tables"].items()}
    m.sections = {}
    for name, data in entry["sections"].items():
        section = Section(
            name,
            defined=data["defined"],
            dynamic=data["dynamic"],
            error=data["error"],
            line=data["line"],
        )
        for s in data["statements"]:
            stmt = Statement(
                section=name,
                index=s["index"],
                sql=s["sql"],
                line=s["line"],
                column=s["column"],
                error=s["error"],
                command=s["command"],
                via=s["via"],
                end_line=s["end_line"],
            )
            stmt.suppressions = [
                Suppression(rules=tuple(r), line=ln, column=col, reason=reason, section=sec)
                for r, ln, col, reason, sec in s["suppressions"]
            ]
            stmt.effects = [obj(e) for e in s["effects"]]
            section.statements.append(stmt)
        m.sections[name] = section
