"""``bugpilot-bot`` with no command, and the sandbox command as a user runs it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys

import aiohttp
import pytest

from bot.__main__ import _default_command, main


@pytest.mark.parametrize(
    ("env", "command"),
    [
        ({}, "sandbox"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "serve"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}, "serve"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "socket"),
    ],
)
def test_no_command_runs_the_sandbox_on_a_fresh_machine_else_the_bot(monkeypatch, env, command):
    """No Slack settings: the sandbox (README's run command on a fresh clone); with them, the bot."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _default_command() == command


def test_sandbox_on_a_busy_port_says_so_and_exits_2(capsys):
    """A port in use is reported with a way out, not a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert f"--port {port + 1}" in err


def test_serve_without_settings_names_them_and_exits_2(capsys):
    """serve on a machine without settings explains which are missing."""
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN: missing" in err


async def test_sandbox_command_prints_its_address_serves_the_page_and_stops_on_ctrl_c():
    """The README's run command on a fresh machine: the address printed, the page served, Ctrl+C exits 0."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "BUGPILOT_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    try:
        address = None
        async with asyncio.timeout(20):
            while address is None:
                line = (await proc.stdout.readline()).decode()
                assert line, "the sandbox exited before printing its address"
                found = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
                address = found[1] if found else None
        async with aiohttp.ClientSession() as http, http.get(address) as page:
            assert page.status == 200
            assert "Bugpilot sandbox" in await page.text()
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            rest, _ = await proc.communicate()
        assert proc.returncode == 0, rest.decode()
        assert b"Traceback" not in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
