"""Clients that send a body slowly (slowloris) hold back no capture, and are cut off."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot import app as app_module
from bot import tasks as tasks_module
from tests.conftest import Bot
from tests.fakes import sign


async def _start_dribbling(bot: Bot, *, signed: bool = True) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A request whose headers have arrived (the bot said ``100 Continue``) and whose body never finishes."""
    server = bot.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    headers = sign("token=never-finished") if signed else {}
    head = [
        "POST /slack/events HTTP/1.1",
        f"Host: {server.host}:{server.port}",
        "Content-Type: application/x-www-form-urlencoded",
        "Content-Length: 5000",
        "Expect: 100-continue",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    return reader, writer


async def _hang_up(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def _status(reader: asyncio.StreamReader, *, interim: bool = False) -> int:
    """The status of the next response (a final one, unless ``interim``), headers read past."""
    async with asyncio.timeout(5):
        while True:
            status = int((await reader.readline()).split()[1])
            while (await reader.readline()) not in {b"\r\n", b""}:
                pass
            if interim or status >= 200:  # 1xx is interim
                return status


async def test_bodies_still_arriving_hold_back_no_capture(bot: Bot, online: set[str], monkeypatch: pytest.MonkeyPatch):
    """While clients dribble bodies, a command's capture starts at once: they do not count as acknowledgements.

    The ack-priority bound is raised out of reach, so a capture held back by them would not start within the test.
    """
    monkeypatch.setattr(tasks_module, "ACK_PRIORITY_SECONDS", 600.0)
    online.add("alice@acme.com")
    dribblers = [await _start_dribbling(bot) for _ in range(5)]
    for reader, writer in dribblers:
        assert await _status(reader, interim=True) == 100  # the request reached the handler
        writer.write(b"token=")
        await writer.drain()

    response = await bot.command("screenshot alice@acme.com")

    assert response.status == 200
    assert (await bot.bugpilot.next_arrival())["userId"] == "alice@acme.com"
    await bot.slack.next_call("chat.update")
    for _, writer in dribblers:
        await _hang_up(writer)


async def test_a_body_that_does_not_arrive_in_time_gets_408(bot: Bot, monkeypatch: pytest.MonkeyPatch):
    """The body has a deadline: a client that has not sent it by then is answered 408 and the bot moves on."""
    monkeypatch.setattr(app_module, "BODY_READ_SECONDS", 0.2)
    reader, writer = await _start_dribbling(bot)
    assert await _status(reader, interim=True) == 100
    writer.write(b"token=")
    await writer.drain()

    assert await _status(reader) == 408
    await _hang_up(writer)
    await bot.settle()
    assert bot.slack.calls == []


async def test_a_slow_body_without_a_signature_is_refused_before_it_is_read(bot: Bot):
    """Headers that cannot be Slack's are answered 401 at once, without waiting for the body."""
    reader, writer = await _start_dribbling(bot, signed=False)

    assert await _status(reader) == 401
    await _hang_up(writer)
