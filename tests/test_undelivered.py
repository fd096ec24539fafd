"""An outcome Slack refuses everywhere still moves the request message off "working on it…"."""

from __future__ import annotations

from tests.conftest import Bot
from tests.fakes import BOT_USER_ID, command_body
from tests.logwatch import watch_logs
from tests.test_e2e_mention import PARENT_TS, deliver, mention

CUSTOMER = "alice@acme.com"
NOWHERE = "http://127.0.0.1:9/respond"  # the discard port: nothing listens there


async def test_a_command_whose_outcome_goes_nowhere_says_so_in_its_request_message(bot: Bot, online: set[str]):
    """Thread reply, response_url and direct message all fail: the request message says so, not "working"."""
    online.add(CUSTOMER)
    bot.slack.refused_texts["Screenshot requested"] = "invalid_blocks"
    bot.slack.post_errors["U_AGENT"] = "messages_tab_disabled"
    with watch_logs() as logs:
        await bot.post_signed(command_body(f"screenshot {CUSTOMER}", response_url=NOWHERE))
        working = await bot.slack.next_call("chat.postMessage")
        await logs.next("command.handled")
    assert logs.of("command.handled")[0]["delivered"] == "lost"
    final = bot.slack.of("chat.update")[-1].args
    assert (final["channel"], final["ts"]) == ("C_SUPPORT", bot.slack.ts_of(working))
    assert "working on it" not in final["text"]
    assert "Slack refused the message" in final["text"]


async def test_a_mention_whose_outcome_goes_nowhere_says_so_in_its_reply(bot: Bot, online: set[str]):
    """In a thread the "working…" reply becomes the outcome; refused, it ends up saying what happened."""
    online.add(CUSTOMER)
    bot.slack.refused_texts["Screenshot requested"] = "msg_too_long"
    bot.slack.post_errors["U_AGENT"] = "messages_tab_disabled"
    with watch_logs() as logs:
        await deliver(bot, mention(f"<@{BOT_USER_ID}> screenshot {CUSTOMER}", thread_ts=PARENT_TS))
        working = await bot.slack.next_call("chat.postMessage")
        await logs.next("command.handled")
    assert logs.of("command.handled")[0]["delivered"] == "lost"
    final = bot.slack.of("chat.update")[-1].args
    assert final["ts"] == bot.slack.ts_of(working)
    assert "working on it" not in final["text"]
    assert "Bugpilot accepted it" in final["text"]
