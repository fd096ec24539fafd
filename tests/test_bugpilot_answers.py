"""Only ``ok: true`` decides that Bugpilot accepted; a 429 is "busy, try again", never retried by itself."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from yarl import URL

from bot.bugpilot.client import BugpilotClient, _interpret
from bot.commands import Action
from bot.error_blocks import render_error
from bot.errors import BugpilotError, BugpilotRateLimited, UserNotConnected
from tests.conftest import Bot
from tests.logwatch import watch_logs
from tests.mocked_http import mocked_http

BASE = "https://bugpilot.test/api/v1"
ACTION_URL = f"{BASE}/action"


@pytest.fixture(name="client")
async def _client() -> AsyncIterator[BugpilotClient]:
    async with aiohttp.ClientSession() as session:
        yield BugpilotClient(session, base_url=BASE, api_key=SecretStr("bp_key_0123456789"), workspace_id="ws_1")


@pytest.fixture(name="mocked")
def _mocked() -> Iterator[aioresponses]:
    with mocked_http() as mocked:
        yield mocked


@pytest.mark.parametrize(
    "body",
    [
        {"ok": True, "ts": 1733140000.25, "message": "sent"},
        {"ok": True, "ts": "soon", "message": 42, "sessionInfoUrl": 7},
        {"ok": True, "message": None, "sessionInfoUrl": ["https://x"], "extra": {"nested": True}},
        {"ok": True},
    ],
)
async def test_ok_true_is_accepted_whatever_the_other_fields_hold(
    client: BugpilotClient, mocked: aioresponses, body: dict[str, Any]
):
    mocked.post(ACTION_URL, payload=body)
    accepted = await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert accepted.ok
    assert accepted.session_info_url is None
    assert accepted.ts is None
    assert isinstance(accepted.message, str)


async def test_documented_fields_are_kept(client: BugpilotClient, mocked: aioresponses):
    mocked.post(ACTION_URL, payload={"ok": True, "ts": 17, "message": "sent", "sessionInfoUrl": "https://app/s/1"})
    accepted = await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert (accepted.ts, accepted.message, accepted.session_info_url) == (17, "sent", "https://app/s/1")


@pytest.mark.parametrize("ok", [False, "true", 1, None])
def test_anything_but_ok_true_is_not_an_acceptance(ok: object):
    with pytest.raises(BugpilotError):
        _interpret(200, json.dumps({"ok": ok, "message": "sent"}).encode())


@given(st.dictionaries(st.text(max_size=20), st.none() | st.booleans() | st.integers() | st.floats() | st.text()))
def test_any_200_object_with_ok_true_is_accepted(extra: dict[str, object]):
    raw = json.dumps({**extra, "ok": True}).encode()
    assert _interpret(200, raw).ok


async def test_the_documented_error_message_field_is_the_detail(client: BugpilotClient, mocked: aioresponses):
    body = {"ok": False, "error": "USER_NOT_CONNECTED", "error_message": "No socket", "message": "older"}
    mocked.post(ACTION_URL, status=400, payload=body)
    with pytest.raises(UserNotConnected) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.detail == "No socket"


async def test_an_undocumented_message_field_is_not_read_as_bugpilots_words(
    client: BugpilotClient, mocked: aioresponses
):
    """Only ``error_message`` is Bugpilot's text: a ``message`` field alone leaves no detail."""
    mocked.post(ACTION_URL, status=400, payload={"ok": False, "error": "USER_NOT_CONNECTED", "message": "older"})
    with pytest.raises(UserNotConnected) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.detail is None


async def test_an_odd_message_field_does_not_hide_the_error_code(client: BugpilotClient, mocked: aioresponses):
    mocked.post(ACTION_URL, status=400, payload={"ok": False, "error": "USER_NOT_CONNECTED", "error_message": 42})
    with pytest.raises(UserNotConnected) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.detail is None


@pytest.mark.parametrize(("header", "wait"), [("30", 30.0), ("0.5", 0.5), ("later", None), (None, None)])
async def test_a_429_is_rate_limited_with_the_wait_it_asked_for(
    client: BugpilotClient, mocked: aioresponses, header: str | None, wait: float | None
):
    headers = {"Retry-After": header} if header is not None else {}
    mocked.post(
        ACTION_URL, status=429, payload={"error": "RATE_LIMITED", "error_message": "Slow down"}, headers=headers
    )
    with pytest.raises(BugpilotRateLimited) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    error = caught.value
    assert (error.status, error.code, error.retry_after, error.detail) == (429, "RATE_LIMITED", wait, "Slow down")
    assert error.retryable
    assert len(mocked.requests[("POST", URL(ACTION_URL))]) == 1


def test_a_429_without_a_json_body_is_still_rate_limited():
    with pytest.raises(BugpilotRateLimited):
        _interpret(429, b"<html>Too Many Requests</html>", "12")


def test_the_busy_message_says_when_to_try_again():
    text = json.dumps(render_error(BugpilotRateLimited("busy", status=429, retry_after=29.2)).blocks)
    assert "Bugpilot is busy right now" in text
    assert "in about 30 s" in text
    assert "RATE_LIMITED" in text


async def test_an_accepted_answer_with_odd_fields_is_shown_as_a_success_without_try_again(bot: Bot):
    """It was shown as a failure with Try again, which would ask the customer a second time."""
    bot.bugpilot.canned.append((200, {"ok": True, "ts": 1733140000.5, "message": 42, "sessionInfoUrl": 7}, {}))
    with watch_logs() as logs:
        await bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["outcome"] == "ok"
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    assert "Screenshot requested" in outcome.args["text"]
    assert "bugpilot_try_again" not in json.dumps(outcome.args["blocks"])


async def test_bugpilot_busy_offers_try_again_and_asks_only_once(bot: Bot):
    body = {"ok": False, "error": "RATE_LIMITED", "error_message": "Too many requests"}
    bot.bugpilot.canned.append((429, body, {"Retry-After": "20"}))
    with watch_logs() as logs:
        await bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["outcome"] == "RATE_LIMITED"
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    blocks = json.dumps(outcome.args["blocks"])
    assert "Bugpilot is busy" in outcome.args["text"]
    assert "in about 20 s" in blocks
    assert "Too many requests" in blocks
    assert "bugpilot_try_again" in blocks
    status = await bot.slack.next_call("chat.update")
    assert "Bugpilot asked to slow down" in status.args["text"]
    await bot.settle()
    assert bot.bugpilot.arrived.qsize() == 1
