"""Slack-side robustness: rate limits are waited out, API failures are logged, huge bodies refused."""

from __future__ import annotations

import time

from structlog.testing import capture_logs

from bot.app import MAX_BODY_BYTES
from tests.conftest import Bot
from tests.interactions import click
from tests.logwatch import watch_logs


async def test_rate_limited_post_is_retried_after_retry_after(bot: Bot, online: set[str]):
    """A 429 with Retry-After on chat.postMessage is waited out and retried; the capture goes on."""
    online.add("alice@acme.com")
    bot.slack.rate_limited["chat.postMessage"] = 1
    bot.slack.retry_after = "1"
    await bot.command("screenshot alice@acme.com")
    limited = await bot.slack.next_call("chat.postMessage")
    limited_at = time.monotonic()
    retried = await bot.slack.next_call("chat.postMessage")
    assert time.monotonic() - limited_at >= 1
    assert retried.args["text"] == limited.args["text"]
    assert "working on it" in retried.args["text"]
    await bot.bugpilot.next_arrival()
    outcome = await bot.slack.next_call("chat.postMessage")
    assert "Screenshot requested" in outcome.args["text"]
    assert len(bot.bugpilot.sim.received) == 1


async def test_failed_slack_update_is_logged_with_method_and_error_and_the_handler_goes_on(bot: Bot):
    """chat.update refused during Try again: logged with method and error; the attempt still happens and is audited."""
    await bot.command("screenshot alice@acme.com")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.slack.next_call("chat.update")
    bot.slack.method_errors["chat.update"] = "cant_update_message"
    with watch_logs() as logs:
        ts = bot.slack.ts_of(outcome)
        await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
        handled = await logs.next("followup.handled")
    assert handled["outcome"] == "USER_NOT_CONNECTED"
    failures = logs.of("slack.update_failed")
    assert len(failures) == 3  # "trying again", the new outcome, the request message's status line
    assert {(e["method"], e["error"]) for e in failures} == {("chat.update", "cant_update_message")}
    assert [e["attempt"] for e in logs.of("audit.capture")] == [2]
    assert not [e for e in logs.entries if e["log_level"] in {"error", "critical"}]


async def test_oversized_body_is_refused_before_parsing(bot: Bot):
    """A body over the limit gets 413 before the signature is checked or anything is parsed or called."""
    body = "text=" + "x" * (MAX_BODY_BYTES + 1)
    with capture_logs() as logs:
        response = await bot.post_signed(body)
    assert response.status == 413
    await bot.settle()
    assert not bot.slack.calls
    assert bot.bugpilot.arrived.empty()
    assert not [e for e in logs if e["event"].startswith(("listener", "command"))]


async def test_body_just_under_the_limit_is_still_read(bot: Bot):
    """The limit is the only reason for a 413: a big but allowed body reaches Bolt (and fails its signature)."""
    body = "text=" + "x" * (MAX_BODY_BYTES - 1000)
    response = await bot.client.post(
        "/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 401
