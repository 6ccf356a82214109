"""Subprocess entry point: import migrations and record the SQL they produce.

Run as ``python -m aerich_lint.load._runner``. Reads one JSON request per line
on stdin ({"path", "sections", "dialect"}) and answers with one JSON line per
request. ``upgrade``/``downgrade`` get a stand-in for tortoise's client that
connects nowhere, answers every query with an empty result and records the SQL.
The parent enforces the timeout and restarts this process when a file hangs or
kills it, so nothing here needs to be defensive about that.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import os
import sys
import traceback
import types
from typing import Any

from aerich_lint.errors import describe

_path = ""


class _Capabilities:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.inline_comment = False
        self.requires_limit = False
        self.supports_transactions = True


class _Transaction:
    def __init__(self, client: RecordingClient) -> None:
        self.client = client

    async def __aenter__(self) -> RecordingClient:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        return None


class RecordingClient:
    """Looks enough like ``tortoise.BaseDBAsyncClient`` for migrations."""

    def __init__(self, dialect: str) -> None:
        self.calls: list[dict[str, Any]] = []
        self.capabilities = _Capabilities(dialect)
        self.connection_name = "default"

    def _record(self, via: str, sql: Any) -> None:
        line = 0
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == _path:
                line = frame.f_lineno
                break
            frame = frame.f_back  # type: ignore[assignment]
        self.calls.append(
            {"via": via, "sql": sql if isinstance(sql, str) else repr(sql), "line": line}
        )

    async def execute_script(self, query: str) -> None:
        self._record("execute_script", query)

    async def execute_query(self, query: str, values: Any = None) -> tuple[int, list[Any]]:
        self._record("execute_query", query)
        return 0, []

    async def execute_query_dict(self, query: str, values: Any = None) -> list[dict[str, Any]]:
        self._record("execute_query_dict", query)
        return []

    async def execute_insert(self, query: str, values: Any = None) -> int:
        self._record("execute_insert", query)
        return 0

    async def execute_many(self, query: str, values: Any = None) -> None:
        self._record("execute_many", query)

    def _in_transaction(self) -> _Transaction:
        return _Transaction(self)

    in_transaction = _in_transaction


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves placeholder ``tortoise`` modules when tortoise is not installed
    (the pre-commit environment has only aerich-lint), so the usual
    ``from tortoise import BaseDBAsyncClient`` still imports."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name == "tortoise" or name.startswith("tortoise."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda attr: type(attr, (), {})  # type: ignore[method-assign]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _install_stub_if_needed() -> None:
    if importlib.util.find_spec("tortoise") is None:
        sys.meta_path.append(_StubFinder())


def _run(request: dict[str, Any]) -> dict[str, Any]:
    global _path
    path = request["path"]
    _path = os.path.abspath(path)
    result: dict[str, Any] = {"path": path, "sections": {}}
    spec = importlib.util.spec_from_file_location(
        f"_aerich_lint_migration_{abs(hash(path))}", _path
    )
    if spec is None or spec.loader is None:
        result["error"] = "cannot import the file"
        return result
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        result["error"] = f"importing the migration raised {_describe(exc)}"
        return result
    run = getattr(module, "RUN_IN_TRANSACTION", True)
    result["run_in_transaction"] = bool(run)
    for name in request["sections"]:
        func = getattr(module, name, None)
        if func is None:
            continue
        client = RecordingClient(request.get("dialect") or "")
        out: dict[str, Any] = {"calls": client.calls}
        result["sections"][name] = out
        try:
            value = func(client)
            if inspect.isawaitable(value):
                value = asyncio.run(_await(value))
        except BaseException as exc:
            out["error"] = f"{name}() raised {_describe(exc)}"
            continue
        if isinstance(value, str):
            out["returned"] = [value]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out["returned"] = list(value)
            out["list"] = True
        elif value is None:
            out["returned"] = []
        else:
            out["error"] = f"{name}() returned {type(value).__name__}, expected str"
    return result


async def _await(value: Any) -> Any:
    return await value


def _describe(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _path]
    where = f" at line {frames[-1].lineno}" if frames else ""
    return describe(exc) + where


def main() -> None:
    sys.dont_write_bytecode = True  # never write __pycache__ into the migrations folder
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever migrations print goes to stderr, not into our answers
    sys.stdout = sys.stderr
    for extra in reversed(json.loads(os.environ.get("AERICH_LINT_SYS_PATH", "[]"))):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    _install_stub_if_needed()
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = _run(json.loads(line))
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
