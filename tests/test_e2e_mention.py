"""End to end: ``@Bugpilot <action> <user> [note]`` as signed event callbacks to the real server."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from aiohttp import ClientResponse

from bot.app import TASKS
from bot.surfaces.mention import without_bot_mention
from tests.conftest import Bot
from tests.fakes import BOT_USER_ID, TEAM_ID, event_body
from tests.logwatch import watch_logs

PARENT_TS = "1700000000.000100"
_ids = itertools.count(1)


def mention(text: str, *, ts: str | None = None, **extra: Any) -> dict[str, Any]:
    """An app_mention event from the agent in #support."""
    return {
        "type": "app_mention",
        "user": "U_AGENT",
        "team": TEAM_ID,
        "text": text,
        "ts": ts or f"1700000100.{next(_ids):06d}",
        "channel": "C_SUPPORT",
        "event_ts": ts or "1700000100.000000",
        **extra,
    }


async def deliver(bot: Bot, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0) -> ClientResponse:
    """Deliver an event the way Slack does, including its retry headers."""
    headers = {"Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    body = event_body(event, event_id=event_id or f"Ev{next(_ids):08d}")
    response = await bot.post_signed(body, headers=headers)
    assert response.status == 200
    return response


async def settle(bot: Bot) -> None:
    """Let everything already delivered finish: a help mention as a barrier, then the background work."""
    await deliver(bot, mention(f"<@{BOT_USER_ID}> help"))
    while True:
        call = await bot.slack.next_call("chat.postMessage")
        if "How to use @Bugpilot" in call.args["text"]:
            break
    pending = set(bot.client.app[TASKS]._tasks)
    if pending:
        await asyncio.wait(pending, timeout=5)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("<@U0BOT> screenshot alice@acme.com", "screenshot alice@acme.com"),
        ("<@U0BOT|bugpilot> record <@U0CUST> checkout", "record <@U0CUST> checkout"),
        ("hey <@U0BOT> session cust_1 please", "session cust_1 please"),
        ("screenshot alice@acme.com <@U0BOT>", "screenshot alice@acme.com"),
        ("<@U0BOT> screenshot <@U0BOT> x", "screenshot   x"),
        ("<@U0BOT>", ""),
        ("no mention at all", "no mention at all"),
    ],
)
def test_bot_mention_is_stripped_before_parsing(text, command):
    """The bot's own mention is the address, never the target user."""
    assert without_bot_mention(text, "U0BOT") == command


async def test_mention_in_a_thread_answers_in_that_thread(bot: Bot, online: set[str]):
    """In a thread: the working reply and the outcome are in that thread; one Bugpilot call."""
    online.add("alice@acme.com")
    await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot alice@acme.com checkout fails", thread_ts=PARENT_TS))
    working = await bot.slack.next_call("chat.postMessage")
    assert (working.args["channel"], working.args["thread_ts"]) == ("C_SUPPORT", PARENT_TS)
    assert "working on it" in working.args["text"]
    arrival = await bot.bugpilot.next_arrival()
    assert arrival == {
        "workspaceId": "ws_acme",
        "userId": "alice@acme.com",
        "action": "upload-screenshot",
        "userProvidedDescription": "checkout fails\n\nAsked by Dana Agent in Slack: "
        f"https://acme.slack.com/archives/C_SUPPORT/p{PARENT_TS.replace('.', '')}",
    }
    outcome = await bot.slack.next_call("chat.update")
    assert outcome.args["ts"] in bot.slack.messages
    assert "Screenshot requested" in outcome.args["text"]


async def test_top_level_mention_answers_in_its_own_thread(bot: Bot, online: set[str]):
    """A mention outside a thread starts one under the mentioning message."""
    online.add("cust_8812")
    event = mention(f"<@{BOT_USER_ID}> session cust_8812")
    await deliver(bot, event)
    working = await bot.slack.next_call("chat.postMessage")
    assert working.args["thread_ts"] == event["ts"]
    assert (await bot.bugpilot.next_arrival())["action"] == "upload-session"
    assert "Session replay requested" in (await bot.slack.next_call("chat.update")).args["text"]


async def test_mentioned_member_is_resolved_to_their_email(bot: Bot, online: set[str]):
    """A member as the target is looked up; the bot's own mention is not the target."""
    online.add("bob@customer.io")
    bot.slack.users["U0CUST"] = {"id": "U0CUST", "name": "bob", "profile": {"email": "bob@customer.io"}}
    await deliver(bot, mention(f"<@{BOT_USER_ID}> record <@U0CUST|bob>", thread_ts=PARENT_TS))
    assert (await bot.slack.next_call("users.info")).args["user"] == "U0CUST"
    assert (await bot.bugpilot.next_arrival())["userId"] == "bob@customer.io"
    assert "@bob (bob@customer.io)" in (await bot.slack.next_call("chat.update")).args["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"<@{BOT_USER_ID}> help", "How to use @Bugpilot"),
        (f"<@{BOT_USER_ID}>", "How to use @Bugpilot"),
        (f"<@{BOT_USER_ID}> scrnshot alice@acme.com", "Did you mean `@Bugpilot screenshot alice@acme.com`"),
        (f"<@{BOT_USER_ID}> screenshot", "Which customer?"),
    ],
)
async def test_help_and_unusable_input_answer_with_usage_in_the_thread(bot: Bot, text, expected):
    """Usage in the thread, for the @Bugpilot form; no Bugpilot call."""
    await deliver(bot, mention(text, thread_ts=PARENT_TS))
    reply = await bot.slack.next_call("chat.postMessage")
    assert reply.args["thread_ts"] == PARENT_TS
    assert expected in reply.args["text"] or expected in str(reply.args["blocks"])
    assert "@Bugpilot " in str(reply.args["blocks"])
    await settle(bot)
    assert bot.bugpilot.arrived.empty()


async def test_redelivered_event_gives_one_call_and_one_outcome(bot: Bot, online: set[str]):
    """Slack's retries of the same event_id (later, or while the first is running) change nothing."""
    online.add("alice@acme.com")
    event = mention(f"<@{BOT_USER_ID}> record alice@acme.com", thread_ts=PARENT_TS)
    bot.bugpilot.gate = gate = asyncio.Event()
    await asyncio.gather(deliver(bot, event, event_id="EvSAME"), deliver(bot, event, event_id="EvSAME", retry=1))
    await bot.bugpilot.next_arrival()
    gate.set()
    await bot.slack.next_call("chat.update")
    await deliver(bot, event, event_id="EvSAME", retry=2)
    await settle(bot)
    assert bot.bugpilot.arrived.empty()
    working = [c for c in bot.slack.of("chat.postMessage") if "working on it" in c.args["text"]]
    assert len(working) == 1
    assert len(bot.slack.of("chat.update")) == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"user": BOT_USER_ID},
        {"bot_id": "B_BOT", "user": None},
        {"edited": {"user": "U_AGENT", "ts": "1700000200.000000"}},
        {"user_team": "T_CUSTOMER", "team": "T_CUSTOMER", "reply_expected": True},
    ],
    ids=["own_message", "own_bot_message", "edit", "external_user"],
)
async def test_own_messages_edits_and_outsiders_start_no_capture(bot: Bot, online: set[str], extra):
    """The bot's own messages and edits are ignored; a Slack Connect outsider is told no. No call."""
    online.add("alice@acme.com")
    reply_expected = extra.pop("reply_expected", False)
    event = mention(f"<@{BOT_USER_ID}> screenshot alice@acme.com", thread_ts=PARENT_TS) | extra
    await deliver(bot, event)
    if reply_expected:
        reply = await bot.slack.next_call("chat.postMessage")
        assert "Only members of the workspace that installed Bugpilot" in reply.args["text"]
    await settle(bot)
    assert bot.bugpilot.arrived.empty()
    assert not [c for c in bot.slack.of("chat.postMessage") if "working on it" in c.args["text"]]


async def test_a_usage_reply_under_way_at_shutdown_is_still_sent(bot: Bot):
    """Replies to mentions are tracked work: shutdown waits for one that Slack is slow to take."""
    bot.slack.gates["chat.postMessage"] = gate = asyncio.Event()
    await deliver(bot, mention(f"<@{BOT_USER_ID}> help", thread_ts=PARENT_TS))
    await bot.slack.next_call("chat.postMessage")
    with watch_logs() as logs:
        closing = asyncio.create_task(bot.client.close())
        draining = await logs.next("shutdown.draining")
        gate.set()
        await asyncio.wait_for(closing, 10)
    assert draining["tasks"] == 1
    assert logs.of("app.stopped")[0]["cancelled"] == 0
    assert not logs.of("slack.post_failed")
