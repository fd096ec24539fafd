"""End to end: an accepted capture followed through Session Info to its report, over signed requests."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.bugpilot.wire import USER_AGENT
from bot.reports.pace import Pace
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import Call, Look
from tests.interactions import blocks_of, buttons, click
from tests.logwatch import watch_logs
from tests.test_followup_clicks import _with_settings

CUSTOMER = "alice@acme.com"
AUDIT_KEYS = {"team_id", "user_id", "channel_id", "target", "action", "outcome", "report_url", "wait_ms", "looks"}


def _json(args: dict[str, Any]) -> str:
    return json.dumps(blocks_of(args), ensure_ascii=False)


async def _followed(bot: Bot, text: str = f"screenshot {CUSTOMER} checkout fails") -> tuple[Call, Call]:
    """A command for an online customer: its request message and its outcome in the thread ("waiting")."""
    bot.bugpilot.sim.online.add(CUSTOMER)
    await bot.command(text)
    request = await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    assert outcome.args["thread_ts"] == bot.slack.ts_of(request)
    return request, outcome


async def _update_of(bot: Bot, ts: str, containing: str, timeout: float = 20.0) -> Call:
    """The next chat.update of message ``ts`` whose text contains ``containing`` (within ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        call = await bot.slack.next_call("chat.update", timeout=max(0.0, deadline - time.monotonic()))
        if call.args["ts"] == ts and containing in call.args["text"]:
            return call


def _allowed_looks(wait: float) -> int:
    """How many looks the pace allows within ``wait`` when every look answers at once."""
    pace, looks, now = Pace(wait), 0, 0.0
    while (at := pace.next_at(0.0, looks, now)) is not None:
        looks, now = looks + 1, at
    return looks


def _session_looks(bot: Bot) -> list[int]:
    return [session.looks for session in bot.bugpilot.sim.sessions.values()]


async def _quick(bot: Bot, aiohttp_client: Any, settings: Settings, **changes: Any) -> Bot:
    return await _with_settings(bot, aiohttp_client, settings, **changes)


async def test_ready_report_updates_outcome_in_place_mentions_requester_and_marks_request_done(bot: Bot):
    """The first look finds the report: Report ready in place, a reply mentioning the requester, request "done"."""
    with watch_logs() as logs:
        request, outcome = await _followed(bot)
        arrival = await bot.bugpilot.next_arrival()
        permalink = f"https://acme.slack.com/archives/C_SUPPORT/p{bot.slack.ts_of(request).replace('.', '')}"
        assert arrival["userProvidedDescription"] == f"checkout fails\n\nAsked by Dana Agent in Slack: {permalink}"
        assert "waiting for the report" in _json(outcome.args)
        look = await bot.bugpilot.next_look(timeout=5)
        ready = await _update_of(bot, bot.slack.ts_of(outcome), "Report ready")
        audit = await logs.next("audit.report")
    headers = {key.lower(): value for key, value in look.headers.items()}
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert headers["x-bugpilot-api-key-ok"] == "True"
    assert look.path.startswith("/api/v1/session-info/ws_acme/")
    (session,) = bot.bugpilot.sim.sessions.values()
    report_url = bot.bugpilot.sim.report_url(session)
    assert report_url in _json(ready.args)
    await bot.settle()
    notices = [call for call in bot.slack.of("chat.postMessage") if call.args.get("thread_ts")][1:]
    assert len(notices) == 1
    assert notices[0].args["thread_ts"] == outcome.args["thread_ts"]
    assert "<@U_AGENT>" in _json(notices[0].args)
    assert report_url in _json(notices[0].args)
    status = [call for call in bot.slack.of("chat.update") if call.args["ts"] == bot.slack.ts_of(request)]
    assert "done: the report is ready" in status[-1].args["text"]
    assert set(audit) - {"event", "log_level"} == AUDIT_KEYS
    assert audit["team_id"] == "T_ACME"
    assert (audit["user_id"], audit["channel_id"], audit["target"]) == ("U_AGENT", "C_SUPPORT", CUSTOMER)
    assert (audit["action"], audit["outcome"], audit["report_url"], audit["looks"]) == (
        "upload-screenshot",
        "ready",
        report_url,
        1,
    )
    assert isinstance(audit["wait_ms"], int)
    assert audit["wait_ms"] >= 1500
    assert "checkout fails" not in json.dumps(audit, default=str)
    assert session.looks == 1


async def test_a_redirect_from_session_info_is_not_followed(bot: Bot):
    """Session Info answering 302 stops the wait as an unexpected answer; the Location is never requested."""
    server = bot.bugpilot.server  # type: ignore[attr-defined]
    elsewhere = str(server.make_url("/api/v1/session-info/ws_acme/redirected"))
    bot.bugpilot.canned_looks.append((302, {}, {"Location": elsewhere}))
    _, outcome = await _followed(bot)
    await bot.bugpilot.next_look()
    stopped = await _update_of(bot, bot.slack.ts_of(outcome), "Stopped following the report")
    assert "HTTP 302" in _json(stopped.args)
    await bot.settle()
    assert bot.bugpilot.looks.empty()


async def test_never_ready_says_no_report_arrived_and_try_again_works(
    bot: Bot, aiohttp_client: Any, settings: Settings
):
    """Nothing saved within the wait: "No report arrived" with Try again; the request line says why; Try again works."""
    bot = await _quick(bot, aiohttp_client, settings, bugpilot_report_wait=3.0)
    bot.bugpilot.sim.never_saves = True
    request, outcome = await _followed(bot)
    ts = bot.slack.ts_of(outcome)
    started = time.monotonic()
    with watch_logs() as logs:
        none = await _update_of(bot, ts, "No report arrived")
        audit = await logs.next("audit.report")
    assert time.monotonic() - started >= 2.5
    assert "within 3 seconds" in _json(none.args)
    assert set(buttons(none.args)) == {"bugpilot_try_again"}
    assert (audit["outcome"], audit["report_url"]) == ("REPORT_NOT_FOUND", None)
    assert _session_looks(bot) == [_allowed_looks(3.0)] == [audit["looks"]]
    line = [call for call in bot.slack.of("chat.update") if call.args["ts"] == bot.slack.ts_of(request)][-1]
    assert "didn't work: no report arrived" in line.args["text"]

    bot.bugpilot.sim.never_saves = False
    await bot.interact(click(none.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
    await bot.bugpilot.next_arrival()
    await bot.bugpilot.next_arrival()
    ready = await _update_of(bot, ts, "Report ready")
    assert "attempt 2" in _json(ready.args)
    line = [call for call in bot.slack.of("chat.update") if call.args["ts"] == bot.slack.ts_of(request)][-1]
    assert "done: the report is ready" in line.args["text"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ((400, {"error": "INVALID_SESSION_TOKEN", "error_message": "Invalid workspace or session token"}, {}), None),
        ((401, {"error": "UNAUTHORIZED"}, {}), "HTTP 401"),
        ("NOT_JSON", "HTTP 200"),
    ],
    ids=["invalid-session-token", "401", "non-json-200"],
)
async def test_an_answer_that_wont_change_stops_the_wait_naming_it_and_keeping_the_link(
    bot: Bot, answer: tuple[int, dict[str, str], dict[str, str]] | str, code: str | None
):
    """INVALID_SESSION_TOKEN, 401 and a 200 that is not JSON stop the wait at once: named, and the link kept."""
    if isinstance(answer, str):
        bot.bugpilot.sim.session_failure = "NOT_JSON"
    else:
        bot.bugpilot.canned_looks.append(answer)
    request, outcome = await _followed(bot)
    with watch_logs() as logs:
        stopped = await _update_of(bot, bot.slack.ts_of(outcome), "Stopped following the report")
        audit = await logs.next("audit.report")
    shown = _json(stopped.args)
    assert "stopped following its report" in shown
    label = audit["outcome"]
    assert (label.replace("_", " ") if label.startswith("HTTP_") else f"`{label}`") in shown
    assert code is None or code in shown
    if code is None:
        assert audit["outcome"] == "INVALID_SESSION_TOKEN"
    assert "/api/v1/session-info/ws_acme/" in shown
    assert "Open in Bugpilot" in shown
    assert audit["looks"] == 1
    line = [call for call in bot.slack.of("chat.update") if call.args["ts"] == bot.slack.ts_of(request)][-1]
    assert "didn't work" in line.args["text"]
    await bot.settle()
    assert bot.bugpilot.looks.qsize() == 1


async def test_not_found_server_errors_and_timeouts_keep_waiting(bot: Bot, aiohttp_client: Any, settings: Settings):
    """404 REPORT_NOT_FOUND, a 503 and a look that times out are "not yet": the next look finds the report."""
    bot = await _quick(bot, aiohttp_client, settings, bugpilot_timeout=1.0)
    sim = bot.bugpilot.sim
    sim.never_saves = True
    sim.hang_seconds = 1.5
    bot.bugpilot.canned_looks.extend([(404, {"error": "REPORT_NOT_FOUND"}, {}), (503, {"error": "UNAVAILABLE"}, {})])
    _, outcome = await _followed(bot)
    for _ in range(2):
        await bot.bugpilot.next_look(timeout=10)
    sim.session_failure = "TIMEOUT"
    await bot.bugpilot.next_look(timeout=10)
    sim.session_failure = None
    (session,) = sim.sessions.values()
    sim.save(session.token)
    with watch_logs() as logs:
        ready = await _update_of(bot, bot.slack.ts_of(outcome), "Report ready")
        audit = await logs.next("audit.report")
    assert sim.report_url(session) in _json(ready.args)
    assert (audit["outcome"], audit["looks"]) == ("ready", 4)


async def test_a_429_retry_after_is_honoured_before_the_next_look(bot: Bot):
    """Session Info's 429 with Retry-After 4: no look comes before those 4 seconds (the pace alone would wait 3)."""
    bot.bugpilot.canned_looks.append((429, {"error": "RATE_LIMITED"}, {"Retry-After": "4"}))
    _, outcome = await _followed(bot)
    await bot.bugpilot.next_look()
    limited_at = time.monotonic()
    await bot.bugpilot.next_look(timeout=10)
    assert time.monotonic() - limited_at >= 3.8
    await _update_of(bot, bot.slack.ts_of(outcome), "Report ready")
    assert Pace(300).delay(1) < 4


async def test_a_session_info_url_on_another_origin_is_shown_but_never_requested(bot: Bot):
    """A sessionInfoUrl outside BUGPILOT_API_URL's origin: the link is shown, nothing waits, no request goes there."""
    foreign = "https://elsewhere.example/api/v1/session-info/ws_acme/token123"
    accepted = {"ok": True, "message": "Action upload-screenshot sent to user", "ts": 1, "sessionInfoUrl": foreign}
    bot.bugpilot.canned.append((200, accepted, {}))
    request, outcome = await _followed(bot)
    assert foreign in _json(outcome.args)
    assert "waiting" not in outcome.args["text"].lower()
    assert "waiting" not in _json(outcome.args)
    await bot.settle()
    assert bot.bugpilot.looks.empty()
    line = [call for call in bot.slack.of("chat.update") if call.args["ts"] == bot.slack.ts_of(request)][-1]
    assert "the report will be in Bugpilot" in line.args["text"]


async def test_report_wait_zero_follows_nothing(bot: Bot, aiohttp_client: Any, settings: Settings):
    """BUGPILOT_REPORT_WAIT=0: the outcome says the report will show up in Bugpilot, and nothing is looked at."""
    bot = await _quick(bot, aiohttp_client, settings, bugpilot_report_wait=0.0)
    _, outcome = await _followed(bot)
    assert "the report will show up in Bugpilot" in _json(outcome.args)
    await bot.settle()
    assert bot.bugpilot.looks.empty()
    assert _session_looks(bot) == [0]


async def test_a_recording_that_takes_a_while_is_seen_at_a_later_look(bot: Bot):
    """show-recording-ui saved a few seconds after acceptance: "not yet" first, then Report ready."""
    bot.bugpilot.sim.report_delays["show-recording-ui"] = 3.0
    _, outcome = await _followed(bot, f"record {CUSTOMER}")
    assert (await bot.bugpilot.next_arrival())["action"] == "show-recording-ui"
    first: Look = await bot.bugpilot.next_look()
    second: Look = await bot.bugpilot.next_look(timeout=10)
    assert first.path == second.path
    ready = await _update_of(bot, bot.slack.ts_of(outcome), "Report ready")
    assert "screen recording" in _json(ready.args)
    assert _session_looks(bot) == [2]
