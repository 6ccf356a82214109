"""Tokenize, split and parse SQL chunks with sqlglot, keeping every statement's
position in the migration file."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from aerich_lint.dialects import spec
from aerich_lint.model import Chunk, Dialect, Statement
from aerich_lint.parse.commands import (
    comment_on,
    known_command,
    rename_table,
    simplified,
    words,
)
from aerich_lint.parse.comments import SUPPRESS, parse_suppression
from aerich_lint.parse.facts import compute
from aerich_lint.parse.trees import dialect_for, is_statement


def parse_chunk(
    chunk: Chunk, section: str, dialect: Dialect, first_index: int = 0
) -> list[Statement]:
    """The chunk's statements, each with its facts (``effects``) computed from
    sqlglot's tree; the trees are not kept: rules read facts."""
    return [stmt for stmt, _ in parse_chunk_trees(chunk, section, dialect, first_index)]


def parse_chunk_trees(
    chunk: Chunk, section: str, dialect: Dialect, first_index: int = 0
) -> list[tuple[Statement, exp.Expr | None]]:
    """``parse_chunk``, with each statement's sqlglot tree (None: not parsed)."""
    trees: dict[int, exp.Expr] = {}

    sql_dialect = dialect_for(dialect)
    # PostgreSQL: the server's own parser judges the SQL (see _server_plan)
    judged = dialect == Dialect.POSTGRES and bool(chunk.sql.strip()) and _pglast_available()
    verdicts: list[Any] | None = None
    try:
        tokens = sql_dialect.tokenize(chunk.sql)
    except TokenError as exc:
        script = _judge_script(chunk.sql) if judged else None
        spans = script.spans if script is not None and script.error is None else None
        placed = _token_error(chunk, section, dialect, first_index, exc, trees, spans)
        if script is not None:
            verdicts = _each_statement(chunk.sql, [(s.sql, a) for s, a in placed], script)
    else:
        groups = _split(tokens, dialect)
        if judged and groups:
            groups, verdicts = _server_plan(groups, chunk.sql, dialect)
        placed = []
        for group in groups:
            start, end = group[0].start, group[-1].end + 1
            index = first_index + len(placed)
            stmt, tree = _statement(chunk, section, dialect, group, start, end, index)
            if tree is not None:
                trees[id(stmt)] = tree  # (by id: the statement itself keeps no tree)
            placed.append((stmt, start))
    if verdicts is not None:
        for (stmt, start), verdict in zip(placed, verdicts, strict=True):
            if verdict is None:
                _accepted(stmt, id(stmt) in trees)
                if _judge_body(chunk, stmt, start):
                    trees.pop(id(stmt), None)
            else:
                _refuse(chunk, stmt, start, verdict)
                trees.pop(id(stmt), None)
    elif dialect == Dialect.SQLITE:
        _sqlite_judges(chunk, placed, trees)
    statements = [stmt for stmt, _ in placed]
    previous_end = 0
    previous: Statement | None = None
    for stmt, start in placed:
        _attach_suppressions(chunk, chunk.sql[previous_end:start], previous_end, previous, stmt)
        previous, previous_end = stmt, start + len(stmt.sql)
    _attach_suppressions(chunk, chunk.sql[previous_end:], previous_end, previous, None)
    out: list[tuple[Statement, exp.Expr | None]] = []
    for stmt in statements:  # the facts rules read, computed here, once
        tree = trees.get(id(stmt))
        stmt.effects = compute(tree, dialect) if tree is not None else []
        out.append((stmt, tree))
    return out


def _sqlite_judges(
    chunk: Chunk, placed: list[tuple[Statement, int]], trees: dict[int, exp.Expr]
) -> None:
    """SQLite's parser decides the statements sqlglot could not read (refused, or not
    understood): see ``sqlite_grammar``."""
    for stmt, start in placed:
        if stmt.error is None and stmt.command != "":  # ("": read, but not understood)
            continue
        if stmt.error is not None and stmt.error.startswith("unterminated"):
            continue  # the tokenizer's: the statement's text is only a guess
        from aerich_lint.parse import sqlite_grammar

        verdict = sqlite_grammar.judge_statement(stmt.sql)
        if verdict is None:
            _accepted(stmt, id(stmt) in trees)
        else:
            _refuse(chunk, stmt, start, verdict)
            trees.pop(id(stmt), None)


def _pglast_available() -> bool:
    """Is PostgreSQL's parser here? (pglast is imported now, the first time a PostgreSQL
    chunk is parsed; never by a run the cache answers.)"""
    from aerich_lint.parse import postgres_grammar

    return postgres_grammar.available()


def _judge_script(sql: str) -> Any:
    from aerich_lint.parse import postgres_grammar

    return postgres_grammar.judge_script(sql)


def _server_plan(
    groups: list[list[Token]], sql: str, dialect: Dialect
) -> tuple[list[list[Token]], list[Any] | None]:
    """The statements as the server cuts them and its verdict on each: None (valid) or
    its ``Rejection``, the offset relative to the statement.

    One call for the whole chunk; when it is refused at some offset, the statements
    before are valid (its grammar stops at the first token that cannot continue what
    came before), the one holding the offset gets the server's own words, and the rest
    is judged the same way. The statements are cut where the server cuts them, not at
    every semicolon: a ``BEGIN ATOMIC ... END`` body, a rule's ``DO (a; b)``."""
    out: list[list[Token]] = []
    verdicts: list[Any] = []
    i = 0
    while i < len(groups):
        base = groups[i][0].start
        script = _judge_script(sql[base:])
        if script is None:
            return groups, None
        if script.error is None:
            kept = _server_groups(groups[i:], _moved(script.spans, base), sql, len(sql), dialect)
            out += kept
            verdicts += [None] * len(kept)
            break
        offset = script.error.offset
        at = base + offset if offset is not None else len(sql)
        j = max(k for k in range(i, len(groups)) if groups[k][0].start <= at or k == i)
        if j > i:
            cut = groups[j][0].start
            before = _judge_script(sql[base:cut])
            if before is None or before.error is not None:
                # the error is not where the grammar stopped ("at end of input" after an
                # unclosed parenthesis): each statement is judged alone
                rest = [(sql[g[0].start : g[-1].end + 1], g[0].start) for g in groups[i:]]
                out += groups[i:]
                verdicts += _each_statement(sql, rest, script, base)
                break
            kept = _server_groups(groups[i:j], _moved(before.spans, base), sql, cut, dialect)
            out += kept
            verdicts += [None] * len(kept)
        out.append(groups[j])
        # "at end of input" (no offset): the end of that statement
        relative = None if offset is None else at - groups[j][0].start
        verdicts.append(replace(script.error, offset=relative))
        i = j + 1
    return out, verdicts


def _moved(spans: tuple[tuple[int, int], ...], base: int) -> tuple[tuple[int, int], ...]:
    return tuple((a + base, b + base) for a, b in spans)


def _each_statement(
    sql: str, pieces: list[tuple[str, int]], script: Any, base: int = 0
) -> list[Any]:
    """The verdict on each statement judged alone (the server's cut is unknown), with
    its semicolon as the server reads it ("at or near ";"", not "at end of input")."""
    from aerich_lint.parse import postgres_grammar

    if script.error is None:
        return [None] * len(pieces)
    verdicts = [
        postgres_grammar.judge_statement(sql[start : _semicolon_end(sql, start + len(text))])
        for text, start in pieces
    ]
    if pieces and all(v is None for v in verdicts):
        # each is valid alone, the whole is not: the error goes where the server stopped
        offset = script.error.offset
        at = base + offset if offset is not None else len(sql)
        k = max((k for k, (_, start) in enumerate(pieces) if start <= at), default=0)
        relative = None if offset is None else at - pieces[k][1]
        verdicts[k] = replace(script.error, offset=relative)
    return verdicts


def _server_groups(
    groups: list[list[Token]],
    spans: tuple[tuple[int, int], ...],
    sql: str,
    end: int,
    dialect: Dialect,
) -> list[list[Token]]:
    """The statements where PostgreSQL's parser cut valid SQL (``spans``, up to
    ``end``), when they differ from the semicolons the tokenizer saw."""
    if len(groups) == len(spans) and all(
        a <= g[0].start < b and g[-1].end < (spans[n + 1][0] if n + 1 < len(spans) else end)
        for n, (g, (a, b)) in enumerate(zip(groups, spans, strict=True))
    ):
        return groups
    out: list[list[Token]] = []
    for a, b in spans:
        try:
            tokens = dialect_for(dialect).tokenize(sql[a:b])
        except TokenError:
            return groups
        if tokens:
            out.append(_shift(tokens, a))
    return out or groups


def _semicolon_end(sql: str, end: int) -> int:
    """Where a statement ending at ``end`` ends with the semicolon that follows it."""
    rest = sql[end:]
    gap = len(rest) - len(rest.lstrip())
    return end + gap + 1 if rest[gap : gap + 1] == ";" else end


def _accepted(stmt: Statement, parsed: bool) -> None:
    if stmt.error is not None and not stmt.error.startswith(_COMMENT_REFUSALS):
        stmt.error = None
        if stmt.command is None and not parsed:
            stmt.command = ""  # valid, but nothing here can read it: unrecognized-sql


def _judge_body(chunk: Chunk, stmt: Statement, start: int) -> bool:
    """A PL/pgSQL body with a syntax error (see ``postgres_grammar.judge_plpgsql``):
    refused, and True."""
    if stmt.error is None and _ROUTINE.match(stmt.sql):
        from aerich_lint.parse import postgres_grammar

        rejection = postgres_grammar.judge_plpgsql(stmt.sql)
        if rejection is not None:
            _refuse(chunk, stmt, start, rejection, keep_line=True)
            return True
    return False


_ROUTINE = re.compile(
    r"(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)|DO)\b", re.IGNORECASE
)


def _refuse(
    chunk: Chunk, stmt: Statement, start: int, rejection: Any, keep_line: bool = False
) -> None:
    """The statement is invalid: its error is the server's, and its position that of
    the culprit (the end of the statement for "at end of input")."""
    stmt.error = rejection.message
    stmt.command = None
    stmt.effects = None
    if keep_line:
        return
    offset = rejection.offset
    if offset is None or not 0 <= offset < len(chunk.sql) - start:
        offset = max(len(stmt.sql.rstrip()) - 1, 0)
    stmt.line, stmt.column = chunk.positions.position(start + offset)


def split_statements(sql: str, dialect: Dialect) -> list[str]:
    """The statements of a script, cut at the semicolons the tokenizer sees (so
    semicolons in strings, comments and dollar quotes stay inside); the whole
    script when it does not tokenize."""
    try:
        tokens = dialect_for(dialect).tokenize(sql)
    except TokenError:
        return [sql] if sql.strip() else []
    return [sql[group[0].start : group[-1].end + 1] for group in _split(tokens, dialect)]


def _split(tokens: list[Token], dialect: Dialect) -> list[list[Token]]:
    """Statements at the semicolons, except those inside the ``BEGIN ... END`` body of
    a MySQL or SQLite trigger (MySQL: also of a procedure, function or event), which
    the server reads as one statement."""
    groups: list[list[Token]] = [[]]
    # the statements whose body may hold semicolons, by the word that names them
    # (looked for among the first tokens of a CREATE: CREATE DEFINER = `u`@`h` TRIGGER)
    kinds = spec(dialect).compound_kinds
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
            compound = word in kinds and group[0].text.upper() == "CREATE" and len(group) <= 12
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
) -> tuple[Statement, exp.Expr | None]:
    """The statement of one token group, and its sqlglot tree when it has one."""
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
        tree = comment_on(group, chunk.sql)
        if tree is None:
            stmt.error = _comment_error(group, chunk.sql)
        return stmt, tree
    try:
        expression = _parse(group, chunk.sql, dialect)
    except ParseError as exc:
        tree = _rescue(group, chunk.sql, dialect)
        if tree is None and dialect == Dialect.POSTGRES:
            tree = _pg_rescue(group, chunk.sql)
        if tree is None:
            stmt.command = known_command(group, dialect)
            if stmt.command is None:
                stmt.error = _parse_message(exc)
        return stmt, tree
    except RecursionError:
        # Nested deeper than sqlglot's recursion allows (PostgreSQL takes
        # thousands of parentheses): not invalid SQL, only SQL no rule can read,
        # so unrecognized-sql (a warning), never sql-syntax.
        stmt.command = known_command(group, dialect) or ""
        return stmt, None
    except (ValueError, TypeError, AttributeError) as exc:
        stmt.error = f"the SQL parser failed: {type(exc).__name__}"
        return stmt, None
    if expression is None:
        return stmt, None
    if not is_statement(expression):
        group = _expand_command(group, chunk.sql, dialect)
        rescued = _rescue(group, chunk.sql, dialect)
        if rescued is None and dialect == Dialect.POSTGRES:
            rescued = _pg_rescue(group, chunk.sql)
        if rescued is not None:
            return stmt, rescued
        stmt.command = known_command(group, dialect)
        if stmt.command == "RENAME TABLE":
            expression = rename_table(group) or expression
        elif stmt.command is None:
            stmt.command = ""  # unrecognized
    return stmt, expression


def _parse(group: list[Token], sql: str, dialect: Dialect) -> exp.Expr | None:
    parsed = dialect_for(dialect).parser().parse(group, sql)
    return next((e for e in parsed if e is not None), None)


def _pg_rescue(group: list[Token], sql: str) -> exp.Expr | None:
    from aerich_lint.parse import postgres_grammar

    return postgres_grammar.rescue(group, sql)


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
    return expression if expression is not None and is_statement(expression) else None


def _comment_error(group: list[Token], sql: str) -> str:
    """Why a PostgreSQL COMMENT ON statement is invalid: the server's words for the
    names its grammar accepts but it refuses next, else sqlglot's words when they
    point at the culprit."""
    refused = _comment_refused(group)
    if refused is not None:
        return refused
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


# What PostgreSQL says of a COMMENT ON whose name its grammar accepts (checked on the
# server): these stand even where pglast, which stops at the grammar, accepts them.
_COMMENT_REFUSALS = ("column name must be qualified", "improper relation name")
_RELATION_KINDS = frozenset({"TABLE", "VIEW", "INDEX", "SEQUENCE", "MATERIALIZED", "FOREIGN"})


def _comment_refused(group: list[Token]) -> str | None:
    ws = words(group)
    if len(ws) < 4 or ws[2] not in _RELATION_KINDS | {"COLUMN"}:
        return None
    at = 3 + (ws[2] in {"MATERIALIZED", "FOREIGN"})
    names: list[str] = []
    while at < len(group) and (not names or group[at].token_type == TokenType.DOT):
        if names:
            at += 1
        if at >= len(group) or group[at].token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            return None
        names.append(group[at].text)
        at += 1
    if ws[2] == "COLUMN" and len(names) == 1:
        return _COMMENT_REFUSALS[0]
    relation = names[:-1] if ws[2] == "COLUMN" else names
    if len(relation) > 3:
        return f"{_COMMENT_REFUSALS[1]} (too many dotted names): {'.'.join(relation)}"
    return None


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
        return [group[0], *_shift(dialect_for(dialect).tokenize(raw), start)]
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
    chunk: Chunk,
    section: str,
    dialect: Dialect,
    first_index: int,
    exc: Exception,
    trees: dict[int, exp.Expr],
    spans: tuple[tuple[int, int], ...] | None = None,
) -> list[tuple[Statement, int]]:
    """The tokenizer gave up (an unterminated string or quote): still parse the
    statements before the bad one, split naively on ``;`` (or where PostgreSQL's parser
    cut a chunk it accepts: ``spans``), and stop at it."""

    out: list[tuple[Statement, int]] = []
    pieces = (
        [(a, chunk.sql[a:b]) for a, b in spans]
        if spans is not None
        else [(m.start(), m.group(0)) for m in re.finditer(r"[^;]+", chunk.sql)]
    )
    for offset, text in pieces:
        body = text.strip()
        if not body:
            continue
        start = offset + len(text) - len(text.lstrip())
        try:
            tokens = dialect_for(dialect).tokenize(body)
        except TokenError:
            line, column = chunk.positions.position(start)
            reason = str(exc).splitlines()[0] if str(exc) else "cannot tokenize"
            stmt = Statement(
                section=section,
                index=first_index + len(out),
                sql=body,
                line=line,
                column=column,
                via=chunk.via,
                end_line=chunk.positions.position(start + len(body) - 1)[0],
                error=f"unterminated string or quoted name ({reason})",
            )
            out.append((stmt, start))
            if spans is None:
                break
            continue
        if tokens:
            stmt, tree = _statement(
                chunk,
                section,
                dialect,
                _shift(tokens, start),
                start,
                start + len(body),
                first_index + len(out),
            )
            if tree is not None:
                trees[id(stmt)] = tree
            out.append((stmt, start))
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
