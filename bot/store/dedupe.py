"""Acting once across processes: this process's memory first, then the store's unique insert.

The memory answers a repeat that reaches the same process without a database round trip;
the store catches the repeat that reaches another process (Slack spreads redeliveries over
instances). When the database does not answer, the request goes ahead on what this process
knows, and the miss is logged: a database hiccup never stops a capture.
"""

from __future__ import annotations

import structlog

from bot.dedupe import RecentKeys
from bot.errors import StoreUnavailable
from bot.store.store import Store

__all__ = ["StoredDedupe"]

log = structlog.get_logger(__name__)


class StoredDedupe:
    """``first_time`` over memory and the store, each key remembered for ``ttl`` seconds."""

    def __init__(self, store: Store, *, ttl: float, max_keys: int = 10_000) -> None:
        self._store = store
        self._ttl = ttl
        self._memory = RecentKeys(ttl=ttl, max_keys=max_keys)

    def here(self, *keys: str) -> bool:
        """True when this process has not seen any of ``keys``: no round trip, fit for the ack path."""
        return self._memory.first_time(*keys)

    async def first_time(self, *keys: str) -> bool:
        """True when no process has seen any of ``keys`` within the TTL; all are remembered now."""
        return self.here(*keys) and await self.everywhere(*keys)

    async def everywhere(self, *keys: str) -> bool:
        """The store's unique insert; True (logged) when the database does not answer."""
        wanted = [key for key in keys if key]
        if not wanted:
            return True
        try:
            return await self._store.first_time(*wanted, ttl=self._ttl)
        except StoreUnavailable:
            log.warning("dedupe.store_unavailable", keys=len(wanted))
            return True
