"""``Store``: the durable store over one SQLAlchemy async engine.

Every call is bounded in time and fails as ``StoreUnavailable``, never with a driver's own
exception (which could carry the URL). SQLite transactions start with ``BEGIN IMMEDIATE``, so
its single writer is the lock; PostgreSQL takes row locks and an advisory lock for migrations.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any, Final

import structlog
from sqlalchemy import Connection, delete, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.errors import StoreUnavailable
from bot.store.schema import KEY_LENGTH, SCHEMA_REVISION, metadata, seen_keys

__all__ = ["Store"]

log = structlog.get_logger(__name__)

_MIGRATION_LOCK: Final = 0x6275_6770  # pg_advisory_xact_lock key: one process migrates at a time
# A database that is down, slow or refusing (driver errors, a full pool): not mistakes in our own SQL.
_FAILURES: Final = (DBAPIError, PoolTimeout, OSError, TimeoutError)


class Store:
    """What the bot keeps in its database. One per process, shared by every request."""

    def __init__(self, engine: AsyncEngine, *, timeout: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._timeout = timeout
        self._clock = clock

    @classmethod
    def open(cls, url: URL, *, timeout: float = 5.0) -> Store:
        """A store on ``url`` (an async-driver URL from ``database_url``); connects on first use."""
        if url.get_backend_name() == "sqlite":
            # One connection: SQLite has one writer anyway, and callers queue for it here instead of
            # sleeping in SQLite's busy handler (another process's writes still wait there).
            engine = create_async_engine(
                url, connect_args={"timeout": timeout}, pool_size=1, max_overflow=0, pool_timeout=timeout
            )
            _sqlite_transactions(engine)
        else:
            engine = create_async_engine(
                url,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=10,
                connect_args={"timeout": timeout, "command_timeout": timeout},
            )
        return cls(engine, timeout=timeout)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.url.get_backend_name()

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    async def migrate(self) -> None:
        """Bring the schema up to date (Alembic ``upgrade head``); safe with several processes at once.

        Alembic (which would stay in memory for the life of the process) is loaded only to upgrade
        an older schema: a schema already at ``SCHEMA_REVISION`` is left alone, and an empty database
        gets the current tables at once, stamped with that revision (the migrations make the same
        tables; a test compares them).
        """
        if await self._revision() == SCHEMA_REVISION:
            log.info("store.current", backend=self.backend, revision=SCHEMA_REVISION)
            return
        async with self._transaction(seconds=max(self._timeout, 30.0)) as conn:
            if self.backend == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            how = await conn.run_sync(_bring_up_to_date)
        log.info("store.migrated", backend=self.backend, how=how)

    async def _revision(self) -> str | None:
        """The schema's Alembic revision; None before the first migration."""
        try:
            async with asyncio.timeout(self._timeout), self._engine.begin() as conn:
                return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except _FAILURES:
            return None  # no table yet, or no answer: the migration says which

    async def ping(self, *, seconds: float | None = None) -> None:
        """Check that the database answers (within ``seconds``); ``StoreUnavailable`` when it does not."""
        async with self._transaction(seconds=seconds) as conn:
            await conn.execute(text("SELECT 1"))

    async def first_time(self, *keys: str, ttl: float) -> bool:
        """True when none of ``keys`` was seen within its ``ttl``; all of them are remembered now.

        One transaction, keys inserted in sorted order, so two processes asking about the same
        request at once cannot both get True.
        """
        wanted = sorted({_bounded(key) for key in keys if key})
        if not wanted:
            return True
        now = self._clock()
        insert = postgresql.insert if self.backend == "postgresql" else sqlite.insert
        statement = (
            insert(seen_keys)
            .values([{"key": key, "expires_at": now + ttl} for key in wanted])
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(seen_keys.c.key)
        )
        async with self._transaction() as conn:
            await conn.execute(delete(seen_keys).where(seen_keys.c.key.in_(wanted), seen_keys.c.expires_at <= now))
            inserted = (await conn.execute(statement)).scalars().all()
        return len(inserted) == len(wanted)

    async def sweep(self) -> int:
        """Delete expired keys; returns how many went."""
        now = self._clock()
        async with self._transaction() as conn:
            result = await conn.execute(delete(seen_keys).where(seen_keys.c.expires_at <= now))
        removed = int(result.rowcount or 0)
        if removed:
            log.info("store.swept", keys=removed)
        return removed

    @asynccontextmanager
    async def transaction(self, *, seconds: float | None = None) -> AsyncIterator[AsyncConnection]:
        """One transaction, bounded in time; any failure is ``StoreUnavailable`` (for the store's tables)."""
        async with self._transaction(seconds=seconds) as conn:
            yield conn

    def now(self) -> float:
        """The store's clock (epoch seconds)."""
        return self._clock()

    @asynccontextmanager
    async def _transaction(self, *, seconds: float | None = None) -> AsyncIterator[AsyncConnection]:
        try:
            async with asyncio.timeout(seconds or self._timeout), self._engine.begin() as conn:
                yield conn
        except _FAILURES as exc:
            log.warning("store.unavailable", backend=self.backend, error=type(exc).__name__)
            raise StoreUnavailable(f"the database did not answer ({type(exc).__name__})") from None


def _bounded(key: str) -> str:
    """A key that fits the column: long ones are replaced by their digest."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _bring_up_to_date(connection: Connection) -> str:
    """Under the migration lock: nothing (another process did it), create and stamp, or upgrade."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if current == SCHEMA_REVISION:
            return "current"
    elif not tables & set(metadata.tables):
        metadata.create_all(connection)
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:revision)"), {"revision": SCHEMA_REVISION}
        )
        return "created"
    _upgrade(connection)
    return "upgraded"


def _upgrade(connection: Connection) -> None:
    from alembic import command  # noqa: PLC0415 - only when the schema is behind
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(files("bot.store").joinpath("migrations")))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the driver, begin transactions, and begin them as the writer."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - the DBAPI's own object
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL's safe setting: no fsync per commit
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
