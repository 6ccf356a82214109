"""Valid statements that sqlglot keeps as an opaque ``Command`` (or cannot parse).

With ``sqlglotc`` installed, sqlglot's parser classes are compiled by mypyc and
cannot be subclassed from Python ("interpreted classes cannot inherit from
compiled"), so these statements are recognised here from sqlglot's own token
stream instead, and the ones rules need (MySQL's ``RENAME TABLE``) are turned
into the same expression trees sqlglot builds for their equivalents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aerich_lint.model import Dialect

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.tokens import Token

ALL = frozenset(Dialect)
PG = frozenset({Dialect.POSTGRES})
MY = frozenset({Dialect.MYSQL})
LITE = frozenset({Dialect.SQLITE})


@dataclass(frozen=True)
class KnownCommand:
    name: str
    prefix: tuple[str, ...]
    contains: tuple[str, ...] = ()
    dialects: frozenset[Dialect] = ALL


KNOWN_COMMANDS: tuple[KnownCommand, ...] = (
    KnownCommand("CREATE EXTENSION", ("CREATE", "EXTENSION"), dialects=PG),
    KnownCommand("DROP EXTENSION", ("DROP", "EXTENSION"), dialects=PG),
    KnownCommand("ALTER EXTENSION", ("ALTER", "EXTENSION"), dialects=PG),
    KnownCommand("ALTER TYPE ADD VALUE", ("ALTER", "TYPE"), ("ADD", "VALUE"), PG),
    KnownCommand("ALTER TYPE", ("ALTER", "TYPE"), dialects=PG),
    KnownCommand("VALIDATE CONSTRAINT", ("ALTER", "TABLE"), ("VALIDATE", "CONSTRAINT"), PG),
    KnownCommand("RENAME CONSTRAINT", ("ALTER", "TABLE"), ("RENAME", "CONSTRAINT"), PG),
    KnownCommand("ADD CONSTRAINT USING INDEX", ("ALTER", "TABLE"), ("USING", "INDEX"), PG),
    KnownCommand("ENABLE/DISABLE TRIGGER", ("ALTER", "TABLE"), ("TRIGGER",), PG),
    KnownCommand("ROW LEVEL SECURITY", ("ALTER", "TABLE"), ("ROW", "LEVEL", "SECURITY"), PG),
    KnownCommand("ALTER TABLE OWNER", ("ALTER", "TABLE"), ("OWNER", "TO"), PG),
    KnownCommand("ALTER SEQUENCE", ("ALTER", "SEQUENCE"), dialects=PG),
    KnownCommand("CREATE FUNCTION", ("CREATE", "FUNCTION"), dialects=PG | MY),
    KnownCommand("CREATE FUNCTION", ("CREATE", "OR", "REPLACE", "FUNCTION"), dialects=PG),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "PROCEDURE"), dialects=PG | MY),
    KnownCommand("CREATE PROCEDURE", ("CREATE", "OR", "REPLACE", "PROCEDURE"), dialects=PG),
    KnownCommand("CREATE POLICY", ("CREATE", "POLICY"), dialects=PG),
    KnownCommand("DO", ("DO",), dialects=PG),
    KnownCommand("REFRESH MATERIALIZED VIEW", ("REFRESH", "MATERIALIZED", "VIEW"), dialects=PG),
    KnownCommand("LOCK TABLE", ("LOCK",), dialects=PG | MY),
    KnownCommand("RESET", ("RESET",), dialects=PG),
    KnownCommand("VACUUM", ("VACUUM",), dialects=PG | LITE),
    # PostgreSQL refuses these two inside a transaction block (concurrently-in-transaction)
    KnownCommand("REINDEX CONCURRENTLY", ("REINDEX",), ("CONCURRENTLY",), PG),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "SCHEMA"), dialects=PG),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "DATABASE"), dialects=PG),
    KnownCommand("REINDEX SCHEMA/DATABASE/SYSTEM", ("REINDEX", "SYSTEM"), dialects=PG),
    KnownCommand("REINDEX", ("REINDEX",), dialects=PG | LITE),
    KnownCommand("CLUSTER", ("CLUSTER",), dialects=PG),
    KnownCommand("RENAME TABLE", ("RENAME", "TABLE"), dialects=MY),
    KnownCommand("OPTIMIZE TABLE", ("OPTIMIZE", "TABLE"), dialects=MY),
    KnownCommand("CONVERT TO CHARACTER SET", ("ALTER", "TABLE"), ("CONVERT", "TO"), MY),
    # MySQL's column redefinitions, which SQLite does not have: named so that
    # sqlite-unsupported-alter can report them as the errors they are
    KnownCommand("ALTER TABLE MODIFY", ("ALTER", "TABLE"), ("MODIFY",), LITE),
    KnownCommand("ALTER TABLE CHANGE", ("ALTER", "TABLE"), ("CHANGE",), LITE),
    KnownCommand("CREATE INDEX", ("CREATE", "INDEX"), dialects=MY),
    KnownCommand("CREATE INDEX", ("CREATE", "UNIQUE", "INDEX"), dialects=MY),
    KnownCommand("CREATE INDEX", ("CREATE", "FULLTEXT", "INDEX"), dialects=MY),
)


def words(tokens: list[Token]) -> list[str]:
    """Upper-cased keywords and bare words; quoted names and strings become ''."""
    from sqlglot.tokens import TokenType

    opaque = {TokenType.IDENTIFIER, TokenType.STRING}
    return ["" if t.token_type in opaque else t.text.upper() for t in tokens]


def known_command(tokens: list[Token], dialect: Dialect) -> str | None:
    ws = words(tokens)
    for cmd in KNOWN_COMMANDS:
        if dialect not in cmd.dialects or tuple(ws[: len(cmd.prefix)]) != cmd.prefix:
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
