"""Tokenize, split and parse SQL chunks with sqlglot, keeping every statement's
position in the migration file."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from aerich_lint.model import Chunk, Dialect, Statement
from aerich_lint.parse import SUPPRESS, parse_suppression
from aerich_lint.parse.commands import known_command, rename_table

# Expression types that are whole statements; anything else (a bare word
# parses as a Column) is not something the linter can vouch for.
_STATEMENT_TYPES = (
    "Alter", "Analyze", "Command", "Comment", "Commit", "Create", "Delete", "Describe",
    "Drop", "Grant", "Insert", "Merge", "Pragma", "Revoke", "Rollback", "Select", "Set",
    "TruncateTable", "Transaction", "Union", "Except", "Intersect", "Update", "Use",
    "Values", "Copy", "LoadData",
)  # fmt: skip


@cache
def _dialect(dialect: Dialect) -> Any:
    # Command fallbacks are reported by us (unrecognized-sql), not logged.
    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    return SqlglotDialect.get_or_raise(dialect.value)


def dialect_for(dialect: Dialect) -> Any:
    """sqlglot's dialect object (imported and built once)."""
    return _dialect(dialect)


def parse_chunk(
    chunk: Chunk, section: str, dialect: Dialect, first_index: int = 0
) -> list[Statement]:

    sql_dialect = _dialect(dialect)
    try:
        tokens = sql_dialect.tokenize(chunk.sql)
    except TokenError as exc:
        return _token_error(chunk, section, dialect, first_index, exc)
    statements: list[Statement] = []
    groups = _split(tokens)
    previous_end = 0
    previous: Statement | None = None
    for group in groups:
        start, end = group[0].start, group[-1].end + 1
        stmt = _statement(chunk, section, dialect, group, start, end, first_index + len(statements))
        _attach_suppressions(chunk, chunk.sql[previous_end:start], previous_end, previous, stmt)
        statements.append(stmt)
        previous, previous_end = stmt, end
    _attach_suppressions(chunk, chunk.sql[previous_end:], previous_end, previous, None)
    return statements


def split_statements(sql: str, dialect: Dialect) -> list[str]:
    """The statements of a script, cut at the semicolons the tokenizer sees (so
    semicolons in strings, comments and dollar quotes stay inside); the whole
    script when it does not tokenize."""
    try:
        tokens = _dialect(dialect).tokenize(sql)
    except TokenError:
        return [sql] if sql.strip() else []
    return [sql[group[0].start : group[-1].end + 1] for group in _split(tokens)]


def _split(tokens: list[Token]) -> list[list[Token]]:

    groups: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(tok)
    return [g for g in groups if g]


def _statement(
    chunk: Chunk,
    section: str,
    dialect: Dialect,
    group: list[Token],
    start: int,
    end: int,
    index: int,
) -> Statement:

    line, column = chunk.positions.position(start)
    end_line, _ = chunk.positions.position(max(end - 1, start))
    stmt = Statement(
        section=section,
        index=index,
        sql=chunk.sql[start:end],
        line=line,
        column=column,
        via=chunk.via,
        end_line=end_line,
    )
    sql_dialect = _dialect(dialect)
    try:
        parsed = sql_dialect.parser().parse(group, chunk.sql)
    except ParseError as exc:
        stmt.command = known_command(group, dialect)
        if stmt.command is None:
            stmt.error = _parse_message(exc)
        return stmt
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        stmt.error = f"the SQL parser failed: {type(exc).__name__}"
        return stmt
    expression = next((e for e in parsed if e is not None), None)
    if expression is None:
        return stmt
    if isinstance(expression, exp.Command) or type(expression).__name__ not in _STATEMENT_TYPES:
        group = _expand_command(group, chunk.sql, dialect)
        stmt.command = known_command(group, dialect)
        if stmt.command == "RENAME TABLE":
            expression = rename_table(group) or expression
        elif stmt.command is None:
            stmt.command = ""  # unrecognized
    stmt.expression = expression
    return stmt


def _expand_command(group: list[Token], sql: str, dialect: Dialect) -> list[Token]:
    """After a command keyword (RENAME, VACUUM, ...) sqlglot's tokenizer keeps the
    rest of the statement as one raw string token; tokenize that rest too."""
    from sqlglot.tokens import TokenType

    if len(group) != 2 or group[1].token_type != TokenType.STRING:
        return group
    start = group[0].end + 1  # the string token's own start offset is not reliable
    raw = sql[start : group[1].end + 1]
    if raw.strip()[:1] in "'\"$":
        return group  # a real string literal, e.g. DO $$ ... $$
    try:
        return [group[0], *_shift(_dialect(dialect).tokenize(raw), start)]
    except TokenError:
        return group


def _parse_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        description = first.get("description") or "invalid SQL"
        highlight = (first.get("highlight") or "").strip()
        return f"{description} near {highlight!r}" if highlight else description
    return str(exc).splitlines()[0] if str(exc) else "invalid SQL"


def _token_error(
    chunk: Chunk, section: str, dialect: Dialect, first_index: int, exc: Exception
) -> list[Statement]:
    """The tokenizer gave up (an unterminated string or quote): still parse the
    statements before the bad one, split naively on ``;``, and stop at it."""

    out: list[Statement] = []
    for piece in re.finditer(r"[^;]+", chunk.sql):
        text = piece.group(0)
        body = text.strip()
        if not body:
            continue
        start = piece.start() + len(text) - len(text.lstrip())
        try:
            tokens = _dialect(dialect).tokenize(body)
        except TokenError:
            line, column = chunk.positions.position(start)
            reason = str(exc).splitlines()[0] if str(exc) else "cannot tokenize"
            out.append(
                Statement(
                    section=section,
                    index=first_index + len(out),
                    sql=body,
                    line=line,
                    column=column,
                    via=chunk.via,
                    end_line=line,
                    error=f"unterminated string or quoted name ({reason})",
                )
            )
            break
        if tokens:
            out.append(
                _statement(
                    chunk,
                    section,
                    dialect,
                    _shift(tokens, start),
                    start,
                    start + len(body),
                    first_index + len(out),
                )
            )
    return out


def _shift(tokens: list[Token], offset: int) -> list[Token]:
    for tok in tokens:
        tok.start += offset
        tok.end += offset
    return tokens


def _attach_suppressions(
    chunk: Chunk, gap: str, gap_start: int, previous: Statement | None, following: Statement | None
) -> None:
    """Directives in the text between two statements: one on the line where the
    previous statement ends belongs to it (a trailing comment), any other to the
    statement that follows."""
    if "aerich-lint" not in gap:
        return
    for match in SUPPRESS.finditer(gap):
        line, column = chunk.positions.position(gap_start + match.start())
        suppression = parse_suppression(match.group("body"), line, column)
        suppression.section = (following or previous or Statement("file", 0, "", 0, 0)).section
        if previous is not None and line == previous.end_line:
            previous.suppressions.append(suppression)
        elif following is not None:
            following.suppressions.append(suppression)
        elif previous is not None:
            previous.suppressions.append(suppression)
