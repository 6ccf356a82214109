"""Subprocess entry point: run aerich's offline diff on a copy of the migrations.

Run by the sandbox (``aerich_lint.sandbox``) as ``python -m aerich_lint.drift._runner``
with the project root as working directory; reads one JSON request line on stdin
and writes one JSON answer line on the sandbox's answer pipe (stdout is user
code's and aerich's chatter). This is the only place that imports tortoise,
aerich and the user's settings and models, so the ``aerich-lint`` process stays
lean and a hang or a crash in user code costs only this process (the parent
enforces the timeout).

What makes it safe to point at a production configuration, and at files from
strangers:

* drift's audit hook, installed first, refuses every network connection or name
  lookup and every ``sqlite3.connect``, and any write inside the user's
  migrations folders; each attempt is recorded and reported, so a connection
  attempt is an error instead of a hang;
* then the sandbox (``inside.enter``): no environment variables but Python's,
  no network (namespaces where the kernel allows), no subprocesses, no writes
  outside its private folder, no reads of the project's hidden folders, limits
  on memory and CPU time;
* aerich's MODELS_STATE decoder is replaced before aerich reads anything
  (``_decoder``): bounded, and its pickled index entries may name tortoise's
  index classes only; drift refuses to run when the replacement does not hold;
* aerich only ever sees a copy of each migrations folder, in the sandbox's private
  folder, in offline mode (MODELS_STATE of the newest file, no ``aerich`` table),
  and writes the migration it would generate there;
* bytecode is never written; stdin is at its end once the request is read, so a
  prompt nobody expected fails instead of waiting.

aerich's rename prompt ("Rename name to title?") is answered no and recorded:
the SQL is then aerich's ADD + DROP, and the parent reports a possible rename.

Apps with a native ``"migrations"`` package (Tortoise ORM 1.x) are diffed by
tortoise's own autodetector instead (``_native``): the same guard, with their
packages protected from writes; aerich is then needed only for the other apps.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from aerich_lint.drift._decoder import PatchError, UnsafeState, allowed_unpickle, patch_aerich
from aerich_lint.drift._native import diff_native, locate, native_apps
from aerich_lint.load.models_state import ModelsStateError

_BLOCKED_NETWORK = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "sqlite3.connect",
    }
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_FILE_EVENTS = frozenset({"os.mkdir", "os.remove", "os.rmdir", "os.rename", "shutil.rmtree"})
_RENAME = re.compile(r"^\s*\((?P<model>[^)]+)\) Rename (?P<old>\S+) to (?P<new>\S+)\?\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# aerich's debug echo before re-raising NotSupportError: not a message for people
_DEBUG = re.compile(r"^model = .*; field_name = .*; change = ")


class Blocked(PermissionError):
    """Raised by the guard where user code or a driver tries to reach a database."""


class Guard:
    """The audit hook: no network, no sqlite file, no writes to protected folders,
    no unpickling of anything but tortoise's index classes."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.protected: list[str] = []  # resolved folders nothing may write into
        self.unpickle_checked = False  # set once aerich's decoder is patched

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _BLOCKED_NETWORK:
            self._refuse(f"{event}{_short_args(args)}")
        elif event == "pickle.find_class" and self.unpickle_checked and len(args) == 2:
            # whoever unpickles here (aerich by a way not patched, a migration
            # file), only tortoise's index classes resolve
            module, name = str(args[0]), str(args[1])
            if not allowed_unpickle(module, name):
                raise UnsafeState(
                    f"refused to unpickle {module}.{name}: drift unpickles only "
                    "tortoise's index classes, never anything else"
                )
        elif event == "open" and self.protected and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writing = (
                any(c in mode for c in "wax+")
                if isinstance(mode, str)
                else isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
            )
            if writing and self._is_protected(path):
                self._refuse(f"write to {path}")
        elif event in _FILE_EVENTS and self.protected:
            # os.rename's destination counts too: a file moved into the folder is a write
            for path in args[: 2 if event == "os.rename" else 1]:
                if self._is_protected(path):
                    self._refuse(f"{event} {path}")

    def _is_protected(self, path: object) -> bool:
        if not isinstance(path, (str, os.PathLike)):
            return False
        text = os.path.abspath(os.fspath(path))
        if not isinstance(text, str):
            return False
        return any(text == p or text.startswith(p + os.sep) for p in self.protected)

    def _refuse(self, what: str) -> None:
        if what not in self.attempts:
            self.attempts.append(what)
        raise Blocked(f"aerich-lint drift never connects or writes here: blocked {what}")


def _short_args(args: tuple[Any, ...]) -> str:
    shown = [a for a in args[:2] if isinstance(a, (str, int, tuple))]
    return " " + " ".join(repr(a) for a in shown) if shown else ""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (f": {text[0]}" if text else "")


class Failure(Exception):
    """A problem that stops the whole run (exit code 2 in the parent)."""


def _import_config(target: str) -> dict[str, Any]:
    """``module.NAME`` (or ``module.Class.NAME``), resolved the way aerich does."""
    import importlib

    module_name, _, attr = target.rpartition(".")
    if not module_name:
        raise Failure(f"tortoise_orm = {target!r} is not of the form module.NAME")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        outer, _, cls = module_name.rpartition(".")
        if not outer or exc.name not in (module_name, None):
            raise Failure(f"cannot import the Tortoise config {target}: {_one_line(exc)}") from None
        try:
            obj = getattr(importlib.import_module(outer), cls)
        except Exception as inner:
            raise Failure(
                f"cannot import the Tortoise config {target}: {_one_line(inner)}"
            ) from None
    except Exception as exc:
        raise Failure(f"cannot import the Tortoise config {target}: {_one_line(exc)}") from None
    config = getattr(obj, attr, None)
    if not isinstance(config, dict):
        found = "missing" if config is None else f"a {type(config).__name__}"
        raise Failure(f"the Tortoise config {target} is {found}, not a dict")
    if not isinstance(config.get("apps"), dict) or not config["apps"]:
        raise Failure(f"the Tortoise config {target} has no apps")
    return config


def _import_models(config: dict[str, Any]) -> None:
    """Import every app's models modules first: tortoise turns any ImportError raised
    inside one into 'Module "x" not found', hiding the real cause."""
    import importlib

    for app, entry in config["apps"].items():
        modules = entry.get("models", []) if isinstance(entry, dict) else []
        for name in modules if isinstance(modules, (list, tuple)) else [modules]:
            if not isinstance(name, str):
                continue
            try:
                importlib.import_module(name)
            except Blocked:
                raise
            except BaseException as exc:
                raise Failure(
                    f"cannot import the models of app {app} ({name}): {_one_line(exc)}"
                ) from None


def _reset(migrate: Any) -> None:
    """aerich keeps one migration's state in class attributes: empty them per app."""
    for name, value in list(vars(migrate).items()):
        if name.startswith("__"):
            continue
        if isinstance(value, list):
            setattr(migrate, name, [])
        elif isinstance(value, dict):
            setattr(migrate, name, {})
    migrate._last_version_content = None
    migrate._db_version = None


def _jsonable(value: Any) -> Any:
    """Model descriptions as JSON (tortoise Index objects by their describe())."""
    from aerich.coder import JsonEncoder

    class Encoder(JsonEncoder):
        def default(self, o: Any) -> Any:
            try:
                return super().default(o)
            except TypeError:
                return repr(o)

    return json.loads(json.dumps(value, cls=Encoder))


class Prompts:
    """Stands in for asyncclick.prompt: answers aerich's rename question no."""

    def __init__(self) -> None:
        self.renames: list[dict[str, str]] = []

    async def __call__(self, text: str, *args: Any, **kwargs: Any) -> bool:
        match = _RENAME.match(text)
        if match:
            self.renames.append(match.groupdict())
            return False
        raise Failure(f"aerich asked a question drift cannot answer: {' '.join(text.split())}")


def _copy_migrations(source: Path, copied: Path) -> None:
    """The app's migration modules, and nothing else: aerich reads only those (and
    the sandbox lets nothing else in the project be read anyway)."""
    copied.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(".") or entry.suffix != ".py" or not entry.is_file():
            continue
        shutil.copyfile(entry, copied / entry.name)


async def _diff_app(
    config: dict[str, Any],
    app: str,
    source: Path,
    shown: str,
    workdir: Path,
    prompts: Prompts,
) -> dict[str, Any]:
    from aerich.exceptions import NotSupportError
    from aerich.migrate import Migrate
    from aerich.utils import get_models_describe, import_py_module

    answer: dict[str, Any] = {"name": app, "folder": str(source)}
    _reset(Migrate)
    copied = workdir / "migrations" / app
    try:
        _copy_migrations(source, copied)
    except OSError as exc:
        answer["error"] = f"app {app}: cannot copy {shown}: {_one_line(exc)}"
        return answer
    Migrate.app = app
    Migrate.migrate_location = copied
    last = Migrate.get_last_version_module()
    if last is None:
        answer["error"] = (
            f"app {app}: no migration in {shown}: run `aerich --app {app} init-migrations` "
            f"(or `aerich --app {app} init-db`) first"
        )
        return answer
    answer["last"] = last.name + ".py"
    try:
        module = import_py_module(last)
    except Exception as exc:
        answer["error"] = f"app {app}: cannot import {last.name}.py: {_one_line(exc)}"
        return answer
    if not getattr(module, "MODELS_STATE", None):
        answer["error"] = (
            f"app {app}: the newest migration {last.name}.py has no MODELS_STATE, so there is "
            "nothing to compare the models with: run `aerich fix-migrations` (against a database "
            "where every migration is applied) to add it"
        )
        return answer
    try:
        await Migrate.init(config, app, str(workdir / "migrations"), offline=True)
    except ModelsStateError as exc:
        answer["error"] = f"app {app}: {last.name}.py: {exc}"
        return answer
    except Exception as exc:
        answer["error"] = f"app {app}: aerich cannot read {last.name}.py: {_one_line(exc)}"
        return answer
    if Migrate._last_version_content is None:
        answer["error"] = f"app {app}: aerich cannot read the MODELS_STATE of {last.name}.py"
        return answer
    answer["dialect"] = Migrate.dialect
    answer["skip"] = f"{app}.{Migrate._aerich}"
    # as JSON before the diff, which pops entries from these dicts
    answer["old"] = _jsonable(Migrate._last_version_content)
    answer["new"] = _jsonable(get_models_describe(app))
    before = len(prompts.renames)
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter):
            written = await Migrate.migrate("drift", False, no_input=False, offline=True)
    except NotSupportError as exc:
        answer["unsupported"] = str(exc)
        written = None
    except Failure:
        raise
    except ModelsStateError as exc:
        answer["error"] = f"app {app}: {last.name}.py: {exc}"
        return answer
    except Exception as exc:
        answer["error"] = f"app {app}: aerich's diff failed: {_one_line(exc)}"
        return answer
    answer["renames"] = prompts.renames[before:]
    answer["notes"] = [
        line
        for line in (_ANSI.sub("", raw).strip() for raw in chatter.getvalue().splitlines())
        if line and not _RENAME.match(line) and not _DEBUG.match(line)
    ]
    answer["drifted"] = bool(written) or "unsupported" in answer
    if written:
        answer["sql"] = [s.strip() for s in Migrate.upgrade_operators]
        answer["downgrade_sql"] = [s.strip() for s in Migrate.downgrade_operators]
    return answer


async def _run(request: dict[str, Any], guard: Guard, workdir: Path) -> dict[str, Any]:
    root = Path(request["root"])
    for path in reversed(request["paths"]):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        import tortoise
        from tortoise import Tortoise
    except ImportError as exc:
        raise Failure(
            f"drift needs tortoise-orm installed next to aerich-lint ({sys.executable}): "
            f"{_one_line(exc)}"
        ) from None
    aerich: Any = None  # None: not installed, fine while every app is a native one
    Migrate: Any = None
    missing = ""
    try:
        import aerich
    except ImportError as exc:
        missing = _one_line(exc)
    else:
        from aerich.migrate import Migrate

        if "offline" not in inspect.signature(Migrate.init).parameters:
            raise Failure(
                f"drift needs aerich 0.9 or newer (offline migrate); found {aerich.__version__}"
            )
        try:
            patch_aerich()  # before any MODELS_STATE is read, and before user code runs
        except PatchError as exc:
            raise Failure(str(exc)) from None
    guard.unpickle_checked = True
    result: dict[str, Any] = {"tortoise": getattr(tortoise, "__version__", "?")}
    if aerich is not None:
        result["aerich"] = aerich.__version__
    target = request["tortoise_orm"]
    config = _import_config(target)
    apps = list(config["apps"])
    wanted = request.get("apps") or apps
    unknown = [a for a in wanted if a not in apps]
    if unknown:
        raise Failure(f"no app {unknown[0]!r} in {target} (its apps: {', '.join(apps)})")
    native = native_apps(config)
    classic = [app for app in wanted if app not in native]
    if classic and aerich is None:
        raise Failure(
            f"drift needs aerich installed next to aerich-lint ({sys.executable}) for app "
            f'{classic[0]}, which has no native "migrations" package: {missing}'
        )
    if classic:
        try:
            from aerich.cli import _check_aerich_models_included

            _check_aerich_models_included(config)  # as `aerich migrate` does
        except ImportError:
            pass
        except Exception as exc:
            raise Failure(f"{target}: {exc}") from None
    location = request["location"]
    sources = {app: (root / Migrate.get_migration_dir(location, app)).resolve() for app in classic}
    packages = {app: locate(native[app]) for app in native}
    protected = {str(p) for p in sources.values()} | {str(p) for p in packages.values() if p}
    guard.protected = sorted(protected)
    _import_models(config)
    try:
        await Tortoise.init(config=config)
    except Blocked:
        raise
    except Exception as exc:
        raise Failure(f"Tortoise cannot load {target}: {_one_line(exc)}") from None
    native_answers: dict[str, dict[str, Any]] = {}
    if any(app in native for app in wanted):
        native_answers = await diff_native(
            config,
            [app for app in wanted if app in native],
            packages,
            lambda app: _shown_package(native[app], packages[app], root),
        )
    prompts = Prompts()
    if classic:
        import asyncclick

        asyncclick.prompt = prompts
    answers = []
    for app in wanted:
        if app in native_answers:
            answers.append(native_answers[app])
            continue
        # as configured ("migrations/models"): what the user recognises
        shown = Migrate.get_migration_dir(location, app).as_posix()
        if not sources[app].is_dir():
            answers.append(
                {
                    "name": app,
                    "folder": str(sources[app]),
                    "error": (
                        f"app {app}: migrations folder {shown} does not exist: run "
                        f"`aerich --app {app} init-migrations` (or `aerich --app {app} init-db`)"
                    ),
                }
            )
            continue
        answers.append(await _diff_app(config, app, sources[app], shown, workdir, prompts))
    result["apps"] = answers
    return result


def _shown_package(module: str, folder: Path | None, root: Path) -> str:
    """A migrations package as the user knows it: its folder below the project, or its name."""
    if folder is not None:
        try:
            return folder.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return module


def _handle(request: dict[str, Any], guard: Guard) -> dict[str, Any]:
    """One request (in the sandbox, maybe in a child forked for it): the answer."""
    # stdin is /dev/null from here on, so a prompt nobody expected fails at once
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    # Renames are answered no, so the MySQL version (RENAME COLUMN or CHANGE) never
    # matters; setting it spares the warning aerich prints without it.
    os.environ.setdefault("AERICH_MYSQL_VERSION", "8.0")
    result: dict[str, Any]
    try:
        # the work copy lives in the sandbox's private folder, the only writable one
        workdir = Path(tempfile.mkdtemp(prefix="drift-", dir=os.environ.get("TMPDIR")))
        result = asyncio.run(_run(request, guard, workdir))
    except Failure as exc:
        result = {"error": str(exc)}
    except Blocked:
        result = {}
    except Exception as exc:
        result = {"error": f"drift failed: {_one_line(exc)}"}
    result["blocked"] = guard.attempts
    return result


def main() -> int:
    # drift's guard first: it sees each connection attempt before the sandbox's
    # refusal would hide it, and records it for the report
    guard = Guard()
    sys.addaudithook(guard)
    sys.dont_write_bytecode = True
    from aerich_lint.sandbox.inside import enter, serve

    serve(enter(), lambda request: _handle(request, guard))
    return 0


if __name__ == "__main__":
    sys.exit(main())
