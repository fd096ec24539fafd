"""End to end: a payload without what its listener needs is answered like any failure, and nothing is captured."""

from __future__ import annotations

import json
import urllib.parse

from tests.conftest import Bot
from tests.fakes import command_body
from tests.interactions import click, mention_event
from tests.logwatch import watch_logs

APOLOGY = "Something went wrong inside the bot"


async def test_a_command_without_its_user_is_answered_with_the_apology(bot: Bot):
    """No user_id: the listener's one error reaches the error handler, which answers the command privately."""
    fields = dict(urllib.parse.parse_qsl(command_body("screenshot alice@acme.com", response_url=bot.response_url())))
    del fields["user_id"]
    with watch_logs() as logs:
        response = await bot.post_signed(urllib.parse.urlencode(fields))
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral"
    assert APOLOGY in answer["text"]
    (crash,) = logs.of("listener.crashed")
    assert crash["kind"] == "/bugpilot"
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert not bot.slack.of("chat.postMessage")


async def test_a_click_without_its_message_is_refused_as_a_bad_button(bot: Bot):
    """A click whose container names no message: acknowledged, told privately the button doesn't check out."""
    payload = click({"channel": "C_SUPPORT"}, "bugpilot_try_again", ts="1.0", response_url=bot.response_url("click"))
    payload["container"] = {"type": "view", "view_id": "V1"}
    with watch_logs() as logs:
        response = await bot.interact(payload)
        assert response.status == 200
        told = await bot.slack.next_call("respond")
    assert "That button doesn't check out" in json.dumps(told.args)
    assert [e["reason"] for e in logs.of("followup.refused")] == ["InvalidButton"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_a_mention_without_its_channel_is_acknowledged_and_logged(bot: Bot):
    """No channel to answer in: Slack gets its 200 (no redelivery), the crash is logged, nothing is posted."""
    body = mention_event(user_id="U_AGENT", channel_id="C_SUPPORT")
    del body["event"]["channel"]
    with watch_logs() as logs:
        response = await bot.post_signed(json.dumps(body), headers={"Content-Type": "application/json"})
        assert response.status == 200
        crash = await logs.next("listener.crashed")
    assert crash["kind"] == "event_callback"
    await bot.settle()
    assert not bot.slack.of("chat.postMessage")
    assert bot.bugpilot.arrived.empty()
