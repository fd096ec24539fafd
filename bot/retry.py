"""Try again: repeat a capture from its outcome message and show the new result in place."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import structlog

from bot.attempt import Attempt, attempt_capture, summarize
from bot.blocks import Message, build_request_status
from bot.capture import Surface
from bot.errors import FollowUpRefused, InvalidButton, StoreUnavailable
from bot.followup import FollowUp
from bot.followup_blocks import build_outcome, build_retrying
from bot.store.followups import FollowUpLog
from bot.workflow import Services, record_end, record_start

__all__ = ["Busy", "OutcomeRef", "finish", "next_value", "show", "try_again"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OutcomeRef:
    """The outcome message a button was clicked on, and how to change it.

    A message in a conversation is edited with ``chat.update``; an ephemeral one (sent
    privately) only through the click's ``response_url``.
    """

    channel_id: str
    ts: str
    ephemeral: bool
    response_url: str | None

    @property
    def key(self) -> str:
        """Identifies the message: one follow-up at a time per key."""
        return f"{self.channel_id}:{self.ts}"

    @classmethod
    def from_click(cls, body: dict[str, Any]) -> OutcomeRef:
        """Read it from a ``block_actions`` payload; ``InvalidButton`` when the payload lacks it."""
        container = body.get("container")
        if not isinstance(container, dict):
            raise InvalidButton("the click did not say which message it came from")
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts")
        if not isinstance(channel, str) or not channel or not isinstance(ts, str) or not ts:
            raise InvalidButton("the click did not say which message it came from")
        url = body.get("response_url")
        return cls(
            channel_id=channel,
            ts=ts,
            ephemeral=bool(container.get("is_ephemeral")),
            response_url=url if isinstance(url, str) else None,
        )


class Busy:
    """Outcome messages with a follow-up running, kept in the store's ``followups`` rows.

    A second click on one, on this process or another, makes no second call; so does a click
    arriving late from a copy of the button the message has since moved past (the row remembers
    the last attempt made there).
    """

    def __init__(self, log: FollowUpLog) -> None:
        self.log = log

    async def claim(self, key: str, *, next_attempt: int | None = None) -> bool:
        """Take the message; False when a follow-up already runs on it or ``next_attempt`` was made.

        ``FollowUpRefused`` when the store can't say: acting then could make a second call.
        """
        try:
            return await self.log.claim(key, next_attempt=next_attempt)
        except StoreUnavailable:
            raise FollowUpRefused(
                "I can't reach my database right now, so I can't tell whether someone else is on it. "
                "Press the button again in a minute."
            ) from None

    async def release(self, key: str, *, made_attempt: int | None = None) -> None:
        """Give the message back, remembering ``made_attempt`` (if the store is down, its lease runs out)."""
        with contextlib.suppress(StoreUnavailable):
            await self.log.release(key, made_attempt=made_attempt)


async def show(services: Services, ref: OutcomeRef, message: Message) -> bool:
    """Replace the outcome message with ``message``; False (logged) when Slack refused."""
    if ref.ephemeral:
        done = await services.delivery.respond(ref.response_url, message, replace_original=True)
        if not done:
            log.warning("followup.show_failed", how="response_url")
        return done
    return await services.delivery.update(ref.channel_id, ref.ts, message)


async def finish(services: Services, ref: OutcomeRef, followup: FollowUp, attempt: Attempt, message: Message) -> None:
    """Bring the request message's status line up to date, then show the final ``message``.

    The outcome goes last: its buttons can be clicked as soon as it shows. A private outcome whose
    ``response_url`` is spent (5 uses, 30 minutes) comes as a direct message instead, so a late
    result is never lost.
    """
    if followup.status_ts is not None and not ref.ephemeral:
        status = build_request_status(attempt.request, "failed" if attempt.error else "done", summarize(attempt.error))
        await services.delivery.update(followup.channel_id, followup.status_ts, status)
    if await show(services, ref, message) or not ref.ephemeral:
        return
    request = attempt.request
    for user_id in dict.fromkeys(user for user in (request.requester_id, request.actor_id) if user):
        await services.delivery.direct(user_id, message)


def next_value(services: Services, attempt: Attempt, followup: FollowUp) -> str | None:
    """The signed value for the buttons under ``attempt``'s outcome."""
    assert services.followups is not None  # noqa: S101 - buttons exist only with a codec
    return services.followups.value_for(
        attempt.request, channel_id=followup.channel_id, thread_ts=followup.thread_ts, status_ts=followup.status_ts
    )


async def try_again(services: Services, busy: Busy, ref: OutcomeRef, followup: FollowUp, actor_id: str) -> None:
    """Run the next attempt of ``followup`` and show it in place; releases ``ref`` in ``busy``."""
    request = followup.next_request(surface=Surface.RETRY, actor_id=actor_id)
    try:
        await show(services, ref, build_retrying(request))
        # "Trying again…" is what a process taking this over rewrites (a private one: a direct message).
        status_ts = None if ref.ephemeral else ref.ts
        recorded = await record_start(services, request, status_ts=status_ts, thread_ts=followup.thread_ts)
        attempt = await attempt_capture(services.bugpilot, request, thread_ts=followup.thread_ts)
        await finish(services, ref, followup, attempt, build_outcome(attempt, next_value(services, attempt, followup)))
        await record_end(services, recorded)  # not when cut short: then the next process says what happened
    finally:
        await busy.release(ref.key, made_attempt=request.attempt)
    log.info("followup.handled", kind="try_again", outcome=attempt.code, attempt=request.attempt)
