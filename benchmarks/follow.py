"""The report scenario: after the outcomes, wait for every accepted capture's report link, then sum it up.

The bot follows each accepted capture through Session Info (``bot.reports``); the fake Bugpilot
saves each report a fixed time after acceptance and the fake Slack notes the first message that
carries its ``reportUrl`` (``benchmarks.upstreams``). This reads those numbers; it never looks
inside the bot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.load import percentile
from bot.reports.pace import Pace

# The bot's longest gap between looks: a report is linked at most this long after it is saved, plus the time to say so.
LOOK_CAP_S = Pace(wait=1.0).cap
_POLL_S = 0.05
_STALL_S = 10.0


async def wait_for_reports(stats: Callable[[], Awaitable[dict[str, Any]]], accepted: int) -> dict[str, Any]:
    """Until ``accepted`` reports are linked in Slack with their notices, or nothing new has happened for a while."""
    progress: tuple[int, int, int] = (-1, -1, -1)
    last_change = time.monotonic()
    while True:
        now = await stats()
        if now["reports_linked"] >= accepted and now["notices"] >= accepted:
            return now
        seen = (now["reports_linked"], now["notices"], now["session_info_calls"])
        if seen != progress:
            progress, last_change = seen, time.monotonic()
        elif time.monotonic() - last_change > LOOK_CAP_S + _STALL_S:
            return now
        await asyncio.sleep(_POLL_S)


def report_numbers(stats: dict[str, Any]) -> dict[str, Any]:
    """The report rows' numbers (``Measurement`` fields) from the fakes' stats."""
    looks: list[int] = stats["looks_per_capture"]
    saved, answered = stats["ready_to_link"], stats["answered_to_link"]
    return {
        "reports_followed": len(stats["reports"]),
        "reports_linked": stats["reports_linked"],
        "report_notices": stats["notices"],
        "saved_to_link_p50_s": percentile(saved, 50),
        "saved_to_link_p99_s": percentile(saved, 99),
        "ready_to_link_p50_s": percentile(answered, 50),
        "ready_to_link_p99_s": percentile(answered, 99),
        "looks_p50": percentile([float(n) for n in looks], 50),
        "looks_max": max(looks, default=None),
        "session_info_calls": stats["session_info_calls"],
        "linked_by": stats["linked_by"],
    }
