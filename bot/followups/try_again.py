"""Try again: repeat a capture from its outcome message and show the new result in place."""

from __future__ import annotations

import structlog

from bot.attempt import Attempt, summarize
from bot.blocks import Message, build_request_status
from bot.capture import Surface
from bot.followups.blocks import build_outcome, build_retrying
from bot.followups.button import FollowUp
from bot.outcomes import OutcomeRef, show
from bot.services import Services
from bot.workflow import capture_once, record_end, record_start, success_status

__all__ = ["finish", "next_value", "try_again"]

log = structlog.get_logger(__name__)


async def finish(
    services: Services,
    ref: OutcomeRef,
    followup: FollowUp,
    attempt: Attempt,
    message: Message,
    *,
    capture_id: str | None = None,
) -> OutcomeRef | None:
    """Bring the request message's status line up to date, then show the final ``message``.

    The outcome goes last: its buttons can be clicked as soon as it shows. A private outcome whose
    ``response_url`` is spent (5 uses, 30 minutes) comes as a direct message instead, so a late
    result is never lost. The capture's record (``capture_id``) is then finished, and an accepted
    attempt followed to its report there. Returns where the outcome is now.
    """
    if followup.status_ts is not None and not ref.ephemeral:
        status = build_request_status(attempt.request, success_status(attempt), summarize(attempt.error))
        await services.delivery.update(followup.channel_id, followup.status_ts, status)
    request = attempt.request
    shown = await show(services.delivery, ref, message, else_to=(request.requester_id, request.actor_id))
    await record_end(services, capture_id, attempt)
    if shown is not None and attempt.accepted is not None and attempt.following:
        await services.reports.start(
            shown, followup.after(request), attempt.accepted, notify=[request.actor_id], capture_id=capture_id
        )
    return shown


def next_value(services: Services, attempt: Attempt, followup: FollowUp) -> str | None:
    """The signed value for the buttons under ``attempt``'s outcome."""
    return services.buttons.value_for(
        attempt.request, channel_id=followup.channel_id, thread_ts=followup.thread_ts, status_ts=followup.status_ts
    )


async def try_again(services: Services, ref: OutcomeRef, followup: FollowUp, actor_id: str) -> None:
    """Run the next attempt of ``followup`` and show it in place; releases ``ref`` in ``services.busy``."""
    request = followup.next_request(surface=Surface.RETRY, actor_id=actor_id)
    try:
        await show(services.delivery, ref, build_retrying(request))
        # "Trying again…" is what a process taking this over rewrites (a private one: a direct message).
        status_ts = None if ref.ephemeral else ref.ts
        recorded = await record_start(services, request, status_ts=status_ts, thread_ts=followup.thread_ts)
        attempt = await capture_once(services, request, thread_ts=followup.thread_ts)
        # Its record is finished in there: not when cut short, then the next process says what happened.
        outcome = build_outcome(attempt, next_value(services, attempt, followup))
        await finish(services, ref, followup, attempt, outcome, capture_id=recorded)
    finally:
        await services.busy.release(ref.key, made_attempt=request.attempt)
    log.info("followup.handled", kind="try_again", outcome=attempt.code, attempt=request.attempt)
