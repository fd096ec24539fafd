"""Two real bot processes on one PostgreSQL: what either is sent twice is acted on once, and watches move."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes import Call, command_body, event_body, payload_body
from tests.fleet import Fleet
from tests.interactions import blocks_of, click
from tests.test_process import Process, _send, _send_json

CUSTOMER = "alice@acme.com"


@pytest.fixture(name="two_bots")
async def _two_bots(pg_fleet: Fleet) -> tuple[Process, Process]:
    first, second = await asyncio.gather(pg_fleet.start(), pg_fleet.start())
    return first, second


async def _one_of_them_logs(processes: tuple[Process, ...], event: str) -> None:
    """Exactly one of the processes logs ``event`` (within 15 s)."""
    done, pending = await asyncio.wait(
        [asyncio.ensure_future(p.wait_for_log(event)) for p in processes],
        timeout=15,
        return_when=asyncio.FIRST_COMPLETED,
    )
    for task in pending:
        task.cancel()
    assert len(done) == 1


async def _offline_outcome(pg_fleet: Fleet, port: int) -> tuple[Call, str]:
    assert await _send(port, command_body(f"screenshot {CUSTOMER}", response_url=pg_fleet.response_url())) == 200
    await pg_fleet.slack.next_call("chat.postMessage")
    outcome = await pg_fleet.slack.next_call("chat.postMessage")
    return outcome, pg_fleet.slack.ts_of(outcome)


async def test_one_command_sent_to_two_processes_makes_one_capture(pg_fleet: Fleet, two_bots):
    """The same signed command reaches both processes at once: one Bugpilot call, the other says it was handled."""
    first, second = two_bots
    pg_fleet.bugpilot.sim.online.add(CUSTOMER)
    body = command_body(f"screenshot {CUSTOMER}", response_url=pg_fleet.response_url())
    statuses = await asyncio.gather(_send(first.port, body), _send(second.port, body))
    assert list(statuses) == [200, 200]
    await pg_fleet.bugpilot.next_arrival()
    await _one_of_them_logs(two_bots, "command.duplicate")
    assert any("already handled" in call.args.get("text", "") for call in pg_fleet.slack.of("respond"))
    await pg_fleet.slack.next_call("chat.update", timeout=10)  # the capture finished its request message
    assert pg_fleet.bugpilot.arrived.empty()
    assert len(pg_fleet.bugpilot.sim.received) == 1


async def test_one_event_delivered_to_both_processes_makes_one_capture(pg_fleet: Fleet, two_bots):
    """Slack spreads redeliveries across processes: one app_mention sent to both is handled once."""
    first, second = two_bots
    pg_fleet.bugpilot.sim.online.add("bob@customer.io")
    event = {
        "type": "app_mention",
        "user": "U_AGENT",
        "text": "<@U_BOT> session bob@customer.io",
        "ts": "1700000000.000300",
        "thread_ts": "1700000000.000200",
        "channel": "C_SUPPORT",
        "event_ts": "1700000000.000300",
    }
    body = event_body(event, event_id="Ev0TWOPROC")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    statuses = await asyncio.gather(_send_json(first.port, body), _send_json(second.port, body, retry))
    assert list(statuses) == [200, 200]
    await pg_fleet.bugpilot.next_arrival()
    await _one_of_them_logs(two_bots, "mention.duplicate")
    assert pg_fleet.bugpilot.arrived.empty()
    assert len(pg_fleet.bugpilot.sim.received) == 1


async def test_clicks_split_across_processes_make_one_call(pg_fleet: Fleet, two_bots):
    """A double click whose two clicks land on two processes: one Try again, one Bugpilot call."""
    first, second = two_bots
    outcome, ts = await _offline_outcome(pg_fleet, first.port)
    await pg_fleet.bugpilot.next_arrival()
    clicks = [
        payload_body(
            click(outcome.args, "bugpilot_try_again", ts=ts, response_url=pg_fleet.response_url(key))
            | {"trigger_id": f"{key}.trigger"}
        )
        for key in ("one", "two")
    ]
    statuses = await asyncio.gather(_send(first.port, clicks[0]), _send(second.port, clicks[1]))
    assert list(statuses) == [200, 200]
    await pg_fleet.bugpilot.next_arrival()
    async with asyncio.timeout(15):  # the refusal and the new outcome, in whichever order they come
        while not (
            any("already on it" in str(blocks_of(call.args)) for call in pg_fleet.slack.of("respond"))
            and any(
                "isn't online" in call.args["text"]
                for call in pg_fleet.slack.of("chat.update")
                if call.args["ts"] == ts
            )
        ):
            await pg_fleet.slack.next_call()
    assert pg_fleet.bugpilot.arrived.empty()
    assert len(pg_fleet.bugpilot.sim.received) == 2


async def test_stop_pressed_on_the_other_process_stops_the_watch(pg_fleet: Fleet, two_bots):
    """Keep trying runs on one process; Stop reaches the other: the watch stops, saying who stopped it."""
    first, second = two_bots
    outcome, ts = await _offline_outcome(pg_fleet, first.port)
    keep = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=pg_fleet.response_url())
    assert await _send(first.port, payload_body(keep)) == 200
    status = await pg_fleet.update_of(ts, "Still trying")
    stop = click(status.args, "bugpilot_stop", ts=ts, response_url=pg_fleet.response_url("stop"), user_id="U_LEAD")
    assert await _send(second.port, payload_body(stop)) == 200
    stopped = await pg_fleet.update_of(ts, "stopped Keep trying")
    assert "<@U_LEAD> stopped Keep trying" in stopped.args["text"]


async def test_kill_9_mid_watch_the_other_process_finishes_it(pg_fleet: Fleet, two_bots):
    """The process running a watch dies: within seconds the other takes the watch over and captures once."""
    first, _second = two_bots
    outcome, ts = await _offline_outcome(pg_fleet, first.port)
    keep = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=pg_fleet.response_url())
    assert await _send(first.port, payload_body(keep)) == 200
    await pg_fleet.update_of(ts, "Still trying")
    first.proc.kill()
    await first.proc.wait()
    pg_fleet.bugpilot.sim.online.add(CUSTOMER)
    done = await pg_fleet.update_of(ts, "requested from")
    assert "came online: captured on attempt 3" in str(blocks_of(done.args))
    assert len(pg_fleet.bugpilot.sim.received) == 3
