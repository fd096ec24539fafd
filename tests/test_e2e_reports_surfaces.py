"""End to end: report follow-through from every surface, and when the outcome had to go privately."""

from __future__ import annotations

import json
from typing import Any

from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import BOT_USER_ID
from tests.interactions import blocks_of, click
from tests.test_e2e_mention import PARENT_TS, deliver, mention
from tests.test_e2e_reports import CUSTOMER, _update_of
from tests.test_e2e_shortcut import TS, customer_message, next_update, submit, use_shortcut
from tests.test_followup_clicks import _offline_outcome, _with_settings


def _json(args: dict[str, Any]) -> str:
    return json.dumps(blocks_of(args), ensure_ascii=False)


def _posts_to(bot: Bot, channel: str) -> list[dict[str, Any]]:
    return [call.args for call in bot.slack.of("chat.postMessage") if call.args["channel"] == channel]


async def test_message_shortcut_submission_is_followed_to_its_report(bot: Bot, online: set[str]):
    """Capture with Bugpilot: the outcome reply becomes Report ready, and a reply in that thread notifies."""
    online.add(CUSTOMER)
    await use_shortcut(bot, customer_message(f"{CUSTOMER}: checkout does nothing"))
    await next_update(bot)
    await submit(bot)
    working = await bot.slack.next_call("chat.postMessage")
    assert working.args["thread_ts"] == TS
    arrival = await bot.bugpilot.next_arrival()
    assert arrival["userProvidedDescription"].endswith(
        f"Asked by Dana Agent in Slack: https://acme.slack.com/archives/C_SUPPORT/p{TS.replace('.', '')}"
    )
    ready = await _update_of(bot, bot.slack.ts_of(working), "Report ready")
    assert "https://dash.bugpilot.io/report/" in _json(ready.args)
    await bot.settle()
    notices = [args for args in _posts_to(bot, "C_SUPPORT") if args is not working.args]
    assert len(notices) == 1
    assert notices[0]["thread_ts"] == TS
    assert "<@U_AGENT>" in _json(notices[0])


async def test_mention_in_a_thread_is_followed_and_its_note_links_the_thread_parent(bot: Bot, online: set[str]):
    """@Bugpilot in a thread: the note links the thread's parent; Report ready in place, a notice in the thread."""
    online.add(CUSTOMER)
    await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot {CUSTOMER} broken cart", thread_ts=PARENT_TS))
    working = await bot.slack.next_call("chat.postMessage")
    arrival = await bot.bugpilot.next_arrival()
    permalink = f"https://acme.slack.com/archives/C_SUPPORT/p{PARENT_TS.replace('.', '')}"
    assert arrival["userProvidedDescription"] == f"broken cart\n\nAsked by Dana Agent in Slack: {permalink}"
    await _update_of(bot, bot.slack.ts_of(working), "Report ready")
    await bot.settle()
    notices = [args for args in _posts_to(bot, "C_SUPPORT") if args is not working.args]
    assert [args["thread_ts"] for args in notices] == [PARENT_TS]
    assert "<@U_AGENT>" in _json(notices[0])


async def test_try_again_that_succeeds_is_followed_to_its_report(bot: Bot, online: set[str]):
    """Try again on an offline outcome, then accepted: the same message becomes Report ready, the clicker told."""
    outcome, ts = await _offline_outcome(bot)
    online.add(CUSTOMER)
    payload = click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url(), user_id="U_HELPER")
    await bot.interact(payload)
    ready = await _update_of(bot, ts, "Report ready")
    assert "https://dash.bugpilot.io/report/" in _json(ready.args)
    await bot.settle()
    notices = [args for args in _posts_to(bot, "C_SUPPORT") if args.get("thread_ts")][1:]
    assert len(notices) == 1
    assert "<@U_AGENT>" in _json(notices[0])
    assert "<@U_HELPER>" in _json(notices[0])


async def test_keep_trying_that_succeeds_notifies_once_when_the_report_is_ready(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """Keep trying captures, then the report is followed: one notice in the thread (the report's), not two."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=0.05)
    outcome, ts = await _offline_outcome(bot)
    before = len(bot.slack.of("chat.postMessage"))
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    await _update_of(bot, ts, "Still trying")
    online.add(CUSTOMER)
    ready = await _update_of(bot, ts, "Report ready")
    assert "https://dash.bugpilot.io/report/" in _json(ready.args)
    await bot.settle()
    notices = bot.slack.of("chat.postMessage")[before:]
    assert len(notices) == 1
    assert notices[0].args["thread_ts"] == outcome.args["thread_ts"]
    assert "is ready" in _json(notices[0].args)


async def test_shared_channel_report_replaces_the_private_outcome_and_the_channel_line_says_handled(
    bot: Bot, online: set[str]
):
    """Slack Connect: outcome and Report ready go through response_url, a DM notifies; the line: waiting → handled."""
    bot.slack.shared_channels.add("C_SUPPORT")
    online.add(CUSTOMER)
    await bot.command(f"screenshot {CUSTOMER}")
    neutral = await bot.slack.next_call("chat.postMessage")
    assert CUSTOMER not in neutral.args["text"]
    private = await bot.slack.next_call("respond")
    assert "waiting for the report" in _json(private.args)
    waiting = await bot.slack.next_call("chat.update")
    assert "waiting for the report of a request" in waiting.args["text"]
    handled = await bot.slack.next_call("chat.update", timeout=10)
    assert handled.args["ts"] == bot.slack.ts_of(neutral)
    assert "handled a request" in handled.args["text"]
    ready = await bot.slack.next_call("respond", timeout=10)
    assert ready.args["key"] == "cmd"
    # A slash command's own response_url names no message to replace: Report ready comes as a new private reply.
    assert ready.args["replace_original"] is False
    assert "Report ready" in ready.args["text"]
    await bot.settle()
    (notice,) = _posts_to(bot, "U_AGENT")
    assert "<@U_AGENT>" in _json(notice)
    channel_calls = [call for call in bot.slack.calls if call.args.get("channel") == "C_SUPPORT"]
    assert all(CUSTOMER not in json.dumps(call.args) for call in channel_calls)


async def test_bot_not_in_channel_the_direct_message_becomes_report_ready(bot: Bot, online: set[str]):
    """A mention where the bot can't post: the outcome came by DM, it becomes Report ready, and a DM notifies."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    online.add(CUSTOMER)
    await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot {CUSTOMER}", thread_ts=PARENT_TS))
    direct = await bot.slack.next_call("chat.postMessage")
    while direct.args["channel"] != "U_AGENT":
        direct = await bot.slack.next_call("chat.postMessage")
    ready = await _update_of(bot, bot.slack.ts_of(direct), "Report ready")
    assert ready.args["channel"] == "U_AGENT"
    await bot.settle()
    dms = _posts_to(bot, "U_AGENT")
    assert len(dms) == 2
    assert "<@U_AGENT>" in _json(dms[1])
    assert "is ready" in _json(dms[1])


async def test_spent_response_url_the_report_comes_as_one_direct_message(bot: Bot, online: set[str]):
    """The private outcome's response_url is spent by the time the report is ready: one DM says Report ready."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    online.add(CUSTOMER)
    await bot.command(f"screenshot {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    assert "waiting for the report" in _json(private.args)
    bot.slack.spent_response_urls.add("cmd")
    direct = await bot.slack.next_call("chat.postMessage", timeout=10)
    while direct.args["channel"] != "U_AGENT":
        direct = await bot.slack.next_call("chat.postMessage", timeout=10)
    assert "Report ready" in direct.args["text"]
    await bot.settle()
    assert len(_posts_to(bot, "U_AGENT")) == 1


async def test_try_again_on_a_private_outcome_replaces_it_with_report_ready_through_response_url(
    bot: Bot, online: set[str]
):
    """A private outcome's Try again succeeds: Report ready replaces it through the click's response_url."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await bot.command(f"screenshot {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    online.add(CUSTOMER)
    payload = click(
        private.args, "bugpilot_try_again", ts="1700000000.000009", response_url=bot.response_url("p"), ephemeral=True
    )
    await bot.interact(payload)
    while "Report ready" not in (ready := await bot.slack.next_call("respond", timeout=10)).args["text"]:
        pass
    assert (ready.args["key"], ready.args["replace_original"]) == ("p", True)
    await bot.settle()
    (notice,) = _posts_to(bot, "U_AGENT")
    assert "<@U_AGENT>" in _json(notice)
