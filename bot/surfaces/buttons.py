"""The Try again, Keep trying, Stop and Still failing? buttons under an outcome.

Still failing? only shows the clicker, privately, what to check when an online customer
can't be reached; it changes nothing and calls nothing.

Each click is acknowledged at once; the button's signed value is checked before
anything else, and a click on a message that already has a follow-up running
makes no second Bugpilot call. A click replayed (same ``trigger_id``) does nothing;
a value is refused on any message but one in the thread it was signed for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks import ACTION_OPEN_SESSION, Message
from bot.dedupe import key_of
from bot.error_blocks import render_error
from bot.errors import BotError, FollowUpRefused, InvalidButton
from bot.followups.blocks import (
    ACTION_KEEP_TRYING,
    ACTION_STILL_FAILING,
    ACTION_STOP,
    ACTION_TRY_AGAIN,
    build_still_failing,
)
from bot.followups.button import FollowUp
from bot.followups.keep_trying import Watches
from bot.followups.try_again import try_again
from bot.outcomes import OutcomeRef
from bot.payloads.buttons import BlockActions
from bot.payloads.envelope import Envelope
from bot.services import Services

__all__ = ["register"]

log = structlog.get_logger(__name__)

_Listener = Callable[..., Awaitable[None]]


def register(bolt: AsyncApp, services: Services, watches: Watches) -> None:
    """Wire the three follow-up buttons and Still failing?, and acknowledge clicks on the session link."""
    tasks, busy = services.tasks, services.busy

    def listener(kind: str, act: Callable[[OutcomeRef, FollowUp, str], Awaitable[None]]) -> _Listener:
        async def on_click(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            envelope = Envelope.parse(body)
            if not await services.dedupe.first_time(key_of("trigger", envelope.trigger_id)):
                log.warning("followup.duplicate", kind=kind)  # the same signed click again: it already acted
                return
            try:
                click = BlockActions.parse(body)
                ref, followup = _read(services, click)
                if tasks.closed:
                    raise FollowUpRefused("Bugpilot is restarting; press the button again in a few seconds.")
                await act(ref, followup, click.user.id)
            except BotError as exc:
                log.info("followup.refused", kind=kind, reason=type(exc).__name__)
                tasks.spawn(_tell(services, envelope.response_url, exc), name="followup:refused")

        return on_click

    async def on_try_again(ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        if not await busy.claim(ref.key, next_attempt=followup.attempt + 1):
            raise FollowUpRefused("I'm already on it, or already did it: the message above shows how it goes.")
        tasks.spawn(try_again(services, ref, followup, user_id), name="followup:try_again")

    async def on_keep_trying(ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        await watches.start(ref, followup, user_id)

    async def on_stop(ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        if not await watches.stop(ref.key, user_id):
            tasks.spawn(watches.stale_stop(ref, followup), name="followup:stale_stop")

    async def on_link(ack: AsyncAck) -> None:
        await ack()  # Slack opens the link itself; an unanswered click would show the user an error

    async def on_still_failing(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        envelope = Envelope.parse(body)
        try:
            customer = BlockActions.parse(body).value or ""
        except BotError as exc:
            log.info("followup.refused", kind="still_failing", reason=type(exc).__name__)
            return
        # Shown to the clicker alone, as a new message: the outcome stays as it is for everyone.
        tasks.spawn(_show(services, envelope.response_url, build_still_failing(customer)), name="followup:details")
        log.info("followup.handled", kind="still_failing")

    bolt.action(ACTION_OPEN_SESSION)(on_link)
    bolt.action(ACTION_STILL_FAILING)(on_still_failing)
    bolt.action(ACTION_TRY_AGAIN)(listener("try_again", on_try_again))
    bolt.action(ACTION_KEEP_TRYING)(listener("keep_trying", on_keep_trying))
    bolt.action(ACTION_STOP)(listener("stop", on_stop))


async def _tell(services: Services, response_url: str | None, error: BotError) -> None:
    """Answer the clicker privately; the message with the button stays as it is."""
    await _show(services, response_url, render_error(error))


async def _show(services: Services, response_url: str | None, message: Message) -> None:
    await services.delivery.respond(response_url, message)


def _read(services: Services, click: BlockActions) -> tuple[OutcomeRef, FollowUp]:
    """The message clicked and the follow-up its button carries; ``InvalidButton`` when unusable."""
    ref = click.outcome_ref()
    followup = services.buttons.decode(click.value)
    # An outcome the bot could not post in its conversation may have come as a direct message.
    if followup.channel_id != ref.channel_id and not ref.channel_id.startswith("D"):
        log.warning("followup.invalid_value", reason="other_channel")
        raise InvalidButton("the button belongs to another conversation")
    # In its conversation an outcome sits in the thread its value was signed for (the thread
    # asked in, or the request message's): a value copied onto another capture's message is refused.
    in_place = followup.channel_id == ref.channel_id and not ref.ephemeral
    if in_place and (followup.thread_ts is None or click.thread_ts != followup.thread_ts):
        log.warning("followup.invalid_value", reason="other_message")
        raise InvalidButton("the button belongs to another message")
    return ref, followup
