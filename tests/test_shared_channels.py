"""Slack Connect: in a channel shared with another organization, nothing public names a customer, note or link."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.shared_channels import SharedChannels
from tests.conftest import Bot
from tests.fakes import BOT_USER_ID, view_submission_payload
from tests.logwatch import watch_logs
from tests.test_e2e_mention import PARENT_TS, deliver, mention
from tests.test_e2e_shortcut import customer_message, next_update, use_shortcut, values

CUSTOMER = "alice@acme.com"
NOTE = "checkout spins forever"


def public(bot: Bot) -> str:
    """Everything the bot posted or edited in #support, as one string."""
    calls = [*bot.slack.of("chat.postMessage"), *bot.slack.of("chat.update")]
    return json.dumps([call.args for call in calls if call.args.get("channel") == "C_SUPPORT"])


def assert_names_nothing(bot: Bot) -> None:
    shown = public(bot)
    assert shown != "[]"
    for secret in (CUSTOMER, "alice", NOTE, "bugpilot.io", "https://", "BUGPILOT_"):
        assert secret not in shown


async def test_a_command_in_a_shared_channel_answers_privately(bot: Bot, online: set[str]):
    """The outcome comes through response_url; the channel sees only that @agent's request was handled."""
    online.add(CUSTOMER)
    bot.slack.shared_channels.add("C_SUPPORT")
    with watch_logs() as logs:
        await bot.command(f"screenshot {CUSTOMER} {NOTE}")
        outcome = await bot.slack.next_call("respond")
        handled = await logs.next("command.handled")
    assert "Screenshot requested" in outcome.args["text"]
    assert outcome.args["response_type"] == "ephemeral"
    assert "shared with another organization" in json.dumps(outcome.args["blocks"])
    assert (handled["delivered"], handled["private"]) == ("private", True)
    assert_names_nothing(bot)
    waiting = bot.slack.of("chat.update")[-1].args["text"]
    assert waiting == ":hourglass_flowing_sand: Bugpilot is waiting for the report of a request from <@U_AGENT>…"
    await bot.settle()
    final = bot.slack.of("chat.update")[-1].args["text"]
    assert final == ":white_check_mark: Bugpilot handled a request from <@U_AGENT>; the details went to them privately."
    assert_names_nothing(bot)


async def test_a_mention_in_a_shared_channel_answers_with_an_ephemeral_reply_in_the_thread(bot: Bot, online: set[str]):
    """No response_url: chat.postEphemeral to the requester, in the thread asked in."""
    online.add(CUSTOMER)
    bot.slack.shared_channels.add("C_SUPPORT")
    await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot {CUSTOMER} {NOTE}", thread_ts=PARENT_TS))
    ephemeral = await bot.slack.next_call("chat.postEphemeral")
    assert (ephemeral.args["user"], ephemeral.args["channel"]) == ("U_AGENT", "C_SUPPORT")
    assert ephemeral.args["thread_ts"] == PARENT_TS
    assert "Screenshot requested" in ephemeral.args["text"]
    await bot.settle()
    assert_names_nothing(bot)


async def test_an_unusable_member_in_a_shared_channel_is_explained_privately(bot: Bot):
    """A mentioned member without an email is named only to the requester."""
    bot.slack.shared_channels.add("C_SUPPORT")
    bot.slack.users["U0BOB"] = {"id": "U0BOB", "name": "bob", "profile": {}}
    await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot <@U0BOB>", thread_ts=PARENT_TS))
    ephemeral = await bot.slack.next_call("chat.postEphemeral")
    assert "can't capture that member" in ephemeral.args["text"]
    await bot.settle()
    assert not bot.slack.of("chat.postMessage")


async def test_a_shortcut_in_a_shared_channel_answers_privately(bot: Bot, online: set[str]):
    """The modal's outcome comes through the shortcut's response_url; the thread sees a neutral line."""
    online.add(CUSTOMER)
    bot.slack.shared_channels.add("C_SUPPORT")
    await use_shortcut(bot, customer_message(f"{CUSTOMER}: {NOTE}"))
    await next_update(bot)
    stored = bot.slack.views["V0001"]
    await bot.interact(view_submission_payload(stored, values(stored)))
    outcome = await bot.slack.next_call("respond")
    assert outcome.args["key"] == "shortcut"
    assert "Screenshot requested" in outcome.args["text"]
    await bot.settle()
    assert_names_nothing(bot)


async def test_a_channel_slack_cannot_describe_counts_as_shared(bot: Bot, online: set[str]):
    """conversations.info fails: the outcome goes privately all the same."""
    online.add(CUSTOMER)
    bot.slack.method_errors["conversations.info"] = "missing_scope"
    await bot.command(f"screenshot {CUSTOMER} {NOTE}")
    assert "Screenshot requested" in (await bot.slack.next_call("respond")).args["text"]
    await bot.settle()
    assert_names_nothing(bot)


async def test_an_internal_channel_still_gets_the_outcome_in_the_thread(bot: Bot, online: set[str]):
    """Not shared: the thread shows the outcome, and the lookup is made once per channel."""
    online.add(CUSTOMER)
    for _ in range(2):
        await bot.command(f"screenshot {CUSTOMER}")
        await bot.slack.next_call("chat.postMessage")
        outcome = await bot.slack.next_call("chat.postMessage")
        assert "Screenshot requested" in outcome.args["text"]
    await bot.settle()
    assert len(bot.slack.of("conversations.info")) == 1
    assert not bot.slack.of("respond")


async def test_shared_channel_answers_are_cached_and_failures_are_not(bot: Bot):
    """A known answer is reused until it expires; a failed lookup is asked again next time."""
    now = [0.0]
    server: TestServer = bot.slack.server  # type: ignore[attr-defined]
    client = AsyncWebClient(token="xoxb-test", base_url=str(server.make_url("/api/")))
    channels = SharedChannels(client, ttl=60, clock=lambda: now[0])
    bot.slack.shared_channels.add("C_EXT")
    assert await channels.is_shared("C_EXT")
    assert not await channels.is_shared("C_INT")
    assert await channels.is_shared("C_EXT")
    assert len(bot.slack.of("conversations.info")) == 2
    now[0] = 61
    bot.slack.shared_channels.discard("C_EXT")
    assert not await channels.is_shared("C_EXT")
    bot.slack.method_errors["conversations.info"] = "ratelimited"
    assert await channels.is_shared("C_NEW")
    assert await channels.is_shared("C_NEW")
    assert len(bot.slack.of("conversations.info")) == 5
    assert await channels.is_shared("")
