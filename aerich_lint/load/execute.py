"""Execute migrations whose SQL is only known at run time, safely.

All such files of a run share one subprocess (``_runner``); each file gets its
own deadline. A file that hangs or kills the interpreter costs that file only:
the process is restarted for the rest.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


@dataclass
class ExecRequest:
    path: Path
    sections: list[str]
    dialect: str | None = None


@dataclass
class ExecResult:
    error: str | None = None
    run_in_transaction: bool | None = None
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


def _reader(stream: TextIO, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class _Runner:
    def __init__(self, cwd: Path, sys_path: list[str]) -> None:
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["AERICH_LINT_SYS_PATH"] = json.dumps(sys_path)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aerich_lint.load._runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=_reader, args=(self.proc.stdout, self.lines), daemon=True).start()

    def ask(self, request: ExecRequest, timeout: float) -> ExecResult:
        assert self.proc.stdin is not None
        payload = {
            "path": str(request.path),
            "sections": request.sections,
            "dialect": request.dialect,
        }
        try:
            self.proc.stdin.write(json.dumps(payload) + "\n")
            self.proc.stdin.flush()
        except OSError:
            return ExecResult(error="the migration runner died before this file")
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            return ExecResult(error=f"executing the migration timed out after {timeout:g} s")
        if line is None:
            code = self.proc.wait()
            return ExecResult(
                error=f"executing the migration killed the interpreter (exit code {code})"
            )
        data = json.loads(line)
        return ExecResult(
            error=data.get("error"),
            run_in_transaction=data.get("run_in_transaction"),
            sections=data.get("sections", {}),
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.alive():
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()


def execute(
    requests: list[ExecRequest], timeout: float, cwd: Path, sys_path: list[str]
) -> dict[Path, ExecResult]:
    results: dict[Path, ExecResult] = {}
    runner: _Runner | None = None
    try:
        for request in requests:
            if runner is None or not runner.alive():
                runner = _Runner(cwd, sys_path)
            results[request.path] = runner.ask(request, timeout)
    finally:
        if runner is not None:
            runner.close()
    return results
