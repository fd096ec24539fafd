"""Every Slack call is bounded, waits out only a bounded rate limit, and never posts twice.

Through the real Slack client and session the bot builds (``slack_session``/``slack_client``),
against the fake Slack, and through the whole bot for what a user ends up seeing.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot import delivery as delivery_module
from bot.app import create_app
from bot.blocks import Message
from bot.delivery import Delivery, slack_client, slack_session
from bot.retry_after import parse_retry_after
from bot.settings import Settings
from bot.slack_retry import NothingSentRetryHandler, RateLimitRetryHandler
from tests.conftest import Bot
from tests.fakes import BOT_TOKEN, FakeBugpilot, FakeSlack
from tests.logwatch import watch_logs

QUICK = aiohttp.ClientTimeout(total=0.5, sock_connect=0.5)
MESSAGE = Message(text="Screenshot requested", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])


def _api_url(fake: FakeSlack) -> str:
    server: TestServer = fake.server  # type: ignore[attr-defined]
    return str(server.make_url("/api/"))


def _respond_url(fake: FakeSlack) -> str:
    server: TestServer = fake.server  # type: ignore[attr-defined]
    return str(server.make_url("/respond/x"))


@pytest.fixture(name="delivery")
async def _delivery(fake_slack: FakeSlack) -> AsyncIterator[Delivery]:
    async with slack_session(QUICK) as session:
        yield Delivery(slack_client(session, token=BOT_TOKEN, base_url=_api_url(fake_slack)), session)
    for gate in fake_slack.gates.values():
        gate.set()  # let the fake's held handlers finish before it stops


@pytest.fixture(name="quick_bot")
async def _quick_bot(
    settings: Settings,
    fake_slack: FakeSlack,
    fake_bugpilot: FakeBugpilot,
    aiohttp_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Bot]:
    """The real bot, with Slack calls bounded at 0.5 s instead of the production bound."""
    monkeypatch.setattr(delivery_module, "SLACK_TIMEOUT", QUICK)
    client = await aiohttp_client(create_app(settings))
    yield Bot(client=client, slack=fake_slack, bugpilot=fake_bugpilot)
    for gate in fake_slack.gates.values():
        gate.set()


# --- timeouts -------------------------------------------------------------------------------------


async def test_a_hanging_web_api_call_fails_within_the_session_bound(delivery: Delivery, fake_slack: FakeSlack):
    """slack_sdk ignores its ``timeout`` for a session it didn't make: the session's bound applies."""
    fake_slack.gates["chat.postMessage"] = asyncio.Event()
    async with asyncio.timeout(5):
        with pytest.raises(TimeoutError):
            await delivery.post("C_SUPPORT", MESSAGE)
    assert len(fake_slack.of("chat.postMessage")) == 1


async def test_a_hanging_response_url_fails_within_the_bound(delivery: Delivery, fake_slack: FakeSlack):
    """A response_url that never answers makes ``respond`` give up (False), not hold the capture."""
    fake_slack.gates["respond"] = asyncio.Event()
    with watch_logs() as logs:
        async with asyncio.timeout(5):
            assert await delivery.respond(_respond_url(fake_slack), MESSAGE) is False
    assert [e["error"] for e in logs.of("slack.respond_failed")] == ["TimeoutError"]


async def test_slack_hanging_on_the_request_message_still_delivers_the_outcome(quick_bot: Bot, online: set[str]):
    """The "working…" post hangs: the bot stops waiting, captures, and answers the requester privately."""
    online.add("alice@acme.com")
    quick_bot.slack.gates["chat.postMessage"] = asyncio.Event()
    with watch_logs() as logs:
        await quick_bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["delivered"] == "private"
    assert [e["error"] for e in logs.of("slack.post_failed")] == ["TimeoutError"]
    answer = await quick_bot.slack.next_call("respond")
    assert "Screenshot requested" in answer.args["text"]
    assert len(quick_bot.bugpilot.sim.received) == 1


# --- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), ("0.5", 0.5), (" 3 ", 3.0), ("-4", 0.0), ("soon", None), ("", None), (None, None), ("nan", None)],
)
def test_retry_after_is_read_as_seconds_or_nothing(header: str | None, expected: float | None):
    assert parse_retry_after(header) == expected


def test_retry_after_as_an_http_date_is_the_time_until_then():
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(7.0)
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0


@given(st.text(max_size=200))
def test_any_retry_after_gives_a_finite_wait_or_none(header: str):
    wait = parse_retry_after(header)
    assert wait is None or (wait >= 0.0 and wait != float("inf"))


@pytest.mark.parametrize("header", ["0.5", "soon", "HTTP-DATE"])
async def test_rate_limited_post_with_an_unusual_retry_after_is_retried(bot: Bot, online: set[str], header: str):
    """slack_sdk's handler did ``int(Retry-After)`` and crashed the capture on these."""
    online.add("alice@acme.com")
    bot.slack.rate_limited["chat.postMessage"] = 1
    bot.slack.retry_after = email.utils.formatdate(time.time() + 1, usegmt=True) if header == "HTTP-DATE" else header
    await bot.command("screenshot alice@acme.com")
    limited = await bot.slack.next_call("chat.postMessage")
    retried = await bot.slack.next_call("chat.postMessage")
    assert retried.args["text"] == limited.args["text"]
    outcome = await bot.slack.next_call("chat.postMessage")
    assert "Screenshot requested" in outcome.args["text"]
    assert outcome.args["thread_ts"]


async def test_a_retry_after_beyond_the_budget_gives_up_and_answers_privately(bot: Bot, online: set[str]):
    """``Retry-After: 3600`` held the capture until shutdown; now it gives up at once and answers privately."""
    online.add("alice@acme.com")
    bot.slack.rate_limited["chat.postMessage"] = 1
    bot.slack.retry_after = "3600"
    with watch_logs() as logs:
        await bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["delivered"] == "private"
    assert [e["gave_up"] for e in logs.of("slack.rate_limited")] == [True]
    answer = await bot.slack.next_call("respond")
    assert "Screenshot requested" in answer.args["text"]
    assert len(bot.slack.of("chat.postMessage")) == 1


async def test_waits_add_up_to_at_most_the_budget(fake_slack: FakeSlack):
    """Each wait counts: the second 0.6 s wait would pass a 1 s budget, so the 429 is handed back."""
    fake_slack.rate_limited["users.info"] = 5
    fake_slack.retry_after = "0.6"
    async with slack_session(QUICK) as session:
        client = AsyncWebClient(
            token=BOT_TOKEN,
            base_url=_api_url(fake_slack),
            session=session,
            retry_handlers=[RateLimitRetryHandler(max_retry_count=5, budget=1.0)],
        )
        with pytest.raises(SlackApiError) as raised:
            await client.users_info(user="U1")
    assert raised.value.response.status_code == 429
    assert len(fake_slack.of("users.info")) == 2


# --- broken connections ---------------------------------------------------------------------------


async def test_a_post_whose_connection_broke_after_slack_read_it_is_not_sent_again(
    delivery: Delivery, fake_slack: FakeSlack
):
    """Slack may have posted it: repeating the call could post the message twice."""
    fake_slack.drop_after_read["chat.postMessage"] = 1
    with pytest.raises(aiohttp.ClientError):
        await delivery.post("C_SUPPORT", MESSAGE)
    assert len(fake_slack.of("chat.postMessage")) == 1


async def test_a_read_whose_connection_broke_is_asked_again(delivery: Delivery, fake_slack: FakeSlack):
    """Asking again changes nothing, so a lookup survives one broken connection."""
    fake_slack.users["U1"] = {"id": "U1", "profile": {"email": "a@acme.com"}}
    fake_slack.drop_after_read["users.info"] = 1
    response = await delivery.client.users_info(user="U1")
    assert response["user"]["id"] == "U1"
    assert len(fake_slack.of("users.info")) == 2


async def test_a_broken_connection_on_the_request_message_posts_it_once(bot: Bot, online: set[str]):
    """The "working…" message reached Slack once; the outcome then goes privately, nothing is posted twice."""
    online.add("alice@acme.com")
    bot.slack.drop_after_read["chat.postMessage"] = 1
    with watch_logs() as logs:
        await bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["delivered"] == "private"
    posts = bot.slack.of("chat.postMessage")
    assert len(posts) == 1
    assert "working on it" in posts[0].args["text"]
    assert "Screenshot requested" in (await bot.slack.next_call("respond")).args["text"]


def _connector_error() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey(
        host="slack.test", port=443, is_ssl=True, ssl=True, proxy=None, proxy_auth=None, proxy_headers_hash=None
    )
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))


@pytest.mark.parametrize(
    ("method", "error", "retried"),
    [
        ("chat.postMessage", _connector_error(), True),  # never connected: nothing reached Slack
        ("chat.postMessage", aiohttp.ServerDisconnectedError(), False),
        ("chat.postMessage", aiohttp.ClientOSError(104, "reset"), False),
        ("views.open", aiohttp.ServerDisconnectedError(), False),
        ("users.info", aiohttp.ServerDisconnectedError(), True),
        ("chat.update", aiohttp.ClientOSError(104, "reset"), True),
        ("users.info", TimeoutError(), False),
    ],
)
async def test_only_calls_that_cannot_have_acted_twice_are_repeated(method: str, error: Exception, retried: bool):  # noqa: FBT001
    request = HttpRequest(method="POST", url=f"https://slack.test/api/{method}", headers={})
    handler = NothingSentRetryHandler(max_retry_count=1)
    assert await handler.can_retry_async(state=RetryState(), request=request, error=error) is retried


async def test_a_response_url_is_never_repeated_after_a_broken_connection():
    request = HttpRequest(method="POST", url="https://hooks.slack.test/actions/T1/2/abc", headers={})
    handler = NothingSentRetryHandler(max_retry_count=1)
    error = aiohttp.ServerDisconnectedError()
    assert await handler.can_retry_async(state=RetryState(), request=request, error=error) is False
