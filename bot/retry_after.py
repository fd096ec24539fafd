"""``Retry-After``, as any server or proxy may send it: delay seconds or an HTTP date.

Read by the Slack retry handler and the Bugpilot client alike. slack_sdk's own reading
(``int(value)``) raises on ``0.5`` or a date.
"""

from __future__ import annotations

import math
import time
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay seconds (``2``, ``0.5``) or an HTTP date.

    None when the header is missing or unreadable; a date in the past waits 0 s.
    """
    if value is None:
        return None
    text = value.strip()[:64]
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(seconds, 0.0)
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)
