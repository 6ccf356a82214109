"""One read-only session on the database a user names for ``aerich-lint status``.

The session is made read-only by the server itself before the first query
(``DialectSpec.read_only_session``: PostgreSQL's and MySQL's READ ONLY
transactions, SQLite's read-only file mode plus ``query_only``), and it ends
with a ROLLBACK. Nothing here can write: the only statements sent are those
session settings, catalog queries and SELECTs, and a write would be refused.

The drivers are the ones tortoise uses (asyncpg, aiomysql; the standard library's
sqlite3 for SQLite), each opened directly, one connection, no pool.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aerich_lint.dialects import spec
from aerich_lint.errors import UsageError, describe
from aerich_lint.model import Dialect

CONNECT_TIMEOUT = 10.0
QUERY_TIMEOUT = 30.0


class ReadOnlySession:
    """What introspection needs of a client: ``execute_query_dict``."""

    def __init__(self, engine: Dialect, display: str) -> None:
        self.engine = engine
        self.display = display
        self.version = ""

    async def execute_query_dict(self, sql: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _Postgres(ReadOnlySession):
    def __init__(self, display: str, conn: Any) -> None:
        super().__init__(Dialect.POSTGRES, display)
        self._conn = conn

    async def execute_query_dict(self, sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await self._conn.fetch(sql)]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.execute("ROLLBACK")
        with contextlib.suppress(Exception):
            await self._conn.close(timeout=5)


class _MySQL(ReadOnlySession):
    def __init__(self, display: str, conn: Any, cursor_class: Any) -> None:
        super().__init__(Dialect.MYSQL, display)
        self._conn = conn
        self._cursor_class = cursor_class

    async def execute_query_dict(self, sql: str) -> list[dict[str, Any]]:
        async with self._conn.cursor(self._cursor_class) as cur:
            await cur.execute(sql)
            return list(await cur.fetchall())

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.rollback()
        with contextlib.suppress(Exception):
            self._conn.close()


class _SQLite(ReadOnlySession):
    def __init__(self, display: str, conn: sqlite3.Connection) -> None:
        super().__init__(Dialect.SQLITE, display)
        self._conn = conn

    async def execute_query_dict(self, sql: str) -> list[dict[str, Any]]:
        cur = self._conn.execute(sql)
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.rollback()
        self._conn.close()


@contextlib.asynccontextmanager
async def read_only(url: str) -> AsyncIterator[ReadOnlySession]:
    """A read-only session on the database ``url`` names (a tortoise URL, as in the
    project's TORTOISE_ORM); errors are one-line ``UsageError``s."""
    from aerich_lint.verify.database import Server, server_label

    server = Server.parse(url)
    session = await _open(server)
    try:
        for statement in spec(server.engine).read_only_session:
            await session.execute_query_dict(statement)
        rows = await session.execute_query_dict(spec(server.engine).version_query)
        session.version = server_label(server.engine, rows)
    except UsageError:
        await session.close()
        raise
    except Exception as exc:
        await session.close()
        raise UsageError(f"status on {server.display}: {describe(exc)}") from None
    try:
        yield session
    finally:
        await session.close()


async def _open(server: Any) -> ReadOnlySession:
    creds = dict(server.credentials)
    where = server.display
    try:
        if server.engine is Dialect.POSTGRES:
            import asyncpg  # type: ignore[import-untyped]

            settings = {"application_name": "aerich-lint status"}
            if creds.get("schema"):
                settings["search_path"] = str(creds["schema"])
            conn = await asyncpg.connect(
                host=creds.get("host"),
                port=int(creds.get("port") or 5432),
                user=creds.get("user"),
                password=creds.get("password") or None,
                database=creds.get("database"),
                timeout=CONNECT_TIMEOUT,
                command_timeout=QUERY_TIMEOUT,
                server_settings=settings,
            )
            return _Postgres(where, conn)
        if server.engine is Dialect.MYSQL:
            import aiomysql  # type: ignore[import-untyped]

            conn = await aiomysql.connect(
                host=creds.get("host") or "localhost",
                port=int(creds.get("port") or 3306),
                user=creds.get("user") or "",
                password=creds.get("password") or "",
                db=creds.get("database"),
                connect_timeout=CONNECT_TIMEOUT,
                autocommit=False,
                charset=str(creds.get("charset") or "utf8mb4"),
            )
            return _MySQL(where, conn, aiomysql.DictCursor)
        path = str(creds.get("file_path") or "")
        if path in ("", ":memory:"):
            raise UsageError(
                f"status reads an existing database: {where} names none "
                "(sqlite:///path/to/db.sqlite3)"
            )
        if not Path(path).is_file():
            raise UsageError(f"status on {where}: no database file {path}")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        return _SQLite(where, sqlite3.connect(uri, uri=True, timeout=2))
    except UsageError:
        raise
    except ImportError as exc:
        raise UsageError(
            f"status on {server.engine.value} needs its database driver ({describe(exc)}): "
            f"pip install 'aerich-lint[{spec(server.engine).extra}]'"
        ) from None
    except Exception as exc:
        raise UsageError(f"cannot connect to {where}: {describe(exc)}") from None
