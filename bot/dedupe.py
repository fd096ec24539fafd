"""Acting once on what Slack may deliver (or an attacker may replay) more than once.

``Dedupe`` is what listeners use: ``first_time(*keys)`` is True for the first
request that carries any of ``keys`` and False for every repeat. ``MemoryDedupe``
keeps the keys in this process (``RecentKeys``); a shared store with a unique
insert can stand in for it, so that repeats are caught across processes too.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

__all__ = ["DEDUPE_MAX_KEYS", "DEDUPE_TTL_S", "Dedupe", "MemoryDedupe", "RecentKeys", "key_of"]

# Slack redelivers an event for about six minutes; a replayed request is refused by its
# signature's timestamp after five. A quarter of an hour covers both.
DEDUPE_TTL_S = 15 * 60
DEDUPE_MAX_KEYS = 10_000


def key_of(kind: str, *parts: object) -> str:
    """A namespaced key (``trigger:…``), or "" (no key) when a part is missing."""
    texts = [str(part) if isinstance(part, str | int) else "" for part in parts]
    return f"{kind}:{':'.join(texts)}" if texts and all(texts) else ""


class Dedupe(Protocol):
    """Says whether a request is seen for the first time.

    ``here`` answers at once from this process's memory, so it may stand before an
    acknowledgement; ``everywhere`` asks what every process shares (a round trip, so after the
    acknowledgement); ``first_time`` is both.
    """

    def here(self, *keys: str) -> bool:
        """True when this process has not seen any of ``keys`` (empty ones ignored); remembers them."""
        ...

    async def everywhere(self, *keys: str) -> bool:
        """True when no process has seen any of ``keys``; remembers them for all."""
        ...

    async def first_time(self, *keys: str) -> bool:
        """``here`` and then ``everywhere``."""
        ...


class RecentKeys:
    """Remembers keys for ``ttl`` seconds, at most ``max_keys`` of them (the oldest go first).

    Slack retries an event up to three times within about six minutes, so a TTL of
    a quarter of an hour covers every redelivery. Check-and-remember is one
    synchronous call, so concurrent deliveries in one event loop cannot both pass.
    """

    def __init__(self, *, ttl: float, max_keys: int, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0 or max_keys <= 0:
            raise ValueError("ttl and max_keys must be positive")
        self._ttl = ttl
        self._max_keys = max_keys
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def first_time(self, *keys: str) -> bool:
        """True when none of ``keys`` was seen within the TTL; all of them are remembered now."""
        now = self._clock()
        self._forget_expired(now)
        wanted = [key for key in keys if key]
        seen = any(key in self._expiry for key in wanted)
        for key in wanted:
            self._expiry[key] = now + self._ttl
            self._expiry.move_to_end(key)
        while len(self._expiry) > self._max_keys:
            self._expiry.popitem(last=False)
        return not seen

    def _forget_expired(self, now: float) -> None:
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now:
                return
            del self._expiry[key]


class MemoryDedupe:
    """``Dedupe`` over this process's memory (``RecentKeys``)."""

    def __init__(self, *, ttl: float = DEDUPE_TTL_S, max_keys: int = DEDUPE_MAX_KEYS) -> None:
        self._recent = RecentKeys(ttl=ttl, max_keys=max_keys)

    def here(self, *keys: str) -> bool:
        """True when none of ``keys`` was seen within the TTL (check and remember in one step)."""
        return self._recent.first_time(*keys)

    async def everywhere(self, *keys: str) -> bool:  # noqa: ARG002 - nothing is shared
        """This process is all there is: what ``here`` let through is new everywhere."""
        return True

    async def first_time(self, *keys: str) -> bool:
        """Same as ``here``."""
        return self.here(*keys)
