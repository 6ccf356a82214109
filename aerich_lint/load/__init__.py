"""Stage 2: turn migration files into ``Migration`` objects holding SQL chunks.

Nothing here imports tortoise, aerich or asyncio: only files whose SQL is built
at run time are executed, in a subprocess (``execute.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from aerich_lint.discover import AppSource, version_of
from aerich_lint.model import SECTIONS, Chunk, LineIndex, Migration, OffsetMap, Section

if TYPE_CHECKING:
    from aerich_lint.load.python import PythonInfo

    # (a file whose SQL is built at run time, waiting for the sandbox)
    Pending = tuple[AppSource, Migration, PythonInfo]


MAX_BYTES = 20 * 1024 * 1024
# (Lines end at \n, \r\n or \r, as in LineIndex.)
_FILE_IGNORE = re.compile(
    r"(?:(?<=[\r\n])|\A)[ \t]*(?:#|--)[ \t]*aerich-lint:[ \t]*ignore-file\b(?P<rules>[^\r\n]*)"
)


def new_migration(path: Path, app: str) -> Migration:
    fmt = {".py": "py", ".sql": "sql", ".json": "json"}.get(path.suffix, "py")
    return Migration(path=path, app=app, name=path.stem, version=version_of(path), format=fmt)


def read_file(migration: Migration) -> bytes | None:
    """The file's bytes, with ``migration.text`` set; None (and load_error) when
    it is not readable UTF-8 text."""
    try:
        size = migration.path.stat().st_size
        if size > MAX_BYTES:
            migration.load_error = f"file is too large ({size // (1024 * 1024)} MiB; limit 20 MiB)"
            return None
        data = migration.path.read_bytes()
    except OSError as exc:
        migration.load_error = f"cannot read file: {exc.strerror or exc}"
        return None
    if b"\x00" in data:
        migration.load_error = "binary file (contains NUL bytes), not a migration"
        return None
    try:
        migration.text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        migration.load_error = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})"
        migration.load_error_line = line
        return None
    return data


def load_text(migration: Migration) -> PythonInfo | None:
    """Fill the migration's sections from its text (read statically)."""
    text = migration.text
    if migration.format == "py":
        from aerich_lint.load.python import load_python

        return load_python(migration, text)
    from aerich_lint.load.legacy import load_json, load_sql

    if migration.format == "sql":
        load_sql(migration, text)
    else:
        load_json(migration, text)
    return None


def load_file(path: Path, app: str) -> tuple[Migration, PythonInfo | None]:
    migration = new_migration(path, app)
    if read_file(migration) is None:
        return migration, None
    return migration, load_text(migration)


def execute_pending(
    pending: list[Pending], timeout: float, dialects: dict[str, str]
) -> dict[int, str]:
    """Run the files whose SQL is built at run time, in the sandbox; what confined
    each one (by ``id`` of its migration)."""
    return _execute_pending(pending, timeout, dialects) if pending else {}


def _execute_pending(
    pending: list[tuple[AppSource, Migration, PythonInfo]],
    timeout: float,
    dialects: dict[str, str],
) -> dict[int, str]:
    from aerich_lint.load.execute import ExecRequest, execute

    sandboxes: dict[int, str] = {}
    by_root: dict[Path, list[tuple[AppSource, Migration, PythonInfo]]] = {}
    for item in pending:
        by_root.setdefault(item[0].project.root, []).append(item)
    for root, items in by_root.items():
        project = items[0][0].project
        sys_path = project.import_paths()
        requests = [
            ExecRequest(
                m.path.resolve(),
                [s for s in SECTIONS if s in info.needs_exec],
                dialects.get(str(src.folder)),
            )
            for src, m, info in items
        ]
        results = execute(requests, timeout, root, sys_path)
        for (_, migration, info), request in zip(items, requests, strict=True):
            result = results[request.path]
            sandboxes[id(migration)] = result.sandbox
            _apply(migration, info, result)
    return sandboxes


def _apply(migration: Migration, info: PythonInfo, result: object) -> None:
    from aerich_lint.load.execute import ExecResult

    assert isinstance(result, ExecResult)
    if result.refused:
        # Not the file's fault: what the sandbox does not allow stopped it.
        migration.not_executed = sorted(info.needs_exec)
        migration.not_executed_reason = result.refused
        return
    if result.error:
        migration.load_error = result.error
        return
    if result.run_in_transaction is not None and "RUN_IN_TRANSACTION" in info.needs_exec:
        migration.run_in_transaction = result.run_in_transaction
    lines = LineIndex(migration.text)
    for name in SECTIONS:
        if name not in info.needs_exec:
            continue
        data = result.sections.get(name, {})
        section = migration.sections[name] = Section(
            name, dynamic=True, line=info.def_lines.get(name, 1)
        )
        if data.get("error"):
            section.error = data["error"]
            continue
        for call in data.get("calls", []):
            line = call.get("line") or info.def_lines.get(name, 1)
            section.chunks.append(Chunk(call["sql"], OffsetMap.fixed(lines, line), via=call["via"]))
        if data.get("list"):
            migration.format = "py-list"
        # (The runner says which return statement the SQL came from.)
        returned_at = data.get("return_line") or info.return_lines.get(name, 1)
        for sql in data.get("returned", []):
            section.chunks.append(Chunk(sql, OffsetMap.fixed(lines, returned_at)))


def file_ignores(text: str) -> list[tuple[int, str]]:
    """``aerich-lint: ignore-file RULES`` directives: (line, rules text)."""
    lines = LineIndex(text)
    return [(lines.position(m.start())[0], m.group("rules")) for m in _FILE_IGNORE.finditer(text)]
