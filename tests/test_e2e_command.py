"""End to end: signed slash commands to the real server; fakes record what the bot sends."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from bot.app import create_app
from bot.sandbox.bugpilot import Failure
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import API_KEY, command_body, sign
from tests.interactions import click


def _json(call_args: dict[str, Any]) -> str:
    return json.dumps(call_args, ensure_ascii=False)


async def test_screenshot_of_online_customer_posts_request_and_success_in_thread(bot: Bot, online: set[str]):
    """A valid command is acknowledged empty, then request message, Bugpilot call, outcome in thread, report."""
    online.add("alice@acme.com")
    started = time.monotonic()
    response = await bot.command("screenshot alice@acme.com")
    assert response.status == 200
    assert time.monotonic() - started < 3
    assert await response.text() == ""

    request_msg = await bot.slack.next_call("chat.postMessage")
    assert request_msg.args["channel"] == "C_SUPPORT"
    assert "<@U_AGENT> asked Bugpilot for a *screenshot* of *alice@acme.com*" in request_msg.args["text"]
    assert "working on it" in request_msg.args["text"]
    arrival = await bot.bugpilot.next_arrival()
    permalink = f"https://acme.slack.com/archives/C_SUPPORT/p{bot.slack.ts_of(request_msg).replace('.', '')}"
    assert arrival == {
        "workspaceId": "ws_acme",
        "userId": "alice@acme.com",
        "action": "upload-screenshot",
        "userProvidedDescription": f"Asked by Dana Agent in Slack: {permalink}",
    }
    outcome = await bot.slack.next_call("chat.postMessage")
    assert outcome.args["channel"] == "C_SUPPORT"
    assert outcome.args["thread_ts"] in bot.slack.messages
    assert "Screenshot requested" in outcome.args["text"]
    assert "waiting for the report" in _json(outcome.args["blocks"])
    assert "/api/v1/session-info/ws_acme/" in _json(outcome.args["blocks"])
    update = await bot.slack.next_call("chat.update")
    assert update.args["ts"] == outcome.args["thread_ts"]
    assert "waiting for the report" in update.args["text"]

    ready = await bot.slack.next_call("chat.update", timeout=10)
    assert ready.args["ts"] == outcome.args["thread_ts"]
    assert "done: the report is ready" in ready.args["text"]
    report = await bot.slack.next_call("chat.update", timeout=10)
    assert report.args["ts"] == bot.slack.ts_of(outcome)
    assert "Report ready" in report.args["text"]
    assert "https://dash.bugpilot.io/report/" in _json(report.args["blocks"])
    notice = await bot.slack.next_call("chat.postMessage", timeout=10)
    assert notice.args["thread_ts"] == outcome.args["thread_ts"]
    assert "<@U_AGENT>" in notice.args["blocks"][0]["text"]["text"]
    assert "https://dash.bugpilot.io/report/" in notice.args["blocks"][0]["text"]["text"]


async def test_mailto_form_and_note_are_sent(bot: Bot, online: set[str]):
    """Slack's escaped email is unwrapped and the rest becomes readable userProvidedDescription."""
    online.add("bob@customer.io")
    text = "session <mailto:bob@customer.io|bob@customer.io> checkout does nothing, see <https://acme.com/cart|cart>"
    await bot.command(text)
    arrival = await bot.bugpilot.next_arrival()
    assert arrival["userId"] == "bob@customer.io"
    note, origin = arrival["userProvidedDescription"].split("\n\n")
    assert note == "checkout does nothing, see cart (https://acme.com/cart)"
    assert origin.startswith("Asked by Dana Agent in Slack: https://acme.slack.com/archives/C_SUPPORT/p")


async def test_mention_is_resolved_to_the_members_email(bot: Bot, online: set[str]):
    """A Slack member mention is looked up with users.info and captured by email."""
    bot.slack.users["U0BOB"] = {"id": "U0BOB", "name": "bob", "profile": {"email": "bob@customer.io"}}
    online.add("bob@customer.io")
    await bot.command("record <@U0BOB|bob> please show the bug")
    lookup = await bot.slack.next_call("users.info")
    assert lookup.args["user"] == "U0BOB"
    arrival = await bot.bugpilot.next_arrival()
    assert arrival["userId"] == "bob@customer.io"
    outcome = await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    assert "@bob (bob@customer.io)" in outcome.args["text"]


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ({"id": "U0BOB", "name": "bob", "profile": {}}, "has no email I can see"),
        ({"id": "U0BOB", "name": "bob", "is_bot": True, "profile": {"email": "b@x.io"}}, "is a bot"),
        ({"id": "U0BOB", "name": "bob", "deleted": True, "profile": {"email": "b@x.io"}}, "deactivated"),
        (None, "couldn't find that Slack member"),
    ],
)
async def test_unusable_member_is_explained_privately_without_calling_bugpilot(
    bot: Bot, user: dict[str, Any] | None, reason: str
):
    """A member without a usable email gets a private explanation and no API call."""
    if user is not None:
        bot.slack.users["U0BOB"] = user
    await bot.command("screenshot <@U0BOB>")
    reply = await bot.slack.next_call("respond")
    assert reply.args["response_type"] == "ephemeral"
    assert reason in _json(reply.args["blocks"])
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.of("chat.postMessage") == []


async def test_member_lookup_answered_by_an_error_page_is_explained(bot: Bot):
    """users.info answered with a proxy's HTML page: a private explanation, no crash, no Bugpilot call."""
    bot.slack.html_pages.add("users.info")
    await bot.command("screenshot <@U0BOB>")
    reply = await bot.slack.next_call("respond")
    assert "Slack didn't tell me who that member is" in _json(reply.args["blocks"])
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


@pytest.mark.parametrize("text", ["", "help", "HELP"])
async def test_help_shows_usage_in_the_ack(bot: Bot, text: str):
    """Help and empty text answer with usage at once, privately, and call nothing."""
    response = await bot.command(text)
    body = await response.json()
    assert body["response_type"] == "ephemeral"
    assert "How to use /bugpilot" in _json(body["blocks"])
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.of("chat.postMessage") == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("screnshot alice@acme.com", "Did you mean `/bugpilot screenshot alice@acme.com`?"),
        ("screenshot", "Which customer?"),
        ("screenshot <#C1|general>", "That's a channel"),
        ("alice@acme.com screenshot", "The action comes first"),
    ],
)
async def test_bad_input_gets_a_one_line_reason_and_no_call(bot: Bot, text: str, reason: str):
    """Unknown action, missing or unusable user: a one-line reason and a pointer to help; nothing sent."""
    response = await bot.command(text)
    body = await response.json()
    assert reason in body["blocks"][0]["text"]["text"]
    assert "`/bugpilot help`" in body["blocks"][1]["elements"][0]["text"]
    assert "How to use" not in _json(body["blocks"])
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.of("chat.postMessage") == []


async def test_bad_signature_is_refused(bot: Bot):
    """A request signed with another secret gets 401 and does nothing."""
    body = command_body("screenshot alice@acme.com", response_url=bot.response_url())
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, secret="not-the-secret")}
    response = await bot.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.calls == []


async def test_replayed_request_older_than_five_minutes_is_refused(bot: Bot):
    """A correctly signed request with a timestamp over 5 minutes old gets 401."""
    body = command_body("screenshot alice@acme.com", response_url=bot.response_url())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, timestamp=int(time.time()) - 301),
    }
    response = await bot.client.post("/slack/events", data=body, headers=headers)
    assert response.status == 401
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_unsigned_request_is_refused(bot: Bot):
    """No signature headers at all: 401."""
    body = command_body("screenshot alice@acme.com", response_url=bot.response_url())
    response = await bot.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 401


async def test_customer_offline_gets_advice_in_thread(bot: Bot):
    """USER_NOT_CONNECTED: one line in the thread, the checks behind Still failing?, shown to the clicker alone."""
    await bot.command("screenshot alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    blocks = _json(outcome.args["blocks"])
    assert "alice@acme.com isn't online in your app right now" in outcome.args["text"]
    assert "Always connect Action WebSockets" not in blocks
    assert "USER_NOT_CONNECTED" in blocks
    update = await bot.slack.next_call("chat.update")
    assert "didn't work: the customer isn't online" in update.args["text"]
    ts = bot.slack.ts_of(outcome)
    await bot.interact(click(outcome.args, "bugpilot_still_failing", ts=ts, response_url=bot.response_url("d")))
    details = await bot.slack.next_call("respond")
    assert details.args["response_type"] == "ephemeral"
    assert details.args["replace_original"] is False
    shown = _json(details.args["blocks"])
    assert "Always connect Action WebSockets" in shown
    assert "`Bugpilot.identify()` with exactly `alice@acme.com`" in shown
    await bot.settle()
    assert len(bot.bugpilot.sim.received) == 1  # showing the checks calls nothing


@pytest.mark.parametrize(
    ("failure", "words", "code"),
    [
        ("INTERNAL_ERROR", "internal error", "INTERNAL_ERROR"),
        ("UNKNOWN_CODE", "TEAPOT_OVERFLOW", "TEAPOT_OVERFLOW"),
        ("HTML_502", "having trouble", "HTTP 502"),
        ("NOT_JSON", "doesn't understand", "HTTP 200"),
    ],
)
async def test_every_upstream_failure_has_its_own_outcome(bot: Bot, failure: Failure, words: str, code: str):
    """Each documented code and undocumented answer becomes a clear, named outcome in the thread."""
    bot.bugpilot.sim.failure = failure
    await bot.command("screenshot alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    blocks = _json(outcome.args["blocks"])
    assert words in blocks
    assert (code if code.startswith("HTTP ") else f"`{code}`") in blocks
    assert "HTTP_" not in blocks
    assert API_KEY not in blocks
    update = await bot.slack.next_call("chat.update")
    assert "didn't work" in update.args["text"]


@pytest.mark.parametrize(
    ("failure", "words", "code"),
    [
        ("INVALID_API_KEY", "BUGPILOT_API_KEY", "INVALID_API_KEY"),
        ("NO_ACCESS", "BUGPILOT_WORKSPACE_ID", "NO_ACCESS"),
        ("MISSING_FIELDS", "bug in this bot", "MISSING_FIELDS"),
        ("INVALID_ACTION", "did not accept* `upload-screenshot`", "INVALID_ACTION"),
    ],
)
async def test_set_up_problems_are_shown_only_to_the_requester(bot: Bot, failure: Failure, words: str, code: str):
    """A set-up problem goes privately to the requester; the channel is told only that details went to them."""
    bot.bugpilot.sim.failure = failure
    await bot.command("screenshot alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("respond")
    blocks = json.dumps(outcome.args["blocks"])
    assert words in blocks
    assert f"`{code}`" in blocks
    assert API_KEY not in blocks
    assert outcome.args["response_type"] == "ephemeral"
    update = await bot.slack.next_call("chat.update")
    assert update.args["text"] == ":warning: Bugpilot couldn't capture — details sent to <@U_AGENT>."
    assert len(bot.slack.of("chat.postMessage")) == 1


async def test_timeout_is_a_clear_outcome_within_seconds(aiohttp_client: Any, settings: Settings, bot: Bot):
    """When Bugpilot never answers, the outcome says so after the configured timeout."""
    quick = settings.model_copy(update={"bugpilot_timeout": 1.0})
    client = await aiohttp_client(create_app(quick))
    bot.client = client
    bot.bugpilot.sim.failure = "TIMEOUT"
    await bot.command("session alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    assert "did not answer in time" in outcome.args["text"]
    assert "within 1 s" in _json(outcome.args["blocks"])


async def test_connection_refused_is_a_clear_outcome(aiohttp_client: Any, settings: Settings, bot: Bot):
    """When nothing listens at BUGPILOT_API_URL, the outcome says nothing was sent."""
    nowhere = settings.model_copy(update={"bugpilot_api_url": "http://127.0.0.1:9/api/v1"})
    bot.client = await aiohttp_client(create_app(nowhere))
    await bot.command("session alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    blocks = _json(outcome.args["blocks"])
    assert "couldn't reach Bugpilot" in outcome.args["text"]
    assert "Nothing was sent" in blocks


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("not_in_channel", "I'm not a member of it"),
        ("channel_not_found", "I can't see it"),
        ("is_archived", "it is archived"),
    ],
)
async def test_outcome_reaches_the_user_privately_when_the_bot_cannot_post(
    bot: Bot, online: set[str], error: str, words: str
):
    """The bot can't post in the conversation: the outcome comes through response_url with a hint in plain words."""
    online.add("alice@acme.com")
    bot.slack.post_errors["C_SUPPORT"] = error
    await bot.command("screenshot alice@acme.com")
    reply = await bot.slack.next_call("respond")
    blocks = _json(reply.args["blocks"])
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["replace_original"] is False
    assert "Screenshot requested" in reply.args["text"]
    assert words in blocks
    assert error not in blocks
    assert "/invite @Bugpilot" in blocks
    assert len(bot.bugpilot.sim.received) == 1


async def test_request_message_says_where_the_outcome_went_when_the_thread_refuses_it(bot: Bot, online: set[str]):
    """The request message was posted but the thread reply was refused: outcome privately, status updated."""
    online.add("alice@acme.com")
    bot.slack.reply_errors["C_SUPPORT"] = "restricted_action_thread_locked"
    await bot.command("screenshot alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    refused = await bot.slack.next_call("chat.postMessage")
    reply = await bot.slack.next_call("respond")
    assert "Screenshot requested" in reply.args["text"]
    update = await bot.slack.next_call("chat.update")
    assert update.args["ts"] == refused.args["thread_ts"]
    assert "it went to them privately" in update.args["text"]
    assert "working on it" not in update.args["text"]


async def test_hostile_note_and_id_cannot_ping_the_channel(bot: Bot, online: set[str]):
    """What the user typed is escaped in every message the bot posts."""
    online.add("cust_1")
    await bot.command("screenshot cust_1 <!channel> look <https://evil.example|here> &amp; <@U999|boss>")
    request_msg = await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    for call in (request_msg, outcome):
        everything = _json(call.args)
        assert "<!channel>" not in everything
        assert "<https://evil" not in everything
        assert "<@U999" not in everything
    assert "@channel look here (https://evil.example) &amp; @boss" in _json(outcome.args)


async def test_hundred_commands_at_once_each_get_one_call_and_one_outcome(bot: Bot, online: set[str]):
    """With Bugpilot holding every answer, all 100 acks arrive; then exactly 100 calls and 100 outcomes."""
    customers = [f"cust_{n}" for n in range(100)]
    online.update(customers)
    bot.bugpilot.gate = asyncio.Event()

    responses = await asyncio.gather(*(bot.command(f"screenshot {c}") for c in customers))
    assert [r.status for r in responses] == [200] * 100

    arrivals = [await bot.bugpilot.next_arrival(timeout=10) for _ in customers]
    assert sorted(a["userId"] for a in arrivals) == sorted(customers)
    bot.bugpilot.gate.set()

    async with asyncio.timeout(20):
        while len([c for c in bot.slack.of("chat.update") if "waiting for the report" in c.args["text"]]) < 100:
            await bot.slack.next_call("chat.update")
    outcomes = [c for c in bot.slack.of("chat.postMessage") if c.args.get("thread_ts")]
    assert len(outcomes) == 100
    assert len({c.args["thread_ts"] for c in outcomes}) == 100
    assert len(bot.bugpilot.sim.received) == 100
    assert bot.bugpilot.arrived.empty()


async def test_healthz_answers(bot: Bot):
    """GET /healthz is 200 while serving."""
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_outcome_sent_privately_for_a_passing_failure_does_not_advise_an_invite(bot: Bot, online: set[str]):
    """Slack refusing for a reason an invitation doesn't fix: the private outcome names it, without /invite."""
    online.add("alice@acme.com")
    bot.slack.post_errors["C_SUPPORT"] = "rate_limited"
    await bot.command("screenshot alice@acme.com")
    reply = await bot.slack.next_call("respond")
    hint = reply.args["blocks"][-1]["elements"][0]["text"]
    assert "Screenshot requested" in reply.args["text"]
    assert "couldn't post in this conversation: Slack asked me to slow down." in hint
    assert "rate_limited" not in hint
    assert "/invite" not in _json(reply.args)
    assert len(bot.bugpilot.sim.received) == 1
