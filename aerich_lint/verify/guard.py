"""What verify never runs: statements that act outside the scratch database.

verify replays a stranger's migrations with the credentials it was given, usually a
role that may create databases, often a superuser. A statement that changes the
server, another database or the database host's file system is therefore refused
before it reaches the server, whether the migration returns it or sends it through
the client; the migration is then not verified (``Executor`` reports it as an
``upgrade-failed`` / ``downgrade-failed`` error on the statement).

The list is here, in one place (``_OPENINGS``, ``_FUNCTIONS`` and the checks in
``Guard._statement``). It is read from sqlglot's tokens, which every statement has
(even those sqlglot cannot parse: PostgreSQL's ALTER SYSTEM, psql's ``\\connect``),
and from the parsed facts where there are some (``DropDatabase``, ``CreateDatabase``).
It is conservative: when in doubt a statement is refused, because a legitimate
migration rarely does any of this, and a refused one only goes unverified.

It cannot see SQL that is built by the server at run time: PL/pgSQL's ``EXECUTE
format(...)`` of computed text, or a function that a trigger calls later. The
bodies of DO blocks, functions and procedures are checked as statements (and
MySQL's PREPARE / EXECUTE are refused outright), but the real boundary is the
role verify connects with: run it as a role that is not a superuser (README,
Security).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from aerich_lint.model import Dialect

PG = frozenset({Dialect.POSTGRES})
MY = frozenset({Dialect.MYSQL})
LITE = frozenset({Dialect.SQLITE})
SERVERS = PG | MY

# Why a statement is refused (the rest of "it ..." in the message).
OTHER_DATABASE = "acts on another database of the server, outside the scratch database"
SERVER = "changes the server, outside the scratch database"
ROLES = "changes the server's roles and users, outside the scratch database"
HOST = (
    "runs a program or reads or writes a file on the database server's host, outside the "
    "scratch database"
)
ELSEWHERE = "connects to another database or server, outside the scratch database"
DYNAMIC = "runs SQL built at run time, which verify cannot check"
LOCAL_FILE = "reads or writes a file on this machine, outside the scratch database"


@dataclass(frozen=True)
class Refusal:
    what: str  # the statement, as the message names it: "DROP DATABASE shop", "ALTER SYSTEM"
    why: str

    @property
    def message(self) -> str:
        return f"verify refuses to run {self.what}: it {self.why} (the migration is not verified)"


# Statements refused by their first words (anywhere in a routine's body). Longer
# openings first: CREATE USER MAPPING is not CREATE USER.
_OPENINGS: tuple[tuple[frozenset[Dialect], tuple[str, ...], str], ...] = (
    (frozenset(Dialect), ("\\",), OTHER_DATABASE),  # psql's \connect and other meta-commands
    (SERVERS, ("CREATE", "DATABASE"), OTHER_DATABASE),
    (SERVERS, ("DROP", "DATABASE"), OTHER_DATABASE),
    (SERVERS, ("ALTER", "DATABASE"), OTHER_DATABASE),  # (but the scratch database: _named)
    (MY, ("CREATE", "SCHEMA"), OTHER_DATABASE),  # a schema is a database on MySQL
    (MY, ("DROP", "SCHEMA"), OTHER_DATABASE),
    (MY, ("ALTER", "SCHEMA"), OTHER_DATABASE),
    (MY, ("USE",), OTHER_DATABASE),  # (but the scratch database: _named)
    (PG, ("COMMENT", "ON", "DATABASE"), OTHER_DATABASE),  # (and verify's own marker)
    (PG, ("ALTER", "SYSTEM"), SERVER),
    (SERVERS, ("CREATE", "TABLESPACE"), SERVER),
    (SERVERS, ("ALTER", "TABLESPACE"), SERVER),
    (SERVERS, ("DROP", "TABLESPACE"), SERVER),
    (PG, ("CHECKPOINT",), SERVER),
    (PG, ("CREATE", "USER", "MAPPING"), ELSEWHERE),
    (PG, ("ALTER", "USER", "MAPPING"), ELSEWHERE),
    (PG, ("IMPORT", "FOREIGN", "SCHEMA"), ELSEWHERE),
    (PG, ("CREATE", "FOREIGN", "DATA", "WRAPPER"), ELSEWHERE),
    (PG, ("CREATE", "SUBSCRIPTION"), ELSEWHERE),
    (PG, ("ALTER", "SUBSCRIPTION"), ELSEWHERE),
    (SERVERS, ("CREATE", "SERVER"), ELSEWHERE),
    (SERVERS, ("ALTER", "SERVER"), ELSEWHERE),
    (SERVERS, ("CREATE", "ROLE"), ROLES),
    (SERVERS, ("ALTER", "ROLE"), ROLES),
    (SERVERS, ("DROP", "ROLE"), ROLES),
    (SERVERS, ("CREATE", "USER"), ROLES),
    (SERVERS, ("ALTER", "USER"), ROLES),
    (SERVERS, ("DROP", "USER"), ROLES),
    (PG, ("CREATE", "GROUP"), ROLES),
    (PG, ("ALTER", "GROUP"), ROLES),
    (PG, ("DROP", "GROUP"), ROLES),
    (PG, ("REASSIGN", "OWNED"), ROLES),  # also re-owns other databases
    (PG, ("DROP", "OWNED"), ROLES),  # also revokes privileges on other databases
    (MY, ("RENAME", "USER"), ROLES),
    (MY, ("SET", "PASSWORD"), ROLES),
    (MY, ("SET", "DEFAULT", "ROLE"), ROLES),
    # MySQL keeps every privilege in the server's own tables, even one on a table of
    # the scratch database: dropping that database does not take it back.
    (MY, ("GRANT",), ROLES),
    (MY, ("REVOKE",), ROLES),
    (PG, ("CREATE", "LANGUAGE"), HOST),
    (PG, ("CREATE", "TRUSTED"), HOST),
    (PG, ("CREATE", "PROCEDURAL"), HOST),
    (SERVERS, ("LOAD",), HOST),  # PostgreSQL: a shared library; MySQL: LOAD DATA / XML
    (MY, ("KILL",), SERVER),
    (MY, ("SHUTDOWN",), SERVER),
    (MY, ("RESTART",), SERVER),
    (MY, ("FLUSH",), SERVER),
    (MY, ("RESET",), SERVER),  # MASTER, REPLICA, PERSIST, QUERY CACHE: all server-wide
    (MY, ("PURGE",), SERVER),
    (MY, ("CHANGE", "MASTER"), SERVER),
    (MY, ("CHANGE", "REPLICATION"), SERVER),
    (MY, ("START", "SLAVE"), SERVER),
    (MY, ("START", "REPLICA"), SERVER),
    (MY, ("START", "GROUP_REPLICATION"), SERVER),
    (MY, ("STOP", "SLAVE"), SERVER),
    (MY, ("STOP", "REPLICA"), SERVER),
    (MY, ("STOP", "GROUP_REPLICATION"), SERVER),
    (MY, ("INSTALL",), SERVER),
    (MY, ("UNINSTALL",), SERVER),
    (MY, ("PREPARE",), DYNAMIC),
    (MY, ("EXECUTE",), DYNAMIC),
)

# Functions refused wherever they are called (schema-qualified or not).
_FUNCTIONS: dict[Dialect, dict[str, str]] = {
    Dialect.POSTGRES: {
        **dict.fromkeys(
            (
                "pg_terminate_backend",
                "pg_cancel_backend",
                "pg_reload_conf",
                "pg_rotate_logfile",
                "pg_promote",
                "pg_switch_wal",
                "pg_create_restore_point",
                "pg_backup_start",
                "pg_backup_stop",
                "pg_start_backup",
                "pg_stop_backup",
                "pg_create_physical_replication_slot",
                "pg_create_logical_replication_slot",
                "pg_copy_physical_replication_slot",
                "pg_copy_logical_replication_slot",
                "pg_drop_replication_slot",
                "pg_replication_origin_create",
                "pg_replication_origin_drop",
                "pg_wal_replay_pause",
                "pg_wal_replay_resume",
                "pg_log_backend_memory_contexts",
                "pg_stat_reset_shared",
                "pg_stat_reset_slru",
                "pg_stat_reset_replication_slot",
                "pg_stat_statements_reset",
            ),
            SERVER,
        ),
        **dict.fromkeys(
            (
                "pg_read_file",
                "pg_read_binary_file",
                "pg_stat_file",
                "pg_ls_dir",
                "pg_ls_logdir",
                "pg_ls_waldir",
                "pg_ls_tmpdir",
                "pg_ls_archive_statusdir",
                "pg_ls_logicalsnapdir",
                "pg_ls_logicalmapdir",
                "pg_ls_replslotdir",
                "lo_import",
                "lo_export",
                "pg_file_write",
                "pg_file_rename",
                "pg_file_unlink",
                "pg_file_sync",
                "pg_logdir_ls",
            ),
            HOST,
        ),
        **dict.fromkeys(
            (
                "dblink",
                "dblink_exec",
                "dblink_connect",
                "dblink_connect_u",
                "dblink_send_query",
                "dblink_open",
            ),
            ELSEWHERE,
        ),
    },
    Dialect.MYSQL: {"load_file": HOST, "sys_exec": HOST, "sys_eval": HOST},
    Dialect.SQLITE: {"load_extension": LOCAL_FILE, "readfile": LOCAL_FILE, "writefile": LOCAL_FILE},
}

# PostgreSQL extensions and languages that reach outside the database: other servers,
# the host's files, or code run as the server's operating system user.
_EXTENSIONS = frozenset(
    {
        "dblink",
        "postgres_fdw",
        "file_fdw",
        "adminpack",
        "plpython3u",
        "plpythonu",
        "plpython2u",
        "plperlu",
        "pltclu",
        "plsh",
    }
)
_UNSAFE_LANGUAGES = frozenset({"c", "internal", *(e for e in _EXTENSIONS if e.startswith("pl"))})
# GRANT / REVOKE ... ON <these>: server-wide objects (PostgreSQL).
_SERVER_OBJECTS = {
    "DATABASE": OTHER_DATABASE,
    "TABLESPACE": SERVER,
    "FOREIGN": ELSEWHERE,
    "PARAMETER": SERVER,
}
_MY_DATABASE_OPTIONS = frozenset(
    {"CHARACTER", "CHARSET", "COLLATE", "DEFAULT", "READ", "ENCRYPTION", "COMMENT"}
)
_MY_ENGINES = frozenset({"FEDERATED", "FEDERATEDX", "CONNECT", "SPIDER"})
_MY_SCOPES = frozenset({"GLOBAL", "PERSIST", "PERSIST_ONLY"})
_EXECUTABLE_COMMENT = re.compile(r"/\*M?!\d*")
_WORD = re.compile(r"[A-Za-z_][\w$]*|\S")


@dataclass(frozen=True)
class _Token:
    kind: str  # sqlglot's token type name
    text: str  # as written (strings without their quotes)

    @property
    def word(self) -> str:
        return self.text.upper()


class Guard:
    """Vets statements for one scratch database: ``refusal(sql)`` is None for a
    statement verify may run. ``others``: the server's other databases (MySQL names
    them in qualified names: ``other.table``)."""

    def __init__(self, engine: Dialect, scratch: str = "", others: set[str] | None = None) -> None:
        self.engine = engine
        self.scratch = scratch
        self.others = {o.lower() for o in others or ()} - {scratch.lower(), "information_schema"}
        self._memo: dict[tuple[str, str], Refusal | None] = {}

    def refusal(self, sql: str) -> Refusal | None:
        key = (sql, self.scratch)
        if key not in self._memo:
            self._memo[key] = self._check(sql)
        return self._memo[key]

    def find(self, script: str) -> tuple[Refusal, int] | None:
        """The first refusal in a script, and the offset in it of what is refused
        (a statement, or a MySQL executable comment)."""
        from aerich_lint.parse.sql import split_statements

        refusal = self.refusal(script)
        if refusal is None:
            return None
        if self.engine is Dialect.MYSQL:
            for match in _EXECUTABLE_COMMENT.finditer(script):
                end = script.find("*/", match.end())
                if self.refusal(script[match.end() : end if end >= 0 else None]) is not None:
                    return refusal, match.start()
        position = 0
        for piece in split_statements(script, self.engine):
            at = script.find(piece, position)
            position = max(at, position)
            if self.refusal(piece) is not None:
                return refusal, position
        return refusal, 0

    # --- one script, one statement -----------------------------------------------------

    def _check(self, sql: str) -> Refusal | None:
        for piece in self._pieces(sql):
            found = self._facts(piece) or self._statement(self._tokens(piece), body=False)
            if found is not None:
                return found
        return None

    def _pieces(self, sql: str) -> list[str]:
        """The statements of a script as the server sees them: MySQL runs what is in
        its executable comments (``/*!50000 ... */``, MariaDB's ``/*M! ... */``)."""
        from aerich_lint.parse.sql import split_statements

        if self.engine is Dialect.MYSQL:
            sql = _unwrap_executable_comments(sql)
        return split_statements(sql, self.engine) or ([sql] if sql.strip() else [])

    def _facts(self, piece: str) -> Refusal | None:
        """What the parser recognises: CREATE and DROP DATABASE, with their names."""
        from aerich_lint.effects import CreateDatabase, DropDatabase, effects
        from aerich_lint.model import Chunk, LineIndex, OffsetMap
        from aerich_lint.parse.sql import parse_chunk

        chunk = Chunk(piece, OffsetMap.fixed(LineIndex(piece), 1))
        for stmt in parse_chunk(chunk, "upgrade", self.engine):
            for fact in effects(stmt, self.engine):
                if isinstance(fact, (CreateDatabase, DropDatabase)):
                    verb = "CREATE" if isinstance(fact, CreateDatabase) else "DROP"
                    return Refusal(f"{verb} DATABASE {fact.name}", OTHER_DATABASE)
        return None

    def _tokens(self, text: str) -> list[_Token]:
        from sqlglot.errors import TokenError

        from aerich_lint.parse.trees import dialect_for

        try:
            raw = dialect_for(self.engine).tokenize(text)
        except (TokenError, ValueError, RecursionError):
            return [_Token("VAR", w) for w in _WORD.findall(text)]
        tokens = [_Token(t.token_type.name, t.text) for t in raw]
        # After a command keyword the tokenizer keeps the rest as one raw string.
        if len(tokens) == 2 and tokens[1].kind == "STRING" and raw[0].end + 1 < len(text):
            rest = text[raw[0].end + 1 :]
            if rest.strip()[:1] not in ("'", '"', "$", ""):
                return [tokens[0], *self._tokens(rest)]
        return tokens

    def _statement(self, tokens: list[_Token], body: bool) -> Refusal | None:
        """One statement (``body``: the statements of a routine's body, where any
        position may start one)."""
        if not tokens:
            return None
        starts = range(len(tokens)) if body else range(1)
        for start in starts:
            found = self._opening(tokens, start)
            if found is not None:
                return found
        return self._anywhere(tokens) or self._bodies(tokens)

    def _opening(self, tokens: list[_Token], at: int) -> Refusal | None:
        words = [t.word for t in tokens[at : at + 5]]
        if self.engine is Dialect.MYSQL and words[:1] == ["SET"]:
            return self._my_set(tokens[at:])
        if self.engine is Dialect.POSTGRES:
            found = self._pg_opening(tokens, at, words)
            if found is not None:
                return found
        for dialects, opening, why in _OPENINGS:
            if self.engine in dialects and tuple(words[: len(opening)]) == opening:
                if why is OTHER_DATABASE and self._scratch_itself(tokens, at, opening):
                    continue
                return Refusal(_what(tokens, at, opening, why), why)
        if self.engine is Dialect.SQLITE:
            return self._sqlite(tokens[at:], words)
        return None

    def _scratch_itself(self, tokens: list[_Token], at: int, opening: tuple[str, ...]) -> bool:
        """ALTER DATABASE / USE of the scratch database itself (MySQL: ALTER DATABASE
        without a name means the current one)."""
        if opening[0] not in ("ALTER", "USE"):
            return False
        after = tokens[at + len(opening) : at + len(opening) + 1]
        if not after:
            return opening[0] == "ALTER"
        if self.engine is Dialect.MYSQL and after[0].word in _MY_DATABASE_OPTIONS:
            return opening[0] == "ALTER"
        return bool(self.scratch) and after[0].text == self.scratch

    def _pg_opening(self, tokens: list[_Token], at: int, words: list[str]) -> Refusal | None:
        rest = tokens[at:]
        head = words[0] if words else ""
        if head in ("GRANT", "REVOKE"):
            said = [t.word for t in rest if t.kind != "SEMICOLON"]
            if "ON" not in said:
                return Refusal(f"{head} of a role", ROLES)
            target = said[said.index("ON") + 1] if said.index("ON") + 1 < len(said) else ""
            if target in _SERVER_OBJECTS:
                return Refusal(f"{head} ON {target}", _SERVER_OBJECTS[target])
            return None
        if head == "COPY":
            upto = [t for t in rest if t.kind != "SEMICOLON"]
            if any(t.word == "PROGRAM" for t in upto):
                return Refusal("COPY ... PROGRAM", HOST)
            for i, t in enumerate(upto[:-1]):
                if t.word in ("TO", "FROM") and upto[i + 1].kind == "STRING":
                    return Refusal(f"COPY ... {t.word} a file", HOST)
            return None
        if words[:2] == ["CREATE", "EXTENSION"]:
            name = _name_after(rest, 2).lower()
            if name in _EXTENSIONS:
                return Refusal(
                    f"CREATE EXTENSION {name}", HOST if name.startswith("pl") else ELSEWHERE
                )
            return None
        if head == "CREATE" and ("FUNCTION" in words or "PROCEDURE" in words):
            for i, t in enumerate(rest[:-1]):
                if (
                    t.word == "LANGUAGE"
                    and rest[i + 1].text.strip("'\"").lower() in _UNSAFE_LANGUAGES
                ):
                    return Refusal(
                        f"a function in LANGUAGE {rest[i + 1].text.strip(chr(39))}", HOST
                    )
        return None

    def _my_set(self, tokens: list[_Token]) -> Refusal | None:
        """SET GLOBAL / PERSIST / PERSIST_ONLY, also as @@global.name and within a list."""
        for i, t in enumerate(tokens):
            if t.kind == "SEMICOLON":
                break
            before = tokens[i - 1] if i else None
            if t.word in _MY_SCOPES and before is not None:
                if before.kind == "SESSION_PARAMETER":  # @@global.x
                    return Refusal(f"SET @@{t.word}", SERVER)
                if before.kind in ("SET", "COMMA"):
                    return Refusal(f"SET {t.word}", SERVER)
        words = [t.word for t in tokens[:3]]
        for dialects, opening, why in _OPENINGS:
            if (
                opening[0] == "SET"
                and self.engine in dialects
                and tuple(words[: len(opening)]) == opening
            ):
                return Refusal(" ".join(opening), why)
        return None

    def _sqlite(self, tokens: list[_Token], words: list[str]) -> Refusal | None:
        if words[:1] == ["ATTACH"]:
            files = [t.text for t in tokens[1:3] if t.kind == "STRING"]
            if files and files[0] in (":memory:", ""):
                return None
            return Refusal("ATTACH DATABASE", LOCAL_FILE)
        if words[:1] == ["VACUUM"] and "INTO" in [t.word for t in tokens]:
            return Refusal("VACUUM INTO", LOCAL_FILE)
        return None

    def _anywhere(self, tokens: list[_Token]) -> Refusal | None:
        functions = _FUNCTIONS.get(self.engine, {})
        for i, t in enumerate(tokens):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None:
                break
            if following.kind == "L_PAREN" and t.text.lower() in functions:
                return Refusal(f"{t.text.lower()}()", functions[t.text.lower()])
            if self.engine is not Dialect.MYSQL:
                continue
            pair = (t.word, following.word)
            if pair in (("INTO", "OUTFILE"), ("INTO", "DUMPFILE")):
                return Refusal(f"SELECT ... INTO {following.word}", HOST)
            if pair in (("DATA", "DIRECTORY"), ("INDEX", "DIRECTORY")):
                return Refusal(f"{t.word} DIRECTORY", HOST)
            if t.word == "ENGINE":
                engine = (
                    tokens[i + 2] if following.kind == "EQ" and i + 2 < len(tokens) else following
                )
                if engine.word in _MY_ENGINES:
                    return Refusal(f"ENGINE={engine.word}", ELSEWHERE)
            if (
                following.kind == "DOT"
                and t.kind in ("VAR", "IDENTIFIER")
                and t.text.lower() in self.others
                and (i == 0 or tokens[i - 1].kind != "DOT")
            ):
                return Refusal(
                    "this statement", f"names database {t.text}, outside the scratch database"
                )
        return None

    def _bodies(self, tokens: list[_Token]) -> Refusal | None:
        """The statements inside routines and DO blocks run too: check them as
        statements, each position a possible start (and their strings, which
        EXECUTE may run)."""
        words = [t.word for t in tokens[:6]]
        routine = words[:1] == ["DO"] or (
            words[:1] in (["CREATE"], ["ALTER"])
            and any(w in words for w in ("FUNCTION", "PROCEDURE", "TRIGGER", "EVENT"))
        )
        if not routine:
            return None
        if self.engine is Dialect.MYSQL:  # the body is inline
            for part in _split_at_semicolons(tokens[1:]):
                found = self._statement(part, body=True)
                if found is not None:
                    return found
        for t in tokens:
            if t.kind in ("STRING", "HEREDOC_STRING", "RAW_STRING", "NATIONAL_STRING"):
                found = self._body_text(_unquote_body(t.text))
                if found is not None:
                    return found
        return None

    def _body_text(self, text: str) -> Refusal | None:
        for part in _split_at_semicolons(self._tokens(text)):
            found = self._statement(part, body=True)
            if found is not None:
                return found
            for t in part:
                if t.kind in ("STRING", "HEREDOC_STRING", "RAW_STRING") and " " in t.text.strip():
                    found = self._body_text(_unquote_body(t.text))
                    if found is not None:
                        return found
        return None


def _what(tokens: list[_Token], at: int, opening: tuple[str, ...], why: str) -> str:
    """How the message names a refused statement: its opening, and the database it
    names (``DROP DATABASE shop``), psql's command (``\\connect``), LOAD's kind."""
    after = tokens[at + len(opening)] if at + len(opening) < len(tokens) else None
    if opening == ("\\",):
        return "\\" + (after.text if after is not None else "")
    if opening == ("LOAD",) and after is not None and after.kind != "STRING":
        return f"LOAD {after.word}"
    name = _name_after(tokens, at + len(opening)) if why is OTHER_DATABASE else ""
    return " ".join(opening) + (f" {name}" if name else "")


def _name_after(tokens: list[_Token], at: int) -> str:
    """The object named after an opening, past IF [NOT] EXISTS."""
    rest = [t for t in tokens[at:] if t.kind != "SEMICOLON"]
    while rest and rest[0].word in ("IF", "NOT", "EXISTS"):
        rest = rest[1:]
    if rest and (rest[0].kind in ("VAR", "IDENTIFIER") or rest[0].text.isidentifier()):
        return rest[0].text
    return ""


def _split_at_semicolons(tokens: list[_Token]) -> Iterator[list[_Token]]:
    part: list[_Token] = []
    for t in tokens:
        if t.kind == "SEMICOLON":
            if part:
                yield part
            part = []
        else:
            part.append(t)
    if part:
        yield part


def _unquote_body(text: str) -> str:
    """A dollar-quoted body without its ``$tag$`` delimiters."""
    match = re.fullmatch(r"\s*(\$[A-Za-z_0-9]*\$)(.*)\1\s*", text, re.DOTALL)
    return match.group(2) if match else text


def _unwrap_executable_comments(sql: str) -> str:
    """MySQL's ``/*!50000 DROP DATABASE x */``: the text the server runs."""
    out: list[str] = []
    pos = 0
    while True:
        match = _EXECUTABLE_COMMENT.search(sql, pos)
        if match is None:
            out.append(sql[pos:])
            return "".join(out)
        out.append(sql[pos : match.start()])
        end = sql.find("*/", match.end())
        if end < 0:
            out.append(sql[match.end() :])
            return "".join(out)
        out.append(" " + sql[match.end() : end] + " ")
        pos = end + 2
