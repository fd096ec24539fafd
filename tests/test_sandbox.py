"""The sandbox over HTTP: the real bot behind the page's JSON API, the switches, the page's files."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from bot.sandbox.people import SUPPORT
from bot.sandbox.server import STATIC
from tests.sandbox_helpers import (
    Driver,
    bot_messages,
    buttons,
    driver_fixture,  # noqa: F401 - the "driver" fixture, used by name
    driving,
    thread_outcome,
)


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
    assert link.startswith(f"{driver.sandbox.upstream_url}bugpilot/api/v1/session-info/ws_sandbox/")
    driver.sandbox.bugpilot.save(link.rsplit("/", 1)[-1])
    async with driver.http.get(link, headers={"Accept": "text/html"}) as response:
        assert str(response.url).startswith(f"{driver.sandbox.url}sandbox/bugpilot/report/")
        report = await response.text()
    assert "alice@acme.com" in report
    assert "checkout &amp; &lt;b&gt;pay&lt;/b&gt;" in report
    request_message = await driver.until(
        lambda state: next((m for m in bot_messages(state) if "the report is ready" in m["text"]), None)
    )
    assert request_message["revision"] == 2  # working, waiting for the report, done
    assert request_message["ts"] == outcome["thread_ts"]
    arrived = driver.sandbox.bugpilot.received[-1]
    assert arrived.headers["x-bugpilot-api-key-ok"] == "True"
    assert isinstance(arrived.body, dict)
    description = arrived.body.pop("userProvidedDescription")
    assert arrived.body == {"workspaceId": "ws_sandbox", "userId": "alice@acme.com", "action": "upload-screenshot"}
    assert description.startswith("checkout & <b>pay</b>\n\nAsked by ")


async def test_offline_customer_gets_the_advice(driver: Driver):
    """A customer switched offline on the page gets USER_NOT_CONNECTED and the what-to-check advice."""
    assert await driver.post("customers", {"id": "alice@acme.com", "online": False}) == {
        "id": "alice@acme.com",
        "online": False,
    }
    await driver.post("command", {"text": "/bugpilot session alice@acme.com"})
    outcome = await driver.until(lambda state: thread_outcome(state, "isn't online"))
    assert "bugpilot_still_failing" in json.dumps(outcome["blocks"])
    assert "USER_NOT_CONNECTED" in json.dumps(outcome["blocks"])


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("INTERNAL_ERROR", "internal error"),
        ("HTML_502", "having trouble"),
        ("NOT_JSON", "doesn't understand"),
        ("UNKNOWN_CODE", "refused the request"),
    ],
)
async def test_each_failure_switch_reaches_the_bot(driver: Driver, failure: str, words: str):
    """The failure switches make the simulated Bugpilot answer that way; the bot explains it."""
    await driver.post("bugpilot", {"failure": failure})
    await driver.post("command", {"text": "/bugpilot screenshot cust_8812"})
    await driver.until(lambda state: thread_outcome(state, words))


@pytest.mark.parametrize(
    ("failure", "words"),
    [("INVALID_API_KEY", "rejected this bot's API key"), ("NO_ACCESS", "refused access")],
)
async def test_set_up_failures_are_shown_to_the_requester_only(driver: Driver, failure: str, words: str):
    """A set-up problem comes as an ephemeral message; the channel's request line names nothing else."""
    await driver.post("bugpilot", {"failure": failure})
    await driver.post("command", {"text": "/bugpilot screenshot cust_8812"})
    await driver.until(
        lambda state: next((m for m in bot_messages(state) if m["ephemeral"] and words in m["text"]), None)
    )
    request = await driver.until(
        lambda state: next((m for m in bot_messages(state) if "couldn't capture — details sent" in m["text"]), None)
    )
    assert "cust_8812" not in json.dumps(request)
    public = [m for m in bot_messages(driver.sandbox.controls.snapshot()) if not m["ephemeral"]]
    assert not [m for m in public if words in m["text"]]


async def test_in_a_shared_support_channel_the_outcome_is_private(driver: Driver):
    """With #support shared with Customer Inc, no public message names the customer or the note."""
    assert (await driver.post("slack", {"support_shared": True}))["support_shared"] is True
    assert driver.sandbox.controls.snapshot()["slack"]["support_shared"] is True
    await driver.post("command", {"text": "/bugpilot screenshot cust_8812 checkout spins forever"})
    await driver.until(
        lambda state: next(
            (m for m in bot_messages(state) if m["ephemeral"] and "Screenshot requested" in m["text"]), None
        )
    )
    await driver.until(
        lambda state: next((m for m in bot_messages(state) if "details went to them" in m["text"]), None)
    )
    public = json.dumps([m for m in bot_messages(driver.sandbox.controls.snapshot()) if not m["ephemeral"]])
    assert "cust_8812" not in public
    assert "checkout spins" not in public


async def test_switch_values_are_checked(driver: Driver):
    """Unknown failures and silly latencies are refused; good values are kept."""
    async with driver.http.post(f"{driver.sandbox.url}sandbox/api/bugpilot", json={"failure": "NOPE"}) as response:
        assert response.status == 400
    for latency in (99, "soon", None):
        async with driver.http.post(f"{driver.sandbox.url}sandbox/api/bugpilot", json={"latency": latency}) as answer:
            assert answer.status == 400
    async with driver.http.post(
        f"{driver.sandbox.url}sandbox/api/bugpilot", json={"session_failure": "NOPE"}
    ) as response:
        assert response.status == 400
    assert await driver.post("bugpilot", {"failure": "TIMEOUT", "latency": 0.5}) == {
        "failure": "TIMEOUT",
        "latency": 0.5,
        "session_failure": None,
        "never_saves": False,
    }
    assert await driver.post("bugpilot", {"session_failure": "RATE_LIMITED", "never_saves": True}) == {
        "failure": "TIMEOUT",
        "latency": 0.5,
        "session_failure": "RATE_LIMITED",
        "never_saves": True,
    }
    assert (driver.sandbox.bugpilot.session_failure, driver.sandbox.bugpilot.never_saves) == ("RATE_LIMITED", True)
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


async def test_stopping_the_sandbox_lets_the_bot_finish_what_it_says():
    """Stopped with Keep trying running: the Slack stand-in outlives the bot, so the bot's last update lands."""
    async with driving() as driver:
        workspace = driver.sandbox.workspace
        await driver.post("command", {"text": "/bugpilot screenshot carol@acme.com"})
        advice = await driver.until(lambda state: thread_outcome(state, "isn't online"))
        (block_id,) = [
            block["block_id"]
            for block in advice["blocks"]
            if any(element.get("action_id") == "bugpilot_keep_trying" for element in block.get("elements", []))
        ]
        click = {"channel": SUPPORT, "ts": advice["ts"], "block_id": block_id, "action_id": "bugpilot_keep_trying"}
        assert await driver.post("action", click) == {"result": "sent", "bot_status": 200}
        await driver.until(lambda _state: "Still trying" in workspace.find(SUPPORT, advice["ts"])["text"])
    assert "Bugpilot is restarting" in workspace.find(SUPPORT, advice["ts"])["text"]
