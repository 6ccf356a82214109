"""Execute migrations whose SQL is only known at run time, in the sandbox.

Each file gets a fresh sandboxed child of its own (``aerich_lint.sandbox.run_many``),
so no file can change what another reports, and its own deadline; files run side by
side, one per CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER = "aerich_lint.load._runner"


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
    sandbox: str = ""  # what confined the child, as it said
    refused: str = ""  # the sandbox refused what the file does: why


def _payload(request: ExecRequest, sys_path: list[str]) -> dict[str, Any]:
    return {
        "path": str(request.path),
        "sections": request.sections,
        "dialect": request.dialect,
        "sys_path": sys_path,
    }


def _result(answer: Any) -> ExecResult:
    if answer.data is None:
        error = f"executing the migration {answer.error or 'gave no answer'}"
        return ExecResult(error=error, sandbox=answer.sandbox)
    data = answer.data
    sections = data.get("sections")
    rit = data.get("run_in_transaction")
    return ExecResult(
        error=data.get("error") if isinstance(data.get("error"), str) else None,
        run_in_transaction=rit if isinstance(rit, bool) else None,
        sections=sections if isinstance(sections, dict) else {},
        sandbox=answer.sandbox,
        refused=str(data.get("refused") or ""),
    )


def execute(
    requests: list[ExecRequest], timeout: float, cwd: Path, sys_path: list[str]
) -> dict[Path, ExecResult]:
    from aerich_lint.sandbox import run_many

    if not requests:
        return {}
    folders = list(dict.fromkeys(str(r.path.parent) for r in requests))
    answers = run_many(
        RUNNER,
        [_payload(r, sys_path) for r in requests],
        cwd=cwd,
        read_roots=[str(cwd), *folders, *sys_path],
        timeout=timeout,
    )
    return {r.path: _result(a) for r, a in zip(requests, answers, strict=True)}
