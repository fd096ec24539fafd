"""Telling people how a watch goes: the channel's request line, and a new message on success.

An edited message notifies nobody, so a watch's success is announced by a new message where its
outcome is (the thread, a new private message, or the direct message); the request message in
the channel says "still trying" while the watch tries.
"""

from __future__ import annotations

import structlog

from bot.attempt import Attempt, summarize
from bot.blocks import Message, RequestStatus, build_request_status
from bot.capture import Surface
from bot.followups.button import FollowUp
from bot.outcomes import OutcomeRef
from bot.services import Services
from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["announce", "update_request_line"]

log = structlog.get_logger(__name__)


async def update_request_line(
    services: Services, ref: OutcomeRef, followup: FollowUp, status: RequestStatus, attempt: Attempt | None = None
) -> None:
    """Bring the channel's request message to ``status`` (none to change for a private outcome, or in a thread)."""
    if followup.status_ts is None or ref.ephemeral:
        return
    request = attempt.request if attempt else followup.next_request(surface=Surface.KEEP_TRYING, actor_id="")
    summary = summarize(attempt.error) if attempt else ""
    await services.delivery.update(
        followup.channel_id, followup.status_ts, build_request_status(request, status, summary)
    )


async def announce(services: Services, where: OutcomeRef, followup: FollowUp, message: Message) -> None:
    """A new message that tells people: in the outcome's thread, a new private message, or in the direct message."""
    delivery = services.delivery
    if where.ephemeral:
        if not await delivery.respond(where.response_url, message):
            log.warning("outcome.show_failed", how="response_url")
        return
    thread_ts = followup.thread_ts if where.channel_id == followup.channel_id else None
    try:
        await delivery.post(where.channel_id, message, thread_ts=thread_ts)
    except SLACK_FAILURES as exc:
        log.warning("slack.post_failed", method="chat.postMessage", error=failure_name(exc))
