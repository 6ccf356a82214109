"""``--write-baseline FILE`` records today's findings; ``--baseline FILE`` hides them.

A project with a long history adopts the linter without fixing (or suppressing)
every old finding: only findings that are not in the baseline are reported. The
file is JSON, sorted, so that it diffs well when committed::

    {"version": 1,
     "fingerprints": {"<sha256>": {"rule": ..., "path": ..., "message": ...}}}

Findings are matched by ``report.fingerprint``: rule, app, file name, section
and statement, never the line, so a finding stays baselined when lines above it
are added or removed. A finding repeated on the same statement is told apart by
its order (``fingerprints``). ``rule``, ``path`` and ``message`` are for the
reader: only the fingerprint is compared.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from aerich_lint.errors import UsageError
from aerich_lint.fingerprint import fingerprints
from aerich_lint.model import Finding

VERSION = 1


def write(path: Path, findings: list[Finding]) -> int:
    """Write the baseline of ``findings``; returns how many entries it holds.

    Written to a temporary file beside it, then renamed over it, so that a failed
    write leaves the old baseline whole. Any failure (a read-only folder, a parent
    that does not exist or is a file) is a ``UsageError``: one line, exit code 2.
    """
    entries = {
        fp: {"rule": f.rule, "path": f.path.as_posix(), "message": f.message}
        for fp, f in zip(fingerprints(findings), findings, strict=True)
    }
    doc = {"version": VERSION, "fingerprints": dict(sorted(entries.items()))}
    # backslashreplace: a lone surrogate (a file name that is not UTF-8) can only be
    # inside a JSON string, where \udcff is its escape
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode(
        "utf-8", "backslashreplace"
    )
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would have created it
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise UsageError(f"--write-baseline {path}: {exc.strerror or exc}") from None
    return len(entries)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def load(path: Path) -> frozenset[str]:
    """The fingerprints of a baseline file; UsageError when missing or broken."""
    where = f"--baseline {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"{where}: cannot read it: {reason or exc}") from None
    try:
        doc: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("fingerprints"), dict):
        raise UsageError(
            f'{where}: not an aerich-lint baseline (expected {{"version": 1, '
            f'"fingerprints": {{...}}}}; write one with --write-baseline)'
        )
    if doc.get("version") != VERSION:
        raise UsageError(
            f"{where}: unsupported baseline version {doc.get('version')!r} (expected {VERSION})"
        )
    return frozenset(str(key) for key in doc["fingerprints"])


def split(findings: list[Finding], known: frozenset[str]) -> tuple[list[Finding], list[Finding]]:
    """(findings still reported, findings the baseline hides), order kept."""
    kept: list[Finding] = []
    hidden: list[Finding] = []
    for fp, finding in zip(fingerprints(findings), findings, strict=True):
        (hidden if fp in known else kept).append(finding)
    return kept, hidden
