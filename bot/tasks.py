"""Background work that outlives a Slack request, tracked so shutdown can finish it.

Acknowledgements come first: background work waits to start while Slack requests are
being acknowledged (at most ``ACK_PRIORITY_SECONDS``). In a burst the event loop then
answers every request before it spends time on captures, instead of sharing the
loop between both and sending every ack late.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from typing import Any

import structlog

__all__ = ["BackgroundTasks"]

log = structlog.get_logger(__name__)

ACK_PRIORITY_SECONDS = 1.0


class BackgroundTasks:
    """Holds a reference to every task it starts, until the task ends.

    ``drain`` lets work in flight finish within a bound, then cancels what is left.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._acknowledging = 0
        self._no_acks = asyncio.Event()
        self._no_acks.set()

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        """True once ``drain`` has started: new work should be refused."""
        return self._closed

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``work`` in the background; a crash is logged with its traceback."""
        task = asyncio.create_task(self._guarded(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Mark a Slack request as being acknowledged; background work waits until none is.

        Enter it only once the request's body has arrived and its signature checked: a client
        sending a body slowly must not hold background work back.
        """
        self._acknowledging += 1
        self._no_acks.clear()
        try:
            yield
        finally:
            self._acknowledging -= 1
            if not self._acknowledging:
                self._no_acks.set()

    async def drain(self, grace: float) -> int:
        """Wait up to ``grace`` seconds for running work; cancel the rest. Returns how many were cancelled.

        Work started while draining (a listener finishing after its ack) is waited for too.
        """
        self._closed = True
        if not self._tasks:
            return 0
        log.info("shutdown.draining", tasks=len(self._tasks), grace_s=grace)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (pending := {task for task in self._tasks if not task.done()}) and loop.time() < deadline:
            await asyncio.wait(pending, timeout=deadline - loop.time())
        still_running = {task for task in self._tasks if not task.done()}
        for task in still_running:
            task.cancel()
        if still_running:
            await asyncio.wait(still_running, timeout=2)
            log.warning("shutdown.cancelled", tasks=len(still_running))
        return len(still_running)

    async def _guarded(self, work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await self._after_acks()
        except asyncio.CancelledError:
            work.close()
            raise
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("task.crashed", task=name)

    async def _after_acks(self) -> None:
        if self._acknowledging:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ACK_PRIORITY_SECONDS):
                    await self._no_acks.wait()
