"""``bugpilot-bot`` with no command, and the sandbox command's start-up errors."""

from __future__ import annotations

import socket

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
