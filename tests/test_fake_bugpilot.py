"""The tests' FakeBugpilot serves Session Info too: canned looks first, every look queued without the key."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.bugpilot.client import BugpilotClient
from bot.bugpilot.session_info import SessionInfoClient
from bot.bugpilot.wire import USER_AGENT
from bot.commands import Action
from bot.errors import InvalidSessionToken, ReportNotFound
from tests.fakes import API_KEY, WORKSPACE_ID, FakeBugpilot


async def _accepted(fake: FakeBugpilot, session: aiohttp.ClientSession) -> tuple[str, str]:
    """The API base and the sessionInfoUrl of one accepted screenshot."""
    server: TestServer = fake.server  # type: ignore[attr-defined]
    base = str(server.make_url("/api/v1"))
    fake.sim.online.add("alice@acme.com")
    fake.sim.report_delays = {"upload-screenshot": 3600.0}  # saved only when a test says so
    client = BugpilotClient(session, base_url=base, api_key=SecretStr(API_KEY), workspace_id=WORKSPACE_ID)
    accepted = await client.request_action(user_id="alice@acme.com", action=Action.SCREENSHOT)
    assert accepted.session_info_url is not None
    return base, accepted.session_info_url


async def test_the_fake_serves_session_info_on_its_own_origin(fake_bugpilot: FakeBugpilot):
    """An accepted action's link is on the fake's origin; the bot's client may follow it and finds the report."""
    async with aiohttp.ClientSession() as session:
        base, url = await _accepted(fake_bugpilot, session)
        client = SessionInfoClient(session, base_url=base, api_key=SecretStr(API_KEY))
        assert client.follows(url)
        with pytest.raises(ReportNotFound):
            await client.look(url)
        fake_bugpilot.sim.save(url.rsplit("/", 1)[-1])
        assert (await client.look(url)).report_url.startswith("https://dash.bugpilot.io/report/")


async def test_each_look_is_queued_with_its_path_and_headers_but_not_the_key(fake_bugpilot: FakeBugpilot):
    """The queue shows what arrived: the path, Accept and User-Agent, and whether the key matched."""
    async with aiohttp.ClientSession() as session:
        base, url = await _accepted(fake_bugpilot, session)
        client = SessionInfoClient(session, base_url=base, api_key=SecretStr(API_KEY))
        with pytest.raises(ReportNotFound):
            await client.look(url)
    look = await fake_bugpilot.next_look()
    assert look.path == f"/api/v1/session-info/{WORKSPACE_ID}/{url.rsplit('/', 1)[-1]}"
    assert (look.headers["Accept"], look.headers["User-Agent"]) == ("application/json", USER_AGENT)
    assert look.headers["x-bugpilot-api-key-ok"] == "True"
    assert API_KEY not in repr(look)


async def test_canned_looks_answer_before_the_simulation(fake_bugpilot: FakeBugpilot):
    """canned_looks are used in turn, then the simulation answers again."""
    fake_bugpilot.canned_looks.append((400, {"error": "INVALID_SESSION_TOKEN", "error_message": "Invalid"}, {}))
    fake_bugpilot.canned_looks.append((200, {"ok": True, "reportUrl": "https://dash.bugpilot.io/report/canned"}, {}))
    async with aiohttp.ClientSession() as session:
        base, url = await _accepted(fake_bugpilot, session)
        client = SessionInfoClient(session, base_url=base, api_key=SecretStr(API_KEY))
        with pytest.raises(InvalidSessionToken):
            await client.look(url)
        assert (await client.look(url)).report_url == "https://dash.bugpilot.io/report/canned"
        with pytest.raises(ReportNotFound):
            await client.look(url)
    assert fake_bugpilot.looks.qsize() == 3
