"""When to look at Session Info next: soon after acceptance, then less and less often, until a deadline.

Pure arithmetic on seconds (no clock, no I/O): the caller passes the times it knows. The first look
comes ``first`` seconds after acceptance, each gap after that is ``growth`` times the one before, up
to ``cap``; so a report is seen at most ``cap`` seconds after it is ready, with few looks. A 429's
``Retry-After`` is honoured up to ``cap``. Nothing is looked at after ``accepted_at + wait``; the
last look may fall on the deadline itself, so a report ready just in time is still seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Pace"]


@dataclass(frozen=True)
class Pace:
    """A back-off schedule for looks at one capture's report.

    ``wait``: seconds after acceptance that looking goes on (0: never look); ``first``: seconds
    to the first look; ``cap``: the longest gap between looks; ``growth``: how much each gap grows.
    """

    wait: float
    first: float = 2.0
    cap: float = 15.0
    growth: float = 1.5

    def __post_init__(self) -> None:
        """Refuse a schedule that would never look, look in a loop, or never grow."""
        if not (math.isfinite(self.wait) and self.wait >= 0):
            msg = "wait must be a finite number of seconds, 0 or more"
            raise ValueError(msg)
        if not (math.isfinite(self.cap) and 0 < self.first <= self.cap):
            msg = "first and cap must be seconds with 0 < first <= cap"
            raise ValueError(msg)
        if not (math.isfinite(self.growth) and self.growth >= 1):
            msg = "growth must be 1 or more"
            raise ValueError(msg)

    @property
    def follows(self) -> bool:
        """Whether this pace looks at all (``wait`` 0 turns following off)."""
        return self.wait > 0

    def delay(self, looks_made: int, *, retry_after: float | None = None) -> float:
        """Seconds from now until the next look, after ``looks_made`` looks.

        ``first`` before the first look, then growing by ``growth`` up to ``cap``. A
        ``retry_after`` (a 429's wait) makes it at least that long, but never longer than ``cap``.
        """
        if looks_made < 0:
            msg = "looks_made cannot be negative"
            raise ValueError(msg)
        # min() before the power would overflow: past the cap, more looks change nothing.
        steps = min(looks_made, math.ceil(math.log(self.cap / self.first, self.growth)) if self.growth > 1 else 0)
        gap = min(self.first * self.growth**steps, self.cap)
        if retry_after is not None and math.isfinite(retry_after) and retry_after > gap:
            gap = min(retry_after, self.cap)
        return gap

    def deadline(self, accepted_at: float) -> float:
        """The time after which nothing is looked at."""
        return accepted_at + self.wait

    def next_at(
        self, accepted_at: float, looks_made: int, now: float, retry_after: float | None = None
    ) -> float | None:
        """The time of the next look, or None when looking is over.

        ``now`` is when the last look ended (or acceptance, before the first). A look that would
        come after the deadline comes at the deadline instead, unless the deadline has passed (or
        a 429's wait runs past it): then None.
        """
        if not self.follows:
            return None
        deadline = self.deadline(accepted_at)
        start = max(now, accepted_at)
        if start >= deadline:
            return None
        gap = self.delay(looks_made, retry_after=retry_after)
        at = start + gap
        if at <= deadline:
            return at
        if retry_after is not None and start + min(retry_after, self.cap) > deadline:
            return None
        return deadline
