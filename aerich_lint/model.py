"""The data that flows between the pipeline stages.

discover -> load -> parse -> rules -> report: each stage takes and returns these
plain objects, so a stage can be tested, cached or replaced on its own.
"""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

UPGRADE = "upgrade"
DOWNGRADE = "downgrade"
FILE = "file"
SECTIONS = (UPGRADE, DOWNGRADE)


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {value!r} (expected error, warning or info)"
            ) from None


class Dialect(str, enum.Enum):
    POSTGRES = "postgres"
    MYSQL = "mysql"
    SQLITE = "sqlite"

    @classmethod
    def parse(cls, value: str) -> Dialect:
        aliases = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql"}
        key = value.strip().lower()
        try:
            return cls(aliases.get(key, key))
        except ValueError:
            raise ValueError(
                f"unknown dialect {value!r} (expected postgres, mysql or sqlite)"
            ) from None


_LINE_BREAK = re.compile(r"\r\n?|\n")


class LineIndex:
    """Turns absolute character offsets of a text into 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        # Lines end at \n, \r\n or a lone \r, as Python (and editors) count them.
        starts = [0]
        if "\r" in text:
            starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        else:
            pos = text.find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = text.find("\n", pos + 1)
        self._starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based line and 0-based column."""
        return self._starts[min(line, len(self._starts)) - 1] + column


class OffsetMap:
    """Maps character offsets in an extracted SQL string back to the file.

    SQL comes out of Python string literals (escapes, implicit concatenation),
    JSON strings or plain .sql sections; each piece records where it came from.
    A piece is either verbatim (one value char per source char) or a single
    decoded escape sequence (all its value chars map to the escape's start).
    """

    def __init__(self, lines: LineIndex) -> None:
        self._lines = lines
        self._value_starts: list[int] = []
        self._pieces: list[tuple[int, int, bool]] = []  # (value_start, source_start, verbatim)
        self.length = 0

    def add(self, source_start: int, length: int, verbatim: bool = True) -> None:
        if length <= 0:
            return
        self._value_starts.append(self.length)
        self._pieces.append((self.length, source_start, verbatim))
        self.length += length

    def position(self, value_offset: int) -> tuple[int, int]:
        if not self._pieces:
            return 1, 1
        i = max(bisect.bisect_right(self._value_starts, value_offset) - 1, 0)
        value_start, source_start, verbatim = self._pieces[i]
        delta = value_offset - value_start if verbatim else 0
        return self._lines.position(source_start + delta)

    @classmethod
    def fixed(cls, lines: LineIndex, line: int) -> OffsetMap:
        """Every offset maps to the start of one line (SQL built at run time)."""
        m = cls(lines)
        m.add(lines.offset(max(line, 1), 0), 1, verbatim=False)
        return m


@dataclass
class Chunk:
    """One piece of SQL text handed to the database: a returned string, or one
    string passed to ``db.execute_script()`` and friends."""

    sql: str
    positions: OffsetMap
    via: str = "return"  # "return" or the client method that received it


@dataclass
class Section:
    name: str
    chunks: list[Chunk] = field(default_factory=list)
    defined: bool = True  # False: the file has no such function / section
    dynamic: bool = False  # SQL was obtained by executing the function
    statements: list[Statement] = field(default_factory=list)
    error: str | None = None
    line: int = 1  # where the section starts in the file (def line, marker, key)


@dataclass
class Suppression:
    """An inline ``aerich-lint: ignore`` directive."""

    rules: tuple[str, ...]
    line: int
    column: int
    reason: str = ""
    file_wide: bool = False
    section: str = FILE


@dataclass
class Statement:
    section: str
    index: int  # position within the section, from 0
    sql: str
    line: int
    column: int
    error: str | None = None  # sql-syntax message when it did not parse
    command: str | None = None  # canonical name of a known Command statement
    via: str = "return"
    suppressions: list[Suppression] = field(default_factory=list)
    end_line: int = 0
    effects: list[Any] | None = field(default=None, repr=False)  # see effects.py


@dataclass
class FunctionFacts:
    """What the AST says about ``upgrade`` / ``downgrade``: read by python-hazard."""

    name: str
    line: int
    is_async: bool
    returns: list[tuple[int, str]] = field(default_factory=list)  # (line, kind of value)
    awaited_literals: list[int] = field(default_factory=list)  # lines of `await "..."`
    db_calls: list[tuple[int, str]] = field(default_factory=list)  # (line, client method)


@dataclass
class Migration:
    path: Path
    app: str
    name: str  # file stem
    version: int | None
    format: str  # "py", "py-list", "sql", "json"
    text: str = ""
    sections: dict[str, Section] = field(default_factory=dict)
    run_in_transaction: bool = True
    run_in_transaction_line: int = 0
    models_state_raw: str | None = None  # the encoded string; see load.models_state.decoded()
    # the tables and columns MODELS_STATE describes (load.models_state.tables_of):
    # derived from the file alone, so the cache keeps it; None: not computed yet
    state_tables: dict[str, set[str]] | None = field(default=None, repr=False)
    has_models_state: bool = False
    models_state_line: int = 0
    load_error: str | None = None
    load_error_line: int = 1
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    module_db_calls: list[tuple[int, str]] = field(default_factory=list)  # (line, call)
    # What was not read because executing project code is off (--no-exec): section
    # names and "RUN_IN_TRANSACTION".
    not_executed: list[str] = field(default_factory=list)
    not_executed_reason: str = ""  # "": executing is off; else what the sandbox refused
    # (section, line, message) of what a tool could not generate the SQL of (tortoise's
    # native operations)
    generation_errors: list[tuple[str, int, str]] = field(default_factory=list)
    report: bool = True  # False: loaded only as context for other files

    def section(self, name: str) -> Section:
        found = self.sections.get(name)
        if found is None:
            found = self.sections[name] = Section(name, defined=False)
        return found

    def statements(self, section: str) -> list[Statement]:
        return self.section(section).statements


@dataclass
class App:
    name: str
    folder: Path
    migrations: list[Migration] = field(default_factory=list)
    dialect: Dialect | None = None
    dialect_reason: str = ""
    tortoise_url_scheme: str | None = None
    executed: int = 0  # files run in the sandbox to read their SQL
    not_executed: int = 0  # files that needed it, with executing off
    sandbox: str = ""  # what confined them, as the sandbox said

    def execution_note(self) -> str:
        """What of the project was run to read this app, for the run's summary."""
        parts = []
        if self.executed:
            files = "file" if self.executed == 1 else "files"
            parts.append(f"{self.executed} {files} executed in the sandbox ({self.sandbox})")
        if self.not_executed:
            files = "file" if self.not_executed == 1 else "files"
            parts.append(f"{self.not_executed} {files} not executed (see not-executed)")
        return "; ".join(parts)


@dataclass
class Finding:
    rule: str
    code: str
    severity: Severity
    path: Path
    line: int
    column: int
    app: str
    migration: str
    version: int | None
    section: str
    statement: str
    message: str
    fix: str

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.line, self.column, self.rule)
