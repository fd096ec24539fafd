"""The sandbox over HTTP: the real bot, the Slack and Bugpilot stand-ins, the page's JSON API."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
from bot.sandbox.payloads import format_typed_text
from bot.sandbox.people import SUPPORT
from bot.sandbox.server import STATIC
from bot.sandbox.workspace import SlackError, Workspace
from tests.sandbox_helpers import TEST_SHORTCUT, Driver, bot_messages, buttons, driving, thread_outcome


@pytest.fixture(name="driver")
async def _driver() -> AsyncIterator[Driver]:
    async with driving() as driver:
        yield driver


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


async def test_page_and_its_assets_are_served_and_load_nothing_from_outside(driver: Driver):
    """/ is the page; scripts and styles come from the sandbox itself, no CDN."""
    async with driver.http.get(driver.sandbox.url) as response:
        assert response.status == 200
        page = await response.text()
    assert '<script type="module" src="/sandbox/static/app.js">' in page
    for asset in sorted(STATIC.iterdir()):
        async with driver.http.get(f"{driver.sandbox.url}sandbox/static/{asset.name}") as response:
            assert response.status == 200, asset.name
        text = asset.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']https?://|url\(["']?https?://|import .* from ["']https?://""", text)
        assert ".innerHTML" not in text, f"{asset.name} must draw text with textContent"


async def test_slash_command_posts_request_and_success_with_session_link(driver: Driver):
    """The page's command reaches the real bot; the outcome is in the thread with a working report link."""
    answer = await driver.post("command", {"text": "/bugpilot screenshot alice@acme.com checkout & <b>pay</b>"})
    assert answer == {"result": "sent", "bot_status": 200}
    outcome = await driver.until(lambda state: thread_outcome(state, "Screenshot requested"))
    (link,) = [button["url"] for button in buttons(outcome) if "url" in button]
    assert link.startswith(f"{driver.sandbox.url}sandbox/bugpilot/sessions/")
    async with driver.http.get(link) as response:
        report = await response.text()
    assert "alice@acme.com" in report
    assert "checkout &amp; &lt;b&gt;pay&lt;/b&gt;" in report
    request_message = await driver.until(
        lambda state: next((m for m in bot_messages(state) if "done, see the thread" in m["text"]), None)
    )
    assert request_message["revision"] == 1
    assert request_message["ts"] == outcome["thread_ts"]
    arrived = driver.sandbox.bugpilot.received[-1]
    assert arrived.headers["x-bugpilot-api-key-ok"] == "True"
    assert arrived.body == {
        "workspaceId": "ws_sandbox",
        "userId": "alice@acme.com",
        "action": "upload-screenshot",
        "userProvidedDescription": "checkout & <b>pay</b>",
    }


async def test_offline_customer_gets_the_advice(driver: Driver):
    """A customer switched offline on the page gets USER_NOT_CONNECTED and the what-to-check advice."""
    assert await driver.post("customers", {"id": "alice@acme.com", "online": False}) == {
        "id": "alice@acme.com",
        "online": False,
    }
    await driver.post("command", {"text": "/bugpilot session alice@acme.com"})
    outcome = await driver.until(lambda state: thread_outcome(state, "isn't online"))
    assert "Always connect Action WebSockets" in json.dumps(outcome["blocks"])


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("INVALID_API_KEY", "rejected this bot's API key"),
        ("NO_ACCESS", "refused access"),
        ("INTERNAL_ERROR", "internal error"),
        ("HTML_502", "HTTP 502"),
        ("NOT_JSON", "doesn't understand"),
        ("UNKNOWN_CODE", "TEAPOT_OVERFLOW"),
    ],
)
async def test_each_failure_switch_reaches_the_bot(driver: Driver, failure: str, words: str):
    """The failure switches make the simulated Bugpilot answer that way; the bot explains it."""
    await driver.post("bugpilot", {"failure": failure})
    await driver.post("command", {"text": "/bugpilot screenshot cust_8812"})
    await driver.until(lambda state: thread_outcome(state, words))


async def test_switch_values_are_checked(driver: Driver):
    """Unknown failures and silly latencies are refused; good values are kept."""
    async with driver.http.post(f"{driver.sandbox.url}sandbox/api/bugpilot", json={"failure": "NOPE"}) as response:
        assert response.status == 400
    for latency in (99, "soon", None):
        async with driver.http.post(f"{driver.sandbox.url}sandbox/api/bugpilot", json={"latency": latency}) as answer:
            assert answer.status == 400
    assert await driver.post("bugpilot", {"failure": "TIMEOUT", "latency": 0.5}) == {
        "failure": "TIMEOUT",
        "latency": 0.5,
    }
    async with driver.http.post(f"{driver.sandbox.url}sandbox/api/command", data="text=x") as response:
        assert response.status == 415


async def test_page_open_across_a_restart_gets_the_state_at_once(driver: Driver):
    """A version the sandbox has not reached yet (the page outlived a restart) is answered without the long poll."""
    version = driver.sandbox.workspace.version
    url = f"{driver.sandbox.url}sandbox/api/state?after={version + 1000}"
    async with asyncio.timeout(3), driver.http.get(url) as response:
        state = await response.json()
    assert state["version"] == version


async def test_usage_answers_privately_and_bad_commands_get_slacks_words(driver: Driver):
    """help is an ephemeral reply; an unknown command or a command in a thread gets Slack's notice."""
    await driver.post("command", {"text": "/bugpilot help"})
    usage = await driver.until(
        lambda state: next((m for m in bot_messages(state) if m["ephemeral"] and "How to use" in m["text"]), None)
    )
    assert usage["blocks"]
    await driver.post("command", {"text": "/nope screenshot x"})
    root = driver.sandbox.workspace.messages[0]["ts"]
    await driver.post("command", {"text": "/bugpilot help", "thread_ts": root})
    notices = await driver.until(lambda state: state["notices"] if len(state["notices"]) == 2 else None)
    assert "/nope is not a valid command" in notices[0]["text"]
    assert notices[1] == {**notices[1], "text": "/bugpilot is not supported in threads. Sorry!", "thread_ts": root}


async def test_requests_to_the_bot_are_signed_and_checked(driver: Driver):
    """The bot in the sandbox checks signatures: an unsigned request is refused."""
    body = urllib.parse.urlencode({"command": "/bugpilot", "text": "help"})
    async with driver.http.post(
        f"{driver.sandbox.url}slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    ) as response:
        assert response.status == 401


async def test_sandbox_settings_ignore_the_environment(monkeypatch: pytest.MonkeyPatch):
    """Real settings in the environment never reach the sandbox's bot."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-token")
    monkeypatch.setenv("BUGPILOT_WORKSPACE_ID", "ws_real")
    monkeypatch.setenv("BUGPILOT_API_URL", "https://widget-api.bugpilot.io/api/v1")
    async with driving() as driver:
        settings = driver.sandbox.settings
        assert settings.slack_bot_token.get_secret_value().startswith("xoxb-sandbox-")
        assert settings.bugpilot_workspace_id == "ws_sandbox"
        assert settings.bugpilot_api_url.startswith("http://127.0.0.1:")


async def test_bot_that_may_not_post_answers_privately(driver: Driver):
    """With posting refused (not_in_channel), the outcome comes through response_url, visible only to you."""
    await driver.post("slack", {"bot_can_post": False})
    await driver.post("command", {"text": "/bugpilot screenshot alice@acme.com"})
    private = await driver.until(
        lambda state: next((m for m in bot_messages(state) if m["ephemeral"] and "Screenshot" in m["text"]), None)
    )
    assert "/invite @Bugpilot" in json.dumps(private["blocks"])
    assert driver.sandbox.workspace.calls["chat.postMessage"] == 1


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
    assert shortcut["message"]["user"] == "U_BOB"
    assert shortcut["message"]["user_team"] == "T_CUSTOMER"
    assert "<mailto:bob@customer.io|bob@customer.io>" in shortcut["message"]["text"]
    assert shortcut["response_url"].startswith(driver.sandbox.url)
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
    message = workspace.post(SUPPORT, "U_BUGPILOT", "pick", [{"type": "actions", "elements": [button]}])

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
    reply = workspace.post(SUPPORT, "U_BUGPILOT", "pick", [{"type": "actions", "elements": [button]}], thread_ts=root)

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
    assert event["event"]["text"] == "<@U_BUGPILOT> screenshot <mailto:bob@customer.io|bob@customer.io> &lt;now&gt;"
    assert event["event"]["thread_ts"] == root
    assert event["event"]["parent_user_id"] == "U_BOB"
    await driver.post("slack", {"duplicate_events": True})
    await driver.post("message", {"text": "@Bugpilot help"})
    twice = [body["event_id"] for body in seen if body.get("type") == "event_callback"][1:]
    assert len(twice) == 2
    assert twice[0] == twice[1]


@pytest.mark.parametrize(
    ("typed", "wire", "labelled"),
    [
        ("a <b> & c", "a &lt;b&gt; &amp; c", False),
        ("ask @erin about it", "ask <@U_ERIN> about it", False),
        ("record @bob now", "record <@U_BOB|bob> now", True),
        ("see https://acme.dev/x?a=1&b=2", "see <https://acme.dev/x?a=1&amp;b=2>", False),
        ("bob@customer.io", "<mailto:bob@customer.io|bob@customer.io>", False),
        ("@nobody <!channel>", "@nobody &lt;!channel&gt;", False),
    ],
)
def test_typed_text_is_delivered_in_slacks_format(typed: str, wire: str, labelled: bool):  # noqa: FBT001
    """Escapes, mentions, links and emails as Slack delivers what a person typed."""
    assert format_typed_text(typed, Workspace().users, labelled=labelled) == wire


def test_static_files_are_shipped_in_the_package():
    """The page is package data next to the code that serves it."""
    assert {path.name for path in STATIC.iterdir()} >= {"index.html", "app.js", "blocks.js", "mrkdwn.js", "sandbox.css"}
    assert STATIC.parent == Path(__file__).parent.parent / "bot" / "sandbox"


def test_page_draws_every_emoji_shortcode_the_bot_writes():
    """A shortcode the page doesn't know would show as raw ``:name:`` text in the channel."""
    script = (STATIC / "mrkdwn.js").read_text(encoding="utf-8")
    table = script.split("const EMOJI = {", 1)[1].split("};", 1)[0]
    known = set(re.findall(r'"?([a-z0-9_+-]+)"?:\s*"', table))
    bot = Path(__file__).parent.parent / "bot"
    used = {
        name
        for module in bot.rglob("*.py")
        if "sandbox" not in module.parts
        for name in re.findall(r":([a-z][a-z0-9_+-]*):", module.read_text(encoding="utf-8"))
    }
    assert used, "the bot writes emoji shortcodes"
    assert used <= known, f"add to mrkdwn.js EMOJI: {sorted(used - known)}"
