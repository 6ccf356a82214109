"""Facts of the PostgreSQL statements the online-safety rules judge by what the server
does with them: REINDEX, LOCK TABLE's lock mode, ALTER TABLE ... DETACH PARTITION,
CREATE FUNCTION's volatility, SET / RESET forms sqlglot keeps opaque, ``set_config()``,
and the functions a column default calls.

Most of these are opaque ``Command``s to sqlglot, so they are read from its token
stream. Nothing here raises on bad input: a statement that does not have the expected
shape gives no fact (or a fact with what could be read).
"""

from __future__ import annotations

import re
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from aerich_lint.effects import CreateFunction, Effect, Reindex, Setting, TableCommand
from aerich_lint.model import Dialect

# Tokens whose text is a value or a quoted name, never a keyword.
_OPAQUE = frozenset(
    {
        TokenType.IDENTIFIER,
        TokenType.STRING,
        TokenType.HEREDOC_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.UNICODE_STRING,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
    }
)
_STRINGS = _OPAQUE - {TokenType.IDENTIFIER}
_ERRORS = (SqlglotError, ValueError, TypeError, AttributeError, IndexError, RecursionError)

# The first word of the opaque commands read here (besides ALTER TABLE's forms).
COMMAND_HEADS = frozenset({"REINDEX", "CREATE", "SET", "RESET", "LOCK"})


def tokens_of(text: str) -> list[Token]:
    """PostgreSQL's tokens of ``text`` ([] when it does not tokenize). After a command
    keyword (REINDEX, LOCK, ...) sqlglot keeps the rest as one string: it is tokenized
    too."""
    from aerich_lint.parse.trees import dialect_for

    try:
        tokens: list[Token] = dialect_for(Dialect.POSTGRES).tokenize(text)
        if (
            len(tokens) == 2
            and tokens[0].token_type in {TokenType.COMMAND, TokenType.LOCK}
            and tokens[1].token_type == TokenType.STRING
        ):
            head = tokens[0].text
            rest = text[text.upper().index(head.upper()) + len(head) :]
            tokens = tokens[:1] + dialect_for(Dialect.POSTGRES).tokenize(rest)
    except _ERRORS:
        return []
    return tokens


def _words(tokens: list[Token]) -> list[str]:
    return ["" if t.token_type in _OPAQUE else t.text.upper() for t in tokens]


def _name(tokens: list[Token], at: int) -> tuple[str, int]:
    """The (possibly schema-qualified) name starting at ``at``, normalised as table
    names are (unquoted parts fold to lower case, ``public.`` is dropped), and where it
    ends."""
    parts: list[str] = []
    i = at
    while i < len(tokens):
        tok = tokens[i]
        if tok.token_type in _STRINGS or tok.token_type in {TokenType.L_PAREN, TokenType.COMMA}:
            break
        parts.append(tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.lower())
        i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.DOT:
            i += 1
            continue
        break
    if not parts:
        return "", at
    if len(parts) > 1 and parts[-2] in {"public", "pg_catalog"}:
        return parts[-1], i
    return ".".join(parts[-2:]), i


# -- the command facts -------------------------------------------------------------


def command_facts(
    command: str | None, text: str, tokens: list[Token] | None = None
) -> list[Effect] | None:
    """The facts of a PostgreSQL statement sqlglot keeps opaque (its whole text and, if
    already made, its ``tokens_of``), by its known-command name; None when it is none of
    the statements read here."""
    if command not in _READ_HERE:
        return None
    if tokens is None:
        tokens = tokens_of(text)
    if not tokens:
        return []
    ws = _words(tokens)
    if command in {"REINDEX", "REINDEX CONCURRENTLY", "REINDEX SCHEMA/DATABASE/SYSTEM"}:
        fact = reindex(tokens, ws)
        return [fact] if fact is not None else []
    if command == "LOCK TABLE":
        return list(lock_table(tokens, ws))
    if command == "CREATE FUNCTION":
        function = create_function(tokens, text)
        return [function] if function is not None else []
    if command == "SET":
        setting = opaque_set(tokens, ws)
        return [setting] if setting is not None else []
    if len(ws) == 2 and ws[1]:  # RESET name | ALL
        return [Setting("", name=ws[1].lower(), value="DEFAULT")]
    return []


_READ_HERE = frozenset(
    {
        "REINDEX",
        "REINDEX CONCURRENTLY",
        "REINDEX SCHEMA/DATABASE/SYSTEM",
        "LOCK TABLE",
        "CREATE FUNCTION",
        "SET",
        "RESET",
    }
)


def reindex(tokens: list[Token], ws: list[str]) -> Reindex | None:
    """``REINDEX [(options)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name``
    (PostgreSQL 14 also takes CONCURRENTLY among the options)."""
    i = 1
    concurrently = False
    if i < len(tokens) and tokens[i].token_type == TokenType.L_PAREN:
        depth = 0
        while i < len(tokens):
            if tokens[i].token_type == TokenType.L_PAREN:
                depth += 1
            elif tokens[i].token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    break
            elif ws[i] == "CONCURRENTLY":
                concurrently = True
            i += 1
        i += 1
    if i >= len(ws) or ws[i] not in {"INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM"}:
        return None
    kind = ws[i]
    i += 1
    if i < len(ws) and ws[i] == "CONCURRENTLY":
        concurrently = True
        i += 1
    name, end = _name(tokens, i)
    if end != len(tokens):
        return None
    return Reindex(name if kind == "TABLE" else "", kind=kind, name=name, concurrently=concurrently)


# The eight modes of LOCK TABLE ... IN mode MODE.
LOCK_MODES = (
    "SHARE UPDATE EXCLUSIVE",
    "SHARE ROW EXCLUSIVE",
    "ACCESS EXCLUSIVE",
    "ROW EXCLUSIVE",
    "ACCESS SHARE",
    "EXCLUSIVE",
    "ROW SHARE",
    "SHARE",
)


def lock_table(tokens: list[Token], ws: list[str]) -> list[TableCommand]:
    """``LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT]``: one fact per
    table, with the mode (ACCESS EXCLUSIVE when none is given)."""
    i = 1
    if i < len(ws) and ws[i] == "TABLE":
        i += 1
    names: list[str] = []
    while i < len(tokens):
        if ws[i] == "ONLY":
            i += 1
        name, end = _name(tokens, i)
        if not name or end == i:
            return []
        names.append(name)
        i = end
        if i < len(tokens) and tokens[i].token_type == TokenType.STAR:
            i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.COMMA:
            i += 1
            continue
        break
    mode = "ACCESS EXCLUSIVE"
    rest = ws[i:]
    nowait = bool(rest) and rest[-1] == "NOWAIT"
    if nowait:
        rest = rest[:-1]
    if rest:
        found = " ".join(rest[1:-1])
        if rest[0] != "IN" or rest[-1] != "MODE" or found not in LOCK_MODES:
            return []
        mode = found
    return [TableCommand(n, "LOCK TABLE", mode=mode, nowait=nowait) for n in names]


def detach_partition(table: str, tokens: list[Token], ws: list[str]) -> TableCommand:
    """``ALTER TABLE parent DETACH PARTITION p [CONCURRENTLY | FINALIZE]``."""
    at = ws.index("PARTITION", ws.index("DETACH")) + 1 if "DETACH" in ws else len(ws)
    name, end = _name(tokens, at)
    option = ws[end] if end < len(ws) and ws[end] in {"CONCURRENTLY", "FINALIZE"} else ""
    return TableCommand(table, "DETACH PARTITION", name=name, mode=option)


def opaque_set(tokens: list[Token], ws: list[str]) -> Setting | None:
    """``SET [LOCAL | SESSION] name {TO | =} value [, ...]`` where sqlglot keeps it
    opaque (a list value: ``SET search_path TO a, b``), and the SET forms with their own
    grammar (TIME ZONE, ROLE, SESSION AUTHORIZATION, CONSTRAINTS, ...) by their words."""
    i = 1
    local = False
    if i < len(ws) and ws[i] in {"LOCAL", "SESSION"} and i + 1 < len(ws) and ws[i + 1]:
        local = ws[i] == "LOCAL"
        i += 1
    if i + 1 < len(ws) and ws[i + 1] in {"TO", "="}:
        name, _ = _name(tokens, i)
        value = " ".join(t.text for t in tokens[i + 2 :])
        return Setting("", name=name, value=value, local=local)
    two = ws[i : i + 1] in (["TIME"], ["SESSION"], ["XML"])  # TIME ZONE, SESSION AUTHORIZATION
    end = i + (2 if two else 1)
    name = " ".join(ws[i:end]).lower()
    return Setting("", name=name, value=" ".join(t.text for t in tokens[end:]), local=local)


def set_config_calls(e: exp.Expr) -> list[Setting]:
    """``SELECT set_config('name', 'value', is_local)`` with constant arguments."""
    out: list[Setting] = []
    try:
        for call in e.find_all(exp.Anonymous):
            args = call.expressions
            if str(call.name).lower() != "set_config" or len(args) != 3:
                continue
            name, value, local = args
            if not (isinstance(name, exp.Literal) and isinstance(value, exp.Literal)):
                continue
            is_local = isinstance(local, exp.Boolean) and bool(local.this)
            out.append(
                Setting("", name=str(name.this).lower(), value=str(value.this), local=is_local)
            )
    except _ERRORS:
        return []
    return out


# -- CREATE FUNCTION -------------------------------------------------------------------


def created_function(e: exp.Create) -> CreateFunction | None:
    """A CREATE FUNCTION sqlglot parsed: read from its tokens, as the opaque ones are
    (sqlglot's tree drops or swallows clauses, e.g. everything after a SET clause)."""
    try:
        text = e.sql(dialect="postgres")
    except _ERRORS:
        return None
    return create_function(tokens_of(text), text)


def create_function(tokens: list[Token], text: str) -> CreateFunction | None:
    """``CREATE [OR REPLACE] FUNCTION name (args) ...``: name, volatility, language and
    whether PostgreSQL inlines it (a SQL function whose body is one SELECT of one
    expression, without SECURITY DEFINER, SET or a set result)."""
    ws = _words(tokens)
    try:
        at = ws.index("FUNCTION", 0, 6) + 1
    except ValueError:
        return None
    name, i = _name(tokens, at)
    if not name or i >= len(tokens) or tokens[i].token_type != TokenType.L_PAREN:
        return None
    depth = 0
    while i < len(tokens):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[i].token_type, 0)
        i += 1
        if depth == 0:
            break
    volatility: set[str] = set()
    language = ""
    inlinable = True
    strict = False
    body: str | None = None
    depth = 0
    while i < len(tokens):
        tok, word = tokens[i], ws[i]
        following = ws[i + 1] if i + 1 < len(ws) else ""
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth > 0:
            pass
        elif word in {"IMMUTABLE", "STABLE", "VOLATILE"}:
            volatility.add(word)
        elif word == "LANGUAGE" and i + 1 < len(tokens):
            language = tokens[i + 1].text.lower()
            i += 1
        elif (word == "SECURITY" and following == "DEFINER") or word in {"SET", "WINDOW"}:
            inlinable = False  # SECURITY DEFINER, a SET clause, a window function
        elif word == "STRICT":
            strict = True
        elif word == "RETURNS" and following == "NULL":
            strict = True  # RETURNS NULL ON NULL INPUT
            i += 1
        elif word == "RETURNS" and following in {"SETOF", "TABLE"}:
            inlinable = False
        elif word == "AS" and i + 1 < len(tokens) and tokens[i + 1].token_type in _STRINGS:
            body = tokens[i + 1].text
            i += 1
        elif word == "RETURN":
            start = tokens[i].end + 1
            body = "SELECT " + text[start:]
            break
        elif word == "BEGIN" and following == "ATOMIC":
            inlinable = False  # read no further (its statements hold semicolons)
            break
        i += 1
    chosen = volatility.pop() if len(volatility) == 1 else ("VOLATILE" if not volatility else "")
    calls: tuple[str, ...] = ()
    inlining = ""
    if language == "sql" and inlinable and body is not None:
        projection = _single_expression(body)
        if projection is not None:
            calls = default_calls(projection)
            inlining = "strict" if strict else "yes"
    return CreateFunction(
        "",
        name=name.lower(),
        volatility=chosen,
        language=language,
        inlining=inlining,
        body_calls=calls,
    )


def _single_expression(body: str) -> exp.Expr | None:
    """The expression of a body that is ``SELECT expr`` and nothing else."""
    from aerich_lint.parse.trees import dialect_for

    try:
        parsed = [p for p in dialect_for(Dialect.POSTGRES).parse(body) if p is not None]
    except _ERRORS:
        return None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Select):
        return None
    select = parsed[0]
    extra = {k for k, v in select.args.items() if v and k != "expressions"}
    if extra or len(select.expressions) != 1:
        return None
    node = select.expressions[0]
    if isinstance(node, exp.Alias):
        node = node.this
    if next(node.find_all(exp.Select), None) is not None:
        return None  # a subquery: not inlined
    return node


# -- the functions an expression calls ------------------------------------------------

# sqlglot functions that are SQL constructs, not calls of a pg_proc function: their
# volatility is that of their arguments.
_CONSTRUCTS = frozenset(
    {"cast", "try_cast", "coalesce", "nullif", "greatest", "least", "row", "array", "case"}
)
# The SQL value functions written without parentheses (all STABLE on the server).
_VALUE_KEYWORDS = frozenset(
    {
        "current_timestamp",
        "current_date",
        "current_time",
        "localtime",
        "localtimestamp",
        "current_user",
        "current_role",
        "session_user",
        "user",
        "current_catalog",
        "current_schema",
    }
)
_HEAD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_$]*)\s*(\(?)")


def default_calls(node: Any) -> tuple[str, ...]:
    """The functions an expression calls, lower case, in order and once each. Names
    qualified with a schema other than public and pg_catalog keep it."""
    if not isinstance(node, exp.Expr):
        return ()
    out: dict[str, None] = {}
    try:
        for func in node.find_all(exp.Func):
            name = _call_name(func)
            if name:
                out[name] = None
    except _ERRORS:
        return tuple(out)
    return tuple(out)


def _call_name(func: exp.Func) -> str:
    if isinstance(func, (exp.Cast, exp.TryCast)):
        return ""
    if isinstance(func, exp.Anonymous):
        name = str(func.name).lower()
        parent = func.parent
        if isinstance(parent, exp.Dot) and parent.expression is func:
            schema = str(parent.this.name).lower() if parent.this is not None else ""
            if schema and schema not in {"public", "pg_catalog"}:
                name = f"{schema}.{name}"
    else:
        # a function sqlglot knows: the name the PostgreSQL generator writes for it
        match = _HEAD.match(func.sql(dialect="postgres"))
        if match is None:
            return ""
        name = match.group(1).lower()
        if not match.group(2) and name not in _VALUE_KEYWORDS:
            return ""  # written as an operator or a construct (CASE, ARRAY[...])
    return "" if name in _CONSTRUCTS else name


def generation(column: exp.ColumnDef) -> str:
    """IDENTITY, STORED or VIRTUAL for a generated PostgreSQL column, else ""."""
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.ComputedColumnConstraint):
            return "STORED"
        if isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            return "VIRTUAL" if kind.args.get("expression") is not None else "IDENTITY"
    return ""


def column_default(column: exp.ColumnDef) -> Any:
    """The DEFAULT expression of a column definition, or None."""
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.DefaultColumnConstraint):
            return kind.this
    return None
