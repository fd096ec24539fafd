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

    async def first_time(self, *keys: str) -> bool:
        """True when no process has seen any of ``keys`` within the TTL; all are remembered now."""
        wanted = [key for key in keys if key]
        if not wanted:
            return True
        if not self._memory.first_time(*wanted):
            return False
        try:
            return await self._store.first_time(*wanted, ttl=self._ttl)
        except StoreUnavailable:
            log.warning("dedupe.store_unavailable", keys=len(wanted))
            return True
