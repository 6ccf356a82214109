"""The scratch database verify runs in: created fresh on the server a URL names,
dropped at the end, never the database the URL itself names.

Connections go through tortoise-orm's own backends (asyncpg, aiomysql/asyncmy,
aiosqlite), the ones ``aerich upgrade`` uses, so migrations behave as they do there.
"""

from __future__ import annotations

import importlib
import secrets
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aerich_lint.dialect import from_scheme
from aerich_lint.errors import UsageError, describe
from aerich_lint.model import Dialect

ALIAS = "default"  # the connection name migrations see (in_transaction() needs no name)
_APP = "aerich_lint_verify"
_NO_MODELS = "aerich_lint.verify._nomodels"
_EXTRAS = {Dialect.POSTGRES: "postgres", Dialect.MYSQL: "mysql", Dialect.SQLITE: "sqlite"}


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
            raise UsageError(
                f"--database-url {mask(url)!r}: expected postgres://, mysql:// or sqlite:// URL"
            )
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
        if self.engine is Dialect.SQLITE:
            creds["file_path"] = ":memory:"
        else:
            creds["database"] = database
        return creds


def _require_tortoise(engine: Dialect) -> None:
    try:
        import tortoise  # noqa: F401
    except ImportError:
        raise UsageError(
            "verify needs tortoise-orm and a database driver: "
            f"pip install 'aerich-lint[{_EXTRAS[engine]}]'"
        ) from None


def _missing_driver(engine: Dialect, exc: BaseException) -> str:
    return (
        f"verify on {engine.value} needs its database driver ({describe(exc)}): "
        f"pip install 'aerich-lint[{_EXTRAS[engine]}]'"
    )


def quote(engine: Dialect, name: str) -> str:
    return f"`{name}`" if engine is Dialect.MYSQL else f'"{name}"'


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

    async def _admin(self, sql: str) -> None:
        """Run one statement on the server, outside the scratch database."""
        creds = self.server.credentials
        client = self.server.client_class()(connection_name="aerich_lint_admin", **creds)
        try:
            await client.create_connection(with_db=bool(creds.get("database")))
        except Exception as exc:
            raise UsageError(f"cannot connect to {self.server.display}: {describe(exc)}") from None
        try:
            await client.execute_script(sql)
        finally:
            await client.close()

    async def create(self) -> None:
        if self.engine is Dialect.SQLITE:
            self.created = True
            return
        try:
            await self._admin(f"CREATE DATABASE {quote(self.engine, self.name)}")
        except UsageError:
            raise
        except Exception as exc:
            raise UsageError(
                f"cannot create the scratch database {self.name} on {self.server.display}: "
                f"{describe(exc)}"
            ) from None
        self.created = True

    async def drop(self) -> None:
        if not self.created or self.engine is Dialect.SQLITE:
            self.created = False
            return
        q = quote(self.engine, self.name)
        if self.engine is Dialect.POSTGRES:
            # A connection a crashed run left open would make DROP DATABASE fail.
            await self._admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
            )
        await self._admin(f"DROP DATABASE IF EXISTS {q}")
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
        if self.engine is not Dialect.SQLITE:
            await self.drop()
            self.name = f"aerich_lint_{secrets.token_hex(6)}"
            await self.create()
        return await self.connect()
