"""The Workflow Builder step end to end: signed ``function_executed`` events, fake Slack and Bugpilot."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

from bot.app import create_app
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import Call, FakeBugpilot, FakeSlack
from tests.fleet import Fleet
from tests.logwatch import watch_logs
from tests.test_process import _send_json

CUSTOMER = "alice@acme.com"
_JSON = {"Content-Type": "application/json"}


async def _run_step(bot: Bot, inputs: dict[str, Any]) -> str:
    """Send a new run of the step; returns its execution ID once the bot acknowledged it (within 3 s)."""
    body, run_id = bot.slack.step_run(inputs)
    started = time.monotonic()
    response = await bot.post_signed(body, headers=_JSON)
    assert response.status == 200
    assert time.monotonic() - started < 3
    return run_id


async def _bot_with(aiohttp_client: Any, settings: Settings, slack: FakeSlack, bugpilot: FakeBugpilot, **changes: Any):
    client = await aiohttp_client(create_app(settings.model_copy(update=changes)))
    return Bot(client=client, slack=slack, bugpilot=bugpilot)


def _plain(line: str) -> None:
    """One line of plain words: no Slack markup, no code spans, nothing raw."""
    assert line
    assert "\n" not in line
    assert not set(line) & set("<>*`|")


async def test_a_ready_report_completes_the_step_with_its_links(bot: Bot, online: set[str]):
    """Customer online, report saved: completeSuccess with outcome ready, the report and Session Info links."""
    online.add(CUSTOMER)
    with watch_logs() as logs:
        run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "replay", "note": "checkout is blank"})
        arrival = await bot.bugpilot.next_arrival()
        result = await bot.slack.step_result(run_id)
        await bot.settle()
    assert (arrival["userId"], arrival["action"]) == (CUSTOMER, "upload-session")
    assert arrival["userProvidedDescription"].startswith("checkout is blank\n\nAsked by a Slack workflow")
    assert result.method == "functions.completeSuccess"
    outputs = result.args["outputs"]
    assert outputs["outcome"] == "ready"
    assert outputs["report_url"].startswith("https://dash.bugpilot.io/report/")
    assert "/session-info/" in outputs["session_info_url"]
    (audit,) = logs.of("audit.capture")
    assert (audit["surface"], audit["outcome"], audit["target"]) == ("step", "ok", CUSTOMER)
    assert logs.of("audit.report")[0]["outcome"] == "ready"
    assert bot.slack.step_runs[run_id] not in json.dumps(logs.entries, default=str)  # the run's token is never logged
    assert not bot.slack.of("chat.postMessage")  # a step has no message of its own


async def test_a_customer_who_is_not_online_fails_the_step_with_a_plain_reason(bot: Bot):
    """USER_NOT_CONNECTED: completeError at once, in plain words, naming the customer."""
    run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "screenshot"})
    result = await bot.slack.step_result(run_id)
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert f"{CUSTOMER} isn't online" in result.args["error"]


async def test_no_report_by_the_deadline_fails_the_step(aiohttp_client, settings, fake_slack, fake_bugpilot, online):
    """The browser never saves the report: at the deadline the step fails with "No report arrived"."""
    bot = await _bot_with(aiohttp_client, settings, fake_slack, fake_bugpilot, bugpilot_report_wait=3.0)
    online.add(CUSTOMER)
    fake_bugpilot.sim.never_saves = True
    with watch_logs() as logs:
        run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "record"})
        result = await fake_slack.step_result(run_id)
        audit = await logs.next("audit.report")
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert result.args["error"].startswith(f"No report arrived for the screen recording of {CUSTOMER} within 3 seconds")
    assert (audit["outcome"], audit["target"]) == ("REPORT_NOT_FOUND", CUSTOMER)


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"customer": CUSTOMER, "action": "scrennshot"}, "use screenshot, session or record"),
        ({"customer": CUSTOMER}, "Choose screenshot, session or record"),
        ({"customer": "", "action": "session"}, "customer is empty"),
        ({"customer": "alice@acme", "action": "session"}, "is not an email address I can use"),
        ({"customer": "alice smith", "action": "session"}, "has spaces"),
        ({"customer": CUSTOMER, "action": "session", "note": "x" * 1501}, "keep it to 1500 characters"),
    ],
    ids=["typo", "no-action", "no-customer", "bad-email", "two-words", "long-note"],
)
async def test_inputs_that_cant_be_used_fail_the_step_at_once_without_calling_bugpilot(bot: Bot, inputs, words):
    """A bad action, customer or note: completeError with the reason, and no Bugpilot call."""
    run_id = await _run_step(bot, inputs)
    result = await bot.slack.step_result(run_id)
    await bot.settle()
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert words in result.args["error"]
    assert bot.bugpilot.arrived.empty()


async def test_an_allow_list_refuses_a_step_slack_names_nobody_for(aiohttp_client, settings, fake_slack, fake_bugpilot):
    """Only listed people may capture and the event names nobody: the step fails, an audit line, no call."""
    bot = await _bot_with(
        aiohttp_client, settings, fake_slack, fake_bugpilot, bugpilot_allowed_users=frozenset({"U_AGENT"})
    )
    with watch_logs() as logs:
        run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "screenshot"})
        result = await fake_slack.step_result(run_id)
        await bot.settle()
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert "didn't say who started this workflow" in result.args["error"]
    (refused,) = logs.of("audit.refused")
    assert refused["kind"] == "event:function_executed"
    assert fake_bugpilot.arrived.empty()


async def test_a_channel_allow_list_refuses_the_step_in_plain_words(
    aiohttp_client, settings, fake_slack, fake_bugpilot
):
    """Captures only from listed channels: a step is in none, so it fails saying where captures are allowed."""
    bot = await _bot_with(
        aiohttp_client, settings, fake_slack, fake_bugpilot, bugpilot_allowed_channels=frozenset({"C_SUPPORT"})
    )
    run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "screenshot"})
    result = await fake_slack.step_result(run_id)
    await bot.settle()
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert "#C_SUPPORT" in result.args["error"]
    assert fake_bugpilot.arrived.empty()


async def test_bugpilot_down_fails_the_step_saying_so(bot: Bot):
    """Bugpilot answers 500 INTERNAL_ERROR: the step fails with a plain reason that names Bugpilot."""
    bot.bugpilot.canned.append((500, {"ok": False, "error": "INTERNAL_ERROR"}, {}))
    run_id = await _run_step(bot, {"customer": CUSTOMER, "action": "screenshot"})
    result = await bot.slack.step_result(run_id)
    assert result.method == "functions.completeError"
    _plain(result.args["error"])
    assert "Bugpilot" in result.args["error"]
    assert "Who can fix it:" in result.args["error"]


async def test_a_redelivered_event_makes_one_bugpilot_call_and_one_completion(bot: Bot, online: set[str]):
    """Slack sends the same run again (X-Slack-Retry-Num): acknowledged, nothing done twice."""
    online.add(CUSTOMER)
    body, run_id = bot.slack.step_run({"customer": CUSTOMER, "action": "screenshot"})
    first = await bot.post_signed(body, headers=_JSON)
    again = await bot.post_signed(body, headers={**_JSON, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert (first.status, again.status) == (200, 200)
    result = await bot.slack.step_result(run_id)
    await bot.settle()
    assert result.method == "functions.completeSuccess"
    await bot.bugpilot.next_arrival()
    assert bot.bugpilot.arrived.empty()
    ends = [c for c in bot.slack.calls if c.method.startswith("functions.complete")]
    assert len(ends) == 1


async def _step_waiting(fleet: Fleet, port: int) -> str:
    """A run whose report the browser never saves, until the bot's first look; returns its execution ID."""
    fleet.bugpilot.sim.online.add(CUSTOMER)
    fleet.bugpilot.sim.never_saves = True
    body, run_id = fleet.slack.step_run({"customer": CUSTOMER, "action": "screenshot"})
    assert await _send_json(port, body) == 200
    await fleet.bugpilot.next_look(timeout=10)
    return run_id


def _ready(result: Call) -> None:
    assert result.method == "functions.completeSuccess"
    assert result.args["outputs"]["outcome"] == "ready"
    assert result.args["outputs"]["report_url"].startswith("https://dash.bugpilot.io/report/")


async def test_a_restart_mid_wait_still_completes_the_step_once(fleet: Fleet):
    """SIGTERM while the step waits for its report: the next process resumes the wait and completes the run."""
    first = await fleet.start()
    run_id = await _step_waiting(fleet, first.port)
    first.proc.send_signal(signal.SIGTERM)
    assert await first.proc.wait() == 0
    assert run_id not in fleet.slack.step_results  # handed back, not ended
    (session,) = fleet.bugpilot.sim.sessions.values()
    fleet.bugpilot.sim.save(session.token)
    second = await fleet.start()
    assert (await second.wait_for_log("report.resumed"))["looks"] == 1
    _ready(await fleet.slack.step_result(run_id, timeout=20))
    assert (await second.wait_for_log("report.ended"))["end"] == "ready"
    assert len([c for c in fleet.slack.calls if c.method.startswith("functions.complete")]) == 1


async def test_a_killed_process_mid_wait_hands_the_step_to_the_next_one(fleet: Fleet):
    """kill -9 while the step waits: its lease runs out, the restarted process takes it over and completes it."""
    first = await fleet.start()
    run_id = await _step_waiting(fleet, first.port)
    first.proc.kill()
    await first.proc.wait()
    (session,) = fleet.bugpilot.sim.sessions.values()
    fleet.bugpilot.sim.save(session.token)
    second = await fleet.start()
    await second.wait_for_log("report.resumed", timeout=20)
    _ready(await fleet.slack.step_result(run_id, timeout=25))
