"""``bugpilot-bot`` / ``python -m bot``: run the bot, the sandbox, the doctor, or print the manifest.

With no command: the sandbox when no Slack settings are in the environment (a fresh
clone), else HTTP mode (Socket Mode when only an app-level token is set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Sequence

import structlog
from aiohttp import web

from bot.app import create_app
from bot.logs import configure_logging
from bot.settings import Mode, Settings, SettingsError

__all__ = ["main"]

log = structlog.get_logger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    command = args.command
    if command is None:
        command = _default_command()
        args = parser.parse_args([command])
    if command == "sandbox":
        return _sandbox(args.host, args.port)
    if command == "doctor":
        return _doctor()
    if command == "manifest":
        return _manifest(args.url, socket=args.socket)
    mode: Mode = "socket" if command == "socket" else "http"
    return _run(mode)


def _default_command() -> str:
    """The sandbox on a machine without Slack settings; else the mode the settings are for."""
    if not os.environ.get("SLACK_BOT_TOKEN"):
        return "sandbox"
    if os.environ.get("SLACK_APP_TOKEN") and not os.environ.get("SLACK_SIGNING_SECRET"):
        return "socket"
    return "serve"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bugpilot-bot",
        description="Bugpilot for Slack. With no command: the sandbox if SLACK_BOT_TOKEN is not set, else serve.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="HTTP mode: serve POST /slack/events and GET /healthz on $PORT")
    commands.add_parser("socket", help="Socket Mode with SLACK_APP_TOKEN (plus GET /healthz on $PORT)")
    sandbox = commands.add_parser(
        "sandbox", help="try the bot in a local page that behaves like a Slack channel (no credentials)"
    )
    sandbox.add_argument("--port", type=int, default=_default_port(), help="port to serve on (default $PORT or 3000)")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    commands.add_parser("doctor", help="check the settings against Slack and Bugpilot; exit 0 when all pass")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest for your host")
    target = manifest.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="where the bot is served, e.g. https://bugpilot.example.net")
    target.add_argument("--socket", action="store_true", help="Socket Mode: no request URLs")
    return parser


def _default_port() -> int:
    try:
        return int(os.environ.get("PORT", "3000"))
    except ValueError:
        return 3000


def _run(mode: Mode) -> int:
    try:
        settings = Settings.from_env(mode)
    except SettingsError as exc:
        _print_problems(exc)
        return 2
    try:
        sock = _listen(settings.port)
    except OSError as exc:
        print(
            f"bugpilot-bot: cannot listen on PORT {settings.port} ({exc.strerror}); set PORT to a free port",
            file=sys.stderr,
        )
        return 2
    port = sock.getsockname()[1]
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=_secrets(settings))
    app = create_app(settings, mode=mode)
    try:
        web.run_app(
            app,
            sock=sock,
            access_log=None,
            print=lambda _banner: log.info("app.listening", port=port, mode=mode),
            shutdown_timeout=5,
        )
    except SettingsError as exc:  # a setting Slack or Bugpilot refused at start-up
        _print_problems(exc)
        return 2
    log.info("app.exited")
    return 0


def _listen(port: int) -> socket.socket:
    """A socket bound to ``port`` on every address (IPv6 too where the machine has it)."""
    if socket.has_dualstack_ipv6():
        return socket.create_server(("", port), family=socket.AF_INET6, dualstack_ipv6=True)
    return socket.create_server(("", port))


def _sandbox(host: str, port: int) -> int:
    from bot.sandbox.server import bind, build_sandbox  # noqa: PLC0415 - only the sandbox needs it

    try:
        sock = bind(host, port)
    except OSError as exc:
        print(
            f"bugpilot-bot: cannot listen on {host}:{port} ({exc.strerror}); "
            f"try --port {port + 1} (with make: PORT={port + 1} make run)",
            file=sys.stderr,
        )
        return 2
    sandbox = build_sandbox(sock)
    configure_logging(level="INFO", fmt="console", secrets=_secrets(sandbox.settings))

    def ready(_message: str) -> None:
        # Last, after the start-up log lines, so the address is what the terminal ends with.
        print(
            f"\nBugpilot sandbox: open {sandbox.url}\n"
            "It keeps running here until Ctrl+C; use a second terminal for `make test`. "
            f"Another port: PORT={sandbox.settings.port + 1} make run\n",
            flush=True,
        )

    web.run_app(sandbox.app, sock=sock, access_log=None, print=ready, shutdown_timeout=3)
    return 0


def _doctor() -> int:
    from bot.doctor import render_table, run_checks  # noqa: PLC0415 - only the doctor needs it

    configure_logging(level="ERROR", fmt="console", secrets=_secrets_from_env())
    checks = asyncio.run(run_checks())
    print(render_table(checks))
    return 0 if all(check.passed for check in checks) else 1


def _manifest(url: str | None, *, socket: bool) -> int:
    from bot.manifest import ManifestError, render_manifest  # noqa: PLC0415 - only this command needs it

    try:
        print(render_manifest(url, socket=socket), end="")
    except ManifestError as exc:
        print(f"bugpilot-bot manifest: {exc}", file=sys.stderr)
        return 2
    return 0


def _print_problems(exc: SettingsError) -> None:
    print("bugpilot-bot: cannot start, the settings need fixing:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.bugpilot_api_key,
        settings.slack_signing_secret,
        settings.slack_app_token,
    ]
    return [value.get_secret_value() for value in values if value is not None]


def _secrets_from_env() -> list[str]:
    names = ("SLACK_BOT_TOKEN", "BUGPILOT_API_KEY", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
    return [os.environ[name] for name in names if os.environ.get(name)]


if __name__ == "__main__":
    sys.exit(main())
