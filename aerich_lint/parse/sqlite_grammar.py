"""SQLite's own parser as the judge of a statement sqlglot could not read.

sqlglot's SQLite grammar is not SQLite's: it rejects statements SQLite runs and reads
some it refuses (aerich 0.4 wrote ``ALTER TABLE t DROP COLUMN c TEXT`` downgrades,
which no SQLite accepts). The sqlite3 module Python ships compiles the statement, behind
``EXPLAIN``, on an empty in-memory database: it is compiled, never run (nothing is
created, written or read; checked in a test), and the authorizer refuses ATTACH,
DETACH and PRAGMA even at compile time. A syntax error is the parser's; any other
answer ("no such table", "not authorized") means the syntax was accepted. A
statement is refused only for what SQLite calls a syntax error, an unrecognized token
or incomplete input; that verdict is the installed SQLite's
(``sqlite3.sqlite_version``), so syntax newer than it is the one risk.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from aerich_lint.parse.postgres_grammar import Rejection

_REFUSALS = ("syntax error", "unrecognized token", "incomplete input")


_DENIED = frozenset({sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA})


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_DENY if action in _DENIED else sqlite3.SQLITE_OK


@cache
def _connection() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.set_authorizer(_authorize)
    return db


def judge_statement(sql: str) -> Rejection | None:
    """SQLite's refusal of the statement's syntax, or None when it accepts it."""
    text = sql.strip().rstrip(";")
    if not text:
        return None
    try:
        _connection().execute("EXPLAIN " + text)
    except sqlite3.Warning:
        return None  # "You can only execute one statement at a time": the first parsed
    except sqlite3.Error as exc:
        message = str(exc)
        if any(r in message for r in _REFUSALS):
            return Rejection(f"{message} (SQLite {sqlite3.sqlite_version})", None)
        return None
    except (ValueError, OverflowError, MemoryError):
        return None
    return None
