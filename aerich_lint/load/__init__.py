"""Stage 2: turn migration files into ``Migration`` objects holding SQL chunks.

Nothing here imports tortoise, aerich or asyncio: only files whose SQL is built
at run time are executed, in a subprocess (``execute.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from aerich_lint.discover import AppSource, version_of
from aerich_lint.load.python import PythonInfo, load_python
from aerich_lint.model import SECTIONS, Chunk, LineIndex, Migration, OffsetMap, Section

MAX_BYTES = 20 * 1024 * 1024
_FILE_IGNORE = re.compile(
    r"^[ \t]*(?:#|--)[ \t]*aerich-lint:[ \t]*ignore-file\b(?P<rules>[^\n]*)$", re.MULTILINE
)


def read_text(migration: Migration) -> str | None:
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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        migration.load_error = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line})"
        migration.load_error_line = line
        return None


def load_file(path: Path, app: str) -> tuple[Migration, PythonInfo | None]:
    fmt = {".py": "py", ".sql": "sql", ".json": "json"}.get(path.suffix, "py")
    migration = Migration(path=path, app=app, name=path.stem, version=version_of(path), format=fmt)
    text = read_text(migration)
    if text is None:
        return migration, None
    migration.text = text
    info = None
    if fmt == "py":
        info = load_python(migration, text)
    elif fmt == "sql":
        from aerich_lint.load.legacy import load_sql

        load_sql(migration, text)
    else:
        from aerich_lint.load.legacy import load_json

        load_json(migration, text)
    return migration, info


Pending = tuple[AppSource, Migration, PythonInfo]


def load_app(source: AppSource) -> tuple[list[Migration], list[Pending]]:
    """Load every file of the app, in aerich's order: the reported ones and the
    rest as history context. Files whose SQL is only known at run time are
    returned as pending, to be executed once the dialect is known."""
    migrations: list[Migration] = []
    pending: list[Pending] = []
    for path in source.files:
        migration, info = load_file(path, source.name)
        migration.report = source.is_reported(path)
        migrations.append(migration)
        if info is not None and info.needs_exec and migration.load_error is None:
            pending.append((source, migration, info))
    return migrations, pending


def execute_pending(pending: list[Pending], timeout: float, dialects: dict[str, str]) -> None:
    if pending:
        _execute_pending(pending, timeout, dialects)


def _execute_pending(
    pending: list[tuple[AppSource, Migration, PythonInfo]],
    timeout: float,
    dialects: dict[str, str],
) -> None:
    from aerich_lint.load.execute import ExecRequest, execute

    by_root: dict[Path, list[tuple[AppSource, Migration, PythonInfo]]] = {}
    for item in pending:
        by_root.setdefault(item[0].project.root, []).append(item)
    for root, items in by_root.items():
        project = items[0][0].project
        sys_path = [str(root.resolve())]
        if project.aerich is not None:
            sys_path.append(str((root / project.aerich.src_folder).resolve()))
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
            _apply(migration, info, results[request.path])


def _apply(migration: Migration, info: PythonInfo, result: object) -> None:
    from aerich_lint.load.execute import ExecResult

    assert isinstance(result, ExecResult)
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
        for sql in data.get("returned", []):
            section.chunks.append(
                Chunk(sql, OffsetMap.fixed(lines, info.return_lines.get(name, 1)))
            )


def file_ignores(text: str) -> list[tuple[int, str]]:
    """``aerich-lint: ignore-file RULES`` directives: (line, rules text)."""
    lines = LineIndex(text)
    return [(lines.position(m.start())[0], m.group("rules")) for m in _FILE_IGNORE.finditer(text)]
