"""``bugpilot-bot`` / ``python -m bot``: read settings, set up logging, run the app."""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(prog="bugpilot-bot", description="Bugpilot for Slack")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="HTTP mode: serve POST /slack/events and GET /healthz on $PORT")
    commands.add_parser("socket", help="Socket Mode with SLACK_APP_TOKEN (plus GET /healthz on $PORT)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    mode: Mode = "socket" if args.command == "socket" else "http"
    return _run(mode)


def _run(mode: Mode) -> int:
    try:
        settings = Settings.from_env(mode)
    except SettingsError as exc:
        print("bugpilot-bot: cannot start, the settings need fixing:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=_secrets(settings))
    app = create_app(settings, mode=mode)
    web.run_app(
        app,
        port=settings.port,
        access_log=None,
        print=lambda _banner: log.info("app.listening", port=settings.port, mode=mode),
        shutdown_timeout=5,
    )
    log.info("app.exited")
    return 0


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.bugpilot_api_key,
        settings.slack_signing_secret,
        settings.slack_app_token,
    ]
    return [value.get_secret_value() for value in values if value is not None]


if __name__ == "__main__":
    sys.exit(main())
