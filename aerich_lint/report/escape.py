"""Untrusted text made safe to print: migration files come from strangers.

File names, identifiers, SQL, messages built from them and config values can
hold newlines, terminal escapes, bidi overrides or text that a GitHub Actions
runner reads as a workflow command (``::error ...`` at a line start, ``##[error]``
anywhere in a line). Every reporter and every line printed on stderr passes such
text through one of these helpers, so that no output format has to remember
the rules on its own:

* ``visible``: one physical line for text output, annotations and stderr.
  Newline, CR and tab become ``\\n``, ``\\r``, ``\\t``; other C0 and C1 controls
  and DEL ``\\xNN``; bidi controls, line separators and lone surrogates
  ``\\uNNNN``; ``##[`` becomes ``##\\x5b``. Backslashes are left as they are (a
  Windows path stays readable), so ``\\n`` in the output may also be a backslash
  and an ``n`` in the input. Longer than ``LIMIT`` characters, the middle is
  left out.
* ``guard``: the same for multi-line text (newline and tab kept), and a ``::``
  at the start of a line shown as ``\\x3a:``: the net under the text output,
  and the whole of outputs built elsewhere (drift, verify's lock report).
* ``json_safe`` / ``xml_safe``: structured output keeps the exact data; only
  ``##[`` is written with the format's own escape, so a document printed in a
  job log is inert.
* ``md_text`` / ``md_code``: markdown for the review (``$GITHUB_STEP_SUMMARY``).
"""

from __future__ import annotations

import re
from pathlib import Path

# Characters of one untrusted field shown in human output; JSON keeps all.
LIMIT = 1000

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Besides C0 controls, DEL and C1 controls: the Arabic letter mark, LRM and RLM,
# the line and paragraph separators, bidi embeddings, overrides and isolates, and
# lone surrogates (the undecodable bytes of a file name).
_OTHER = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
# What ``visible`` escapes; ``##[`` is the runner's legacy command prefix.
_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_OTHER}]|##\\[")
# What ``guard`` escapes: the same but newline and tab.
_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_OTHER}]|##\\[")
_SGR = re.compile("\x1b\\[[0-9;]*m")
_LINES_BUT_SGR = re.compile(f"{_SGR.pattern}|{_LINES.pattern}")
# A workflow command: "::" first on a line, after any whitespace (the runner trims it).
_COMMAND_START = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "##[":
        return "##\\x5b"
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shorten(text: str, limit: int | None = LIMIT) -> str:
    """``text`` with its middle left out when longer than ``limit``: the start names
    the statement and the end of a message is usually what it says about it."""
    if limit is None or len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}…[{len(text) - 2 * half} characters]…{text[-half:]}"


def visible(text: object, limit: int | None = LIMIT) -> str:
    """One physical line, with no control character and no workflow command prefix."""
    return _ONE_LINE.sub(_escape, shorten(str(text), limit))


def path_text(path: Path | str) -> str:
    """A path as ``visible`` shows it, with ``./`` in front when it would start a
    line with ``::`` (a folder named ``::error ...`` in the pull request)."""
    text = visible(str(path))
    return f"./{text}" if text.lstrip().startswith("::") else text


def guard(text: str, keep_sgr: bool = False) -> str:
    """Multi-line text made inert: controls escaped except newline and tab (and,
    with ``keep_sgr``, our own colour codes), ``##[`` broken, and every line that
    would start a workflow command begun with ``\\x3a:`` instead."""

    def escape(match: re.Match[str]) -> str:
        if keep_sgr and _SGR.fullmatch(match.group()):
            return match.group()
        return _escape(match)

    kept = (_LINES_BUT_SGR if keep_sgr else _LINES).sub(escape, text)
    return _COMMAND_START.sub(lambda m: f"{m.group(1)}\\x3a", kept)


def json_safe(document: str) -> str:
    """Serialised JSON with ``##[`` written ``##\\u005b``: the same data, but inert
    in a job log (``#`` occurs in JSON text only inside strings)."""
    return document.replace("##[", "##\\u005b")


def xml_safe(document: str) -> str:
    """Serialised XML with ``##[`` written ``##&#91;``: the same data, inert in a log."""
    return document.replace("##[", "##&#91;")


# -- markdown ----------------------------------------------------------------------------

_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Backslash-escaped: escapes, code, emphasis, strikethrough, links and images,
# table cells, math; the ":" of "://" and the "." of "www." (GitHub turns bare
# URLs into links). "_" only where it can open or close emphasis (not inside a
# word such as product_tag, which stays as typed).
_MD_SPECIAL = re.compile(r"[&<>\\`*\[\]|~$]|(?<![^\W_])_|_(?![^\W_])|:(?=//)|(?<=[wW][wW][wW])\.")


def md_text(text: object, limit: int | None = LIMIT) -> str:
    """Untrusted text as literal markdown inline content, on one line: no HTML, no
    link, image, emphasis or code syntax, safe in a table cell or a list item."""
    flat = visible(text, limit)

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return _MD_ENTITIES.get(char, "\\" + char)

    return _MD_SPECIAL.sub(escape, flat)


def md_code(text: object, table: bool = False, limit: int | None = LIMIT) -> str:
    """An inline code span showing ``text`` literally, whatever backticks it holds:
    the fence is one backtick longer than its longest run. In a table cell a
    ``|`` must be ``\\|`` even inside code (GFM splits cells first)."""
    body = visible(text, limit)
    if table:
        body = body.replace("|", "\\|")
    runs = [len(run) for run in re.findall("`+", body)]
    fence = "`" * (max(runs, default=0) + 1)
    if not body.strip(" "):
        return f"{fence}{body or ' '}{fence}"
    pad = " " if runs or (body.startswith(" ") and body.endswith(" ")) else ""
    return f"{fence}{pad}{body}{pad}{fence}"
