"""Getting a message to one person only: ``response_url``, else an ephemeral message, else a DM."""

from __future__ import annotations

import structlog

from bot.blocks import Message
from bot.delivery import Delivery
from bot.outcomes import OutcomeRef
from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["send_privately"]

log = structlog.get_logger(__name__)


async def send_privately(
    delivery: Delivery,
    message: Message,
    *,
    user_id: str,
    channel_id: str,
    thread_ts: str | None = None,
    response_url: str | None = None,
) -> tuple[str, OutcomeRef | None]:
    """Send ``message`` so only ``user_id`` sees it; returns how and where.

    How: "private", "ephemeral", "direct" or "lost".

    The ephemeral message goes into ``thread_ts`` when given, so it shows where it was asked.
    """
    if await delivery.respond(response_url, message):
        return "private", OutcomeRef(channel_id, None, ephemeral=True, response_url=response_url)
    if user_id and channel_id:
        try:
            await delivery.client.chat_postEphemeral(
                channel=channel_id,
                user=user_id,
                text=message.text,
                blocks=message.blocks or None,
                thread_ts=thread_ts,
            )
        except SLACK_FAILURES as exc:
            log.info("slack.post_failed", method="chat.postEphemeral", error=failure_name(exc))
        else:
            return "ephemeral", OutcomeRef(channel_id, None, ephemeral=True)
    if posted := await delivery.direct(user_id, message):
        return "direct", OutcomeRef(*posted)
    return "lost", None
