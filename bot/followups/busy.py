"""``Busy``: one follow-up at a time per outcome message, across processes (the store's ``followups`` rows)."""

from __future__ import annotations

import contextlib

from bot.errors import FollowUpRefused, StoreUnavailable
from bot.store.followups import FollowUpLog

__all__ = ["Busy"]


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
