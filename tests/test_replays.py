"""A signed request sent again (a replay) acts once: one Bugpilot call per trigger_id or event."""

from __future__ import annotations

from bot.dedupe import MemoryDedupe, key_of
from tests.conftest import Bot
from tests.fakes import BOT_USER_ID, command_body, view_submission_payload
from tests.interactions import click
from tests.logwatch import watch_logs
from tests.test_e2e_mention import PARENT_TS, deliver, mention
from tests.test_e2e_shortcut import customer_message, next_update, use_shortcut, values

CUSTOMER = "alice@acme.com"


async def test_a_replayed_slash_command_makes_one_capture(bot: Bot, online: set[str]):
    """The same signed command body posted twice: one Bugpilot call; the replay is told it was handled."""
    online.add(CUSTOMER)
    body = command_body(f"screenshot {CUSTOMER}", response_url=bot.response_url())
    first = await bot.post_signed(body)
    assert (first.status, await first.text()) == (200, "")
    await bot.bugpilot.next_arrival()
    again = await bot.post_signed(body)
    assert again.status == 200
    answer = await again.json()
    assert answer["response_type"] == "ephemeral"
    assert "already handled" in answer["text"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert len([c for c in bot.slack.of("chat.postMessage") if "working on it" in c.args["text"]]) == 1


async def test_a_replayed_modal_submission_makes_one_capture(bot: Bot, online: set[str]):
    """The same view_submission twice: the second closes quietly and calls nobody."""
    online.add(CUSTOMER)
    await use_shortcut(bot, customer_message(f"{CUSTOMER}: checkout does nothing"))
    await next_update(bot)
    stored = bot.slack.views["V0001"]
    payload = view_submission_payload(stored, values(stored))
    assert (await bot.interact(payload)).status == 200
    await bot.bugpilot.next_arrival()
    await bot.slack.next_call("chat.update")
    with watch_logs() as logs:
        replayed = await bot.interact(payload)
        assert (replayed.status, await replayed.text()) == (200, "")
        # A new submission of the same (already closed) view is a replay too.
        resent = await bot.interact({**payload, "trigger_id": f"{payload['trigger_id']}.2"})
        assert resent.status == 200
        await logs.next("command.duplicate")
        await logs.next("command.duplicate")
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert len([c for c in bot.slack.of("chat.postMessage") if "working on it" in c.args["text"]]) == 1


async def test_a_replayed_click_makes_one_call(bot: Bot, online: set[str]):
    """A Try again click sent twice, the second after the first finished: one more Bugpilot call."""
    await bot.command(f"screenshot {CUSTOMER}")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.bugpilot.next_arrival()
    ts = bot.slack.ts_of(outcome)
    payload = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url())
    online.add(CUSTOMER)
    await bot.interact(payload)
    await bot.bugpilot.next_arrival()
    await bot.settle()
    with watch_logs() as logs:
        await bot.interact(payload)
        await logs.next("followup.duplicate")
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_a_mention_delivered_again_under_a_new_event_id_makes_one_capture(bot: Bot, online: set[str]):
    """The same message as a new event: caught by the message's channel and ts."""
    online.add(CUSTOMER)
    event = mention(f"<@{BOT_USER_ID}> screenshot {CUSTOMER}", thread_ts=PARENT_TS)
    await deliver(bot, event, event_id="EvONE")
    await bot.bugpilot.next_arrival()
    with watch_logs() as logs:
        await deliver(bot, event, event_id="EvTWO")
        await logs.next("mention.duplicate")
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_memory_dedupe_acts_once_per_key_and_ignores_missing_keys():
    """Any repeated key marks a repeat; a request without keys is never one."""
    dedupe = MemoryDedupe()
    assert await dedupe.first_time(key_of("trigger", "1.2"))
    assert not await dedupe.first_time(key_of("trigger", "1.2"), key_of("view", "V1"))
    assert not await dedupe.first_time(key_of("view", "V1"))
    assert key_of("trigger", None) == ""
    assert key_of("message", "C1", "") == ""
    assert await dedupe.first_time(key_of("trigger", None))
    assert await dedupe.first_time(key_of("trigger", None))
