"""Keep trying: retry a capture on a schedule until the customer comes online, across restarts.

A watch tries at once, then every ``every`` seconds until ``duration`` has passed. It ends on
success, on any other error, when someone presses Stop (on any process), or when time is up;
each way its message says so, and every way but success leaves Try again and Keep trying under it.

A watch lives in its message's row of the store (``FollowUpLog``): its state is saved after each
attempt and its process holds a lease the recovery loop renews (``tend``). On SIGTERM the watch
hands its lease back and its message says it goes on after the restart; after a crash its lease
runs out. Either way the next process to ``tend`` takes it over and goes on. Watches are bounded
per process and per person.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import structlog
from pydantic import ValidationError

from bot.attempt import Attempt
from bot.capture import CaptureRequest, Surface
from bot.error_blocks import render_error
from bot.errors import FollowUpRefused, StoreUnavailable, UserNotConnected
from bot.followups.announce import announce, update_request_line
from bot.followups.blocks import (
    build_outcome,
    build_retrying,
    build_watch_ended,
    build_watch_paused,
    build_watch_status,
    build_watch_success,
    build_watch_success_notice,
)
from bot.followups.button import FollowUp
from bot.followups.saved import SavedAt
from bot.followups.try_again import finish, next_value
from bot.outcomes import OutcomeRef, show
from bot.services import Services
from bot.workflow import capture_once

__all__ = ["WatchPolicy", "Watches"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WatchPolicy:
    """How often and how long to keep trying, and how many watches may run."""

    every: float = 30.0
    duration: float = 600.0
    max_total: int = 50
    max_per_user: int = 5


class _Saved(SavedAt):
    """What a watch keeps in its row: enough for any process to go on with it."""

    started_by: str
    first_attempt: int
    until: float


@dataclass
class _Watch:
    ref: OutcomeRef
    followup: FollowUp  # the attempt its message shows now
    started_by: str
    first_attempt: int  # the attempt shown when Keep trying was pressed
    until: float  # wall-clock seconds: the same for every process
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_by: str | None = None
    shutting_down: bool = False

    def saved(self) -> str:
        return _Saved(
            **SavedAt.place(self.ref),
            followup=self.followup,
            started_by=self.started_by,
            first_attempt=self.first_attempt,
            until=self.until,
        ).model_dump_json(by_alias=True)


class Watches:
    """The watches this process runs, and its share of the store's."""

    def __init__(self, services: Services, policy: WatchPolicy) -> None:
        self._services = services
        self._tasks = services.tasks
        self._busy = services.busy
        self._policy = policy
        self._watches: dict[str, _Watch] = {}
        self._closed = False

    def __len__(self) -> int:
        return len(self._watches)

    async def start(self, ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        """Start keeping trying on this outcome; ``FollowUpRefused`` says why not."""
        if self._closed or self._tasks.closed:
            raise FollowUpRefused("Bugpilot is restarting; press *Keep trying* again in a few seconds.")
        if ref.key in self._watches:
            raise FollowUpRefused("I'm already on it: the message above shows how it goes.")
        if len(self._watches) >= self._policy.max_total:
            raise FollowUpRefused(
                f"I'm already keeping {len(self._watches)} captures going, the most this bot allows. "
                "Press *Try again* yourself, or try later."
            )
        mine = sum(1 for watch in self._watches.values() if watch.started_by == user_id)
        if mine >= self._policy.max_per_user:
            raise FollowUpRefused(
                f"You already have {mine} captures I keep trying, the most per person. "
                "Stop one of them, or press *Try again* here yourself."
            )
        if not await self._busy.claim(ref.key):
            raise FollowUpRefused("I'm already on it: the message above shows how it goes.")
        watch = _Watch(
            ref=ref,
            followup=followup,
            started_by=user_id,
            first_attempt=followup.attempt,
            until=time.time() + self._policy.duration,
        )
        try:
            await self._busy.log.save_watch(ref.key, watch.saved())
        except StoreUnavailable:
            await self._busy.release(ref.key)
            raise FollowUpRefused(
                "I can't reach my database right now, so Keep trying couldn't be set up. Press it again in a minute."
            ) from None
        self._begin(watch)

    async def stop(self, key: str, user_id: str) -> bool:
        """Stop the watch on this message, here or on another process; False when none runs anywhere."""
        watch = self._watches.get(key)
        if watch is not None:
            watch.stopped_by = user_id
            watch.wake.set()
            return True
        try:
            return await self._busy.log.request_stop(key, user_id)
        except StoreUnavailable:
            return False

    def shutdown(self) -> int:
        """Refuse new watches and hand the running ones over; each message says it goes on after the restart."""
        self._closed = True
        for watch in self._watches.values():
            watch.shutting_down = True
            watch.wake.set()
        if self._watches:
            log.info("watch.shutdown", watches=len(self._watches))
        return len(self._watches)

    async def tend(self) -> None:
        """One round of the recovery loop: Stops pressed elsewhere, then watches nobody holds."""
        store = self._busy.log
        for key, user_id in (await store.stops()).items():
            watch = self._watches.get(key)
            if watch is not None and watch.stopped_by is None:
                watch.stopped_by = user_id
                watch.wake.set()
        room = self._policy.max_total - len(self._watches)
        if self._closed or self._tasks.closed or room <= 0:
            return
        for taken in await store.take_over_watches(limit=room):
            if self._closed:  # shut down meanwhile: leave it to the next process at once
                await store.hand_back(taken.key)
            else:
                self._resume(taken.key, taken.state, taken.stop_by)

    def _resume(self, key: str, state: str, stop_by: str | None) -> None:
        try:
            saved = _Saved.model_validate_json(state)
        except ValidationError:
            log.warning("watch.unreadable", key=key)
            self._tasks.spawn(self._busy.release(key), name="watch:drop")
            return
        ref = saved.ref
        watch = _Watch(
            ref=ref,
            followup=saved.followup,
            started_by=saved.started_by,
            first_attempt=saved.first_attempt,
            until=saved.until,
            stopped_by=stop_by,
        )
        log.info("watch.resumed", attempt=saved.followup.attempt)
        self._begin(watch)

    def _begin(self, watch: _Watch) -> None:
        self._watches[watch.ref.key] = watch
        self._tasks.spawn(self._run(watch), name=f"watch:{watch.ref.key}")
        log.info("watch.started", watches=len(self._watches), every_s=self._policy.every)

    async def _run(self, watch: _Watch) -> None:
        services, policy = self._services, self._policy
        end = "error"
        try:
            if watch.stopped_by:  # Stop was pressed while nobody held it
                end = "stopped"
                await self._end_stopped(watch)
                return
            await show(services.delivery, watch.ref, build_retrying(self._next(watch)))
            await update_request_line(services, watch.ref, watch.followup, "trying")
            while True:
                request = self._next(watch)
                attempt = await capture_once(services, request, thread_ts=watch.followup.thread_ts)
                watch.followup = watch.followup.after(request)
                await self._save(watch)
                end = self._ending(watch, attempt)
                if end:
                    break
                next_at = time.time() + policy.every
                value = next_value(services, attempt, watch.followup) or ""
                if not watch.ref.ephemeral or request.attempt == watch.first_attempt + 1:
                    # An ephemeral message can be replaced only a few times: show the first state only.
                    status = build_watch_status(
                        request, started_by=watch.started_by, next_at=next_at, until=watch.until, value=value
                    )
                    await show(services.delivery, watch.ref, status)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.wake.wait(), policy.every)
                if watch.stopped_by or watch.shutting_down:
                    end = "stopped" if watch.stopped_by else "shutdown"
                    break
            if end == "shutdown":
                await self._hand_over(watch, attempt)
                return
            await self._end(watch, attempt, end)
        except asyncio.CancelledError:
            end = "shutdown"  # cut short by the drain: its row and lease are left for the next process
            raise
        finally:
            self._watches.pop(watch.ref.key, None)
            if end != "shutdown":
                await self._busy.release(watch.ref.key, made_attempt=watch.followup.attempt)
            log.info("watch.ended", end=end, attempts=watch.followup.attempt - watch.first_attempt)

    def _next(self, watch: _Watch) -> CaptureRequest:
        return watch.followup.next_request(surface=Surface.KEEP_TRYING, actor_id=watch.started_by)

    async def _save(self, watch: _Watch) -> None:
        with contextlib.suppress(StoreUnavailable):  # the next save, or the lease, catches up
            await self._busy.log.save_watch(watch.ref.key, watch.saved(), made_attempt=watch.followup.attempt)

    def _ending(self, watch: _Watch, attempt: Attempt) -> str:
        """Why the watch ends after this attempt; "" to go on."""
        if attempt.accepted is not None:
            return "success"
        if not attempt.customer_offline:
            return "error"
        if watch.stopped_by:
            return "stopped"
        if watch.shutting_down:
            return "shutdown"
        if time.time() + self._policy.every > watch.until:
            return "time_up"
        return ""

    async def _hand_over(self, watch: _Watch, attempt: Attempt) -> None:
        """Shutting down: say the watch goes on after the restart, and let the next process take it at once."""
        value = next_value(self._services, attempt, watch.followup) or ""
        paused = build_watch_paused(attempt.request, started_by=watch.started_by, until=watch.until, value=value)
        await show(self._services.delivery, watch.ref, paused)
        with contextlib.suppress(StoreUnavailable):  # else its lease runs out and it is taken over then
            await self._busy.log.hand_back(watch.ref.key)

    async def _end(self, watch: _Watch, attempt: Attempt, end: str) -> None:
        services, request, followup = self._services, attempt.request, watch.followup
        tries = followup.attempt - watch.first_attempt
        people = [request.requester_id, watch.started_by]
        if end == "success":
            shown = await finish(services, watch.ref, followup, attempt, build_watch_success(attempt))
            # People are told once, by a new message (an edited one notifies nobody): in the thread the outcome
            # is in, or privately where a private outcome is; a followed report tells them when it is ready.
            if shown is not None and not attempt.following:
                await announce(services, shown, followup, build_watch_success_notice(request, people))
            return
        # The customer still offline after Stop or at the end: the details were shown already.
        outcome = build_outcome(attempt, next_value(services, attempt, followup), brief=end != "error")
        why = {
            "error": f"Keep trying stopped after {_count(tries)}: a different problem came up.",
            "stopped": f"<@{watch.stopped_by}> stopped Keep trying after {_count(tries)}.",
            "time_up": (
                f"I kept trying for {_duration(self._policy.duration)} ({_count(tries)}); "
                "the customer never came online."
            ),
        }[end]
        await finish(services, watch.ref, followup, attempt, build_watch_ended(outcome, why))

    async def _end_stopped(self, watch: _Watch) -> None:
        """A watch stopped while no process held it: show its last state with the buttons again."""
        offline = _offline(watch.followup)
        outcome = build_outcome(offline, next_value(self._services, offline, watch.followup), brief=True)
        await update_request_line(self._services, watch.ref, watch.followup, "failed", offline)
        tries = watch.followup.attempt - watch.first_attempt
        why = f"<@{watch.stopped_by}> stopped Keep trying after {_count(tries)}."
        await show(self._services.delivery, watch.ref, build_watch_ended(outcome, why))

    async def stale_stop(self, ref: OutcomeRef, followup: FollowUp) -> None:
        """Stop pressed where no watch runs (it ended, or its state was lost): show Try again again."""
        try:
            claimed = await self._busy.claim(ref.key)
        except FollowUpRefused as exc:
            await self._services.delivery.respond(ref.response_url, render_error(exc))
            return
        if not claimed:
            return
        try:
            offline = _offline(followup)
            outcome = build_outcome(offline, next_value(self._services, offline, followup), brief=True)
            why = "Keep trying was no longer running."
            await show(self._services.delivery, ref, build_watch_ended(outcome, why))
        finally:
            await self._busy.release(ref.key)


def _offline(followup: FollowUp) -> Attempt:
    """The attempt a follow-up shows, as the offline answer it last got."""
    last = followup.next_request(surface=Surface.KEEP_TRYING, actor_id="")
    return Attempt(
        last.model_copy(update={"attempt": followup.attempt}),
        error=UserNotConnected("the customer was not online at the last attempt"),
    )


def _count(tries: int) -> str:
    """Keep trying's own tries, told apart from the message's overall attempt number."""
    return f"{tries} more attempt" if tries == 1 else f"{tries} more attempts"


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds"
