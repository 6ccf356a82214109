"""Decode string literals while remembering where each character came from.

Findings must point at the line of the statement inside the migration file, so
the SQL pulled out of a Python (or JSON) string literal keeps a map from each of
its characters back to the source text.
"""

from __future__ import annotations

import ast
import codecs
import io
import json
import re
import tokenize

from aerich_lint.model import LineIndex, OffsetMap

_PY_ESCAPE = re.compile(
    r"\\(?:\n|\r\n?|[\\'\"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}"
    r"|U[0-9a-fA-F]{8}|N\{[^}]*\}|.)",
    re.DOTALL,
)
_JSON_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)", re.DOTALL)
_PREFIX = re.compile(r"^[A-Za-z]*")


def _decode_py_escape(escape: str) -> str:
    if escape[1] in "\r\n":
        return ""
    if escape[1] not in "\\'\"abfnrtv01234567xuUN":
        return escape  # unknown escapes are kept verbatim by Python
    return codecs.decode(escape, "unicode_escape")


_CR = re.compile(r"\r\n?")


def add_text(pieces: OffsetMap, out: list[str], text: str, start: int) -> None:
    """Source text taken as it is, except that ``\\r\\n`` and a lone ``\\r`` read as
    ``\\n`` (as Python reads source, and aerich its .sql files, in text mode): each
    such line break maps back to where it starts."""
    if "\r" not in text:
        out.append(text)
        pieces.add(start, len(text))
        return
    pos = 0
    for match in _CR.finditer(text):
        if match.start() > pos:
            out.append(text[pos : match.start()])
            pieces.add(start + pos, match.start() - pos)
        out.append("\n")
        pieces.add(start + match.start(), 1, verbatim=False)
        pos = match.end()
    if pos < len(text):
        out.append(text[pos:])
        pieces.add(start + pos, len(text) - pos)


def _add_body(
    pieces: OffsetMap, out: list[str], body: str, start: int, raw: bool, escape: re.Pattern[str]
) -> None:
    python = escape is _PY_ESCAPE
    verbatim = add_text if python else _add_verbatim
    if raw or "\\" not in body:
        verbatim(pieces, out, body, start)
        return
    pos = 0
    for match in escape.finditer(body):
        if match.start() > pos:
            verbatim(pieces, out, body[pos : match.start()], start + pos)
        text = match.group(0)
        value = _decode_py_escape(text) if python else json.loads(f'"{text}"')
        out.append(value)
        pieces.add(start + match.start(), len(value), verbatim=False)
        pos = match.end()
    if pos < len(body):
        verbatim(pieces, out, body[pos:], start + pos)


def _add_verbatim(pieces: OffsetMap, out: list[str], text: str, start: int) -> None:
    out.append(text)
    pieces.add(start, len(text))


def python_literal(text: str, lines: LineIndex, node: ast.Constant) -> tuple[str, OffsetMap] | None:
    """The value of a str constant node and its offset map; None if the source
    cannot be matched (then callers fall back to the literal's first line)."""
    if node.end_lineno is None or node.end_col_offset is None or not isinstance(node.value, str):
        return None
    start = _char_offset(text, lines, node.lineno, node.col_offset)
    end = _char_offset(text, lines, node.end_lineno, node.end_col_offset)
    # (ast.get_source_segment would split the whole file into lines on every call.)
    segment = text[start:end]
    single = _single_literal(segment, start, lines, node.value)
    if single is not None:
        return single
    # Implicit concatenation of several literals: let tokenize find them (it is
    # quadratic on huge literals, hence the fast path above).
    out: list[str] = []
    pieces = OffsetMap(lines)
    # (newline=None: lines end at \r\n, \r or \n, as for Python and LineIndex.)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(segment, newline=None).readline))
    except (tokenize.TokenError, SyntaxError):
        return None

    def offset(row: int, col: int) -> int:
        return start + col if row == 1 else lines.offset(node.lineno + row - 1, col)

    for tok in tokens:
        if tok.type != tokenize.STRING:
            continue
        tok_start = offset(*tok.start)
        source = text[tok_start : offset(*tok.end)]  # tok.string has its line breaks as \n
        prefix = _PREFIX.match(source)
        assert prefix is not None
        pre = prefix.group(0)
        rest = source[len(pre) :]
        quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
        body = rest[len(quote) : len(rest) - len(quote)]
        body_start = tok_start + len(pre) + len(quote)
        _add_body(pieces, out, body, body_start, "r" in pre.lower(), _PY_ESCAPE)
    value = "".join(out)
    if value != node.value:
        return None
    return value, pieces


def _char_offset(text: str, lines: LineIndex, lineno: int, byte_col: int) -> int:
    """ast columns count UTF-8 bytes; offsets here count characters."""
    line_start = lines.offset(lineno, 0)
    head = text[line_start : line_start + byte_col]
    if head.isascii():
        return line_start + byte_col
    return line_start + len(head.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def _single_literal(
    segment: str, start: int, lines: LineIndex, expected: str
) -> tuple[str, OffsetMap] | None:
    prefix = _PREFIX.match(segment)
    assert prefix is not None
    pre = prefix.group(0)
    rest = segment[len(pre) :]
    quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
    if not quote or len(rest) < 2 * len(quote) or not rest.endswith(quote):
        return None
    out: list[str] = []
    pieces = OffsetMap(lines)
    body = rest[len(quote) : len(rest) - len(quote)]
    _add_body(pieces, out, body, start + len(pre) + len(quote), "r" in pre.lower(), _PY_ESCAPE)
    value = "".join(out)
    return (value, pieces) if value == expected else None


def json_string(text: str, lines: LineIndex, token_start: int, token: str) -> tuple[str, OffsetMap]:
    """A JSON string token (with its quotes) found at ``token_start``."""
    out: list[str] = []
    pieces = OffsetMap(lines)
    _add_body(pieces, out, token[1:-1], token_start + 1, False, _JSON_ESCAPE)
    return "".join(out), pieces
