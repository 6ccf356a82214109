"""Sandboxed entry point: import the Tortoise config that Aerich's config names and
say which database each app uses (never connecting to it).

Run as ``python -m aerich_lint.load._settings_runner`` by the sandbox; reads
{"target", "sys_path"} on stdin and answers {"apps", "default", "imported"} (the
project's modules importing it took) or {"error"}.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from aerich_lint.errors import describe
from aerich_lint.load._project_files import project_files


def _scheme(conn: Any) -> str:
    if isinstance(conn, str):
        return conn.split("://", 1)[0]
    if isinstance(conn, dict):
        engine = conn.get("engine", "")
        return engine if isinstance(engine, str) else ""
    return ""


def _read(target: str) -> dict[str, Any]:
    module_name, _, attr = target.rpartition(".")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, dict):
        raise TypeError(f"{target} is not a dict")
    conns = obj.get("connections") or {}
    apps = {
        str(name): _scheme(conns.get(app.get("default_connection", "default"), ""))
        for name, app in (obj.get("apps") or {}).items()
        if isinstance(app, dict)
    }
    default = _scheme(next(iter(conns.values()))) if len(conns) == 1 else ""
    return {"apps": apps, "default": default}


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    paths = [str(p) for p in request.get("sys_path", [])]
    sys.path[:0] = paths
    try:
        answer = _read(str(request.get("target", "")))
    except BaseException as exc:  # whatever the settings raise, SystemExit included
        return {"error": describe(exc)}
    answer["imported"] = project_files(paths)
    return answer


def main() -> None:
    from aerich_lint.sandbox.inside import enter, serve

    serve(enter(), _answer)


if __name__ == "__main__":
    main()
