"""Bolt's error handler: a listener that crashes is logged with its traceback, and the person is told.

Whatever Bolt does with the request afterwards, the person who asked hears about it
privately: a command not yet acknowledged gets the apology as its answer (instead of
Bolt's 500, which Slack shows as a failed command); anything else that carries a
``response_url`` gets it there. Requests not yet acknowledged are acknowledged, so Slack
neither shows an error nor redelivers an event that would crash again; a modal
submission is the exception, its 500 keeps the modal open with Slack's own error.

A request that could not be authorized because ``auth.test`` failed (``SlackUnavailable``)
is no crash: the person is told that Bugpilot can't reach Slack, or that Slack refused
its token, and an event is acknowledged quietly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

import structlog
from slack_bolt.response import BoltResponse

from bot.blocks import Message
from bot.delivery import Delivery
from bot.error_blocks import render_error
from bot.errors import BotError, SlackUnavailable
from bot.payloads.envelope import Envelope
from bot.tasks import BackgroundTasks

__all__ = ["error_handler", "explain_unavailable"]

log = structlog.get_logger(__name__)

# Bolt polls for the acknowledgement every 10 ms (slack_bolt/listener/asyncio_runner.py), and when a
# listener raises after ack() it sets the acknowledgement back to None once this handler returns. A
# crash before the next poll would turn a sent ack into "didn't call ack()" and a 404 three seconds
# later, so the handler first waits out one poll.
_BOLT_ACK_POLL_S: Final = 0.01


def error_handler(delivery: Delivery, tasks: BackgroundTasks) -> Callable[..., Awaitable[BoltResponse | None]]:
    """The function for ``AsyncApp.error``: log, apologize privately, answer Slack sensibly."""

    async def on_unhandled_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse | None:
        envelope = Envelope.parse(body)
        if isinstance(error, SlackUnavailable):
            apology = explain_unavailable(error)
        else:
            log.error("listener.crashed", kind=envelope.type or envelope.command, exc_info=error)
            apology = render_error(BotError("unexpected error"))
        if response is None:  # already acknowledged
            await asyncio.sleep(2 * _BOLT_ACK_POLL_S)
        elif envelope.command is not None:
            answer = {"response_type": "ephemeral", "text": apology.text, "blocks": apology.blocks}
            return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
        _apologize_later(delivery, tasks, envelope.response_url, apology)
        if response is not None and envelope.type != "view_submission":
            return BoltResponse(status=200, body="")
        return None

    return on_unhandled_error


def explain_unavailable(error: SlackUnavailable) -> Message:
    """What a person is told when the bot could not authorize with Slack."""
    if error.state == "refused":
        return Message(
            text=":warning: Slack refused Bugpilot's bot token, so Bugpilot can't act on this. "
            "Ask whoever runs Bugpilot to check SLACK_BOT_TOKEN (and that the app is still installed)."
        )
    return Message(
        text=":warning: Bugpilot can't reach Slack right now, so it can't act on this. "
        "Try again in a minute; if it keeps happening, ask whoever runs Bugpilot to check its connection to Slack."
    )


def _apologize_later(delivery: Delivery, tasks: BackgroundTasks, response_url: str | None, apology: Message) -> None:
    if response_url:
        tasks.spawn(_apologize(delivery, response_url, apology), name="crash:apology")


async def _apologize(delivery: Delivery, response_url: str, apology: Message) -> None:
    await delivery.respond(response_url, apology)
