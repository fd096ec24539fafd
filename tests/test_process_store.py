"""Two real bot processes on one PostgreSQL: what either of them is sent twice is acted on once."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from tests.fakes import (
    API_KEY,
    BOT_TOKEN,
    SIGNING_SECRET,
    WORKSPACE_ID,
    FakeBugpilot,
    FakeSlack,
    command_body,
    event_body,
)
from tests.postgres import PostgresServer
from tests.test_process import Process, _base_env, _free_port, _send, _send_json


@pytest.fixture(name="two_bots")
async def _two_bots(
    aiohttp_server, postgres: PostgresServer
) -> AsyncIterator[tuple[Process, Process, FakeSlack, FakeBugpilot]]:
    slack, bugpilot = FakeSlack(), FakeBugpilot()
    slack_server: TestServer = await aiohttp_server(slack.app())
    bugpilot_server: TestServer = await aiohttp_server(bugpilot.app())
    slack.server = slack_server  # type: ignore[attr-defined]
    env = _base_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": str(slack_server.make_url("/api/")),
        "BUGPILOT_API_KEY": API_KEY,
        "BUGPILOT_WORKSPACE_ID": WORKSPACE_ID,
        "BUGPILOT_API_URL": str(bugpilot_server.make_url("/api/v1")),
        "DATABASE_URL": postgres.new_database(),
    }
    processes: list[Process] = []
    try:
        for _ in range(2):
            port = _free_port()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                env=env | {"PORT": str(port)},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            processes.append(Process(proc, port))
        await asyncio.gather(*(process.wait_for_log("app.listening") for process in processes))
        yield processes[0], processes[1], slack, bugpilot
    finally:
        for process in processes:
            if process.proc.returncode is None:
                process.proc.kill()
                await process.proc.wait()


async def test_one_command_sent_to_two_processes_makes_one_capture(two_bots):
    """The same signed command reaches both processes at once: one Bugpilot call, the other says it was handled."""
    first, second, slack, bugpilot = two_bots
    bugpilot.sim.online.add("alice@acme.com")
    body = command_body("screenshot alice@acme.com", response_url=str(slack.server.make_url("/respond/cmd")))
    statuses = await asyncio.gather(_send(first.port, body), _send(second.port, body))
    assert list(statuses) == [200, 200]
    await bugpilot.next_arrival()
    done, pending = await asyncio.wait(
        [asyncio.ensure_future(p.wait_for_log("command.duplicate")) for p in (first, second)],
        timeout=15,
        return_when=asyncio.FIRST_COMPLETED,
    )
    assert len(done) == 1
    for task in pending:
        task.cancel()
    await slack.next_call("chat.update", timeout=10)  # the capture finished its request message
    assert bugpilot.arrived.empty()
    assert len(bugpilot.sim.received) == 1


async def test_one_event_delivered_to_both_processes_makes_one_capture(two_bots):
    """Slack spreads redeliveries across processes: one app_mention sent to both is handled once."""
    first, second, _slack, bugpilot = two_bots
    bugpilot.sim.online.add("bob@customer.io")
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
    await bugpilot.next_arrival()
    done, pending = await asyncio.wait(
        [asyncio.ensure_future(p.wait_for_log("mention.duplicate")) for p in (first, second)],
        timeout=15,
        return_when=asyncio.FIRST_COMPLETED,
    )
    assert len(done) == 1
    for task in pending:
        task.cancel()
    assert bugpilot.arrived.empty()
    assert len(bugpilot.sim.received) == 1
