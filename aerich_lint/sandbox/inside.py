"""The child's half of the sandbox: confine this process before project code runs.

``enter()`` is the first thing a sandboxed entry point calls. It sets the limits,
leaves the network (and, where it can, the PID space) of the machine, installs the
audit hook and returns the pipe to answer on. Everything is irreversible from inside:
hard limits only go down, namespaces are not left, audit hooks cannot be removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import IO, Any

from aerich_lint.sandbox import ENV_REQUEST

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNS = 0x00020000
_MS_RDONLY = 1
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1

# Audit events refused outright: processes, signals, native code, the network.
_REFUSED = frozenset(
    {
        "os.system",
        "os.exec",
        "os.spawn",
        "os.posix_spawn",
        "os.fork",
        "os.forkpty",
        "subprocess.Popen",
        "pty.spawn",
        "os.kill",
        "os.killpg",
        "signal.pthread_kill",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.addressof",
        "ctypes.cdata",
        "ctypes.call_function",
        "socket.connect",
        "socket.bind",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
        "sqlite3.enable_load_extension",
        "sqlite3.load_extension",
        "webbrowser.open",
        "winreg.OpenKey",
        "_winapi.CreateProcess",
    }
)
# Events that change the file system: allowed inside the private folder only.
_WRITES = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.mkdir",
        "os.chmod",
        "os.chown",
        "os.link",
        "os.symlink",
        "os.truncate",
        "os.utime",
        "os.chflags",
        "os.lchflags",
        "os.mkfifo",
        "os.mknod",
        "shutil.rmtree",
    }
)
# Inside the project, what project code may read: its code and SQL files anywhere, data
# files (what data migrations load) below the top folder, where CI steps leave
# credentials (gha-creds-*.json) and the project its secrets (.env: hidden anyway).
_PROJECT_SUFFIXES = (".py", ".pyi", ".pyc", ".pth", ".so", ".pyd", ".sql", ".typed")
_DATA_SUFFIXES = (".json", ".csv", ".tsv", ".yaml", ".yml", ".toml", ".txt", ".xml")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class SandboxRefusal(PermissionError):
    """What project code gets for something the sandbox does not allow."""


def refusal_of(exc: BaseException) -> str:
    """The sandbox's refusal behind an exception, if that is what stopped the file:
    then the file is not at fault, the sandbox is (reported as not-executed)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, SandboxRefusal):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return ""


class Confined:
    """What ``enter`` set up: the answer pipe and what holds this process."""

    def __init__(self, answers: IO[str], description: str, reusable: bool) -> None:
        self.answers = answers
        self.description = description
        # Only inside a PID namespace can every trace of one file be killed before the
        # next one (kill(-1) from its PID 1): then one process serves many files,
        # each in a child forked from the state before any project code ran.
        self.reusable = reusable


def enter() -> Confined:
    """Confine this process before any project code is imported."""
    settings: dict[str, Any] = json.loads(os.environ.pop(ENV_REQUEST, "{}") or "{}")
    sys.dont_write_bytecode = True
    answers = os.fdopen(int(settings["answer_fd"]), "w", encoding="utf-8")
    os.set_inheritable(answers.fileno(), False)
    # Whatever project code prints goes to stderr (thrown away), never the answers.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    held = _limits(settings)
    tmp = os.path.realpath(str(settings["tmp"]))
    roots = [str(r) for r in settings.get("read_roots", [])]
    pid_namespace = False
    if not settings.get("network"):
        found, pid_namespace = _namespaces()
        held[:0] = found
        if found and found[0].startswith("user"):
            hidden = _hide([*roots, str(settings.get("home") or "")], tmp)
            if hidden:
                held.insert(1, f"{hidden} hidden files and folders masked")
    guard = _Guard(tmp, roots, network=bool(settings.get("network")))
    sys.addaudithook(guard)
    held.append("audit hooks")
    description = ", ".join(held)
    answers.write(json.dumps({"sandbox": description, "reusable": pid_namespace}) + "\n")
    answers.flush()
    return Confined(answers, description, pid_namespace)


def serve(confined: Confined, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Answer each request line on stdin with ``handle``'s JSON: in a child forked per
    request when the process is reusable, else the first request only, here."""
    if not confined.reusable:
        line = sys.stdin.readline()
        _answer(confined.answers, _handled(handle, line))
        return
    _forking[0] = os.getpid()
    for line in sys.stdin:
        if not line.strip():
            continue
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            confined.answers.close()
            _forking[0] = -1
            with os.fdopen(write, "w", encoding="utf-8") as own:
                _answer(own, _handled(handle, line))
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "r", encoding="utf-8", errors="replace") as own:
            answer = own.readline()
        _pid, status = os.waitpid(pid, 0)
        reap_all()
        if not answer.strip():
            code = os.waitstatus_to_exitcode(status)
            answer = json.dumps({"died": code}) + "\n"
        confined.answers.write(answer if answer.endswith("\n") else answer + "\n")
        confined.answers.flush()


def _handled(handle: Callable[[dict[str, Any]], dict[str, Any]], line: str) -> dict[str, Any]:
    try:
        request = json.loads(line) if line.strip() else {}
    except ValueError:
        request = {}
    return handle(request if isinstance(request, dict) else {})


def _answer(out: IO[str], answer: dict[str, Any]) -> None:
    out.write(json.dumps(answer) + "\n")
    out.flush()


_forking = [0]  # the PID allowed to fork (the serving process), 0: none


def reap_all() -> None:
    """Kill and reap whatever a file's child left running, before the next file:
    from PID 1 of the namespace, ``kill(-1)`` reaches every other process in it."""
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, 0)[0] > 0:
            pass


def serving() -> None:
    """Make this process the serving one, as ``serve`` does, for an entry point that
    runs its own loop of forked children (verify's ``_child``, whose requests take
    several lines each way). Only where ``Confined.reusable``; its children may not
    fork or kill."""
    _forking[0] = os.getpid()


def _limits(settings: dict[str, Any]) -> list[str]:
    try:
        import resource
    except ImportError:  # not on Windows
        return []
    wanted = (
        (resource.RLIMIT_AS, int(settings.get("memory", 0))),
        (resource.RLIMIT_CPU, int(settings.get("cpu", 0))),
        (resource.RLIMIT_FSIZE, int(settings.get("file_size", 0))),
    )
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for which, value in wanted:
        if value <= 0:
            continue  # not asked for
        try:
            _soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY and value > hard:
                value = hard
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            continue
    held = []
    if int(settings.get("memory", 0)) > 0:
        held.append(f"memory {int(settings['memory']) // (1024 * 1024)} MiB")
    if int(settings.get("cpu", 0)) > 0:
        held.append(f"CPU {int(settings['cpu'])} s")
    return held


def _namespaces() -> tuple[list[str], bool]:
    """Leave the machine's network, mounts and PID space (Linux); (what held, whether a
    PID namespace did)."""
    if not sys.platform.startswith("linux"):
        return [], False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return [], False
    held: list[str] = []
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWPID) == 0:
        held = ["user, mount, network and PID namespaces"]
    elif libc.unshare(_CLONE_NEWNET | _CLONE_NEWPID) == 0:  # root without user namespaces
        held = ["network and PID namespaces"]
    elif libc.unshare(_CLONE_NEWNET) == 0:
        return ["network namespace"], False
    else:
        return [], False
    # A new PID namespace takes effect for children: the work goes on in the first one
    # (its PID 1); when it ends, the kernel kills everything it started. This process
    # only waits and passes its exit status on.
    pid = os.fork()
    if pid:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _pid, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code < 0:  # die of the same signal, so that the parent sees which
            with contextlib.suppress(OSError, ValueError):
                signal.signal(-code, signal.SIG_DFL)
                os.kill(os.getpid(), -code)
        os._exit(code if code >= 0 else 128 - code)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 0 and os.getpid() != 1:  # the waiter is already gone
        os._exit(1)
    return held, True


def _hide(folders: list[str], tmp: str) -> int:
    """Mask the hidden entries (``.git`` with the checkout's token, ``.env``, ``.ssh``,
    ``.aws``, ...) at the top of the project's folders and of HOME, in this mount
    namespace: an empty folder over each folder, /dev/null over each file. Entries
    holding what Python needs (a virtual environment, pyenv) stay."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return 0
    if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return 0
    needed = [os.path.realpath(p) + os.sep for p in {*_interpreter(), tmp, *sys.path} if p]
    count = 0
    for folder in dict.fromkeys(f for f in folders if f):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith("."):
                continue
            full = os.path.realpath(entry.path)
            if any(n.startswith(full + os.sep) or n == full + os.sep for n in needed):
                continue
            target = os.fsencode(entry.path)
            if entry.is_dir():
                done = libc.mount(b"tmpfs", target, b"tmpfs", _MS_RDONLY, b"size=4k")
            else:
                done = libc.mount(b"/dev/null", target, None, _MS_BIND, None)
            count += done == 0
    return count


class _Guard:
    """The audit hook: refuse what a migration never needs, with a clear message."""

    def __init__(self, tmp: str, read_roots: list[str], network: bool) -> None:
        self.tmp = tmp
        self.network = network
        self.system = tuple(
            os.path.realpath(p) + os.sep for p in {*_interpreter(), *_system_paths(read_roots)}
        )
        self.project = tuple(os.path.realpath(r) + os.sep for r in read_roots)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _REFUSED:
            if self.network and event.startswith("socket."):
                return
            if event in ("os.fork", "os.kill") and _forking[0] == os.getpid():
                return  # the serving process: a child per file, and the clean-up after it
            raise SandboxRefusal(f"the sandbox refuses {event}")
        if event == "open":
            self._open(args)
        elif event in _WRITES:
            for arg in args:
                if isinstance(arg, (str, bytes, os.PathLike)) and not self._private(arg):
                    raise SandboxRefusal(f"the sandbox refuses {event} outside its folder")
        elif event == "sqlite3.connect":
            database = args[0] if args else ""
            if database not in (":memory:", b":memory:", "") and not self._private(database):
                raise SandboxRefusal("the sandbox refuses sqlite3.connect to a file")

    def _private(self, path: Any) -> bool:
        try:
            full = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return full == self.tmp or full.startswith(self.tmp + os.sep) or full == os.devnull

    def _open(self, args: tuple[Any, ...]) -> None:
        path = args[0] if args else None
        if path is None or isinstance(path, int):
            return  # an already open descriptor
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
            flags & _WRITE_FLAGS
        )
        if self._private(path):
            return
        if writing:
            raise SandboxRefusal("the sandbox refuses writing files")
        full = os.path.realpath(os.fsdecode(path))
        if not self._readable(full):
            raise SandboxRefusal(f"the sandbox refuses reading {full}")

    def _readable(self, full: str) -> bool:
        inside = [r for r in self.project if (full + os.sep).startswith(r)]
        if inside:
            # A virtual environment in the project is the interpreter's, whole.
            if any(p.startswith(inside[0]) and full.startswith(p) for p in self.system):
                return True
            rest = full[len(inside[0]) :]
            if any(part.startswith(".") for part in rest.split(os.sep)):
                return False  # .git (the checkout's token), .env and the like
            if full.endswith(_PROJECT_SUFFIXES) or os.path.isdir(full):
                return True
            return os.sep in rest and full.lower().endswith(_DATA_SUFFIXES)
        if any(full.startswith(p) for p in self.system):
            return True  # the interpreter and its packages
        return full in ("/dev/null", "/dev/urandom", "/etc/localtime") or full.startswith(
            "/usr/share/zoneinfo/"
        )


def _interpreter() -> list[str]:
    """What Python and aerich-lint need whole: the interpreter's prefixes and
    aerich-lint's own package."""
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    return [*prefixes, os.path.dirname(os.path.dirname(os.path.realpath(__file__)))]


def _system_paths(project_roots: list[str]) -> list[str]:
    """What is readable whole besides: sys.path entries that are neither in the
    project nor above it (site-packages, the stdlib)."""
    roots = [os.path.realpath(r) + os.sep for r in project_roots]
    found = []
    for entry in sys.path:
        if not entry:
            continue
        full = os.path.realpath(entry) + os.sep
        if any(full.startswith(r) or r.startswith(full) for r in roots):
            continue
        found.append(full.rstrip(os.sep))
    return found
