"""Migrations from aerich before 0.7: ``.sql`` (0.4.x-0.6.x) and ``.json`` (0.1-0.3)."""

from __future__ import annotations

import json
import re

from aerich_lint.load.literals import add_text, json_string
from aerich_lint.model import DOWNGRADE, UPGRADE, Chunk, LineIndex, Migration, OffsetMap, Section

# aerich reads a .sql migration by looking for "-- upgrade --\n" and "-- downgrade --\n"
# (0.4.3-0.6.x; "##### upgrade #####\n" and "##### downgrade #####\n" in 0.4.0-0.4.2)
# anywhere in the text, not only alone on a line: 0.6 writes the downgrade marker right
# after the last upgrade statement (`...;-- downgrade --`). A marker alone on its line is
# accepted with looser spacing and case; one after other text only as aerich writes it.
# Line breaks are \n, \r\n or \r: aerich opens the file in text mode.
_SQL_MARKER = re.compile(
    r"(?:(?<=[\r\n])|\A)[ \t]*(?:--|#+)[ \t]*(?P<loose>(?i:upgrade|downgrade))[ \t]*"
    r"(?:--|#+)?[ \t]*(?:\r\n?|\n|\Z)"
    r"|(?:-- (?P<dash>upgrade|downgrade) --|##### (?P<hash>upgrade|downgrade) #####)"
    r"(?:\r\n?|\n)"
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def load_sql(migration: Migration, text: str) -> None:
    lines = LineIndex(text)
    markers = list(_SQL_MARKER.finditer(text))
    if not markers or _marker_name(markers[0]) != UPGRADE:
        migration.load_error = "no '-- upgrade --' section marker"
        return
    for i, marker in enumerate(markers):
        name = _marker_name(marker)
        if name in migration.sections:
            migration.load_error = f"more than one '-- {name} --' section"
            migration.load_error_line = lines.position(marker.start())[0]
            return
        start = marker.end()  # after the marker's line break
        end = markers[i + 1].start() if i + 1 < len(markers) else len(text)
        positions = OffsetMap(lines)
        out: list[str] = []
        if start < end:
            add_text(positions, out, text[start:end], start)
        migration.sections[name] = Section(
            name, chunks=[Chunk("".join(out), positions)], line=lines.position(marker.start())[0]
        )
    migration.sections.setdefault(DOWNGRADE, Section(DOWNGRADE, defined=False))


def _marker_name(marker: re.Match[str]) -> str:
    return (marker.group("loose") or marker.group("dash") or marker.group("hash")).lower()


def load_json(migration: Migration, text: str) -> None:
    lines = LineIndex(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        migration.load_error = f"invalid JSON: {exc.msg}"
        migration.load_error_line = exc.lineno
        return
    if not isinstance(data, dict) or UPGRADE not in data:
        migration.load_error = 'not an aerich JSON migration (no "upgrade" key)'
        return
    tokens = [(m.start(), m.group(0)) for m in _JSON_STRING.finditer(text)]
    for name in (UPGRADE, DOWNGRADE):
        if name not in data:
            migration.sections[name] = Section(name, defined=False)
            continue
        items = data[name]
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            migration.load_error = f'"{name}" must be a list of SQL strings'
            return
        key_line = text.find(f'"{name}"')
        section = Section(name, line=lines.position(max(key_line, 0))[0])
        migration.sections[name] = section
        # The value tokens follow the key token in document order.
        key_at = next((k for k, (_, tok) in enumerate(tokens) if tok == f'"{name}"'), None)
        for j, item in enumerate(items):
            located = None
            if key_at is not None and key_at + 1 + j < len(tokens):
                start, tok = tokens[key_at + 1 + j]
                value, positions = json_string(text, lines, start, tok)
                if value == item:
                    located = Chunk(value, positions)
            section.chunks.append(located or Chunk(item, OffsetMap.fixed(lines, 1)))
