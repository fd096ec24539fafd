"""Acting once across processes: two deduplicators on one store, and a store that does not answer."""

from __future__ import annotations

from pathlib import Path

from bot.app import _database_state
from bot.store.dedupe import StoredDedupe
from bot.store.store import Store
from bot.store.url import database_url
from tests.logwatch import watch_logs


async def test_a_repeat_reaching_another_process_is_caught(tmp_path: Path):
    """Two processes' deduplicators on one store: the second delivery, wherever it lands, is a repeat."""
    url = database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    first_store, second_store = Store.open(url), Store.open(url)
    try:
        await first_store.migrate()
        first, second = StoredDedupe(first_store, ttl=60), StoredDedupe(second_store, ttl=60)
        assert await first.first_time("trigger:1")
        assert not await second.first_time("trigger:1")
        assert not await first.first_time("trigger:1")
        assert await second.first_time("event:E1", "")
        assert not await first.first_time("event:E1")
        assert await first.first_time("", "")
    finally:
        await first_store.close()
        await second_store.close()


async def test_without_a_database_this_process_still_acts_once():
    """The database down: requests go ahead (logged), and a repeat within this process is still caught."""
    store = Store.open(database_url("postgresql://bot:pw@127.0.0.1:9/bot"), timeout=1)
    dedupe = StoredDedupe(store, ttl=60)
    try:
        with watch_logs() as logs:
            assert await dedupe.first_time("trigger:9")
            assert not await dedupe.first_time("trigger:9")
        assert [entry["event"] for entry in logs.entries if entry["event"].startswith("dedupe.")] == [
            "dedupe.store_unavailable"
        ]
    finally:
        await store.close()


async def test_healthz_reports_the_database(bot):
    """/healthz says whether the store answers."""
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_a_database_that_is_down_is_reported_as_unavailable():
    """The state /healthz shows for a store that does not answer; captures go on, so it is not a 503."""
    broken = Store.open(database_url("postgresql://bot:pw@127.0.0.1:9/bot"), timeout=1)
    try:
        assert await _database_state(broken) == "unavailable"
    finally:
        await broken.close()
