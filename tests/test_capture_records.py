"""Capture records: what each capture ended with, kept in the store for App Home and unfurls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import column, insert, table, text

from bot.app import STORE
from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.store.captures import CaptureLog, CaptureRecord
from bot.store.store import Store
from bot.store.url import database_url
from tests.conftest import Bot
from tests.postgres import PostgresServer
from tests.test_store import _upgrade_to

REPORT = "https://dash.bugpilot.io/report/r-1"


def _request(*, team: str = "T1", requester: str = "U_DANA", customer: str = "alice@acme.com") -> CaptureRequest:
    return CaptureRequest(
        action=Action.SCREENSHOT,
        customer=customer,
        customer_label=customer,
        note="checkout fails",
        requester_id=requester,
        team_id=team,
        channel_id="C_SUPPORT",
        surface=Surface.COMMAND,
    )


@pytest.fixture(name="store", params=["sqlite", "postgresql"])
async def _store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    store = Store.open(database_url(url))
    await store.migrate()
    yield store
    await store.close()


async def test_a_finished_capture_keeps_its_outcome_and_then_its_report(store: Store):
    """finish writes the outcome and Session Info link; record_report the report's link; both read back."""
    log = CaptureLog(store, owner="p1")
    capture_id = await log.begin(_request(), status_ts="1.1", thread_ts="1.1")
    (working,) = await log.recent("T1")
    assert (working.outcome, working.note, working.report_url) == (None, "checkout fails", None)
    assert await log.finish(capture_id, outcome="waiting", session_info_url="https://api/si/1")
    await log.record_report(capture_id, outcome="ready", report_url=REPORT)
    record = await log.find_report(REPORT)
    assert record == CaptureRecord(
        id=capture_id,
        team_id="T1",
        requester_id="U_DANA",
        channel_id="C_SUPPORT",
        status_ts="1.1",
        thread_ts="1.1",
        customer="alice@acme.com",
        action=Action.SCREENSHOT,
        surface=Surface.COMMAND,
        note="checkout fails",
        outcome="ready",
        session_info_url="https://api/si/1",
        report_url=REPORT,
        created_at=working.created_at,
        updated_at=record.updated_at if record else None,
    )
    assert await log.find_report(REPORT + "x") is None


async def test_recent_is_newest_first_per_team_and_per_requester(store: Store):
    """recent lists one team's records newest first, up to the limit, narrowed to a requester on demand."""
    log = CaptureLog(store, owner="p1")
    ids = [await log.begin(_request(requester=f"U_{n % 2}"), status_ts=None, thread_ts=None) for n in range(5)]
    await log.begin(_request(team="T_OTHER"), status_ts=None, thread_ts=None)
    async with store.transaction() as conn:  # distinct creation times, oldest first
        for n, capture_id in enumerate(ids):
            await conn.execute(
                text("UPDATE captures SET created_at = :at WHERE id = :id"), {"at": 1000.0 + n, "id": capture_id}
            )
    assert [record.id for record in await log.recent("T1")] == ids[::-1]
    assert [record.id for record in await log.recent("T1", limit=2)] == ids[:2:-1]
    assert [record.id for record in await log.recent("T1", requester_id="U_1")] == [ids[3], ids[1]]
    assert {record.team_id for record in await log.recent("T_OTHER")} == {"T_OTHER"}


async def test_an_end_written_late_does_not_overwrite_the_report(store: Store):
    """An end kept while the store was down and written by renew after the report came leaves "ready" alone."""
    log = CaptureLog(store, owner="p1")
    capture_id = await log.begin(_request(), status_ts=None, thread_ts=None)
    log._unsaved[capture_id] = {"state": "finished", "outcome": "waiting", "updated_at": time.time()}
    await log.record_report(capture_id, outcome="ready", report_url=REPORT)
    await log.renew()
    (record,) = await log.recent("T1")
    assert (record.outcome, record.report_url) == ("ready", REPORT)


async def test_captures_from_before_the_records_upgrade_without_an_outcome(tmp_path: Path):
    """A database at 0003 with a capture row upgrades to records; the old row reads back with no outcome."""
    store = Store.open(database_url(f"sqlite:///{tmp_path / 'old.db'}"))
    try:
        async with store.transaction() as conn:
            await conn.run_sync(lambda sync: _upgrade_to(sync, "0003"))
        row = {
            "id": "old",
            "state": "finished",
            "team_id": "T1",
            "requester_id": "U_DANA",
            "channel_id": "C_SUPPORT",
            "target": "bob@customer.io",
            "action": str(Action.SESSION),
            "surface": "command",
            "attempt": 1,
            "owner": "p0",
            "lease_until": 0.0,
            "created_at": 1.0,
        }
        async with store.transaction() as conn:
            await conn.execute(insert(table("captures", *map(column, row))).values(row))
        await store.migrate()
        (record,) = await CaptureLog(store, owner="p1").recent("T1")
        assert (record.customer, record.action, record.outcome, record.note) == (
            "bob@customer.io",
            Action.SESSION,
            None,
            None,
        )
    finally:
        await store.close()


async def test_a_command_followed_to_its_report_is_recorded_ready_with_the_link(bot: Bot):
    """A real command whose report arrives leaves a record: outcome ready, the report's link, the note."""
    bot.bugpilot.sim.online.add("alice@acme.com")
    await bot.command("screenshot alice@acme.com checkout fails")
    log = CaptureLog(bot.client.app[STORE], owner="reader")
    deadline = time.monotonic() + 20
    while not (records := await log.recent("T_ACME")) or records[0].outcome != "ready":
        assert time.monotonic() < deadline, records
        await asyncio.sleep(0.05)  # polled with a deadline: the record is written after the last Slack call
    (record,) = records
    (session,) = bot.bugpilot.sim.sessions.values()
    assert record.report_url == bot.bugpilot.sim.report_url(session)
    assert record.session_info_url is not None
    assert (record.note, record.requester_id, record.surface) == ("checkout fails", "U_AGENT", Surface.COMMAND)
    assert await log.find_report(record.report_url) == record


async def test_a_customer_not_online_is_recorded_with_the_code(bot: Bot):
    """A capture Bugpilot refuses because the customer has no page open is recorded USER_NOT_CONNECTED."""
    await bot.command("screenshot carol@acme.com")
    await bot.slack.next_call("chat.postMessage")
    await bot.settle()
    (record,) = await CaptureLog(bot.client.app[STORE], owner="reader").recent("T_ACME")
    assert (record.outcome, record.report_url, record.session_info_url) == ("USER_NOT_CONNECTED", None, None)
