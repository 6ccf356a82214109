"""The scratch database verify runs in: created fresh on the server a URL names,
dropped at the end, never the database the URL itself names.

Connections go through tortoise-orm's own backends (asyncpg, aiomysql/asyncmy,
aiosqlite), the ones ``aerich upgrade`` uses, so migrations behave as they do there.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import secrets
import socket
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aerich_lint.dialect import from_scheme
from aerich_lint.dialects import SPECS, spec
from aerich_lint.errors import UsageError, describe
from aerich_lint.model import Dialect

ALIAS = "default"  # the connection name migrations see (in_transaction() needs no name)
_APP = "aerich_lint_verify"
_NO_MODELS = "aerich_lint.verify._nomodels"
# "postgres://, mysql:// or sqlite://": each dialect's first URL scheme
_SCHEME_LIST = [f"{s.url_schemes[0]}://" for s in SPECS]
_EXPECTED = ", ".join(_SCHEME_LIST[:-1]) + " or " + _SCHEME_LIST[-1]
SCRATCH_NAME = re.compile(r"aerich_lint_[0-9a-f]{12}")
# How verify marks a scratch database as its own: PostgreSQL, a comment on the
# database; MySQL (no comments on databases), a one-row table inside it.
MARKER = "aerich-lint verify scratch database "
OWNER_TABLE = "aerich_lint_owner"
# A database another machine's verify left is dropped only after this long: no run
# lasts a day (each section has --timeout, 300 s by default).
STALE_AFTER = 24 * 3600.0


def mask(url: str) -> str:
    """The URL with its password hidden, for messages."""
    parts = urlsplit(url)
    if not parts.password:  # none, or empty ("root:@host"): nothing to hide
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Server:
    """A database server named by a URL, and how tortoise connects to it."""

    url: str
    engine: Dialect
    engine_module: str
    credentials: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, url: str) -> Server:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        engine = from_scheme(scheme) if scheme else None
        if engine is None:
            raise UsageError(f"--database-url {mask(url)!r}: expected {_EXPECTED} URL")
        _require_tortoise(engine)
        from tortoise.backends.base.config_generator import expand_db_url

        try:
            config = expand_db_url(url)
        except Exception as exc:  # tortoise raises ConfigurationError, ValueError, ...
            raise UsageError(f"--database-url {mask(url)!r}: {describe(exc)}") from None
        return cls(url, engine, str(config["engine"]), dict(config["credentials"]))

    @property
    def display(self) -> str:
        return mask(self.url)

    def client_class(self) -> Any:
        try:
            module = importlib.import_module(self.engine_module)
        except ImportError as exc:
            raise UsageError(_missing_driver(self.engine, exc)) from None
        return module.client_class

    def credentials_for(self, database: str | None) -> dict[str, Any]:
        creds = dict(self.credentials)
        if spec(self.engine).serverless:
            creds["file_path"] = ":memory:"
        else:
            creds["database"] = database
        return creds


def server_label(engine: Dialect, rows: list[dict[str, Any]]) -> str:
    """ "PostgreSQL 15.10", "MariaDB 10.11.6": the rows of ``version_query``."""
    version = str(rows[0]["v"]).split()[0] if rows else "?"
    if engine is Dialect.MYSQL and "mariadb" in version.lower():
        return f"MariaDB {version.split('-')[0]}"
    return f"{spec(engine).display_name} {version}"


def _require_tortoise(engine: Dialect) -> None:
    try:
        import tortoise  # noqa: F401
    except ImportError:
        raise UsageError(
            "verify needs tortoise-orm and a database driver: "
            f"pip install 'aerich-lint[{spec(engine).extra}]'"
        ) from None


def _missing_driver(engine: Dialect, exc: BaseException) -> str:
    return (
        f"verify on {engine.value} needs its database driver ({describe(exc)}): "
        f"pip install 'aerich-lint[{spec(engine).extra}]'"
    )


def _sql_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "''")


def quote(engine: Dialect, name: str) -> str:
    q = spec(engine).identifier_quote
    return f"{q}{name}{q}"


@dataclass(frozen=True)
class Owner:
    """The verify process a scratch database belongs to (its marker)."""

    host: str
    ns: str  # the PID namespace: containers on one host name have their own PIDs
    pid: int
    started: str  # when that process started (boot and clock ticks), "" if unknown
    created: float  # time.time() when the database was created

    @classmethod
    def this_process(cls) -> Owner:
        return cls(
            socket.gethostname(), _pid_namespace(), os.getpid(), _started(os.getpid()), time.time()
        )

    @classmethod
    def parse(cls, data: Any) -> Owner | None:
        try:
            return cls(
                str(data["host"]),
                str(data.get("ns") or ""),
                int(data["pid"]),
                str(data.get("started") or ""),
                float(data["created"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def gone(self, now: float) -> bool:
        """Has the run that made the database ended (so that it can be dropped)?"""
        if (self.host, self.ns) != (socket.gethostname(), _pid_namespace()):
            return now - self.created > STALE_AFTER
        if not _alive(self.pid):
            return True
        # The PID is taken, by the same process or one that reused the number.
        now_started = _started(self.pid)
        return bool(self.started and now_started) and now_started != self.started

    def comment(self) -> str:
        return MARKER + json.dumps(asdict(self))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _started(pid: int) -> str:
    """A process's start (boot id and clock ticks since boot, Linux); "" elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            ticks = f.read().rsplit(")", 1)[1].split()[19]
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            boot = f.read().strip()
    except (OSError, IndexError):
        return ""
    return f"{boot}:{ticks}"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


async def admin(server: Server, *statements: str, rows: bool = False) -> list[dict[str, Any]]:
    """Run statements on the server, outside any scratch database, in one
    connection; with ``rows``, the last one is a query and its rows are returned."""
    creds = server.credentials
    client = server.client_class()(connection_name="aerich_lint_admin", **creds)
    try:
        await client.create_connection(with_db=bool(creds.get("database")))
    except Exception as exc:
        raise UsageError(f"cannot connect to {server.display}: {describe(exc)}") from None
    try:
        for sql in statements[:-1] if rows else statements:
            await client.execute_script(sql)
        return list(await client.execute_query_dict(statements[-1])) if rows else []
    finally:
        await client.close()


async def _drop(server: Server, name: str) -> None:
    """Drop a scratch database, ending the sessions still in it first (a killed run's
    connection, a migration's SLEEP), which would make DROP DATABASE fail or wait."""
    q = quote(server.engine, name)
    if server.engine is Dialect.POSTGRES:
        await admin(
            server,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            f"DROP DATABASE IF EXISTS {q}",
        )
        return
    sessions = await admin(
        server,
        "SELECT ID AS id FROM information_schema.PROCESSLIST "
        f"WHERE DB = '{name}' AND ID <> CONNECTION_ID()",
        rows=True,
    )
    kills = [f"KILL {int(row['id'])}" for row in sessions]
    for kill in kills:
        with contextlib.suppress(Exception):  # it may have ended meanwhile
            await admin(server, kill)
    # (A lock still held, say by a session that is rolling back, must not make the
    # drop wait for a year, MySQL's default: it fails instead, and is reported.)
    await admin(server, "SET SESSION lock_wait_timeout = 10", f"DROP DATABASE IF EXISTS {q}")


async def drop_leftovers(server: Server) -> tuple[list[str], list[str]]:
    """Drop the scratch databases that killed runs of verify left: those it marked
    as its own whose process is gone (see ``Owner.gone``). (dropped, problems)."""
    if spec(server.engine).serverless:
        return [], []
    owners = await _owners(server)
    now = time.time()
    dropped: list[str] = []
    problems: list[str] = []
    for name, owner in sorted(owners.items()):
        if not owner.gone(now):
            continue
        try:
            await _drop(server, name)
        except Exception as exc:
            problems.append(
                f"could not drop {name}, which a killed run of verify left: {describe(exc)}"
            )
        else:
            dropped.append(name)
    return dropped, problems


async def _owners(server: Server) -> dict[str, Owner]:
    """The marked scratch databases on the server, by name."""
    found: dict[str, Owner] = {}
    if server.engine is Dialect.POSTGRES:
        rows = await admin(
            server,
            "SELECT datname AS name, shobj_description(oid, 'pg_database') AS note "
            "FROM pg_database WHERE datname LIKE 'aerich\\_lint\\_%'",
            rows=True,
        )
        for row in rows:
            name, note = str(row["name"]), str(row["note"] or "")
            if SCRATCH_NAME.fullmatch(name) and note.startswith(MARKER):
                owner = _owner_from(note[len(MARKER) :])
                if owner is not None:
                    found[name] = owner
        return found
    rows = await admin(
        server,
        "SELECT TABLE_SCHEMA AS name FROM information_schema.TABLES "
        f"WHERE TABLE_NAME = '{OWNER_TABLE}' AND TABLE_SCHEMA LIKE 'aerich\\_lint\\_%'",
        rows=True,
    )
    for row in rows:
        name = str(row["name"])
        if not SCRATCH_NAME.fullmatch(name):
            continue
        try:
            marks = await admin(
                server,
                f"SELECT host, ns, pid, started, created FROM {quote(server.engine, name)}."
                f"{quote(server.engine, OWNER_TABLE)}",
                rows=True,
            )
        except UsageError:
            raise
        except Exception:
            continue  # gone meanwhile, or not a marker verify wrote
        owner = Owner.parse(marks[0]) if len(marks) == 1 else None
        if owner is not None:
            found[name] = owner
    return found


def _owner_from(text: str) -> Owner | None:
    try:
        return Owner.parse(json.loads(text))
    except ValueError:
        return None


class Scratch:
    """One scratch database: ``await create()``, then ``connect()``/``disconnect()``
    as often as needed (``reset()`` starts over empty), and ``await drop()``."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.engine = server.engine
        self.name = f"aerich_lint_{secrets.token_hex(6)}"
        self.created = False
        self.connected = False

    # --- the server side -------------------------------------------------------------

    async def create(self) -> None:
        """Create the database and mark it as this process's (``Owner``), so that
        the next run drops it should this one be killed before it can."""
        if spec(self.engine).serverless:
            self.created = True
            return
        q = quote(self.engine, self.name)
        owner = Owner.this_process()
        if self.engine is Dialect.POSTGRES:
            text = owner.comment().replace("'", "''")
            marking = [f"COMMENT ON DATABASE {q} IS '{text}'"]
        else:
            table = f"{q}.{quote(self.engine, OWNER_TABLE)}"
            marking = [
                f"CREATE TABLE {table} (`host` VARCHAR(255) NOT NULL, `ns` VARCHAR(64) NOT "
                "NULL, `pid` BIGINT NOT NULL, `started` VARCHAR(64) NOT NULL, `created` "
                "DOUBLE NOT NULL)",
                f"INSERT INTO {table} VALUES ('{_sql_text(owner.host)}', "
                f"'{_sql_text(owner.ns)}', {owner.pid}, '{_sql_text(owner.started)}', "
                f"{owner.created!r})",
            ]
        try:
            await admin(self.server, f"CREATE DATABASE {q}")
            self.created = True
            await admin(self.server, *marking)
        except UsageError:
            raise
        except Exception as exc:
            raise UsageError(
                f"cannot create the scratch database {self.name} on {self.server.display}: "
                f"{describe(exc)}"
            ) from None

    async def drop(self) -> None:
        if not self.created or spec(self.engine).serverless:
            self.created = False
            return
        await _drop(self.server, self.name)
        self.created = False

    # --- the scratch side ------------------------------------------------------------

    async def connect(self) -> Any:
        """Initialise tortoise on the scratch database; returns its client."""
        from tortoise import Tortoise, connections

        config = {
            "connections": {
                ALIAS: {
                    "engine": self.server.engine_module,
                    "credentials": self.server.credentials_for(self.name),
                }
            },
            "apps": {
                _APP: {"models": ["aerich_lint.verify._nomodels"], "default_connection": ALIAS}
            },
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Module ... has no models"
            await Tortoise.init(config=config)
        self.connected = True
        client = connections.get(ALIAS)
        try:
            await client.execute_query("SELECT 1")
        except Exception as exc:
            await self.disconnect()
            raise UsageError(
                f"cannot connect to the scratch database {self.name} on "
                f"{self.server.display}: {describe(exc)}"
            ) from None
        return client

    async def disconnect(self) -> None:
        if self.connected:
            from tortoise import Tortoise

            self.connected = False
            await Tortoise.close_connections()

    async def reset(self) -> Any:
        """Start over with an empty database (after a half-applied migration)."""
        await self.disconnect()
        if not spec(self.engine).serverless:
            await self.drop()
            self.name = f"aerich_lint_{secrets.token_hex(6)}"
            await self.create()
        return await self.connect()
