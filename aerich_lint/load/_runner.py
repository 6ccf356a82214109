"""Subprocess entry point: import migrations and record the SQL they produce.

Run as ``python -m aerich_lint.load._runner``, by the sandbox. Reads one JSON request
on stdin ({"path", "sections", "dialect", "sys_path"}) and answers with one JSON line
on its answer pipe. ``upgrade``/``downgrade`` get a stand-in for tortoise's client that
connects nowhere, answers every query with an empty result and records the SQL;
it is an instance of tortoise's client classes for the app's dialect, so that
migrations that branch on the database take the branch the app's database takes.
Each file runs in a fresh sandboxed process (``aerich_lint.sandbox``): the parent
enforces the deadline and kills the process when a file hangs or kills it, so
nothing here needs to be defensive about that.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import traceback
import types
from typing import Any, cast

from aerich_lint.dialects import SPECS
from aerich_lint.errors import describe
from aerich_lint.sandbox.inside import refusal_of

_path = ""

# What migrations check to learn which database they run on: ``db.capabilities.dialect``,
# ``db.schema_generator.DIALECT`` and ``isinstance(db, <client class>)`` with the classes
# of ``tortoise.backends``. Per dialect (its DialectSpec): tortoise's client classes
# (module, name), their schema generators and a few of their capabilities.
_CLIENTS: dict[str, tuple[tuple[str, str], ...]] = {
    s.dialect.value: tuple((c.module, c.client_class) for c in s.tortoise_clients) for s in SPECS
}
_GENERATORS = {c.client_class: c.schema_generator for s in SPECS for c in s.tortoise_clients}
_CAPABILITIES: dict[str, dict[str, bool]] = {
    s.dialect.value: dict(s.tortoise_capabilities) for s in SPECS
}
# What the real constructors are given: they only store it. Should anything try to
# connect all the same, the host is one that never resolves (RFC 2606 .invalid).
_NOWHERE = {"user": "aerich_lint", "password": "", "host": "aerich-lint.invalid", "port": 1}
_CREDENTIALS: dict[str, dict[str, Any]] = {
    s.dialect.value: (
        {"file_path": ":memory:"} if s.serverless else {**_NOWHERE, "database": "aerich_lint"}
    )
    for s in SPECS
}
_CONNECTION_NAME = "default"


class _Transaction:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def __aenter__(self) -> Any:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        return None


def calling_line(path: str) -> int:
    """The line of the migration file (``path``) that the current client call came
    from, looked up from the caller of the client method's caller; 0 if none."""
    frame: types.FrameType | None = sys._getframe(3)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return 0


class _Recording:
    """The stand-in's own part: whatever would reach a server records the SQL and
    answers with an empty result. It is mixed in before tortoise's client class for
    the app's dialect (see ``client_class``), whose attributes and helpers stay."""

    calls: list[dict[str, Any]]

    def __init__(self, dialect: str) -> None:
        self.calls = []
        # (Another tortoise version's constructor may refuse: the class attributes hold.)
        with contextlib.suppress(Exception):
            cast(Any, super()).__init__(
                connection_name=_CONNECTION_NAME, **_CREDENTIALS.get(dialect, {})
            )
        if not isinstance(getattr(self, "connection_name", None), str):
            self.connection_name = _CONNECTION_NAME

    def _record(self, via: str, sql: Any) -> None:
        line = calling_line(_path)
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

    async def execute_query_dict_with_affected(
        self, query: str, values: Any = None
    ) -> tuple[list[dict[str, Any]], int]:
        self._record("execute_query_dict_with_affected", query)
        return [], 0

    async def execute_insert(self, query: str, values: Any = None) -> int:
        self._record("execute_insert", query)
        return 0

    async def execute_many(self, query: str, values: Any = None) -> None:
        self._record("execute_many", query)

    def _in_transaction(self) -> _Transaction:
        return _Transaction(self)

    in_transaction = _in_transaction

    def acquire_connection(self) -> Any:
        raise RuntimeError(
            "acquire_connection() needs a database connection; the linter runs migrations "
            "with a stand-in client that connects nowhere"
        )

    async def create_connection(self, with_db: bool = True) -> None:
        return None

    async def close(self) -> None:
        return None

    async def db_create(self) -> None:
        return None

    async def db_delete(self) -> None:
        return None

    async def create_pool(self, **kwargs: Any) -> None:
        return None

    async def _expire_connections(self) -> None:
        return None

    async def _close(self) -> None:
        return None


_client_classes: dict[str, type] = {}


def client_class(dialect: str) -> type:
    """The stand-in's class for a dialect: a subclass of each tortoise client class of
    that dialect (so that isinstance checks against them hold), with ``_Recording``
    first. Backends whose driver is not installed get a placeholder module, so that
    importing their client class works; without tortoise, the placeholder tortoise
    (``_StubFinder``) provides all of them."""
    found = _client_classes.get(dialect)
    if found is None:
        try:
            bases = _dialect_clients(dialect)
        except Exception:  # a broken tortoise install: the migration's imports say so
            bases = [_placeholders()["BaseDBAsyncClient"]]
        name = bases[0].__name__
        found = type(name, (_Recording, *bases), {"__module__": __name__, "__qualname__": name})
        # (Every abstract method of tortoise's clients is in _Recording.)
        found.__abstractmethods__ = frozenset()  # type: ignore[attr-defined]
        _client_classes[dialect] = found
    return found


def _dialect_clients(dialect: str) -> list[type]:
    if _stubbed:
        names = _placeholders()
        clients = [names[cls] for _, cls in _CLIENTS.get(dialect, ())]
        return clients or [names["BaseDBAsyncClient"]]
    clients = []
    for module_name, class_name in _CLIENTS.get(dialect, ()):
        try:
            clients.append(getattr(importlib.import_module(module_name), class_name))
        except Exception:  # ImportError: the backend's driver is not installed
            clients.append(_missing_backend(dialect, module_name, class_name))
    if not clients:
        from tortoise import BaseDBAsyncClient

        clients.append(BaseDBAsyncClient)
    return clients


def _missing_backend(dialect: str, module_name: str, class_name: str) -> type:
    """A client class for a tortoise backend that cannot be imported (its driver is
    missing here), registered as that backend's module."""
    from tortoise.backends.base.client import BaseDBAsyncClient, Capabilities
    from tortoise.backends.base.schema_generator import BaseSchemaGenerator

    base: type = BaseDBAsyncClient
    if dialect == "postgres":
        try:
            from tortoise.backends.base_postgres.client import BasePostgresClient

            base = BasePostgresClient
        except Exception:
            pass
    generator = type(_GENERATORS[class_name], (BaseSchemaGenerator,), {"DIALECT": dialect})
    namespace: dict[str, Any] = {"__module__": module_name, "schema_generator": generator}
    try:
        namespace["capabilities"] = Capabilities(dialect, **_CAPABILITIES.get(dialect, {}))
    except Exception:
        namespace["capabilities"] = _Capabilities(dialect)
    cls = type(class_name, (base,), namespace)
    for name in (module_name, module_name + ".client"):
        module = types.ModuleType(name)
        setattr(module, class_name, cls)
        module.client_class = cls  # type: ignore[attr-defined]
        sys.modules[name] = module
    parent, _, child = module_name.rpartition(".")
    with contextlib.suppress(Exception):
        setattr(sys.modules[parent], child, sys.modules[module_name])
    return cls


def recording_client(dialect: str) -> Any:
    return client_class(dialect)(dialect)


# --- the placeholder tortoise, when it is not installed ---------------------------------


class _Capabilities:
    """Placeholder for tortoise's ``Capabilities``."""

    def __init__(self, dialect: str, **flags: bool) -> None:
        self.dialect = dialect
        self.daemon = True
        self.requires_limit = False
        self.inline_comment = False
        self.supports_transactions = True
        for name, value in flags.items():
            setattr(self, name, value)


class _PlaceholderClient:
    """Placeholder for tortoise's ``BaseDBAsyncClient``."""

    capabilities: Any = _Capabilities("")
    schema_generator: Any = type("BaseSchemaGenerator", (), {"DIALECT": "sql"})

    def __init__(self, connection_name: str = _CONNECTION_NAME, **kwargs: Any) -> None:
        self.connection_name = connection_name
        self.fetch_inserted = True
        if "file_path" in kwargs:
            self.filename = kwargs.pop("file_path")
        for name, value in kwargs.items():
            setattr(self, name, value)


_placeholder_names: dict[str, Any] = {}


def _placeholders() -> dict[str, Any]:
    """The placeholder tortoise's classes that migrations use to tell the database
    apart, by name: the client classes of each backend and their schema generators."""
    if _placeholder_names:
        return _placeholder_names
    names = _placeholder_names
    base_generator = _PlaceholderClient.schema_generator
    names.update(
        BaseDBAsyncClient=_PlaceholderClient,
        Capabilities=_Capabilities,
        BaseSchemaGenerator=base_generator,
    )
    postgres_generator = type(
        "BasePostgresSchemaGenerator", (base_generator,), {"DIALECT": "postgres"}
    )
    names["BasePostgresSchemaGenerator"] = postgres_generator
    names["BasePostgresClient"] = type(
        "BasePostgresClient",
        (_PlaceholderClient,),
        {
            "capabilities": _Capabilities("postgres", **_CAPABILITIES["postgres"]),
            "schema_generator": postgres_generator,
        },
    )
    for dialect, clients in _CLIENTS.items():
        for _, class_name in clients:
            base = names["BasePostgresClient"] if dialect == "postgres" else _PlaceholderClient
            generator_base = postgres_generator if dialect == "postgres" else base_generator
            generator = type(_GENERATORS[class_name], (generator_base,), {"DIALECT": dialect})
            names[generator.__name__] = generator
            names[class_name] = type(
                class_name,
                (base,),
                {
                    "capabilities": _Capabilities(dialect, **_CAPABILITIES[dialect]),
                    "schema_generator": generator,
                },
            )
    return names


_BACKEND_CLIENTS = {
    module + suffix: name
    for clients in _CLIENTS.values()
    for module, name in clients
    for suffix in ("", ".client")
}
_stubbed = False


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves placeholder ``tortoise`` modules when tortoise is not installed
    (the pre-commit environment has only aerich-lint), so the usual
    ``from tortoise import BaseDBAsyncClient`` still imports. The same name gives the
    same placeholder every time; the client classes are those of ``_placeholders``."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, str], type] = {}

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name == "tortoise" or name.startswith("tortoise."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = functools.partial(self.attribute, spec.name)  # type: ignore[method-assign]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None

    def attribute(self, module: str, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        names = _placeholders()
        if attr == "client_class" and module in _BACKEND_CLIENTS:
            return names[_BACKEND_CLIENTS[module]]
        if attr in names:
            return names[attr]
        key = (module, attr)
        if key not in self.made:
            self.made[key] = type(attr, (), {"__module__": module})
        return self.made[key]


def _install_stub_if_needed() -> None:
    global _stubbed
    if importlib.util.find_spec("tortoise") is None:
        sys.meta_path.append(_StubFinder())
        _stubbed = True


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
    dialect = request.get("dialect") or ""
    try:
        # Before the import: it provides the modules of backends whose driver is
        # missing here, for every dialect (a file may import them all to compare).
        for known in _CLIENTS:
            client_class(known)
        client_class(dialect)
        spec.loader.exec_module(module)
    except BaseException as exc:
        refused = refusal_of(exc)
        if refused:
            result["refused"] = refused
        result["error"] = f"importing the migration raised {_describe(exc)}"
        return result
    run = getattr(module, "RUN_IN_TRANSACTION", True)
    result["run_in_transaction"] = bool(run)
    for name in request["sections"]:
        func = getattr(module, name, None)
        if func is None:
            continue
        client = recording_client(dialect)
        out: dict[str, Any] = {"calls": client.calls}
        result["sections"][name] = out
        returned = _ReturnLine(getattr(func, "__code__", None))
        previous = sys.getprofile()
        sys.setprofile(returned)
        try:
            value = func(client)
            if inspect.isawaitable(value):
                value = asyncio.run(_await(value))
        except BaseException as exc:
            refused = refusal_of(exc)
            if refused:
                result["refused"] = refused
            out["error"] = f"{name}() raised {_describe(exc)}"
            continue
        finally:
            sys.setprofile(previous)
        if returned.line:
            out["return_line"] = returned.line
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


class _ReturnLine:
    """A profile function that notes the line a function's frame was last left from:
    for a function that has returned, its ``return`` statement (the SQL of the branch
    taken is reported there, not at the function's last ``return``)."""

    def __init__(self, code: types.CodeType | None) -> None:
        self.code = code
        self.line = 0

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is self.code:
            self.line = frame.f_lineno


async def _await(value: Any) -> Any:
    return await value


def _describe(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _path]
    where = f" at line {frames[-1].lineno}" if frames else ""
    return describe(exc) + where


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    for extra in reversed(request.get("sys_path", [])):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    try:
        return _run(request)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by the file
        return {"path": request.get("path"), "error": f"executing raised {describe(exc)}"}


def main() -> None:
    from aerich_lint.sandbox.inside import enter, serve

    confined = enter()
    _install_stub_if_needed()
    # Paid once per process, before any project code: each file's child starts here.
    for known in _CLIENTS:
        client_class(known)
    serve(confined, _answer)


if __name__ == "__main__":
    main()
