"""The durable store on real databases: SQLite in a temporary folder and a throwaway PostgreSQL."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.errors import StoreUnavailable
from bot.store.schema import SCHEMA_REVISION, metadata
from bot.store.store import Store, _upgrade
from bot.store.url import DatabaseUrlError, database_url, describe_url
from tests.logwatch import watch_logs
from tests.postgres import PostgresServer


@pytest.fixture(name="sqlite_store")
async def _sqlite_store(tmp_path: Path):
    store = Store.open(database_url(f"sqlite:///{tmp_path / 'bot.db'}"))
    await store.migrate()
    yield store
    await store.close()


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("sqlite:///bugpilot.db", "sqlite+aiosqlite"),
        ("sqlite:////var/lib/bot/bugpilot.db", "sqlite+aiosqlite"),
        ("postgres://u:secret@db.example.net:5432/bot", "postgresql+asyncpg"),
        ("postgresql://u@127.0.0.1/bot", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@127.0.0.1/bot", "postgresql+asyncpg"),
    ],
)
def test_database_urls_become_async_driver_urls(raw: str, driver: str):
    """SQLite and PostgreSQL URLs, Heroku's postgres:// included, map to aiosqlite and asyncpg."""
    assert database_url(raw).drivername == driver


def test_sslmode_is_passed_to_asyncpg_as_ssl():
    """libpq's sslmode=require (common in hosted DATABASE_URLs) becomes asyncpg's ssl=require."""
    url = database_url("postgres://u:p@db.example.net/bot?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "mysql://u:hunter2@db/bot",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql://u:hunter2@/bot",
        "postgresql://u:hunter2@db.example.net",
        "postgresql://u:hunter 2@db/bot",
        "not a url",
    ],
)
def test_unusable_database_urls_are_refused_without_echoing_them(raw: str):
    """Each refusal says what is wrong; the URL (and its password) never appears in the message."""
    with pytest.raises(DatabaseUrlError) as caught:
        database_url(raw)
    assert str(caught.value)
    assert "hunter" not in str(caught.value)


def test_described_url_masks_the_password():
    """What logs and the doctor show of a URL never holds its password."""
    shown = describe_url(database_url("postgres://bot:hunter2@db.example.net/bot"))
    assert "hunter2" not in shown
    assert "db.example.net" in shown


async def test_a_key_is_new_once_then_seen(sqlite_store: Store):
    """The first time a key is offered it is new; after that it is seen until it expires."""
    assert await sqlite_store.first_time("trigger:1", ttl=60)
    assert not await sqlite_store.first_time("trigger:1", ttl=60)
    assert await sqlite_store.first_time("trigger:2", ttl=60)


async def test_any_seen_key_makes_a_request_seen(sqlite_store: Store):
    """A request offered under several keys is seen when any of them was (event_id or message)."""
    assert await sqlite_store.first_time("event:Ev1", "message:C1:1.2", ttl=60)
    assert not await sqlite_store.first_time("event:Ev2", "message:C1:1.2", ttl=60)
    assert not await sqlite_store.first_time("event:Ev2", ttl=60)


async def test_expired_keys_are_new_again_and_swept(tmp_path: Path):
    """After its ttl a key is new again; sweep deletes what expired."""
    now = [1000.0]
    url = database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    store = Store.open(url)
    store._clock = lambda: now[0]
    try:
        await store.migrate()
        assert await store.first_time("k", ttl=10)
        now[0] += 11
        assert await store.first_time("k", ttl=10)
        assert await store.first_time("other", ttl=1)
        now[0] += 5
        assert await store.sweep() == 1
    finally:
        await store.close()


async def test_long_keys_fit(sqlite_store: Store):
    """A key longer than the column is kept by its digest, and still deduplicates."""
    key = "trigger:" + "x" * 1000
    assert await sqlite_store.first_time(key, ttl=60)
    assert not await sqlite_store.first_time(key, ttl=60)


async def test_concurrent_offers_in_one_process_let_one_through(sqlite_store: Store):
    """Twenty simultaneous offers of one key: exactly one is new."""
    results = await asyncio.gather(*(sqlite_store.first_time("trigger:same", ttl=60) for _ in range(20)))
    assert results.count(True) == 1


async def test_two_stores_on_one_sqlite_file_let_one_through(tmp_path: Path):
    """Two engines (as two processes would) on one file: SQLite's single writer lets one through."""
    url = database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    first, second = Store.open(url), Store.open(url)
    try:
        await asyncio.gather(first.migrate(), second.migrate())
        offers = [store.first_time("trigger:same", ttl=60) for _ in range(10) for store in (first, second)]
        assert (await asyncio.gather(*offers)).count(True) == 1
    finally:
        await first.close()
        await second.close()


async def test_migrating_twice_is_harmless(sqlite_store: Store):
    """A restart runs the migrations again: nothing changes, nothing is lost."""
    assert await sqlite_store.first_time("kept", ttl=60)
    await sqlite_store.migrate()
    assert not await sqlite_store.first_time("kept", ttl=60)


async def test_an_unreachable_database_is_store_unavailable_without_the_url(tmp_path: Path):
    """A PostgreSQL nobody listens on fails as StoreUnavailable, bounded, naming no URL or password."""
    store = Store.open(database_url("postgresql://bot:hunter2@127.0.0.1:9/bot"), timeout=2)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await store.ping()
        assert "hunter2" not in str(caught.value)
        assert "127.0.0.1" not in str(caught.value)
    finally:
        await store.close()


async def test_postgres_stores_in_two_engines_let_one_through(postgres: PostgresServer):
    """On PostgreSQL, two engines migrating at once and racing on one key: one migration, one winner."""
    url = database_url(postgres.new_database())
    first, second = Store.open(url), Store.open(url)
    try:
        await asyncio.gather(first.migrate(), second.migrate())
        offers = [store.first_time("trigger:same", "event:E1", ttl=60) for _ in range(25) for store in (first, second)]
        assert (await asyncio.gather(*offers)).count(True) == 1
        assert await second.first_time("trigger:other", ttl=60)
        await first.ping()
    finally:
        await first.close()
        await second.close()


async def test_postgres_overlapping_key_sets_never_both_win(postgres: PostgresServer):
    """Two deliveries of one message under different event ids, at once: exactly one acts."""
    url = database_url(postgres.new_database())
    first, second = Store.open(url), Store.open(url)
    try:
        await first.migrate()
        for round_ in range(20):
            message = f"message:C1:{round_}"
            results = await asyncio.gather(
                first.first_time(f"event:A{round_}", message, ttl=60),
                second.first_time(f"event:B{round_}", message, ttl=60),
            )
            assert results.count(True) == 1
    finally:
        await first.close()
        await second.close()


def test_schema_revision_is_the_newest_migration():
    """The revision start-up compares with is Alembic's head: a new migration must move it."""
    config = Config()
    config.set_main_option("script_location", str(files("bot.store").joinpath("migrations")))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


async def test_a_current_schema_is_not_migrated_again(sqlite_store: Store):
    """A restart on an up-to-date database skips Alembic and says the schema is current."""
    with watch_logs() as logs:
        await sqlite_store.migrate()
    assert [entry["event"] for entry in logs.entries if entry["event"].startswith("store.")] == ["store.current"]


async def test_the_migrations_make_exactly_the_tables_a_fresh_database_gets(tmp_path: Path):
    """Alembic's migrations from nothing and the fresh-database shortcut give the same schema."""
    store = Store.open(database_url(f"sqlite:///{tmp_path / 'migrated.db'}"))
    try:
        async with store.transaction() as conn:
            await conn.run_sync(_upgrade)
            differences = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
        assert differences == []
        with watch_logs() as logs:
            await store.migrate()
        assert [entry["event"] for entry in logs.entries if entry["event"].startswith("store.")] == ["store.current"]
    finally:
        await store.close()


async def test_an_older_schema_is_upgraded_by_the_migrations(tmp_path: Path):
    """A database at an older revision (an earlier release) is upgraded, keeping its rows."""
    store = Store.open(database_url(f"sqlite:///{tmp_path / 'old.db'}"))
    try:
        async with store.transaction() as conn:
            await conn.run_sync(lambda sync: _upgrade_to(sync, "0001"))
        assert await store.first_time("kept", ttl=600)
        with watch_logs() as logs:
            await store.migrate()
        assert [entry.get("how") for entry in logs.of("store.migrated")] == ["upgraded"]
        assert not await store.first_time("kept", ttl=600)
    finally:
        await store.close()


def _upgrade_to(connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(files("bot.store").joinpath("migrations")))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
