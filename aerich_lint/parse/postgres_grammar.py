"""PostgreSQL's own grammar as the judge of what is valid, and the valid statements
sqlglot's grammar lacks, rebuilt as the trees it builds for their equivalents.

sqlglot is lenient (it reads MySQL's ``DROP FOREIGN KEY`` in a PostgreSQL migration)
and incomplete (it rejects ``DROP INDEX a, b``). The server's parser settles both:
pglast wraps libpg_query, the parser of PostgreSQL itself, compiled in. It is asked
once per chunk (``judge_script``) and, only when the chunk is refused, once per
statement. pglast is imported lazily, the first time a PostgreSQL chunk is parsed, and
is optional: without it (a platform with no wheel) nothing is judged here and the
linter behaves as sqlglot alone would.

Nothing here raises on bad input: an answer pglast cannot give is no answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.tokens import Token


@cache
def parser() -> Any | None:
    """pglast's parser module, or None when pglast is not installed (or its compiled
    part does not load on this platform)."""
    try:
        from pglast import parser as pg_parser
    except Exception:  # ImportError, or a wheel built for another platform
        return None
    return pg_parser


def available() -> bool:
    return parser() is not None


@dataclass(frozen=True)
class Rejection:
    """What PostgreSQL's parser says about invalid SQL, in its own words."""

    message: str
    offset: int | None  # where it stopped, in the text judged; None: at its end


@dataclass(frozen=True)
class Script:
    """The verdict on a whole chunk: its statements' spans (start, end offsets, as the
    server cuts them) when it is valid, else the first error."""

    spans: tuple[tuple[int, int], ...] = ()
    error: Rejection | None = None


def judge_script(sql: str) -> Script | None:
    """One call for a whole chunk; None when pglast cannot judge it."""
    pg = parser()
    if pg is None or not _judgeable(sql):
        return None
    try:
        slices = pg.split(sql, with_parser=True, only_slices=True)
    except pg.ParseError as exc:
        rejection = _rejection(exc)
        return None if rejection is None else Script(error=rejection)
    except Exception:  # whatever else pglast fails with is no verdict
        return None
    return Script(spans=tuple((s.start, s.stop) for s in slices))


def judge_statement(sql: str) -> Rejection | None:
    """Why PostgreSQL's parser refuses one statement; None when it accepts it or cannot
    judge it."""
    pg = parser()
    if pg is None or not _judgeable(sql):
        return None
    try:
        pg.parse_sql_json(sql)
    except pg.ParseError as exc:
        return _rejection(exc)
    except Exception:
        return None
    return None


def judge_plpgsql(sql: str) -> Rejection | None:
    """A syntax error in the PL/pgSQL body of ``CREATE FUNCTION | PROCEDURE ...
    LANGUAGE plpgsql`` or of a ``DO`` block, which the server reports when the
    statement runs (``check_function_bodies`` is on by default). Only the grammar's own
    "syntax error" is trusted: libpg_query resolves no types, so its other complaints
    ("Not implemented" for ``%TYPE`` arguments, "cannot return type _record" for an
    array of a composite type) are wrong on valid bodies, and are ignored."""
    pg = parser()
    if pg is None or not _judgeable(sql) or not _plpgsql_parser_is_sound(pg):
        return None
    try:
        pg.parse_plpgsql_json(sql)
    except pg.ParseError as exc:
        message = str(exc.args[0]) if exc.args else ""
        if message.startswith("syntax error"):
            return Rejection(f"in the PL/pgSQL body: {message}", None)
        return None
    except Exception:
        return None
    return None


@cache
def _plpgsql_parser_is_sound(pg: Any) -> bool:
    """pglast 8 (PostgreSQL 18's libpg_query) or later: pglast 7's PL/pgSQL parser aborts
    the whole process on a function with no AS body (BEGIN ATOMIC, RETURN expr) and on
    cut-short ones (44 of 4,000 mutated bodies of PostgreSQL's regression tests; 0 of
    8,000 with pglast 8)."""
    try:
        return bool(pg.get_postgresql_version()[0] >= 18)
    except Exception:
        return False


def _judgeable(sql: str) -> bool:
    # libpg_query reads a C string: a NUL would cut the text short (and the server
    # refuses NUL in any text it is sent)
    return bool(sql.strip()) and "\x00" not in sql


def _rejection(exc: Exception) -> Rejection | None:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    message = str(args[0]) if args else ""
    if not message or "stack depth" in message:
        # libpg_query's recursion limit is not the server's max_stack_depth
        return None
    offset = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    return Rejection(message, offset)


# -- statements sqlglot rejects or keeps opaque, rebuilt -------------------------------


def rescue(tokens: list[Token], sql: str) -> exp.Expr | None:
    """A valid PostgreSQL statement sqlglot cannot read, as the tree sqlglot builds for
    the equivalent statement it can read; None when it is not one of those. The tree
    carries the facts the rules need: one ``DropIndex`` per name of ``DROP INDEX a, b``,
    the table of ``INSERT INTO t (col.field, arr[1])``, the rename of ``ALTER TABLE t
    SET SCHEMA s``, the other actions of an ``ALTER TABLE`` whose storage, statistics
    or replication clause sqlglot lacks, a temporary table ``ON COMMIT DROP``."""
    from aerich_lint.parse.commands import words

    ws = words(tokens)
    try:
        if ws[:2] == ["DROP", "INDEX"]:
            return _drop_indexes(tokens, ws, sql)
        if ws[:2] == ["INSERT", "INTO"]:
            return _insert_subfields(tokens, sql)
        if ws[:2] == ["ALTER", "TABLE"]:
            return _alter_table(tokens, ws, sql)
        if ws[:1] == ["CREATE"] and "TABLE" in ws[:4]:
            return _on_commit_drop(tokens, ws, sql)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError):
        return None
    return None


def _parse(tokens: list[Token], sql: str) -> exp.Expr | None:
    from sqlglot.errors import ParseError

    from aerich_lint.model import Dialect
    from aerich_lint.parse.trees import dialect_for, is_statement

    try:
        parsed = dialect_for(Dialect.POSTGRES).parser().parse(tokens, sql)
    except (ParseError, RecursionError, ValueError, TypeError, AttributeError):
        return None
    expression = next((e for e in parsed if e is not None), None)
    return expression if expression is not None and is_statement(expression) else None


def _top_level_commas(tokens: list[Token], start: int) -> list[int]:
    from sqlglot.tokens import TokenType

    depth = 0
    out = []
    for i in range(start, len(tokens)):
        kind = tokens[i].token_type
        if kind in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif kind in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif kind == TokenType.COMMA and depth == 0:
            out.append(i)
    return out


def _drop_indexes(tokens: list[Token], ws: list[str], sql: str) -> exp.Expr | None:
    """``DROP INDEX [CONCURRENTLY] [IF EXISTS] a, b [CASCADE | RESTRICT]``: sqlglot
    reads one name; each is parsed alone and gathered into one ``Drop``."""
    from sqlglot import exp

    first = 2
    while first < len(ws) and ws[first] in {"CONCURRENTLY", "IF", "EXISTS"}:
        first += 1
    commas = _top_level_commas(tokens, first)
    if not commas:
        return None
    last = len(ws)
    if ws[-1] in {"CASCADE", "RESTRICT"}:
        last -= 1
    bounds = [first - 1, *commas, last]
    names = [tokens[a + 1 : b] for a, b in pairwise(bounds)]
    if any(not name for name in names):
        return None
    head, tail = tokens[:first], tokens[last:]
    drop = _parse([*head, *names[0], *tail], sql)
    if not isinstance(drop, exp.Drop) or str(drop.args.get("kind") or "").upper() != "INDEX":
        return None
    tables = list(drop.args.get("tables") or [])
    for name in names[1:]:
        alone = _parse([*tokens[:2], *name], sql)
        if not isinstance(alone, exp.Drop) or len(alone.args.get("tables") or []) != 1:
            return None
        tables.append(alone.args["tables"][0])
    drop.set("tables", tables)
    return drop


def _insert_subfields(tokens: list[Token], sql: str) -> exp.Expr | None:
    """``INSERT INTO t (col.field, arr[1]) ...``: PostgreSQL's target columns may name
    a field of a composite column or an array element; sqlglot reads plain names."""
    from sqlglot.tokens import TokenType

    opening = next(
        (i for i, t in enumerate(tokens) if t.token_type == TokenType.L_PAREN and i > 2), None
    )
    if opening is None:
        return None
    depth = 0
    keep: list[Token] = []
    changed = False
    i = opening
    while i < len(tokens):
        tok = tokens[i]
        if depth == 1 and tok.token_type == TokenType.DOT and i + 1 < len(tokens):
            i += 2  # .field
            changed = True
            continue
        if depth == 1 and tok.token_type == TokenType.L_BRACKET:
            level = 0
            while i < len(tokens):  # [subscript]
                level += {TokenType.L_BRACKET: 1, TokenType.R_BRACKET: -1}.get(
                    tokens[i].token_type, 0
                )
                i += 1
                if level == 0:
                    break
            changed = True
            continue
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                keep.append(tok)
                keep.extend(tokens[i + 1 :])
                break
        keep.append(tok)
        i += 1
    if not changed:
        return None
    return _parse([*tokens[:opening], *keep], sql)


# ALTER TABLE actions sqlglot lacks that change nothing the linter reads: their lock is
# that of the ALTER TABLE they are in, which the rest of the statement still shows. By
# the words that start them (after ``ALTER [COLUMN] name`` for the column ones).
_TABLE_ACTIONS = (
    ("REPLICA", "IDENTITY"),
    ("CLUSTER", "ON"),
    ("SET", "WITHOUT", "CLUSTER"),
    ("RESET", "("),
    ("ALTER", "CONSTRAINT"),
    ("OWNER", "TO"),
)
_COLUMN_ACTIONS = (
    ("SET", "STATISTICS"),
    ("SET", "STORAGE"),
    ("SET", "COMPRESSION"),
    ("SET", "("),
    ("RESET", "("),
    ("ADD", "GENERATED"),
    ("DROP", "IDENTITY"),
    ("SET", "GENERATED"),
    ("RESTART",),
)


def harmless_action(action: list[str]) -> bool:
    """Is this ALTER TABLE action (its words) one of those above?"""
    if any(tuple(action[: len(p)]) == p for p in _TABLE_ACTIONS):
        return True
    if action[:1] != ["ALTER"]:
        return False
    at = 2 if action[1:2] == ["COLUMN"] else 1
    rest = action[at + 1 :]
    return any(tuple(rest[: len(p)]) == p for p in _COLUMN_ACTIONS)


def _alter_table(tokens: list[Token], ws: list[str], sql: str) -> exp.Expr | None:
    from sqlglot import exp
    from sqlglot.tokens import Token, TokenType

    name_at = 2
    while name_at < len(ws) and ws[name_at] in {"IF", "EXISTS", "ONLY"}:
        name_at += 1
    end = name_at + 1
    while end + 1 < len(tokens) and tokens[end].token_type == TokenType.DOT:
        end += 2
    last = tokens[end - 1]  # the table's own name, without its schema
    if end < len(ws) and ws[end] == "*":
        end += 1
    if end >= len(tokens):
        return None
    head = tokens[:end]
    if ws[end : end + 2] == ["SET", "SCHEMA"] and len(tokens) == end + 3:
        # ALTER TABLE t SET SCHEMA s: the table becomes s.t, a rename for the facts
        target = tokens[end + 2]
        if target.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            return None
        where = (target.line, target.col, target.start, target.end)
        rename = Token(TokenType.RENAME, "RENAME", *where)
        to = Token(TokenType.VAR, "TO", *where)
        dot = Token(TokenType.DOT, ".", target.line, target.col, target.end, target.end)
        tree = _parse([*head, rename, to, target, dot, last], sql)
        return tree if isinstance(tree, exp.Alter) else None
    bounds = [end - 1, *_top_level_commas(tokens, end), len(tokens)]
    actions = [tokens[a + 1 : b] for a, b in pairwise(bounds)]
    kept = [a for a in actions if not harmless_action(_words(a))]
    if len(kept) in (0, len(actions)) or any(not a for a in kept):
        return None  # nothing to drop, or nothing left: a known command names it
    body: list[Token] = []
    for action in kept:
        if body:
            at = action[0]
            body.append(Token(TokenType.COMMA, ",", at.line, at.col, at.start, at.start))
        body.extend(action)
    return _parse([*head, *body], sql)


def _words(tokens: list[Token]) -> list[str]:
    from aerich_lint.parse.commands import words

    return words(tokens)


def _on_commit_drop(tokens: list[Token], ws: list[str], sql: str) -> exp.Expr | None:
    """``CREATE TEMP TABLE t (...) ON COMMIT DROP`` (and ``... ON COMMIT DROP AS
    SELECT``): sqlglot knows ON COMMIT DELETE / PRESERVE ROWS only. The clause is
    dropped; the table stays a temporary one."""
    for i in range(len(ws) - 2):
        if ws[i : i + 3] == ["ON", "COMMIT", "DROP"]:
            return _parse([*tokens[:i], *tokens[i + 3 :]], sql)
    return None
