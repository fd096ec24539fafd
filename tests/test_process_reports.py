"""A report wait outlives its process: SIGTERM or SIGKILL while waiting, then a restart (or another process)."""

from __future__ import annotations

import asyncio
import json
import signal
import time

from tests.fakes import Call, command_body
from tests.fleet import Fleet
from tests.interactions import blocks_of
from tests.test_process import Process, _send

CUSTOMER = "alice@acme.com"


async def _waiting(fleet: Fleet, port: int) -> Call:
    """A command whose report the browser never saves, until the bot's first look; returns its outcome."""
    fleet.bugpilot.sim.online.add(CUSTOMER)
    fleet.bugpilot.sim.never_saves = True
    assert await _send(port, command_body(f"screenshot {CUSTOMER}", response_url=fleet.response_url())) == 200
    await fleet.slack.next_call("chat.postMessage")
    outcome = await fleet.slack.next_call("chat.postMessage")
    assert "Waiting for the report" in outcome.args["text"]
    await fleet.bugpilot.next_look(timeout=10)
    return outcome


def _save_the_report(fleet: Fleet) -> None:
    (session,) = fleet.bugpilot.sim.sessions.values()
    fleet.bugpilot.sim.save(session.token)


def _ready_once(fleet: Fleet, outcome: Call) -> None:
    """The outcome became Report ready exactly once, and exactly one reply in its thread told the requester."""
    ts = fleet.slack.ts_of(outcome)
    readies = [c for c in fleet.slack.of("chat.update") if c.args["ts"] == ts and "Report ready" in c.args["text"]]
    assert len(readies) == 1
    thread = outcome.args["thread_ts"]
    replies = [c for c in fleet.slack.of("chat.postMessage") if c.args.get("thread_ts") == thread]
    notices = replies[1:]  # the first reply is the outcome itself
    assert len(notices) == 1
    assert "<@U_AGENT>" in json.dumps(blocks_of(notices[0].args))
    assert "https://dash.bugpilot.io/report/" in json.dumps(blocks_of(notices[0].args))
    assert not [c for c in fleet.slack.of("chat.update") if "No report arrived" in c.args["text"]]


async def test_sigterm_while_waiting_hands_the_wait_to_the_restarted_process_which_finishes_it_once(fleet: Fleet):
    """SIGTERM mid-wait: exit 0 with the outcome still waiting; the next process resumes and says Report ready once."""
    first = await fleet.start()
    outcome = await _waiting(fleet, first.port)
    first.proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(15):
        assert await first.proc.wait() == 0
    ts = fleet.slack.ts_of(outcome)
    assert not [c for c in fleet.slack.of("chat.update") if c.args["ts"] == ts]  # still "waiting", as shown

    _save_the_report(fleet)
    second = await fleet.start()
    resumed = await second.wait_for_log("report.resumed")
    assert resumed["looks"] == 1
    await fleet.update_of(ts, "Report ready")
    audit = await second.wait_for_log("audit.report")  # logged as the wait ends, before report.ended
    assert (audit["outcome"], audit["looks"]) == ("ready", 2)
    assert (await second.wait_for_log("report.ended"))["end"] == "ready"
    _ready_once(fleet, outcome)


async def _taken_over_within(fleet: Fleet, outcome: Call, taker: Process, killed_at: float) -> None:
    await taker.wait_for_log("report.resumed", timeout=20)
    assert time.monotonic() - killed_at < 12  # the lease (8 s) ran out and the recovery loop (2 s) took it
    await fleet.update_of(fleet.slack.ts_of(outcome), "Report ready")
    assert (await taker.wait_for_log("report.ended"))["end"] == "ready"
    _ready_once(fleet, outcome)


async def test_sigkill_while_waiting_the_restarted_process_takes_the_wait_over(fleet: Fleet):
    """kill -9 mid-wait: the restarted process takes the wait over within about 10 s and finishes it once."""
    first = await fleet.start()
    outcome = await _waiting(fleet, first.port)
    first.proc.kill()
    await first.proc.wait()
    killed_at = time.monotonic()
    _save_the_report(fleet)
    second = await fleet.start()
    await _taken_over_within(fleet, outcome, second, killed_at)


async def test_sigkill_while_waiting_another_process_on_postgres_takes_it_over(pg_fleet: Fleet):
    """Two processes on PostgreSQL: kill -9 the one waiting, the other takes the wait over and finishes it once."""
    first, second = await asyncio.gather(pg_fleet.start(), pg_fleet.start())
    outcome = await _waiting(pg_fleet, first.port)
    first.proc.kill()
    await first.proc.wait()
    killed_at = time.monotonic()
    _save_the_report(pg_fleet)
    await _taken_over_within(pg_fleet, outcome, second, killed_at)
