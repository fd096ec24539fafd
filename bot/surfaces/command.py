"""The ``/bugpilot`` slash command: acknowledge at once, then capture in the background.

A command is acted on once per ``trigger_id``: the same signed body sent again
makes no second capture.
"""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks import Message, build_usage
from bot.capture import Surface
from bot.commands import Command, HelpRequest, parse_command
from bot.dedupe import key_of
from bot.error_blocks import render_error
from bot.errors import TargetUserError, UsageError
from bot.payloads.command import SlashCommand
from bot.services import Services
from bot.tasks import BackgroundTasks
from bot.workflow import Place, resolve_request, run_capture

__all__ = ["COMMAND", "register"]

COMMAND = "/bugpilot"

log = structlog.get_logger(__name__)


def register(bolt: AsyncApp, services: Services, tasks: BackgroundTasks) -> None:
    """Wire the slash command listener."""

    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        command = SlashCommand.parse(body)  # unreadable: the error handler answers, as for any crash
        try:
            parsed = parse_command(command.text)
        except UsageError as exc:
            await _ack_with(ack, build_usage(exc.reason))
            log.info("command.handled", surface="command", outcome="usage_error")
            return
        if isinstance(parsed, HelpRequest):
            await _ack_with(ack, build_usage())
            log.info("command.handled", surface="command", outcome="help")
            return
        if tasks.closed:
            await _ack_with(ack, Message(text=":hourglass: Bugpilot is restarting; try again in a few seconds."))
            return
        if not services.dedupe.here(key_of("trigger", command.trigger_id)):
            # The same signed request again (a replay): it already made its capture.
            await _ack_with(ack, _ALREADY_HANDLED)
            log.warning("command.duplicate", surface="command")
            return
        await ack()
        tasks.spawn(_capture(services, parsed, command), name="capture:command")

    bolt.command(COMMAND)(on_command)


_ALREADY_HANDLED = Message(text="That request was already handled; see its message above.")


async def _ack_with(ack: AsyncAck, message: Message) -> None:
    await ack(text=message.text, blocks=message.blocks or None, response_type="ephemeral")


async def _capture(services: Services, parsed: Command, command: SlashCommand) -> None:
    place = Place(channel_id=command.channel_id, response_url=command.response_url)
    # Another process may have had the same request (a replay sent there): asked after the ack.
    if not await services.dedupe.everywhere(key_of("trigger", command.trigger_id)):
        await services.delivery.respond(place.response_url, _ALREADY_HANDLED)
        log.warning("command.duplicate", surface="command")
        return
    try:
        request = await resolve_request(
            services,
            parsed,
            place,
            requester=command.user_id,
            team=command.team_id,
            surface=Surface.COMMAND,
        )
    except TargetUserError as exc:
        await services.delivery.respond(place.response_url, render_error(exc))
        log.info("command.handled", surface="command", outcome="unusable_member")
        return
    await run_capture(services, request, place)
