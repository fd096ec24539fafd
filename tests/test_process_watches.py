"""The real process: SIGTERM stops a running Keep trying and its message says so before exit."""

from __future__ import annotations

import asyncio
import signal

from tests.fakes import command_body, payload_body
from tests.interactions import buttons, click
from tests.test_process import _send, _served  # noqa: F401 - the "served" fixture is used by name


async def test_sigterm_stops_keep_trying_and_updates_its_message(served):
    """A watch pending at SIGTERM ends with a message that says so and offers the buttons; exit code 0."""
    process, slack, bugpilot = served
    response_url = str(slack.server.make_url("/respond/cmd"))
    assert await _send(process.port, command_body("screenshot alice@acme.com", response_url=response_url)) == 200
    await slack.next_call("chat.postMessage")
    outcome = await slack.next_call("chat.postMessage")
    payload = click(outcome.args, "bugpilot_keep_trying", ts=slack.ts_of(outcome), response_url=response_url)
    assert await _send(process.port, payload_body(payload)) == 200
    while "Still trying" not in (await slack.next_call("chat.update")).args["text"]:
        pass

    process.proc.send_signal(signal.SIGTERM)
    while "The bot shut down" not in (last := await slack.next_call("chat.update", timeout=10)).args["text"]:
        pass
    assert set(buttons(last.args)) == {"bugpilot_try_again", "bugpilot_keep_trying"}
    async with asyncio.timeout(15):
        assert await process.proc.wait() == 0
    assert len(bugpilot.sim.received) == 2
