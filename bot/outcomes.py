"""The outcome seam: where an outcome message is, and the one way to show an outcome there.

Every path that produces an outcome (the first attempt, Try again, Keep trying, the report
wait) ends in ``show``: it puts the message at an ``OutcomeRef`` and returns the reference the
message now has, so a later step can edit it. A message in a conversation is edited with
``chat.update``; an ephemeral one (sent privately) only through its ``response_url``, which
Slack allows 5 uses in 30 minutes: once it is spent the outcome comes as a direct message, and
the returned reference is that message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import structlog

from bot.blocks import Message
from bot.delivery import Delivery

__all__ = ["OutcomeRef", "show"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OutcomeRef:
    """An outcome message: its conversation and ``ts``, and how it can be changed.

    ``ts`` is None for an ephemeral message sent through a ``response_url`` (Slack does not
    say its ``ts``); such a message is changed only through ``response_url``.
    """

    channel_id: str
    ts: str | None
    ephemeral: bool = False
    response_url: str | None = None

    @property
    def key(self) -> str:
        """Identifies the message: one follow-up at a time per key."""
        return f"{self.channel_id}:{self.ts or ''}"

    def moved_to(self, channel_id: str, ts: str) -> OutcomeRef:
        """The same outcome, now a message in a conversation (a direct message, say)."""
        return replace(self, channel_id=channel_id, ts=ts, ephemeral=False, response_url=None)


async def show(
    delivery: Delivery, ref: OutcomeRef, message: Message, *, else_to: Iterable[str] = ()
) -> OutcomeRef | None:
    """Replace the outcome at ``ref`` with ``message``; the reference it has now, None when it went nowhere.

    When ``ref`` is ephemeral and its ``response_url`` refused, ``message`` goes as a direct
    message to each of ``else_to`` (the first one's reference is returned).
    """
    if not ref.ephemeral:
        if ref.ts is not None and await delivery.update(ref.channel_id, ref.ts, message):
            return ref
        return None
    if await delivery.respond(ref.response_url, message, replace_original=ref.ts is not None):
        return ref
    log.warning("outcome.show_failed", how="response_url")
    moved: OutcomeRef | None = None
    for user_id in dict.fromkeys(user for user in else_to if user):
        posted = await delivery.direct(user_id, message)
        if posted is not None and moved is None:
            moved = ref.moved_to(*posted)
    return moved
