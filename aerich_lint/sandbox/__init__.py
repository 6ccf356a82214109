"""Run project code (migrations, the settings module) in a child that cannot harm the run.

The files come from whoever opened the pull request. Each piece of project code runs
in a fresh child process of its own, so one file cannot touch another's results, and
the child is confined before any of it is imported (``inside.enter``):

- an environment reduced to what Python needs: no tokens, cloud credentials or CI
  variables; HOME and TMPDIR are a private temporary folder, removed afterwards;
- no network: on Linux a new user and network namespace (only a loopback that is
  down), where the kernel allows it; everywhere, audit hooks that refuse sockets,
  name lookups, subprocesses, ``os.system``, ``exec*``, ``fork``, signals to other
  processes, ctypes, and writes outside the private folder; reads are limited to
  the interpreter, its packages and the project's source and SQL files (never its
  hidden folders, so not ``.git`` with the checkout's token);
- a PID namespace where allowed, so nothing it starts outlives it; limits on
  memory, CPU time and file size; the whole process group is killed at the
  deadline and after the answer.

What the child says is read from a pipe of its own (stdout is sent to stderr, and
stderr is thrown away), one JSON object per line.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# What the child keeps of the environment: locale and time zone (they change how text
# and times are read), and the Windows variables without which Python cannot start.
_KEEP = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "SYSTEMROOT", "COMSPEC")
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space, bytes
FILE_LIMIT = 64 * 1024 * 1024  # largest file it may write, bytes
LINE_LIMIT = 256 * 1024 * 1024  # longest answer line read (a longer one kills the child)
ENV_REQUEST = "AERICH_LINT_SANDBOX"


@dataclass
class Answer:
    """The child's last JSON line, or why there is none."""

    data: dict[str, Any] | None = None
    error: str | None = None  # set when data is None
    sandbox: str = ""  # what confined it, as the child reported


class Sandbox:
    """One child process running ``python -m <module>`` confined; talks JSON lines.

    ``send`` writes one object to the child's stdin; ``receive`` waits for the next
    line the child writes on its answer pipe. ``close`` kills what is left of it."""

    def __init__(
        self,
        module: str,
        *,
        cwd: Path,
        read_roots: list[str],
        cpu_seconds: float,
        network: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.tmp = tempfile.mkdtemp(prefix="aerich_lint_sandbox_")
        self.description = ""
        self.reusable = False  # the child serves many requests (see inside.serve)
        read, write = os.pipe()
        settings = {
            "answer_fd": write,
            "tmp": self.tmp,
            "network": network,
            "read_roots": [str(Path(p).resolve()) for p in read_roots],
            "memory": MEMORY_LIMIT,
            "cpu": max(1, int(cpu_seconds) + 1),
            "file_size": FILE_LIMIT,
            "home": os.path.expanduser("~"),
        }
        env = {name: os.environ[name] for name in _KEEP if name in os.environ}
        env.update(
            HOME=self.tmp,
            TMPDIR=self.tmp,
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONIOENCODING="utf-8",
            PYTHONPATH=str(Path(__file__).resolve().parents[2]),
            **(extra_env or {}),
        )
        env[ENV_REQUEST] = json.dumps(settings)
        try:
            self.proc: subprocess.Popen[str] | None = subprocess.Popen(
                [sys.executable, "-s", "-m", module],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=cwd,
                env=env,
                text=True,
                encoding="utf-8",
                pass_fds=(write,),
                start_new_session=True,
            )
        except OSError:
            self.proc = None
        finally:
            os.close(write)
        self._answers: IO[str] = os.fdopen(read, "r", encoding="utf-8", errors="replace")
        self.lines: queue.Queue[str | None] = queue.Queue()
        # The last lines that were not answers (e.g. what faulthandler wrote).
        self.other: collections.deque[str] = collections.deque(maxlen=200)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while line := self._answers.readline(LINE_LIMIT):
                if len(line) >= LINE_LIMIT and not line.endswith("\n"):
                    self.kill()  # a flood, not an answer: it must not fill our memory
                    break
                self.lines.put(line)
        self.lines.put(None)

    def send(self, obj: dict[str, Any]) -> bool:
        if self.proc is None or self.proc.stdin is None:
            return False
        try:
            self.proc.stdin.write(json.dumps(obj) + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def receive(self, timeout: float) -> Answer:
        """The next answer line; an error when the child dies, lies or hangs."""
        if self.proc is None:
            return Answer(error="could not start Python in the sandbox")
        deadline = time.monotonic() + timeout
        while True:
            try:
                # (One deadline for the answer: lines that are not one do not extend it.)
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.kill()
                return Answer(error=f"timed out after {timeout:g} s")
            if line is None:
                code = self._exit_code()
                return Answer(error=_death(code))
            try:
                data = json.loads(line)
            except ValueError:
                self.other.append(line)  # not an answer: faulthandler's tracebacks
                continue
            if not isinstance(data, dict):
                continue
            if "sandbox" in data and not self.description:
                self.description = str(data["sandbox"])
                self.reusable = data.get("reusable") is True
                continue
            if set(data) == {"died"}:
                code = data["died"]
                return Answer(error=_death(code if isinstance(code, int) else None))
            return Answer(data=data, sandbox=self.description)

    def _exit_code(self) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc is None:
            return
        if hasattr(os, "killpg"):  # POSIX: the whole process group
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
            self.kill()
        with contextlib.suppress(OSError):
            self._answers.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _jobs() -> int:
    """Children side by side: AERICH_LINT_JOBS (as for parsing), else one per CPU."""
    configured = os.environ.get("AERICH_LINT_JOBS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _death(code: int | None) -> str:
    """Why there is no answer, to follow "executing the migration"."""
    if code is None:
        return "left a process that would not exit"
    if code < 0:
        if -code == getattr(signal, "SIGXCPU", None):
            return "used up its CPU time limit"
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed the interpreter ({name})"
    return f"killed the interpreter (exit code {code})"


def run_once(
    module: str,
    request: dict[str, Any],
    *,
    cwd: Path,
    read_roots: list[str],
    timeout: float,
) -> Answer:
    """One request, one answer, one fresh child."""
    return run_many(module, [request], cwd=cwd, read_roots=read_roots, timeout=timeout)[0]


def run_many(
    module: str,
    requests: list[dict[str, Any]],
    *,
    cwd: Path,
    read_roots: list[str],
    timeout: float,
) -> list[Answer]:
    """Each request in a fresh child of its own, side by side (one per CPU), each
    with its own deadline. Where the sandbox has a PID namespace, one confined process
    per CPU forks that child for each request (the imports are paid once); a file that
    hangs or kills it costs that file only, the next one gets a new process."""
    if not requests:
        return []
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(requests)):
        todo.put(index)
    answers: list[Answer | None] = [None] * len(requests)

    def work() -> None:
        box: Sandbox | None = None
        try:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                if box is None:
                    box = Sandbox(module, cwd=cwd, read_roots=read_roots, cpu_seconds=timeout)
                if box.send(requests[index]):
                    answer = box.receive(timeout)
                else:
                    answer = box.receive(timeout)
                    if not answer.error:
                        answer = Answer(error="could not send the request")
                if answer.error and not answer.sandbox:
                    answer.sandbox = box.description
                answers[index] = answer
                if answer.error or not box.reusable:
                    box.close()
                    box = None
        finally:
            if box is not None:
                box.close()

    workers = max(1, min(len(requests), _jobs(), 8))
    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a or Answer(error="no answer") for a in answers]
