"""A crash in a listener is logged with its traceback and the person hears about it privately."""

from __future__ import annotations

import json
import time

import pytest

from bot.surfaces import command as command_surface
from tests.conftest import Bot
from tests.fakes import TEAM_ID
from tests.logwatch import watch_logs

APOLOGY = "Something went wrong inside the bot"


async def test_command_that_crashes_before_its_ack_is_answered_with_an_apology(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
):
    """Instead of Bolt's 500 (a failed command in Slack), the user gets a private apology; nothing is sent on."""

    def broken(_text: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(command_surface, "parse_command", broken)
    with watch_logs() as logs:
        response = await bot.command("screenshot alice@acme.com")
    assert response.status == 200
    body = await response.json()
    assert body["response_type"] == "ephemeral"
    assert APOLOGY in body["text"]
    (crash,) = logs.of("listener.crashed")
    assert crash["kind"] == "/bugpilot"
    assert bot.bugpilot.arrived.empty()


async def test_shortcut_that_crashes_after_its_ack_apologizes_through_response_url(bot: Bot):
    """A payload the listener cannot handle: acknowledged, the crash logged, an apology sent privately."""
    payload = {
        "type": "message_action",
        "callback_id": "bugpilot_capture",
        "trigger_id": f"{time.time()}.trigger",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U_AGENT", "team_id": TEAM_ID},
        "channel": "C_SUPPORT",  # an object in every real payload
        "response_url": bot.response_url("crash"),
        "message_ts": "1700000000.000100",
        "message": {"type": "message", "ts": "1700000000.000100", "text": "hi"},
    }
    with watch_logs() as logs:
        response = await bot.interact(payload)
        assert response.status == 200
        apology = await bot.slack.next_call("respond")
        (crash,) = logs.of("listener.crashed")
    assert crash["kind"] == "message_action"
    assert apology.args["key"] == "crash"
    assert apology.args["response_type"] == "ephemeral"
    assert APOLOGY in json.dumps(apology.args)
    assert not bot.slack.of("views.open")
