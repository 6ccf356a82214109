"""Valid statements that sqlglot keeps as an opaque ``Command`` (or cannot parse).

With ``sqlglotc`` installed, sqlglot's parser classes are compiled by mypyc and
cannot be subclassed from Python ("interpreted classes cannot inherit from
compiled"), so these statements are recognised here from sqlglot's own token
stream instead, and the ones rules need (MySQL's ``RENAME TABLE``) are turned
into the same expression trees sqlglot builds for their equivalents. PostgreSQL's
``COMMENT ON`` is checked against its grammar here (``comment_on``), and statements
with a clause sqlglot lacks are parsed again without it (``simplified``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aerich_lint.dialects import spec
from aerich_lint.dialects.base import KnownCommand as KnownCommand  # re-exported
from aerich_lint.model import Dialect

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.tokens import Token

# The known commands of each dialect: DialectSpec.known_commands, in the dialect's
# module (aerich_lint/dialects/).

# Known commands whose effect on tables and columns cannot be read from the statement:
# a DO block runs arbitrary PL/pgSQL (typically a guarded ALTER TABLE), so does the
# procedure a CALL runs; ALTER SCHEMA ... RENAME moves every table of the schema. The
# replay cannot follow them, so the history rules stay quiet after one.
UNKNOWN_EFFECT = frozenset({"DO", "CALL", "ALTER SCHEMA RENAME"})


def words(tokens: list[Token]) -> list[str]:
    """Upper-cased keywords and bare words; quoted names and strings become ''."""
    from sqlglot.tokens import TokenType

    opaque = {TokenType.IDENTIFIER, TokenType.STRING}
    return ["" if t.token_type in opaque else t.text.upper() for t in tokens]


def known_command(tokens: list[Token], dialect: Dialect) -> str | None:
    ws = words(tokens)
    for cmd in spec(dialect).known_commands:
        if tuple(ws[: len(cmd.prefix)]) != cmd.prefix:
            continue
        if cmd.contains and not _contains(ws, cmd.contains):
            continue
        return cmd.name
    return None


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


def rename_table(tokens: list[Token]) -> exp.Expr | None:
    """``RENAME TABLE a TO b`` as sqlglot's tree for ``ALTER TABLE a RENAME TO b``
    (only the first pair of a multi-table rename)."""
    from sqlglot import exp
    from sqlglot.tokens import TokenType

    names: list[list[Token]] = [[]]
    for tok in tokens[2:]:
        if tok.token_type == TokenType.COMMA:
            break
        if tok.text.upper() == "TO" and tok.token_type != TokenType.IDENTIFIER:
            names.append([])
            continue
        names[-1].append(tok)
    if len(names) != 2 or not names[0] or not names[1]:
        return None

    def table(parts: list[Token]) -> exp.Table:
        idents = [
            exp.Identifier(this=t.text, quoted=t.token_type == TokenType.IDENTIFIER)
            for t in parts
            if t.token_type != TokenType.DOT
        ]
        if len(idents) == 1:
            return exp.Table(this=idents[0])
        return exp.Table(this=idents[-1], db=idents[-2])

    return exp.Alter(
        this=table(names[0]),
        kind="TABLE",
        actions=[exp.AlterRename(this=table(names[1]))],
    )


# -- COMMENT ON (PostgreSQL) ------------------------------------------------------
# sqlglot rejects ``IS NULL`` (what aerich writes when a description is removed),
# ``E'...'``/``$$...$$`` values and the ``CONSTRAINT name ON table`` kinds, and keeps
# the kinds it does not know as opaque commands: the statement is checked here
# against PostgreSQL's grammar instead, and built as sqlglot's ``exp.Comment``.

_NAME_KINDS = (
    ("ACCESS", "METHOD"), ("EVENT", "TRIGGER"), ("FOREIGN", "DATA", "WRAPPER"),
    ("FOREIGN", "TABLE"), ("MATERIALIZED", "VIEW"), ("PROCEDURAL", "LANGUAGE"),
    ("TEXT", "SEARCH", "CONFIGURATION"), ("TEXT", "SEARCH", "DICTIONARY"),
    ("TEXT", "SEARCH", "PARSER"), ("TEXT", "SEARCH", "TEMPLATE"), ("COLLATION",),
    ("CONVERSION",), ("DATABASE",), ("DOMAIN",), ("EXTENSION",), ("INDEX",),
    ("LANGUAGE",), ("PUBLICATION",), ("ROLE",), ("SCHEMA",), ("SEQUENCE",), ("SERVER",),
    ("STATISTICS",), ("SUBSCRIPTION",), ("TABLE",), ("TABLESPACE",), ("TYPE",), ("VIEW",),
)  # fmt: skip
# kind name ON [DOMAIN] table
_ON_KINDS = (("CONSTRAINT",), ("POLICY",), ("RULE",), ("TRIGGER",))
# kind name [(argument types)]
_ROUTINE_KINDS = (("AGGREGATE",), ("FUNCTION",), ("PROCEDURE",), ("ROUTINE",))
# kinds with their own small grammars, only checked for balanced parentheses
_OTHER_KINDS = (
    ("OPERATOR", "CLASS"), ("OPERATOR", "FAMILY"), ("LARGE", "OBJECT"), ("TRANSFORM", "FOR"),
    ("OPERATOR",), ("CAST",),
)  # fmt: skip
# (kind words, shape of the object name), longest kinds first: OPERATOR CLASS before OPERATOR
_COMMENT_KINDS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        [
            (("COLUMN",), "column"),
            *((k, "on") for k in _ON_KINDS),
            *((k, "routine") for k in _ROUTINE_KINDS),
            *((k, "other") for k in _OTHER_KINDS),
            *((k, "name") for k in _NAME_KINDS),
        ],
        key=lambda kind: -len(kind[0]),
    )
)


def comment_on(tokens: list[Token], sql: str) -> exp.Comment | None:
    """PostgreSQL's ``COMMENT ON <object> IS <string> | NULL`` as sqlglot's tree, or
    None when the tokens are not such a statement (a real syntax error stays one)."""
    from sqlglot import exp

    ws = words(tokens)
    if ws[:2] != ["COMMENT", "ON"]:
        return None
    rest = ws[2:]
    found = next((k for k in _COMMENT_KINDS if tuple(rest[: len(k[0])]) == k[0]), None)
    if found is None:
        return None
    kind, shape = found
    start = 2 + len(kind)
    value_at = _comment_value(tokens, sql, start)
    if value_at is None:
        return None
    target = tokens[start : value_at - 1]  # between the kind and IS
    this = _comment_target(target, shape)
    if this is None:
        return None
    value = tokens[value_at:]
    expression: exp.Expr = (
        exp.Null()
        if len(value) == 1 and value[0].text.upper() == "NULL"
        else exp.Literal.string("".join(t.text for t in value))
    )
    return exp.Comment(this=this, kind=" ".join(kind), expression=expression)


def _comment_value(tokens: list[Token], sql: str, start: int) -> int | None:
    """Where the value after the last ``IS`` starts: NULL, or one string constant
    (PostgreSQL joins constants only across a newline)."""
    from sqlglot.tokens import TokenType

    strings = {
        TokenType.STRING,
        TokenType.BYTE_STRING,  # E'...'
        TokenType.HEREDOC_STRING,  # $$...$$, $tag$...$tag$
        TokenType.UNICODE_STRING,  # U&'...'
    }
    last = len(tokens) - 1
    if last <= start:
        return None
    if tokens[last].token_type == TokenType.NULL:
        at = last
    else:
        at = last
        while (
            at - 1 > start
            and tokens[at - 1].token_type == TokenType.STRING
            and tokens[at].token_type == TokenType.STRING
            and "\n" in sql[tokens[at - 1].end + 1 : tokens[at].start]
        ):
            at -= 1
        if tokens[at].token_type not in strings:
            return None
        if at != last and tokens[at].token_type != TokenType.STRING:
            return None
    if tokens[at - 1].token_type != TokenType.IS or at - 1 <= start:
        return None
    return at


def _comment_target(target: list[Token], shape: str) -> exp.Expr | None:
    from sqlglot import exp

    if not target:
        return None
    if shape == "column":
        parts = _dotted(target)
        if parts is None or not 2 <= len(parts) <= 4:
            return None
        keys = ("this", "table", "db", "catalog")
        return exp.Column(**dict(zip(keys, reversed(parts), strict=False)))
    if shape == "name":
        return _table(target)
    if shape == "on":
        ws = words(target)
        if len(target) < 3 or ws[1] != "ON" or _dotted(target[:1]) is None:
            return None
        table = target[3:] if ws[2] == "DOMAIN" else target[2:]
        if _table(table) is None:
            return None
    elif shape == "routine":
        paren = next((i for i, w in enumerate(words(target)) if w == "("), len(target))
        if _dotted(target[:paren]) is None or not _balanced(target[paren:]):
            return None
    elif not _balanced(target):
        return None
    return exp.Var(this=" ".join(t.text for t in target))


def _dotted(parts: list[Token]) -> list[exp.Identifier] | None:
    """``a.b.c`` as identifiers, or None when the tokens are not a dotted name."""
    import re

    from sqlglot import exp
    from sqlglot.tokens import TokenType

    if len(parts) % 2 == 0:
        return None
    out = []
    for i, tok in enumerate(parts):
        if i % 2:
            if tok.token_type != TokenType.DOT:
                return None
            continue
        quoted = tok.token_type == TokenType.IDENTIFIER
        if not quoted and not re.fullmatch(r"[^\W\d][\w$]*", tok.text):
            return None
        out.append(exp.Identifier(this=tok.text, quoted=quoted))
    return out


def _table(parts: list[Token]) -> exp.Table | None:
    from sqlglot import exp

    names = _dotted(parts)
    if names is None or len(names) > 3:
        return None
    keys = ("this", "db", "catalog")
    return exp.Table(**dict(zip(keys, reversed(names), strict=False)))


def _balanced(parts: list[Token]) -> bool:
    from sqlglot.tokens import TokenType

    depth = 0
    for tok in parts:
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# -- clauses sqlglot's grammar lacks ------------------------------------------------


def simplified(tokens: list[Token], dialect: Dialect) -> list[Token] | None:
    """The statement without clauses sqlglot's grammar lacks but that change nothing
    the linter reads from it, for a second parse (which still checks the rest); None
    when there is nothing to drop. PostgreSQL: ``CREATE INDEX ... ON ONLY t``, ``NULLS
    [NOT] DISTINCT``; a view's ``RECURSIVE``, ``WITH (options)``, ``WITH [NO] DATA`` and
    ``WITH [CASCADED | LOCAL] CHECK OPTION``. MySQL and SQLite: ``REPLACE INTO`` (read
    as INSERT). MySQL: ``RENAME AS``. SQLite: a table's ``WITHOUT ROWID``."""
    from sqlglot.tokens import Token, TokenType

    ws = words(tokens)
    drop: set[int] = set()
    out = list(tokens)
    if dialect == Dialect.POSTGRES and ws[:1] == ["CREATE"]:
        head = ws[: ws.index("(") if "(" in ws else len(ws)]
        if "INDEX" in head[:3]:
            on = head.index("ON") if "ON" in head else -1
            if on > 0 and on + 1 < len(ws) and ws[on + 1] == "ONLY":
                drop.add(on + 1)
            for i in _top_level(tokens):
                if ws[i : i + 3] == ["NULLS", "NOT", "DISTINCT"]:
                    drop.update((i, i + 1, i + 2))
                elif ws[i : i + 2] == ["NULLS", "DISTINCT"]:
                    drop.update((i, i + 1))
        elif "VIEW" in head[:6]:
            drop.update(_view_clauses(tokens, ws))
    elif dialect == Dialect.SQLITE and ws[:1] == ["CREATE"] and ws[-2:] == ["WITHOUT", "ROWID"]:
        drop.update((len(ws) - 2, len(ws) - 1))
    elif dialect in {Dialect.MYSQL, Dialect.SQLITE} and ws[:2] == ["REPLACE", "INTO"]:
        first = tokens[0]
        out[0] = Token(TokenType.INSERT, "INSERT", first.line, first.col, first.start, first.end)
    elif dialect == Dialect.MYSQL and ws[:2] == ["ALTER", "TABLE"]:
        for i in _top_level(tokens):
            if ws[i : i + 2] == ["RENAME", "AS"]:
                tok = tokens[i + 1]
                out[i + 1] = Token(TokenType.VAR, "TO", tok.line, tok.col, tok.start, tok.end)
    result = [t for i, t in enumerate(out) if i not in drop]
    changed = bool(drop) or any(a is not b for a, b in zip(out, tokens, strict=True))
    return result if changed and result else None


def _top_level(tokens: list[Token]) -> list[int]:
    """Positions of the tokens outside any parentheses."""
    from sqlglot.tokens import TokenType

    depth = 0
    out = []
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0:
            out.append(i)
    return out


def _view_clauses(tokens: list[Token], ws: list[str]) -> set[int]:
    """The positions of a PostgreSQL view's clauses that sqlglot does not parse."""
    drop: set[int] = set()
    top = _top_level(tokens)
    view = ws.index("VIEW")
    if "RECURSIVE" in ws[:view]:
        drop.add(ws.index("RECURSIVE"))
    as_at = next((i for i in top if i > view and ws[i] == "AS"), None)
    if as_at is None:
        return drop
    # WITH (security_barrier, check_option = local) between the name and AS
    with_at = next((i for i in top if view < i < as_at and ws[i] == "WITH"), None)
    if with_at is not None and with_at + 1 < as_at and ws[with_at + 1] == "(":
        depth = 0
        for j in range(with_at + 1, as_at):
            depth += {"(": 1, ")": -1}.get(ws[j], 0)
            if depth == 0:
                drop.update(range(with_at, j + 1))
                break
    last = len(ws)
    for tail in (
        ["WITH", "NO", "DATA"],
        ["WITH", "DATA"],
        ["WITH", "CHECK", "OPTION"],
        ["WITH", "LOCAL", "CHECK", "OPTION"],
        ["WITH", "CASCADED", "CHECK", "OPTION"],
    ):
        start = last - len(tail)
        if start > as_at and ws[start:] == tail and start in top:
            drop.update(range(start, last))
            break
    return drop
