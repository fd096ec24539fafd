"""A bounded memory of recently seen keys, to act once on events Slack delivers more than once."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RecentKeys"]


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
