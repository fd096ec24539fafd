"""Work in flight outlives its process: SIGTERM or SIGKILL mid-watch or mid-capture, then a restart."""

from __future__ import annotations

import asyncio
import signal

from tests.fakes import command_body, payload_body
from tests.fleet import Fleet
from tests.interactions import blocks_of, buttons, click
from tests.test_process import _send

CUSTOMER = "alice@acme.com"


async def _watching(fleet: Fleet, port: int) -> str:
    """A command for an offline customer, then Keep trying on its outcome; returns the outcome's ts."""
    assert await _send(port, command_body(f"screenshot {CUSTOMER}", response_url=fleet.response_url())) == 200
    await fleet.slack.next_call("chat.postMessage")
    outcome = await fleet.slack.next_call("chat.postMessage")
    ts = fleet.slack.ts_of(outcome)
    payload = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=fleet.response_url())
    assert await _send(port, payload_body(payload)) == 200
    await fleet.update_of(ts, "Still trying")
    return ts


async def test_sigterm_mid_watch_then_restart_goes_on_and_captures_once(fleet: Fleet):
    """SIGTERM: the message says Keep trying goes on after the restart; the next process takes it and captures."""
    first = await fleet.start()
    ts = await _watching(fleet, first.port)
    first.proc.send_signal(signal.SIGTERM)
    paused = await fleet.update_of(ts, "Bugpilot is restarting")
    assert set(buttons(paused.args)) == {"bugpilot_stop"}
    async with asyncio.timeout(15):
        assert await first.proc.wait() == 0
    assert len(fleet.bugpilot.sim.received) == 2

    fleet.bugpilot.sim.online.add(CUSTOMER)
    await fleet.start()
    done = await fleet.update_of(ts, "requested from")
    assert "came online: captured on attempt 3" in str(blocks_of(done.args))
    assert len(fleet.bugpilot.sim.received) == 3


async def test_sigkill_mid_watch_then_restart_takes_it_over_and_captures_once(fleet: Fleet):
    """kill -9: the watch's lease runs out and the restarted process goes on with it within seconds."""
    first = await fleet.start()
    ts = await _watching(fleet, first.port)
    first.proc.kill()
    await first.proc.wait()
    fleet.bugpilot.sim.online.add(CUSTOMER)
    await fleet.start()
    done = await fleet.update_of(ts, "requested from")
    assert "came online: captured on attempt 3" in str(blocks_of(done.args))
    assert len(fleet.bugpilot.sim.received) == 3


async def test_sigkill_mid_capture_the_restarted_process_says_what_happened(fleet: Fleet):
    """kill -9 while Bugpilot is answering: after the restart the request message stops saying "working"."""
    fleet.bugpilot.gate = asyncio.Event()  # Bugpilot holds its answer: the capture is in flight
    first = await fleet.start()
    assert await _send(first.port, command_body(f"screenshot {CUSTOMER}", response_url=fleet.response_url())) == 200
    request = await fleet.slack.next_call("chat.postMessage")
    assert "working on it" in request.args["text"]
    await fleet.bugpilot.next_arrival()
    first.proc.kill()
    await first.proc.wait()
    fleet.bugpilot.gate.set()

    await fleet.start()
    told = await fleet.update_of(fleet.slack.ts_of(request), "the bot restarted before this finished")
    assert "check Bugpilot" in told.args["text"]
    assert len(fleet.bugpilot.sim.received) <= 1  # never asked again by itself
