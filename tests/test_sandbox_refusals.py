"""The sandbox's Slack refuses what Slack refuses: bad blocks and views, missing scopes, a guest's hidden email."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
from bot.sandbox.people import BOB, BOT_USER, CUSTOMER_TEAM, ERIN, ME, SUPPORT, TEAM_ID
from tests.fakes import FakeSlack
from tests.sandbox_helpers import (
    TEST_SHORTCUT,
    Driver,
    driver_fixture,  # noqa: F401 - the "driver" fixture, used by name
)

_TOO_LONG = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]


def _client(driver: Driver) -> AsyncWebClient:
    settings = driver.sandbox.settings
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)


async def _call(driver: Driver, method: str, **args: Any) -> tuple[int, dict[str, Any]]:
    """A raw Web API call: the HTTP status and the JSON answer."""
    settings = driver.sandbox.settings
    headers = {"Authorization": f"Bearer {settings.slack_bot_token.get_secret_value()}"}
    async with driver.http.post(f"{settings.slack_api_url}{method}", json=args, headers=headers) as response:
        return response.status, await response.json()


def test_people_channels_and_teams_have_slack_shaped_ids():
    """``U0…``, ``C0…``, ``T0…``: the forms the bot accepts in commands, as real Slack's."""
    for user in (ME, ERIN, BOB, BOT_USER):
        assert re.fullmatch(r"U0[A-Z0-9]{8}", user), user
    assert re.fullmatch(r"C0[A-Z0-9]{8}", SUPPORT)
    assert re.fullmatch(r"T0[A-Z0-9]{8}", TEAM_ID)
    assert re.fullmatch(r"T0[A-Z0-9]{8}", CUSTOMER_TEAM)


async def test_a_message_with_a_too_long_section_answers_invalid_blocks_over_http_200(driver: Driver):
    """HTTP 200, ``ok: false``, ``invalid_blocks`` with Slack's ``errors``; nothing is posted."""
    before = len(driver.sandbox.workspace.messages)
    status, answer = await _call(driver, "chat.postMessage", channel=SUPPORT, text="t", blocks=_TOO_LONG)
    assert status == 200
    assert answer["ok"] is False
    assert answer["error"] == "invalid_blocks"
    assert any("3000" in error and "json-pointer:/blocks/0" in error for error in answer["errors"])
    assert len(driver.sandbox.workspace.messages) == before


async def test_every_message_method_refuses_bad_blocks(driver: Driver):
    """chat.postEphemeral and chat.update check the same way as chat.postMessage."""
    client = _client(driver)
    posted = await client.chat_postMessage(channel=SUPPORT, text="fine")
    for call in (
        client.chat_postEphemeral(channel=SUPPORT, user=ME, text="t", blocks=_TOO_LONG),
        client.chat_update(channel=SUPPORT, ts=str(posted["ts"]), text="t", blocks=_TOO_LONG),
    ):
        with pytest.raises(SlackApiError) as refused:
            await call
        assert refused.value.response["error"] == "invalid_blocks"


async def test_a_bad_view_answers_invalid_arguments_with_slacks_messages(driver: Driver):
    """views.open with a 25-character title: ``invalid_arguments``; the trigger was still valid."""
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": _TOO_LONG}
    trigger = driver.sandbox.workspace.issue_trigger()
    status, answer = await _call(driver, "views.open", trigger_id=trigger, view=view)
    assert status == 200
    assert answer["error"] == "invalid_arguments"
    messages = answer["response_metadata"]["messages"]
    assert any("title" in message for message in messages)
    assert any("json-pointer:/view/blocks/0" in message for message in messages)
    assert driver.sandbox.workspace.views == []


async def test_a_response_url_answer_with_bad_blocks_is_refused_400(driver: Driver):
    """Slack answers a refused layout at a response_url with HTTP 400 and the code as the body."""
    url = f"{driver.sandbox.upstream_url}slack/respond/{driver.sandbox.workspace.issue_response_url(SUPPORT)}"
    async with aiohttp.ClientSession() as http, http.post(url, json={"text": "t", "blocks": _TOO_LONG}) as answer:
        assert answer.status == 400
        assert await answer.text() == "invalid_blocks"


async def test_a_method_the_manifest_grants_no_scope_for_answers_missing_scope(driver: Driver):
    """team.info needs team:read, which the manifest doesn't ask for: ``missing_scope`` with needed/provided."""
    status, answer = await _call(driver, "team.info")
    assert status == 200
    assert answer["error"] == "missing_scope"
    assert answer["needed"] == "team:read"
    assert "chat:write" in answer["provided"].split(",")


async def test_the_wire_panel_keeps_each_request_body_and_answer(driver: Driver):
    """A refused call's line carries the full request (no token) and Slack's answer, for a click to show."""
    await _call(driver, "chat.postMessage", channel=SUPPORT, text="hello", blocks=_TOO_LONG)
    line = next(line for line in driver.sandbox.workspace.activity if "chat.postMessage" in line.text)
    assert line.ok is False
    assert line.at > 0
    shown = json.loads(line.body)
    assert shown["request"]["blocks"] == _TOO_LONG
    assert shown["answer"]["error"] == "invalid_blocks"
    assert driver.sandbox.settings.slack_bot_token.get_secret_value() not in line.body


async def test_clearing_the_channel_clears_the_wire_panel(driver: Driver):
    """Clear the channel: the activity log starts over too."""
    await _call(driver, "chat.postMessage", channel=SUPPORT, text="hello")
    assert driver.sandbox.workspace.activity
    await driver.post("reset", {})
    assert list(driver.sandbox.workspace.activity) == []


async def test_a_guests_email_is_hidden_from_users_info_unless_their_organization_shows_it(driver: Driver):
    """Bob (Customer Inc, over Slack Connect) has no email in users.info until the switch is on; Acme's people do."""
    client = _client(driver)
    assert "email" not in (await client.users_info(user=BOB))["user"]["profile"]
    assert (await client.users_info(user=ERIN))["user"]["profile"]["email"] == "erin@acme.com"
    assert (await driver.post("slack", {"guest_email_visible": True}))["guest_email_visible"] is True
    assert (await client.users_info(user=BOB))["user"]["profile"]["email"] == "bob@customer.io"
    assert driver.sandbox.controls.snapshot()["slack"]["guest_email_visible"] is True


async def test_a_mention_of_the_bot_outside_its_channels_sends_no_event(driver: Driver):
    """With the bot out of #support, Slack sends no app_mention: it offers to invite the app instead."""
    await driver.post("slack", {"bot_can_post": False})
    assert await driver.post("message", {"text": "@Bugpilot help"}) == {"result": "posted", "bot_status": None}
    notice = await driver.until(
        lambda state: next((n for n in state["notices"] if "not in this channel" in n["text"]), None)
    )
    assert "invite" in notice["text"]
    assert not [line for line in driver.sandbox.workspace.activity if "app_mention" in line.text]


def test_the_tests_fake_slack_refuses_what_the_sandbox_refuses():
    """FakeSlack checks blocks and views by default (``strict``), with the same answers."""
    fake = FakeSlack()
    refused = fake._answer("chat.postMessage", {"channel": "C1", "text": "t", "blocks": json.dumps(_TOO_LONG)})
    assert refused["error"] == "invalid_blocks"
    assert refused["errors"]
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": _TOO_LONG}
    assert fake._answer("views.open", {"view": json.dumps(view)})["error"] == "invalid_arguments"
    assert FakeSlack(strict=False)._answer("chat.postMessage", {"channel": "C1", "blocks": _TOO_LONG})["ok"] is True


async def test_a_view_submission_answered_with_a_bad_view_keeps_the_modal_with_slacks_problem(driver: Driver):
    """``response_action: update`` with a view Slack refuses: the modal stays, with Slack's "trouble" line."""
    bolt: AsyncApp = driver.sandbox.app[BOLT]
    good = {
        "type": "modal",
        "callback_id": "sandbox_strict_view",
        "title": {"type": "plain_text", "text": "Test"},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "fine"}}],
    }

    @bolt.shortcut(TEST_SHORTCUT["callback_id"])
    async def on_shortcut(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=good)

    @bolt.view("sandbox_strict_view")
    async def on_submit(ack: Any) -> None:
        await ack(response_action="update", view={**good, "blocks": _TOO_LONG})

    bob = driver.sandbox.workspace.messages[0]
    await driver.post("shortcut", {"callback_id": TEST_SHORTCUT["callback_id"], "channel": SUPPORT, "ts": bob["ts"]})
    opened = await driver.until(lambda state: state["views"][-1] if state["views"] else None)
    await driver.post("view/submit", {"view_id": opened["id"], "values": {}})
    state = await driver.until(lambda state: state if state["view_problem"] else None)
    assert [view["id"] for view in state["views"]] == [opened["id"]]
    assert state["views"][0]["blocks"][0]["text"]["text"] == "fine"
    assert any("response_action update → invalid_arguments" in line.text for line in driver.sandbox.workspace.activity)
