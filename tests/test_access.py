"""Who may capture: allow-lists and the installed workspace, checked on every surface."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from bot.app import create_app
from bot.settings import Settings, SettingsError
from tests.conftest import Bot
from tests.fakes import TEAM_ID, command_body
from tests.interactions import click, mention_event, message_shortcut

AGENT = "U0AGENT1"
INTRUDER = "U0INTRUDER"
SUPPORT = "C0SUPPORT"
CUSTOMER = "bob@customer.io"


async def _restricted(bot: Bot, aiohttp_client: Any, settings: Settings, **lists: Any) -> Bot:
    changes = {"bugpilot_access_contact": "#it-help", **lists}
    bot.client = await aiohttp_client(create_app(settings.model_copy(update=changes)))
    return bot


async def _offline_outcome(bot: Bot) -> tuple[dict[str, Any], str]:
    await bot.command(f"screenshot {CUSTOMER}", user_id=AGENT, channel_id=SUPPORT)
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.bugpilot.next_arrival()
    return outcome.args, bot.slack.ts_of(outcome)


def _view_submission(user_id: str, channel_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "team_id": TEAM_ID},
        "api_app_id": "A_BUGPILOT",
        "trigger_id": f"{time.time()}.trigger",
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "callback_id": "bugpilot_capture",
            "team_id": TEAM_ID,
            "private_metadata": json.dumps({"channel_id": channel_id}),
            "state": {"values": {}},
        },
    }


async def _refusal(bot: Bot, surface: str, user_id: str, channel_id: str) -> str:
    """Send one request on ``surface``; return the refusal text the person saw."""
    url = bot.response_url("refused")
    if surface == "command":
        response = await bot.command(f"screenshot {CUSTOMER}", user_id=user_id, channel_id=channel_id)
        body = await response.json()
        assert body["response_type"] == "ephemeral"
        return json.dumps(body)
    if surface == "shortcut":
        response = await bot.interact(message_shortcut(user_id=user_id, channel_id=channel_id, response_url=url))
        assert response.status == 200
        return json.dumps((await bot.slack.next_call("respond")).args)
    if surface == "mention":
        event = json.dumps(mention_event(user_id=user_id, channel_id=channel_id))
        response = await bot.post_signed(event, headers={"Content-Type": "application/json"})
        assert response.status == 200
        ephemeral = await bot.slack.next_call("chat.postEphemeral")
        assert ephemeral.args["user"] == user_id
        assert ephemeral.args["channel"] == channel_id
        assert ephemeral.args["thread_ts"] == "1700000000.000200"
        return json.dumps(ephemeral.args)
    if surface == "modal":
        response = await bot.interact(_view_submission(user_id, channel_id))
        body = await response.json()
        assert body["response_action"] == "update"
        return json.dumps(body)
    raise AssertionError(surface)


@pytest.mark.parametrize("surface", ["command", "shortcut", "mention", "modal"])
async def test_unlisted_person_is_refused_privately_on_every_surface(
    bot: Bot, aiohttp_client: Any, settings: Settings, surface: str
):
    """With BUGPILOT_ALLOWED_USERS set, anyone else is told privately who to ask; nothing is posted or called."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({AGENT}))
    seen = await _refusal(bot, surface, INTRUDER, SUPPORT)
    assert "not among the people allowed" in seen
    assert "#it-help" in seen
    await bot.settle()
    assert not bot.slack.of("chat.postMessage")
    assert bot.bugpilot.arrived.empty()


@pytest.mark.parametrize("action_id", ["bugpilot_try_again", "bugpilot_keep_trying"])
async def test_unlisted_person_cannot_press_try_again_or_keep_trying(
    bot: Bot, aiohttp_client: Any, settings: Settings, action_id: str
):
    """The follow-up buttons are checked too: an unlisted clicker gets a refusal and the message stays."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({AGENT}))
    outcome, ts = await _offline_outcome(bot)
    await bot.slack.next_call("chat.update")
    payload = click(outcome, action_id, ts=ts, response_url=bot.response_url("x"), user_id=INTRUDER)
    assert (await bot.interact(payload)).status == 200
    reply = await bot.slack.next_call("respond")
    assert "not among the people allowed" in json.dumps(reply.args)
    assert reply.args["response_type"] == "ephemeral"
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert len(bot.slack.of("chat.update")) == 1


async def test_listed_person_captures_as_usual(bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]):
    """A listed user in a listed channel gets the capture."""
    bot = await _restricted(
        bot,
        aiohttp_client,
        settings,
        bugpilot_allowed_users=frozenset({AGENT}),
        bugpilot_allowed_channels=frozenset({SUPPORT}),
    )
    online.add(CUSTOMER)
    response = await bot.command(f"screenshot {CUSTOMER}", user_id=AGENT, channel_id=SUPPORT)
    assert await response.text() == ""
    assert (await bot.bugpilot.next_arrival())["userId"] == CUSTOMER


async def test_listed_person_gets_the_shortcut_modal_and_the_mention_capture(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """The check lets listed people through to the other surfaces' own listeners."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({AGENT}))
    shortcut = message_shortcut(user_id=AGENT, channel_id=SUPPORT, response_url=bot.response_url())
    assert (await bot.interact(shortcut)).status == 200
    opened = await bot.slack.next_call("views.open")
    assert "bugpilot_capture" in json.dumps(opened.args)
    await bot.settle()

    online.add(CUSTOMER)
    event = json.dumps(mention_event(user_id=AGENT, channel_id=SUPPORT))
    assert (await bot.post_signed(event, headers={"Content-Type": "application/json"})).status == 200
    assert (await bot.bugpilot.next_arrival())["userId"] == CUSTOMER
    await bot.settle()
    assert not bot.slack.of("chat.postEphemeral")


async def test_members_of_an_allowed_user_group_may_capture(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """Group members pass, others are refused; members are looked up once and cached."""
    bot.slack.usergroups["S0HELPERS"] = [AGENT, "U0OTHER"]
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_usergroups=frozenset({"S0HELPERS"}))
    online.add(CUSTOMER)
    await bot.command(f"screenshot {CUSTOMER}", user_id=AGENT, channel_id=SUPPORT)
    await bot.command(f"session {CUSTOMER}", user_id="U0OTHER", channel_id=SUPPORT)
    arrivals = [await bot.bugpilot.next_arrival(), await bot.bugpilot.next_arrival()]
    assert {a["action"] for a in arrivals} == {"upload-screenshot", "upload-session"}

    seen = await _refusal(bot, "command", INTRUDER, SUPPORT)
    assert "not among the people allowed" in seen
    lookups = bot.slack.of("usergroups.users.list")
    assert len(lookups) == 1
    assert lookups[0].args["usergroup"] == "S0HELPERS"


async def test_slow_user_group_lookup_refuses_within_the_ack_window(bot: Bot, aiohttp_client: Any, settings: Settings):
    """When Slack doesn't answer usergroups.users.list, the person is told to try again, well within 3 s."""
    bot.slack.gates["usergroups.users.list"] = asyncio.Event()
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_usergroups=frozenset({"S0HELPERS"}))
    started = time.monotonic()
    seen = await _refusal(bot, "command", AGENT, SUPPORT)
    assert time.monotonic() - started < 3
    assert "couldn't check your user group membership" in seen
    bot.slack.gates["usergroups.users.list"].set()
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_unlisted_channel_is_refused_with_where_to_ask(bot: Bot, aiohttp_client: Any, settings: Settings):
    """With BUGPILOT_ALLOWED_CHANNELS set, a request from elsewhere names the channels to use."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_channels=frozenset({SUPPORT}))
    seen = await _refusal(bot, "mention", AGENT, "C0RANDOM")
    assert f"<#{SUPPORT}>" in seen
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_requests_from_another_workspace_are_refused(bot: Bot):
    """A command or click from a team other than the installed one is refused, lists or not."""
    body = command_body(f"screenshot {CUSTOMER}", response_url=bot.response_url()).replace(
        f"team_id={TEAM_ID}", "team_id=T0ELSEWHERE"
    )
    response = await bot.post_signed(body)
    assert "installed in" in json.dumps(await response.json())

    await bot.command(f"screenshot {CUSTOMER}")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.bugpilot.next_arrival()
    payload = click(outcome.args, "bugpilot_try_again", ts=bot.slack.ts_of(outcome), response_url=bot.response_url())
    payload["user"]["team_id"] = "T0ELSEWHERE"
    await bot.interact(payload)
    reply = await bot.slack.next_call("respond")
    assert "installed in" in json.dumps(reply.args)
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_link_button_clicks_are_acknowledged_without_a_refusal(bot: Bot, aiohttp_client: Any, settings: Settings):
    """Opening the session link captures nothing: it is acknowledged (no error icon), not refused."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({AGENT}))
    payload = click({"channel": SUPPORT, "blocks": []}, "open_session", ts="1700000000.000001", response_url="")
    payload["user"]["id"] = INTRUDER
    response = await bot.interact(payload)
    assert response.status == 200
    assert await response.text() == ""
    await bot.settle()
    assert not bot.slack.of("respond")
    assert not bot.slack.of("chat.postEphemeral")


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("BUGPILOT_ALLOWED_USERS", "U012AB3CD,alice", "BUGPILOT_ALLOWED_USERS: item 2 of 2 is not a Slack user ID"),
        (
            "BUGPILOT_ALLOWED_USERGROUPS",
            "U012AB3CD",
            "BUGPILOT_ALLOWED_USERGROUPS: item 1 of 1 is not a Slack user group ID",
        ),
        ("BUGPILOT_ALLOWED_CHANNELS", "#support", "BUGPILOT_ALLOWED_CHANNELS: item 1 of 1 is not a Slack channel ID"),
        ("BUGPILOT_KEEP_TRYING_EVERY", "0", "BUGPILOT_KEEP_TRYING_EVERY: "),
        ("BUGPILOT_KEEP_TRYING_EVERY", "900", "BUGPILOT_KEEP_TRYING_EVERY: must not be longer than"),
        ("BUGPILOT_KEEP_TRYING_MAX_PER_USER", "99", "BUGPILOT_KEEP_TRYING_MAX_PER_USER: must not be larger"),
    ],
)
def test_bad_access_and_keep_trying_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
):
    """Malformed lists and schedules stop start-up with the variable named."""
    for name, setting in {"SLACK_BOT_TOKEN": "xoxb-1", "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w"}.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


def test_lists_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch):
    """Spaces and empty items are ignored; nothing set means no restriction."""
    for name, setting in {"SLACK_BOT_TOKEN": "xoxb-1", "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w"}.items():
        monkeypatch.setenv(name, setting)
    assert Settings.from_env().bugpilot_allowed_users == frozenset()
    monkeypatch.setenv("BUGPILOT_ALLOWED_USERS", " U012AB3CD, W0ENTERPRISE ,,")
    monkeypatch.setenv("BUGPILOT_ALLOWED_CHANNELS", "C024BE91L")
    loaded = Settings.from_env()
    assert loaded.bugpilot_allowed_users == frozenset({"U012AB3CD", "W0ENTERPRISE"})
    assert loaded.bugpilot_allowed_channels == frozenset({"C024BE91L"})
