"""Capture structlog events in tests, and wait for one to happen (no sleeping)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger


@dataclass
class LogWatch:
    """Every event logged while active, and a queue to wait on them."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    _queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def __call__(self, _logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        entry = {**event_dict, "log_level": method}
        self.entries.append(entry)
        self._queue.put_nowait(entry)
        raise structlog.DropEvent

    def of(self, event: str) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if entry["event"] == event]

    async def next(self, event: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next ``event`` logged from now on, waiting at most ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                entry = await self._queue.get()
                if entry["event"] == event:
                    return entry


@contextmanager
def watch_logs() -> Iterator[LogWatch]:
    """Like ``structlog.testing.capture_logs``, with a way to wait for an event."""
    watch = LogWatch()
    old = structlog.get_config()
    structlog.configure(processors=[watch])
    try:
        yield watch
    finally:
        structlog.configure(**old)
