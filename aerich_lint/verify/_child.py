"""verify's sandboxed child: import one migration, run its upgrade()/downgrade().

Run as ``python -m aerich_lint.verify._child`` by ``verify.execute``, confined by
``aerich_lint.sandbox`` (no network, no credentials, limits, killed at the deadline).
The migration's Python runs here, never in verify's own process. The client it is
given holds no connection: each query it sends (``execute_script``,
``execute_query``, ...) goes to verify as one JSON line and waits for verify's
answer; verify vets it, runs it on the scratch database inside the migration's
transaction and sends the rows back (``wire.py`` says what Python values they
become). The client is an instance of tortoise's client classes of the server's
dialect (``load._runner.client_class``), so that ``isinstance`` checks hold.

JSON lines; verify writes on stdin, the child on its answer pipe:

- ``{"dialect", "sys_path"}`` first, at start: the child imports tortoise meanwhile;
- ``{"path", "deadline"}``: import the file; ``{"imported", "run_in_transaction"}``
  or ``{"error", "line"}``; then calls, until ``{"close"}``: the child ends (where
  the sandbox has a PID namespace, a forked child per file, and ``{"closed": exit
  status}`` once it has ended, or when it dies, see ``_serve``);
- ``{"path", "native": {"config", "dialect"}, "deadline"}`` instead: a Tortoise ORM
  native migration, loaded with the project's config (``_native_child``); its calls
  are ``{"call": "runpython", "operation", "direction", "deadline"}``;
- ``{"call": "upgrade", "deadline"}``: any number of ``{"query": {"via", "sql",
  "values", "line"}}``, each answered by ``{"result": ...}`` or ``{"error",
  "exception"}``, then ``{"done", "returned"}`` (or ``"type"``: not a str) or
  ``{"error", "line"}``.

``os._exit`` raises here instead, so that the line that called it can be reported;
faulthandler writes the stack to the answer pipe when the section passes its
deadline or the process dies of a fatal signal (verify reads the line from it).
"""

from __future__ import annotations

import asyncio
import faulthandler
import importlib.util
import inspect
import json
import os
import sys
import traceback
from typing import IO, Any

from aerich_lint.errors import describe
from aerich_lint.load._runner import calling_line
from aerich_lint.verify import wire

_state: dict[str, Any] = {"path": "", "dialect": ""}


class _Exited(BaseException):
    """What ``os._exit`` raises in the child."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Gone(BaseException):
    """verify closed the pipe: stop at once."""


def _exit(code: int = 0) -> None:
    raise _Exited(code)


class _Link:
    """The two pipes to verify."""

    def __init__(self, answers: IO[str]) -> None:
        self.answers = answers

    def send(self, obj: dict[str, Any]) -> None:
        self.answers.write(json.dumps(obj) + "\n")
        self.answers.flush()

    def receive(self) -> dict[str, Any]:
        line = sys.stdin.readline()
        if not line:
            raise _Gone
        data = json.loads(line)
        return data if isinstance(data, dict) else {}


_link: _Link | None = None


def _forward(via: str, sql: Any, values: Any) -> Any:
    assert _link is not None
    _link.send(
        {
            "query": {
                "via": via,
                "sql": sql if isinstance(sql, str) else str(sql),
                "values": wire.encode(values) if values is not None else None,
                "line": calling_line(_state["path"]),
            }
        }
    )
    answer = _link.receive()
    if "error" in answer:
        raise _exception(str(answer.get("exception") or ""), str(answer["error"]))
    return answer.get("result")


def _exception(name: str, message: str) -> BaseException:
    """The tortoise exception the real client raises (OperationalError by default)."""
    try:
        from tortoise import exceptions
    except ImportError:
        return RuntimeError(message)
    cls = getattr(exceptions, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = exceptions.OperationalError
    return cls(message)


class Record:
    """A row as asyncpg and sqlite3 give it: by position and by column name."""

    def __init__(self, columns: list[str], values: list[Any]) -> None:
        self._columns = columns
        self._values = values

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, (int, slice)):
            return self._values[key]
        return self._values[self._columns.index(key)]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Any:
        return iter(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._columns

    def keys(self) -> list[str]:
        return list(self._columns)

    def values(self) -> list[Any]:
        return list(self._values)

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self._columns, self._values, strict=False))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._columns else default

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self.items() == other.items()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = " ".join(f"{k}={v!r}" for k, v in self.items())
        return f"<Record {inner}>"


def _rows(result: Any, as_dicts: bool) -> list[Any]:
    data = result if isinstance(result, dict) else {}
    columns = [str(c) for c in data.get("columns") or []]
    out: list[Any] = []
    for raw in data.get("rows") or []:
        values = [wire.decode(v) for v in raw]
        if as_dicts or _state["dialect"] == "mysql":
            out.append(dict(zip(columns, values, strict=False)))
        else:
            out.append(Record(columns, values))
    return out


_classes: dict[str, type] = {}


def _forwarding_class(dialect: str) -> type:
    """The client migrations get: tortoise's classes of the dialect (through
    ``load._runner``'s stand-in), with every query sent to verify."""
    if dialect in _classes:
        return _classes[dialect]
    from aerich_lint.load._runner import client_class

    base: Any = client_class(dialect)

    class Forwarding(base):  # type: ignore[misc]
        async def execute_script(self, query: str) -> None:
            _forward("execute_script", query, None)

        async def execute_query(self, query: str, values: Any = None) -> tuple[int, list[Any]]:
            result = _forward("execute_query", query, values)
            return int((result or {}).get("count") or 0), _rows(result, as_dicts=False)

        async def execute_query_dict(self, query: str, values: Any = None) -> list[Any]:
            return _rows(_forward("execute_query_dict", query, values), as_dicts=True)

        async def execute_query_dict_with_affected(
            self, query: str, values: Any = None
        ) -> tuple[list[Any], int]:
            result = _forward("execute_query_dict_with_affected", query, values)
            return _rows(result, as_dicts=True), int((result or {}).get("count") or 0)

        async def execute_insert(self, query: str, values: Any = None) -> Any:
            result = _forward("execute_insert", query, values) or {}
            if "record" in result:
                found = _rows(result["record"], as_dicts=False)
                return found[0] if found else None
            return wire.decode(result.get("value"))

        async def execute_many(self, query: str, values: Any = None) -> None:
            _forward("execute_many", query, values)

        def _check_loop(self) -> bool:
            return True  # (no pool: any event loop will do)

        def acquire_connection(self) -> Any:
            raise RuntimeError(
                "acquire_connection() gives the driver's own connection: verify runs the "
                "migration's Python in a sandbox without one (use execute_query and the like)"
            )

    Forwarding.__name__ = Forwarding.__qualname__ = base.__name__
    _classes[dialect] = Forwarding
    return Forwarding


def _line_of(exc: BaseException) -> int:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _state["path"]]
    return (frames[-1].lineno or 0) if frames else 0


def _failure(exc: BaseException, what: str) -> dict[str, Any]:
    """``what``: "importing the file" or "upgrade()"."""
    if isinstance(exc, _Exited):
        return {"error": f"{what} called os._exit({exc.code})", "line": _line_of(exc)}
    from aerich_lint.sandbox.inside import refusal_of

    failure = {"error": f"{what} raised {describe(exc)}", "line": _line_of(exc)}
    refused = refusal_of(exc)
    if refused:
        failure["sandbox"] = refused  # not the file's fault: reported as not-executed
    return failure


def _arm(request: dict[str, Any], answers: IO[str]) -> None:
    deadline = request.get("deadline")
    if isinstance(deadline, (int, float)) and deadline > 0:
        faulthandler.dump_traceback_later(deadline, file=answers)


def _import(request: dict[str, Any], answers: IO[str]) -> tuple[Any, dict[str, Any]]:
    path = os.path.abspath(str(request.get("path") or ""))
    _state["path"] = path
    spec = importlib.util.spec_from_file_location(f"_aerich_lint_verify_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        return None, {"error": "cannot import the file", "line": 1}
    module = importlib.util.module_from_spec(spec)
    _arm(request, answers)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # SystemExit too: the file's, not ours
        if isinstance(exc, _Gone):
            raise
        return None, _failure(exc, "importing the file")
    finally:
        faulthandler.cancel_dump_traceback_later()
    run = bool(getattr(module, "RUN_IN_TRANSACTION", True))
    return module, {"imported": True, "run_in_transaction": run}


def _call(module: Any, request: dict[str, Any], answers: IO[str]) -> dict[str, Any]:
    section = str(request.get("call"))
    func = getattr(module, section, None)
    if func is None:
        return {"done": True, "returned": None}
    client = _forwarding_class(_state["dialect"])(_state["dialect"])
    _arm(request, answers)
    try:
        value = func(client)
        if inspect.isawaitable(value):
            value = asyncio.run(_await(value))
    except BaseException as exc:
        if isinstance(exc, _Gone):
            raise
        return _failure(exc, f"{section}()")
    finally:
        faulthandler.cancel_dump_traceback_later()
    if value is None or isinstance(value, str):
        return {"done": True, "returned": value}
    return {"done": True, "type": type(value).__name__}


async def _await(value: Any) -> Any:
    return await value


def _open_native(request: dict[str, Any], answers: IO[str]) -> tuple[Any, dict[str, Any]]:
    """A native migration: loaded with the project's config by tortoise's loader, its
    state replayed up to it (``_native_child``)."""
    from aerich_lint.verify import _native_child

    path = os.path.abspath(str(request.get("path") or ""))
    _state["path"] = path
    client = _forwarding_class(_state["dialect"])(_state["dialect"])
    _arm(request, answers)
    try:
        native, why = _native_child.open_native(path, dict(request.get("native") or {}), client)
    except BaseException as exc:
        if isinstance(exc, _Gone):
            raise
        return None, _failure(exc, "loading the migrations with the project's config")
    finally:
        faulthandler.cancel_dump_traceback_later()
    if native is None:
        return None, {"error": f"verify cannot run its RunPython code: {why}", "line": 1}
    _state["path"] = native.path
    return native, {"imported": True, "run_in_transaction": bool(native.migration.atomic)}


def _run_python(native: Any, request: dict[str, Any], answers: IO[str]) -> dict[str, Any]:
    from aerich_lint.verify import _native_child

    what = "reverse_code" if request.get("direction") == "backward" else "code"
    _arm(request, answers)
    try:
        asyncio.run(_native_child.run_python(native, request))
    except BaseException as exc:
        if isinstance(exc, _Gone):
            raise
        return _failure(exc, f"its RunPython {what}")
    finally:
        faulthandler.cancel_dump_traceback_later()
    return {"done": True, "returned": None}


def _session(first: dict[str, Any], answers: IO[str]) -> None:
    """One migration file: import it, then call its sections until verify says
    ``close`` (or closes the pipe). A native migration (``native`` in the request):
    load it with the project's config, then run the RunPython operations asked for."""
    assert _link is not None
    native = "native" in first
    module, answer = _open_native(first, answers) if native else _import(first, answers)
    _link.send(answer)
    while True:
        request = _link.receive()
        if "call" not in request:
            return
        if module is None:
            _link.send({"error": "the file could not be imported", "line": 1})
        elif native:
            _link.send(_run_python(module, request, answers))
        else:
            _link.send(_call(module, request, answers))


def _serve(answers: IO[str]) -> None:
    """Where the sandbox has a PID namespace: one process, tortoise imported once,
    forks a child per file (from the state before any project code ran), and kills
    whatever that child left before the next one starts. ``{"closed": code}`` ends
    each file: the child's exit status, negative for a signal."""
    from aerich_lint.sandbox.inside import reap_all, serving

    assert _link is not None
    serving()
    while True:
        request = _link.receive()
        if "path" not in request:
            return
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _session(request, answers)
            except _Gone:
                pass
            except BaseException:
                code = 70
            finally:
                answers.flush()
                _real_exit(code)
        _pid, status = os.waitpid(pid, 0)
        reap_all()  # whatever the file left running
        _link.send({"closed": os.waitstatus_to_exitcode(status)})


_real_exit = os._exit


def main() -> None:
    global _link
    from aerich_lint.sandbox.inside import enter

    confined = enter()
    answers: IO[str] = confined.answers
    _link = _Link(answers)
    os._exit = _exit  # type: ignore[assignment]
    faulthandler.enable(file=answers)
    try:
        setup = _link.receive()
        for extra in reversed([str(p) for p in setup.get("sys_path") or []]):
            if extra not in sys.path:
                sys.path.insert(0, extra)
        _state["dialect"] = str(setup.get("dialect") or "")
        from aerich_lint.load import _runner

        _runner._install_stub_if_needed()
        _forwarding_class(_state["dialect"])  # tortoise's imports, before any request
        if getattr(confined, "reusable", False):
            _serve(answers)
            return
        request = _link.receive()
        if "path" in request:
            _session(request, answers)
    except _Gone:
        return


if __name__ == "__main__":
    main()
