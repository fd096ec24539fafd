"""Nothing in flight is lost silently: leases kept fresh, and captures of dead processes taken over.

One loop per process, every ``every`` seconds: renew the leases of this process's captures in
flight, then take over any capture whose process died before delivering its outcome. Its
request message (or, when there is none, a direct message to the requester) then says the
bot restarted and that the request may have reached the customer, and an ``audit.capture``
line records it as ``INTERRUPTED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable, Sequence

import structlog

from bot.audit import record_capture
from bot.blocks import build_request_status
from bot.delivery import Delivery
from bot.errors import StoreUnavailable
from bot.private_blocks import build_request_neutral
from bot.shared_channels import SharedChannels
from bot.store.captures import CaptureLog, InterruptedCapture

__all__ = ["INTERRUPTED", "Recovery"]

INTERRUPTED = "INTERRUPTED"
_EVERY_S = 2.0
_FORGET_EVERY_S = 3600.0

log = structlog.get_logger(__name__)


class Recovery:
    """The lease keeper and taker-over of this process."""

    def __init__(
        self,
        captures: CaptureLog,
        delivery: Delivery,
        *,
        retention: float,
        channels: SharedChannels | None = None,
        tend: Callable[[], Awaitable[None]] | None = None,
        forget: Sequence[Callable[[float], Awaitable[int]]] = (),
        every: float = _EVERY_S,
    ) -> None:
        self._tend = tend
        self._forget = forget
        self._captures = captures
        self._delivery = delivery
        self._channels = channels
        self._retention = retention
        self._every = every
        self._forgot = -math.inf
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the loop in the background until ``stop``."""
        self._task = asyncio.create_task(self._run(), name="recovery")

    async def stop(self) -> None:
        """End the loop (after the work in flight has drained: its leases stay fresh until then)."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> list[InterruptedCapture]:
        """One round: renew, take over, tell. Returns the captures taken over."""
        try:
            await self._captures.renew()
            taken = await self._captures.take_over_abandoned()
            if self._tend is not None:
                await self._tend()
        except StoreUnavailable:
            return []  # logged by the store; the next round tries again
        for capture in taken:
            await self._tell(capture)
        await self._forget_old()
        return taken

    async def _forget_old(self) -> None:
        """Once an hour: delete captures older than the retention (they hold customers' emails)."""
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._forgot < _FORGET_EVERY_S:
            return
        self._forgot = loop_now
        cutoff = self._captures.now() - self._retention
        try:
            forgotten = await self._captures.forget_before(cutoff)
            for forget in self._forget:
                forgotten += await forget(cutoff)
        except StoreUnavailable:
            return
        if forgotten:
            log.info("recovery.forgot", captures=forgotten)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("recovery.crashed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._every)

    async def _tell(self, capture: InterruptedCapture) -> None:
        """Say so where the capture was asked; in a shared channel the details go to the requester only."""
        request = capture.request
        message = build_request_status(request, "interrupted")
        shared = self._channels is not None and await self._channels.is_shared(request.channel_id)
        told = False
        if capture.status_ts is not None:
            shown = build_request_neutral(request, "interrupted") if shared else message
            told = await self._delivery.update(request.channel_id, capture.status_ts, shown) and not shared
        if not told:
            told = await self._delivery.direct(request.requester_id, message)
        record_capture(request, thread_ts=capture.thread_ts, outcome=INTERRUPTED, http_status=None, duration_ms=0)
        log.warning("capture.interrupted", capture_id=capture.id, told=told, surface=str(request.surface))
