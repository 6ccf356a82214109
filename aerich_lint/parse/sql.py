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
from aerich_lint.parse.commands import (
    comment_on,
    known_command,
    rename_table,
    simplified,
    words,
)

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
    groups = _split(tokens, dialect)
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
    return [sql[group[0].start : group[-1].end + 1] for group in _split(tokens, dialect)]


def _split(tokens: list[Token], dialect: Dialect) -> list[list[Token]]:
    """Statements at the semicolons, except those inside the ``BEGIN ... END`` body of
    a MySQL or SQLite trigger (MySQL: also of a procedure, function or event), which
    the server reads as one statement."""
    groups: list[list[Token]] = [[]]
    depth = 0  # open BEGIN / CASE blocks of a compound statement's body
    compound = False
    for i, tok in enumerate(tokens):
        group = groups[-1]
        if tok.token_type == TokenType.SEMICOLON and depth == 0:
            if group:
                groups.append([])
                compound = False
            continue
        group.append(tok)
        if len(group) == 1:
            compound = False
        word = tok.text.upper() if tok.token_type not in _OPAQUE else ""
        if not compound:
            compound = (
                word in _COMPOUND_KINDS.get(dialect, ())
                and group[0].text.upper() == "CREATE"
                and len(group) <= 12
            )
        elif word in {"BEGIN", "CASE"} and (word == "BEGIN" or depth > 0):
            if not (word == "CASE" and _after_end(tokens, i)):
                depth += 1
        elif word == "END" and depth > 0:
            following = tokens[i + 1].text.upper() if i + 1 < len(tokens) else ""
            # MySQL's END IF / END LOOP / END WHILE / END REPEAT close blocks not counted
            if following not in {"IF", "LOOP", "WHILE", "REPEAT"}:
                depth -= 1
    return [g for g in groups if g]


_OPAQUE = frozenset({TokenType.IDENTIFIER, TokenType.STRING})
# The statements whose body may hold semicolons, by the word that names them
# (looked for among the first tokens of a CREATE: CREATE DEFINER = `u`@`h` TRIGGER).
_COMPOUND_KINDS = {
    Dialect.MYSQL: frozenset({"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"}),
    Dialect.SQLITE: frozenset({"TRIGGER"}),
}


def _after_end(tokens: list[Token], i: int) -> bool:
    """MySQL's ``END CASE``: the CASE closes a block, it opens none."""
    return i > 0 and tokens[i - 1].text.upper() == "END"


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
    if dialect == Dialect.POSTGRES and words(group[:2]) == ["COMMENT", "ON"]:
        stmt.expression = comment_on(group, chunk.sql)
        if stmt.expression is None:
            stmt.error = _comment_error(group, chunk.sql)
        return stmt
    try:
        expression = _parse(group, chunk.sql, dialect)
    except ParseError as exc:
        stmt.expression = _rescue(group, chunk.sql, dialect)
        if stmt.expression is None:
            stmt.command = known_command(group, dialect)
            if stmt.command is None:
                stmt.error = _parse_message(exc)
        return stmt
    except RecursionError:
        # Nested deeper than sqlglot's recursion allows (PostgreSQL takes
        # thousands of parentheses): not invalid SQL, only SQL no rule can read,
        # so unrecognized-sql (a warning), never sql-syntax.
        stmt.command = known_command(group, dialect) or ""
        return stmt
    except (ValueError, TypeError, AttributeError) as exc:
        stmt.error = f"the SQL parser failed: {type(exc).__name__}"
        return stmt
    if expression is None:
        return stmt
    if not _is_statement(expression):
        group = _expand_command(group, chunk.sql, dialect)
        rescued = _rescue(group, chunk.sql, dialect)
        if rescued is not None:
            stmt.expression = rescued
            return stmt
        stmt.command = known_command(group, dialect)
        if stmt.command == "RENAME TABLE":
            expression = rename_table(group) or expression
        elif stmt.command is None:
            stmt.command = ""  # unrecognized
    stmt.expression = expression
    return stmt


def _parse(group: list[Token], sql: str, dialect: Dialect) -> exp.Expr | None:
    parsed = _dialect(dialect).parser().parse(group, sql)
    return next((e for e in parsed if e is not None), None)


def _is_statement(expression: exp.Expr) -> bool:
    return not isinstance(expression, exp.Command) and type(expression).__name__ in _STATEMENT_TYPES


def _rescue(group: list[Token], sql: str, dialect: Dialect) -> exp.Expr | None:
    """A valid statement sqlglot rejects or keeps opaque, as the tree it builds for
    the same statement without its unsupported parts (``parse/commands.py``); None
    when it is not one of those."""
    tokens = simplified(group, dialect)
    if tokens is None:
        return None
    try:
        expression = _parse(tokens, sql, dialect)
    except (ParseError, RecursionError, ValueError, TypeError, AttributeError):
        return None
    return expression if expression is not None and _is_statement(expression) else None


def _comment_error(group: list[Token], sql: str) -> str:
    """Why a PostgreSQL COMMENT ON statement is invalid: sqlglot's words when they
    point at the culprit."""
    expected = "expected COMMENT ON <object kind> <name> IS '<text>' | NULL"
    try:
        _parse(group, sql, Dialect.POSTGRES)
    except ParseError as exc:
        message = _parse_message(exc)
        # not its "Required keyword: 'expression' missing for <class ...>"
        return expected if "Required keyword" in message else message
    except (RecursionError, ValueError, TypeError, AttributeError):
        pass
    return expected


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
