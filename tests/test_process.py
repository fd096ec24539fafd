"""The real entry point as a process: settings errors, logs without secrets, SIGTERM with work in flight."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
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
    sign,
)

APP_TOKEN = "xapp-1-A000-0000-secretsecret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUGPILOT_"))}
    env.update({"LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"})
    env["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bugpilot-test-')}/bot.db"
    return env


@dataclass
class Process:
    proc: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)

    async def wait_for_log(self, event: str, timeout: float = 15.0) -> dict[str, object]:
        assert self.proc.stderr is not None
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.proc.stderr.readline()
                if not raw:
                    raise AssertionError(f"process ended before {event}: {self.lines}")
                line = raw.decode()
                self.lines.append(line)
                record: dict[str, object] = json.loads(line)
                if record.get("event") == event:
                    return record

    async def rest_of_output(self) -> str:
        assert self.proc.stderr is not None
        assert self.proc.stdout is not None
        self.lines.append((await self.proc.stderr.read()).decode())
        self.lines.append((await self.proc.stdout.read()).decode())
        return "".join(self.lines)


@pytest.fixture(name="served")
async def _served(aiohttp_server) -> AsyncIterator[tuple[Process, FakeSlack, FakeBugpilot]]:
    slack, bugpilot = FakeSlack(), FakeBugpilot()
    slack_server: TestServer = await aiohttp_server(slack.app())
    bugpilot_server: TestServer = await aiohttp_server(bugpilot.app())
    slack.server = slack_server  # type: ignore[attr-defined]
    port = _free_port()
    env = _base_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": str(slack_server.make_url("/api/")),
        "BUGPILOT_API_KEY": API_KEY,
        "BUGPILOT_WORKSPACE_ID": WORKSPACE_ID,
        "BUGPILOT_API_URL": str(bugpilot_server.make_url("/api/v1")),
        "PORT": str(port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    process = Process(proc, port)
    try:
        await process.wait_for_log("app.listening")
        yield process, slack, bugpilot
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _send(port: int, body: str) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response,
    ):
        return response.status


async def _send_json(port: int, body: str, extra: dict[str, str] | None = None) -> int:
    headers = {"Content-Type": "application/json", **sign(body), **(extra or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response,
    ):
        return response.status


async def test_sigterm_lets_work_in_flight_finish_and_logs_carry_no_secrets(served):
    """SIGTERM stops new requests, the acknowledged command still gets its outcome, exit 0, no secret logged."""
    process, slack, bugpilot = served
    response_url = str(slack.server.make_url("/respond/cmd"))
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{process.port}/healthz") as health,
    ):
        assert health.status == 200

    bugpilot.sim.failure = "INVALID_API_KEY"
    assert await _send(process.port, command_body("screenshot alice@acme.com", response_url=response_url)) == 200
    await process.wait_for_log("command.handled")

    bugpilot.sim.failure = None
    bugpilot.sim.online.add("bob@customer.io")
    bugpilot.gate = asyncio.Event()
    assert await _send(process.port, command_body("session bob@customer.io a note", response_url=response_url)) == 200
    await bugpilot.next_arrival()
    await bugpilot.next_arrival()

    process.proc.send_signal(signal.SIGTERM)
    await process.wait_for_log("shutdown.draining")
    with pytest.raises(aiohttp.ClientConnectionError):
        await _send(process.port, command_body("screenshot late@acme.com", response_url=response_url))

    bugpilot.gate.set()
    async with asyncio.timeout(15):
        assert await process.proc.wait() == 0
    outcomes = [c for c in slack.of("chat.postMessage") if c.args.get("thread_ts")]
    assert any("Session replay requested" in c.args["text"] for c in outcomes)
    assert len(bugpilot.sim.received) == 2

    output = await process.rest_of_output()
    for secret in (API_KEY, BOT_TOKEN, SIGNING_SECRET, APP_TOKEN):
        assert secret not in output
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert [r["event"] for r in records if r["level"] == "warning"] == []
    handled = [r for r in records if r["event"] == "command.handled"]
    assert [r["outcome"] for r in handled] == ["INVALID_API_KEY", "ok"]
    assert all(isinstance(r["duration_ms"], int) for r in handled)
    assert all(r["team_id"] == "T_ACME" and r["user_id"] == "U_AGENT" for r in handled)


@pytest.mark.parametrize(
    ("env", "mode", "expected"),
    [
        ({}, "serve", ["SLACK_BOT_TOKEN: missing", "BUGPILOT_API_KEY: missing", "BUGPILOT_WORKSPACE_ID: missing"]),
        (
            {"SLACK_BOT_TOKEN": "xoxp-user-token", "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w", "PORT": "x"},
            "serve",
            ["SLACK_BOT_TOKEN: must start with xoxb-", "PORT: "],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w"},
            "serve",
            ["SLACK_SIGNING_SECRET: missing"],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "BUGPILOT_API_KEY": "k", "BUGPILOT_WORKSPACE_ID": "w"},
            "socket",
            ["SLACK_APP_TOKEN: missing"],
        ),
        (
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": "s",
                "BUGPILOT_API_KEY": "k",
                "BUGPILOT_WORKSPACE_ID": "w",
                "BUGPILOT_API_URL": "widget-api.bugpilot.io",
                "BUGPILOT_TIMEOUT": "-1",
            },
            "serve",
            ["BUGPILOT_API_URL: must be an http:// or https:// URL", "BUGPILOT_TIMEOUT: "],
        ),
    ],
)
async def test_bad_settings_stop_startup_with_one_line_per_problem(env: dict[str, str], mode: str, expected: list[str]):
    """Missing or malformed settings are named one per line; no traceback; exit code 2."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", mode, env=_base_env() | env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    text = err.decode()
    assert proc.returncode == 2
    assert "Traceback" not in text
    assert "cannot start" in text
    for line in expected:
        assert line in text
    assert "xoxp-user-token" not in text


@pytest.mark.parametrize(
    ("slack_error", "expected"),
    [
        ("invalid_auth", "SLACK_APP_TOKEN: Slack refused it (invalid_auth)"),
        (None, "SLACK_API_URL: could not reach Slack"),
    ],
)
async def test_socket_mode_refused_at_startup_names_the_setting(aiohttp_server, slack_error: str | None, expected: str):
    """Socket Mode with a refused app token (or no Slack) stops at once with the setting named, exit 2."""
    slack = FakeSlack()
    server: TestServer = await aiohttp_server(slack.app())
    api_url = str(server.make_url("/api/")) if slack_error else f"http://127.0.0.1:{_free_port()}/api/"
    if slack_error:
        slack.method_errors["apps.connections.open"] = slack_error
    env = _base_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api_url,
        "BUGPILOT_API_KEY": API_KEY,
        "BUGPILOT_WORKSPACE_ID": WORKSPACE_ID,
        "PORT": str(_free_port()),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "socket", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = err.decode() + out.decode()
    assert proc.returncode == 2
    assert expected in text
    assert "Traceback" not in text
    assert APP_TOKEN not in text
