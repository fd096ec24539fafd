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
_TAKE_AT_ONCE = 20
_TELL_S = 30.0  # one telling, all its Slack calls included
_TELL_TRIES = 5
_TELL_AGAIN_S = 30.0

log = structlog.get_logger(__name__)


class Recovery:
    """The lease keeper and taker-over of this process.

    Two loops: one only renews leases (so nothing slow can let this process's own work be taken
    over), the other takes over what dead processes left and tells their requesters, each telling
    bounded in time. A capture taken over stays held here until its requester was told, so a
    process that dies while telling leaves it to the next one.
    """

    def __init__(
        self,
        captures: CaptureLog,
        delivery: Delivery,
        *,
        retention: float,
        channels: SharedChannels | None = None,
        tend: Callable[[], Awaitable[None]] | None = None,
        renew: Sequence[Callable[[], Awaitable[int]]] = (),
        forget: Sequence[Callable[[float], Awaitable[int]]] = (),
        sweep: Callable[[], Awaitable[int]] | None = None,
        every: float = _EVERY_S,
    ) -> None:
        self._captures = captures
        self._delivery = delivery
        self._retention = retention
        self._channels = channels
        self._tend = tend
        self._renew = [captures.renew, *renew]
        self._forget = forget
        self._sweep = sweep
        self._every = every
        self._forgot = -math.inf
        self._untold: dict[str, tuple[InterruptedCapture, int, float]] = {}  # id -> capture, tries, next try
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Run both loops in the background until ``stop``."""
        self._tasks = [
            asyncio.create_task(self._loop(self.keep_leases), name="recovery:leases"),
            asyncio.create_task(self._loop(self.take_over), name="recovery:take_over"),
        ]

    async def stop(self) -> None:
        """End the loops (after the work in flight has drained: its leases stay fresh until then)."""
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> list[InterruptedCapture]:
        """One round of each loop; returns the captures taken over."""
        await self.keep_leases()
        return await self.take_over()

    async def keep_leases(self) -> None:
        """Renew every lease this process holds (and write ends that failed earlier)."""
        for renew in self._renew:
            with contextlib.suppress(StoreUnavailable):  # logged by the store; next round tries again
                await renew()

    async def take_over(self) -> list[InterruptedCapture]:
        """Watches and captures nobody holds: go on with the watches, tell the captures' requesters."""
        try:
            if self._tend is not None:
                await self._tend()
            taken = await self._captures.take_over_abandoned(limit=_TAKE_AT_ONCE)
        except StoreUnavailable:
            return []  # logged by the store; the next round tries again
        now = asyncio.get_running_loop().time()
        for capture in taken:
            self._untold[capture.id] = (capture, 0, now)
        due = [(capture, tries) for capture, tries, at in self._untold.values() if at <= now]
        told = await asyncio.gather(*(self._tell_within(capture) for capture, _ in due))
        for (capture, tries), done in zip(due, told, strict=True):
            if done or tries + 1 >= _TELL_TRIES:
                del self._untold[capture.id]
                await self._done(capture, told=done)
            else:
                self._untold[capture.id] = (capture, tries + 1, now + _TELL_AGAIN_S)
        await self._forget_old()
        return taken

    async def _done(self, capture: InterruptedCapture, *, told: bool) -> None:
        request = capture.request
        record_capture(request, thread_ts=capture.thread_ts, outcome=INTERRUPTED, http_status=None, duration_ms=0)
        log.warning("capture.interrupted", capture_id=capture.id, told=told, surface=str(request.surface))
        with contextlib.suppress(StoreUnavailable):  # kept and written by a later renew
            await self._captures.finish(capture.id, state="interrupted")

    async def _forget_old(self) -> None:
        """Once an hour: delete records older than the retention (they hold customers' emails), and expired keys."""
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._forgot < _FORGET_EVERY_S:
            return
        self._forgot = loop_now
        cutoff = self._captures.now() - self._retention
        try:
            forgotten = await self._captures.forget_before(cutoff)
            for forget in self._forget:
                forgotten += await forget(cutoff)
            if self._sweep is not None:  # expired dedupe keys: nothing to keep them for
                await self._sweep()
        except StoreUnavailable:
            return
        if forgotten:
            log.info("recovery.forgot", captures=forgotten)

    async def _loop(self, round_: Callable[[], Awaitable[object]]) -> None:
        while not self._stop.is_set():
            try:
                await round_()
            except Exception:
                log.exception("recovery.crashed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._every)

    async def _tell_within(self, capture: InterruptedCapture) -> bool:
        try:
            async with asyncio.timeout(_TELL_S):
                return await self._tell(capture)
        except TimeoutError:
            return False

    async def _tell(self, capture: InterruptedCapture) -> bool:
        """Say so where the capture was asked; in a shared channel the details go to the requester only."""
        request = capture.request
        message = build_request_status(request, "interrupted")
        shared = self._channels is not None and await self._channels.is_shared(request.channel_id)
        told = False
        if capture.status_ts is not None:
            shown = build_request_neutral(request, "interrupted") if shared else message
            told = await self._delivery.update(request.channel_id, capture.status_ts, shown) and not shared
        if not told:
            told = await self._delivery.direct(request.requester_id, message) is not None
        return told
