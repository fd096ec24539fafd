"""The sandbox's simulated Slack: what it sends the bot, and how its Web API and response URLs answer, as Slack's."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
from bot.sandbox.payloads import format_typed_text
from bot.sandbox.people import BOB, BOT_USER, CUSTOMER_TEAM, ERIN, SUPPORT
from bot.sandbox.workspace import SlackError, Workspace
from tests.sandbox_helpers import (
    TEST_SHORTCUT,
    Driver,
    bot_messages,
    driver_fixture,  # noqa: F401 - the "driver" fixture, used by name
)


def _bolt(driver: Driver) -> AsyncApp:
    return driver.sandbox.app[BOLT]


def _recorder(driver: Driver, seen: list[dict[str, Any]], *, answer_events: bool = False) -> None:
    """A Bolt middleware that records every request body the bot receives (and may answer events itself)."""

    async def record(body: dict[str, Any], next: Any) -> Any:  # noqa: A002 - Bolt's name
        seen.append(body)
        if answer_events and body.get("type") == "event_callback":
            return BoltResponse(status=200, body="")
        return await next()

    _bolt(driver).middleware(record)


async def test_shortcut_opens_the_modal_from_views_open_and_submits_as_slack_does(driver: Driver):
    """A shortcut sends message_action with a live trigger; the view comes back; submissions carry state."""
    seen: list[dict[str, Any]] = []
    bolt = _bolt(driver)
    view = {
        "type": "modal",
        "callback_id": "sandbox_test_view",
        "title": {"type": "plain_text", "text": "Test"},
        "submit": {"type": "plain_text", "text": "Go"},
        "private_metadata": "meta",
        "blocks": [
            {
                "type": "input",
                "block_id": "who",
                "label": {"type": "plain_text", "text": "Who"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }

    @bolt.shortcut(TEST_SHORTCUT["callback_id"])
    async def on_shortcut(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        seen.append(body)
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @bolt.view("sandbox_test_view")
    async def on_submit(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        value = body["view"]["state"]["values"]["who"]["value"]["value"]
        if value == "nobody":
            await ack(response_action="errors", errors={"who": "Not a customer"})
        else:
            await ack()

    bob = driver.sandbox.workspace.messages[0]
    assert await driver.post("shortcut", {"callback_id": "sandbox_test", "channel": SUPPORT, "ts": bob["ts"]}) == {
        "result": "sent",
        "bot_status": 200,
    }
    opened = await driver.until(lambda state: state["views"][-1] if state["views"] else None)
    shortcut = seen[0]
    assert shortcut["type"] == "message_action"
    assert shortcut["message"]["user"] == BOB
    assert shortcut["message"]["user_team"] == CUSTOMER_TEAM
    assert "<mailto:bob@customer.io|bob@customer.io>" in shortcut["message"]["text"]
    assert shortcut["response_url"].startswith(f"{driver.sandbox.upstream_url}slack/respond/")
    assert opened["private_metadata"] == "meta"

    values = {"who": {"value": {"type": "plain_text_input", "value": "nobody"}}}
    await driver.post("view/submit", {"view_id": opened["id"], "values": values})
    assert driver.sandbox.workspace.view_errors == {"who": "Not a customer"}
    assert seen[1]["view"]["private_metadata"] == "meta"
    values["who"]["value"]["value"] = "bob@customer.io"
    await driver.post("view/submit", {"view_id": opened["id"], "values": values})
    assert driver.sandbox.workspace.views == []


async def test_trigger_ids_are_single_use_and_expire_after_3_seconds():
    """views.open's trigger rules, as Slack's."""
    workspace = Workspace()
    trigger = workspace.issue_trigger()
    workspace.take_trigger(trigger)
    with pytest.raises(SlackError, match="exchanged_trigger_id"):
        workspace.take_trigger(trigger)
    late = workspace.issue_trigger()
    workspace._triggers[late] = time.monotonic() - 3.5
    with pytest.raises(SlackError, match="expired_trigger_id"):
        workspace.take_trigger(late)
    with pytest.raises(SlackError, match="invalid_trigger_id"):
        workspace.take_trigger("made-up")


async def test_web_api_checks_the_token_and_knows_its_methods(driver: Driver):
    """A wrong token gets invalid_auth; an unknown method unknown_method, as Slack answers."""
    settings = driver.sandbox.settings
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=settings.slack_api_url)
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await wrong.auth_test()
    right = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    with pytest.raises(SlackApiError, match="unknown_method"):
        await right.api_call("calls.add")
    auth = await right.auth_test()
    assert "users:read.email" in auth.headers["x-oauth-scopes"]


async def test_button_click_sends_block_actions_and_response_url_replaces_in_place(driver: Driver):
    """A button in a bot message: block_actions with container, message and response_url; replace_original."""
    seen: list[dict[str, Any]] = []
    bolt = _bolt(driver)
    workspace = driver.sandbox.workspace
    button = {
        "type": "button",
        "action_id": "sandbox_test_button",
        "value": "v1",
        "text": {"type": "plain_text", "text": "Go"},
    }
    message = workspace.post(SUPPORT, BOT_USER, "pick", [{"type": "actions", "elements": [button]}])

    @bolt.action("sandbox_test_button")
    async def on_click(ack: Any, body: dict[str, Any], respond: Any) -> None:
        seen.append(body)
        await ack()
        await respond(text="replaced", replace_original=True)

    block_id = message["blocks"][0]["block_id"]
    await driver.post(
        "action", {"channel": SUPPORT, "ts": message["ts"], "block_id": block_id, "action_id": "sandbox_test_button"}
    )
    replaced = await driver.until(lambda _state: message if message["text"] == "replaced" else None)
    assert replaced["revision"] == 1
    click = seen[0]
    assert click["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": SUPPORT,
        "is_ephemeral": False,
    }
    assert click["actions"][0]["value"] == "v1"
    assert click["actions"][0]["block_id"] == block_id
    assert click["message"]["blocks"][0]["elements"][0]["action_id"] == "sandbox_test_button"


async def test_response_url_of_a_click_in_a_thread_answers_in_that_thread(driver: Driver):
    """A new message (not replace_original) through a thread reply's response_url lands in that thread."""
    bolt = _bolt(driver)
    workspace = driver.sandbox.workspace
    root = workspace.messages[0]["ts"]
    button = {"type": "button", "action_id": "sandbox_test_button", "text": {"type": "plain_text", "text": "Go"}}
    reply = workspace.post(SUPPORT, BOT_USER, "pick", [{"type": "actions", "elements": [button]}], thread_ts=root)

    @bolt.action("sandbox_test_button")
    async def on_click(ack: Any, respond: Any) -> None:
        await ack()
        await respond(text="only for you")

    block_id = reply["blocks"][0]["block_id"]
    await driver.post(
        "action", {"channel": SUPPORT, "ts": reply["ts"], "block_id": block_id, "action_id": "sandbox_test_button"}
    )
    answer = await driver.until(
        lambda state: next((m for m in bot_messages(state) if m["text"] == "only for you"), None)
    )
    assert answer["ephemeral"]
    assert answer["thread_ts"] == root


async def test_mention_becomes_an_app_mention_event_and_can_be_delivered_twice(driver: Driver):
    """@Bugpilot in a thread: one app_mention event with Slack's markup; the duplicate switch sends it again."""
    seen: list[dict[str, Any]] = []
    _recorder(driver, seen, answer_events=True)
    root = driver.sandbox.workspace.messages[0]["ts"]
    await driver.post("message", {"text": "@Bugpilot screenshot bob@customer.io <now>", "thread_ts": root})
    (event,) = [body for body in seen if body.get("type") == "event_callback"]
    assert event["event"]["type"] == "app_mention"
    assert event["event"]["text"] == f"<@{BOT_USER}> screenshot <mailto:bob@customer.io|bob@customer.io> &lt;now&gt;"
    assert event["event"]["thread_ts"] == root
    assert event["event"]["parent_user_id"] == BOB
    await driver.post("slack", {"duplicate_events": True})
    await driver.post("message", {"text": "@Bugpilot help"})
    twice = [body["event_id"] for body in seen if body.get("type") == "event_callback"][1:]
    assert len(twice) == 2
    assert twice[0] == twice[1]


@pytest.mark.parametrize(
    ("typed", "wire", "labelled"),
    [
        ("a <b> & c", "a &lt;b&gt; &amp; c", False),
        ("ask @erin about it", f"ask <@{ERIN}> about it", False),
        ("record @bob now", f"record <@{BOB}|bob> now", True),
        ("see https://acme.dev/x?a=1&b=2", "see <https://acme.dev/x?a=1&amp;b=2>", False),
        ("bob@customer.io", "<mailto:bob@customer.io|bob@customer.io>", False),
        ("@nobody <!channel>", "@nobody &lt;!channel&gt;", False),
    ],
)
def test_typed_text_is_delivered_in_slacks_format(typed: str, wire: str, labelled: bool):  # noqa: FBT001
    """Escapes, mentions, links and emails as Slack delivers what a person typed."""
    assert format_typed_text(typed, Workspace().users, labelled=labelled) == wire
