"""Captures in flight survive their process: rows with leases, taken over once, their requesters told."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.delivery import Delivery
from bot.errors import StoreUnavailable
from bot.recovery import Recovery
from bot.shared_channels import SharedChannels
from bot.store.captures import CaptureLog
from bot.store.store import Store
from bot.store.url import database_url
from tests.fakes import BOT_TOKEN, FakeSlack
from tests.logwatch import watch_logs
from tests.postgres import PostgresServer

REQUEST = CaptureRequest(
    action=Action.RECORDING,
    customer="alice@acme.com",
    customer_label="alice@acme.com",
    requester_id="U_AGENT",
    team_id="T_ACME",
    channel_id="C_SUPPORT",
    surface=Surface.COMMAND,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(name="clock")
def _clock() -> Clock:
    return Clock()


@pytest.fixture(name="store")
async def _store(tmp_path: Path, clock: Clock):
    store = Store.open(database_url(f"sqlite:///{tmp_path / 'bot.db'}"))
    store._clock = clock
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture(name="delivery")
async def _delivery(fake_slack: FakeSlack):
    server: TestServer = fake_slack.server  # type: ignore[attr-defined]
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=str(server.make_url("/api/")), session=session)
        yield Delivery(client, session)


async def test_a_finished_capture_is_never_taken_over(store: Store, clock: Clock):
    """Delivered outcomes are done: however old, nobody takes them over."""
    mine, other = CaptureLog(store, owner="a"), CaptureLog(store, owner="b")
    capture = await mine.begin(REQUEST, status_ts="1.1", thread_ts="1.1")
    assert await mine.finish(capture)
    clock.now += 3600
    assert await other.take_over_abandoned() == []


async def test_a_live_process_keeps_its_captures(store: Store, clock: Clock):
    """Renewed leases hold: another process takes nothing over while the owner lives."""
    mine, other = CaptureLog(store, owner="a"), CaptureLog(store, owner="b")
    await mine.begin(REQUEST, status_ts="1.1", thread_ts="1.1")
    for _ in range(5):
        clock.now += 5
        assert await mine.renew() == 1
        assert await other.take_over_abandoned() == []


async def test_a_dead_process_capture_is_taken_over_once(store: Store, clock: Clock):
    """Its lease runs out: one process takes it over (compare-and-set), the owner can no longer finish it."""
    dead, first, second = (CaptureLog(store, owner=name) for name in ("dead", "b", "c"))
    capture = await dead.begin(REQUEST, status_ts="1.1", thread_ts="1.1")
    clock.now += 9
    taken = await asyncio.gather(first.take_over_abandoned(), second.take_over_abandoned())
    assert sorted(len(found) for found in taken) == [0, 1]
    interrupted = next(found for found in taken if found)[0]
    assert interrupted.id == capture
    assert interrupted.request.customer == "alice@acme.com"
    assert interrupted.request.action is Action.RECORDING
    assert interrupted.status_ts == "1.1"
    assert not await dead.finish(capture)


async def test_old_captures_are_forgotten(store: Store, clock: Clock):
    """Rows hold customers' emails: the retention deletes those made before the cutoff."""
    log = CaptureLog(store, owner="a")
    await log.begin(REQUEST, status_ts=None, thread_ts=None)
    clock.now += 10
    await log.begin(REQUEST, status_ts=None, thread_ts=None)
    assert await log.forget_before(clock.now - 5) == 1


async def test_the_requester_is_told_in_the_request_message(
    store: Store, clock: Clock, delivery: Delivery, fake_slack: FakeSlack
):
    """A taken-over capture's request message says the bot restarted; the audit line says INTERRUPTED."""
    await CaptureLog(store, owner="dead").begin(REQUEST, status_ts="1700000000.000100", thread_ts="1700000000.000100")
    clock.now += 9
    with watch_logs() as logs:
        taken = await Recovery(CaptureLog(store, owner="me"), delivery, retention=86400).run_once()
    assert len(taken) == 1
    update = await fake_slack.next_call("chat.update")
    assert update.args["ts"] == "1700000000.000100"
    assert "the bot restarted before this finished" in update.args["text"]
    assert "check Bugpilot" in update.args["text"]
    audit = logs.of("audit.capture")
    assert [(entry["outcome"], entry["target"], entry["action"]) for entry in audit] == [
        ("INTERRUPTED", "alice@acme.com", "show-recording-ui")
    ]


async def test_without_a_request_message_the_requester_gets_a_direct_message(
    store: Store, clock: Clock, delivery: Delivery, fake_slack: FakeSlack
):
    """A capture that had no visible request message (a private one) is told to its requester directly."""
    await CaptureLog(store, owner="dead").begin(REQUEST, status_ts=None, thread_ts=None)
    clock.now += 9
    await Recovery(CaptureLog(store, owner="me"), delivery, retention=86400).run_once()
    post = await fake_slack.next_call("chat.postMessage")
    assert post.args["channel"] == "U_AGENT"
    assert "the bot restarted" in post.args["text"]


async def test_on_postgres_a_dead_capture_is_taken_over_by_exactly_one_process(postgres: PostgresServer):
    """Two processes' logs on one PostgreSQL race for ten abandoned captures: each is taken once."""
    url = database_url(postgres.new_database())
    stores = [Store.open(url) for _ in range(3)]
    try:
        await stores[0].migrate()
        dead = CaptureLog(stores[0], owner="dead", lease=0.0)
        made = {await dead.begin(REQUEST, status_ts=None, thread_ts=None) for _ in range(10)}
        first, second = CaptureLog(stores[1], owner="b"), CaptureLog(stores[2], owner="c")
        taken = await asyncio.gather(*(log.take_over_abandoned() for log in (first, second) for _ in range(3)))
        ids = [capture.id for found in taken for capture in found]
        assert sorted(ids) == sorted(made)
    finally:
        for store in stores:
            await store.close()


async def test_each_round_forgets_captures_past_the_retention(store: Store, clock: Clock, delivery: Delivery):
    """The recovery loop also deletes captures older than the retention, finished or not."""
    log = CaptureLog(store, owner="me")
    done = await log.begin(REQUEST, status_ts=None, thread_ts=None)
    await log.finish(done)
    clock.now += 2 * 86400
    recovery = Recovery(CaptureLog(store, owner="other"), delivery, retention=86400)
    await recovery.run_once()
    assert await log.forget_before(clock.now) == 0


async def test_in_a_shared_channel_the_request_message_names_no_customer(
    store: Store, clock: Clock, delivery: Delivery, fake_slack: FakeSlack
):
    """Slack Connect: the channel line names only the requester; the details go to them directly."""
    fake_slack.shared_channels.add("C_SUPPORT")
    await CaptureLog(store, owner="dead").begin(REQUEST, status_ts="1700000000.000100", thread_ts="1700000000.000100")
    clock.now += 9
    channels = SharedChannels(delivery.client)
    await Recovery(CaptureLog(store, owner="me"), delivery, retention=86400, channels=channels).run_once()
    update = await fake_slack.next_call("chat.update")
    assert "alice@acme.com" not in str(update.args)
    assert "<@U_AGENT>" in update.args["text"]
    direct = await fake_slack.next_call("chat.postMessage")
    assert direct.args["channel"] == "U_AGENT"
    assert "alice@acme.com" in direct.args["text"]


async def test_a_taker_that_dies_before_telling_leaves_the_capture_to_the_next(store: Store, clock: Clock):
    """Taken over but not yet told: the capture stays working, so if the taker dies too, another takes it."""
    await CaptureLog(store, owner="dead").begin(REQUEST, status_ts="1.1", thread_ts="1.1")
    clock.now += 9
    assert len(await CaptureLog(store, owner="taker").take_over_abandoned()) == 1
    clock.now += 9  # the taker died before telling anyone: its lease ran out too
    assert len(await CaptureLog(store, owner="next").take_over_abandoned()) == 1


async def test_only_captures_still_in_flight_keep_their_lease(store: Store, clock: Clock):
    """An end the database refused is written later; meanwhile that capture's lease is not renewed."""
    mine = CaptureLog(store, owner="me")
    done = await mine.begin(REQUEST, status_ts="1.1", thread_ts="1.1")
    await mine.begin(REQUEST, status_ts="2.2", thread_ts="2.2")
    working = store._engine
    store._engine = Store.open(database_url("postgresql://bot:pw@127.0.0.1:9/bot"), timeout=1)._engine
    try:
        with pytest.raises(StoreUnavailable):
            await mine.finish(done)
    finally:
        await store._engine.dispose()
        store._engine = working
    clock.now += 5
    assert await mine.renew() == 1  # the end is written now, and only the other capture is renewed
    clock.now += 5  # past the first lease, within the renewed one
    assert await CaptureLog(store, owner="other").take_over_abandoned() == []


async def test_the_hourly_round_sweeps_expired_keys(store: Store, clock: Clock, delivery: Delivery):
    """Expired dedupe keys are deleted by the recovery loop, off the path requests take."""
    assert await store.first_time("trigger:old", ttl=1)
    clock.now += 5
    await Recovery(CaptureLog(store, owner="me"), delivery, retention=86400, sweep=store.sweep).run_once()
    assert await store.sweep() == 0
