"""End to end: signed slash commands to the real server; fakes record what the bot sends."""

from __future__ import annotations

from tests.conftest import Bot


async def test_screenshot_of_online_customer_posts_request_and_success_in_thread(bot: Bot, online: set[str]):
    """A valid command is acknowledged empty, then request message, Bugpilot call, outcome in thread."""
    online.add("alice@acme.com")
    response = await bot.command("screenshot alice@acme.com")
    assert response.status == 200
    assert await response.text() == ""

    request_msg = await bot.slack.next_call("chat.postMessage")
    assert request_msg.args["channel"] == "C_SUPPORT"
    assert "working on it" in request_msg.args["text"]
    arrival = await bot.bugpilot.next_arrival()
    assert arrival == {"workspaceId": "ws_acme", "userId": "alice@acme.com", "action": "upload-screenshot"}
    outcome = await bot.slack.next_call("chat.postMessage")
    assert outcome.args["thread_ts"]
    assert "Screenshot requested" in outcome.args["text"]
    update = await bot.slack.next_call("chat.update")
    assert "done" in update.args["text"]
