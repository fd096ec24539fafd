"""Keep trying: retry a capture on a schedule until the customer comes online.

A watch tries at once, then every ``every`` seconds for at most ``duration`` seconds.
It ends on success, on any other error, when someone presses Stop, when time is up,
or when the process shuts down; each way its message says so, and every way but
success leaves Try again and Keep trying under it. Watches are bounded per process
and per person, run as tracked background tasks, and live in memory only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import structlog

from bot.attempt import Attempt, attempt_capture
from bot.blocks import Message
from bot.capture import Surface
from bot.delivery import SLACK_FAILURES, failure_name
from bot.errors import FollowUpRefused, UserNotConnected
from bot.followup import FollowUp
from bot.followup_blocks import (
    build_outcome,
    build_retrying,
    build_watch_ended,
    build_watch_status,
    build_watch_success,
    build_watch_success_notice,
)
from bot.retry import Busy, OutcomeRef, finish, next_value, show
from bot.tasks import BackgroundTasks
from bot.workflow import Services

__all__ = ["WatchPolicy", "Watches"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WatchPolicy:
    """How often and how long to keep trying, and how many watches may run."""

    every: float = 30.0
    duration: float = 600.0
    max_total: int = 50
    max_per_user: int = 5


@dataclass
class _Watch:
    ref: OutcomeRef
    followup: FollowUp
    started_by: str
    deadline: float
    until: float
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    stopped_by: str | None = None
    shutting_down: bool = False


class Watches:
    """The running watches of this process."""

    def __init__(self, services: Services, tasks: BackgroundTasks, busy: Busy, policy: WatchPolicy) -> None:
        self._services = services
        self._tasks = tasks
        self._busy = busy
        self._policy = policy
        self._watches: dict[str, _Watch] = {}
        self._closed = False

    def __len__(self) -> int:
        return len(self._watches)

    def start(self, ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        """Start keeping trying on this outcome; ``FollowUpRefused`` says why not."""
        if self._closed or self._tasks.closed:
            raise FollowUpRefused("Bugpilot is restarting; press *Keep trying* again in a few seconds.")
        if ref.key in self._busy:
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
        self._busy.claim(ref.key)
        now = asyncio.get_running_loop().time()
        watch = _Watch(
            ref=ref,
            followup=followup,
            started_by=user_id,
            deadline=now + self._policy.duration,
            until=time.time() + self._policy.duration,
        )
        self._watches[ref.key] = watch
        self._tasks.spawn(self._run(watch), name=f"watch:{ref.key}")
        log.info("watch.started", watches=len(self._watches), every_s=self._policy.every)

    def stop(self, key: str, user_id: str) -> bool:
        """Stop the watch on this message; False when none runs there."""
        watch = self._watches.get(key)
        if watch is None:
            return False
        watch.stopped_by = user_id
        watch.wake.set()
        return True

    def shutdown(self) -> int:
        """Refuse new watches and stop all running ones; each says so in its message."""
        self._closed = True
        for watch in self._watches.values():
            watch.shutting_down = True
            watch.wake.set()
        if self._watches:
            log.info("watch.shutdown", watches=len(self._watches))
        return len(self._watches)

    async def _run(self, watch: _Watch) -> None:
        services, policy = self._services, self._policy
        followup = watch.followup
        request = followup.next_request(surface=Surface.KEEP_TRYING, actor_id=watch.started_by)
        end = "error"
        made: int | None = None
        try:
            await show(services, watch.ref, build_retrying(request))
            while True:
                attempt = await attempt_capture(services.bugpilot, request, thread_ts=followup.thread_ts)
                made = request.attempt
                followup = followup.after(request)
                end = self._ending(watch, attempt)
                if end:
                    break
                next_at = time.time() + policy.every
                if not watch.ref.ephemeral or request.attempt == watch.followup.attempt + 1:
                    # An ephemeral message can be replaced only a few times: show the first state only.
                    await show(
                        services,
                        watch.ref,
                        build_watch_status(
                            request,
                            started_by=watch.started_by,
                            next_at=next_at,
                            until=watch.until,
                            value=next_value(services, attempt, followup) or "",
                        ),
                    )
                try:
                    await asyncio.wait_for(watch.wake.wait(), policy.every)
                except TimeoutError:
                    request = followup.next_request(surface=Surface.KEEP_TRYING, actor_id=watch.started_by)
                    continue
                end = "stopped" if watch.stopped_by else "shutdown"
                break
            await self._end(watch, followup, attempt, end)
        finally:
            self._watches.pop(watch.ref.key, None)
            self._busy.release(watch.ref.key, made_attempt=made)
            log.info("watch.ended", end=end, attempts=request.attempt - watch.followup.attempt)

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
        if asyncio.get_running_loop().time() + self._policy.every > watch.deadline:
            return "time_up"
        return ""

    async def _end(self, watch: _Watch, followup: FollowUp, attempt: Attempt, end: str) -> None:
        services, request = self._services, attempt.request
        tries = request.attempt - watch.followup.attempt
        if end == "success":
            people = [request.requester_id, watch.started_by]
            await finish(services, watch.ref, followup, attempt, build_watch_success(attempt, people))
            # The notice goes to the thread the outcome is in (not to a channel whose outcome came privately).
            if not watch.ref.ephemeral and followup.thread_ts and watch.ref.channel_id == followup.channel_id:
                await _notify(services, followup, build_watch_success_notice(request, people))
            return
        outcome = build_outcome(attempt, next_value(services, attempt, followup))
        why = {
            "error": f"Keep trying stopped after {_count(tries)}: a different problem came up.",
            "stopped": f"<@{watch.stopped_by}> stopped Keep trying after {_count(tries)}.",
            "shutdown": (
                f"The bot shut down (a restart or a deploy), so Keep trying stopped after {_count(tries)}. "
                "Press *Keep trying* to start again."
            ),
            "time_up": (
                f"I kept trying for {_duration(self._policy.duration)} ({_count(tries)}); "
                "the customer never came online."
            ),
        }[end]
        await finish(services, watch.ref, followup, attempt, build_watch_ended(outcome, why))

    async def stale_stop(self, ref: OutcomeRef, followup: FollowUp, user_id: str) -> None:
        """Stop pressed where no watch runs (it ended, or the bot restarted): show Try again again."""
        if not self._busy.claim(ref.key):
            return
        try:
            last = followup.next_request(surface=Surface.KEEP_TRYING, actor_id=user_id)
            offline = Attempt(
                last.model_copy(update={"attempt": followup.attempt}),
                error=UserNotConnected("the customer was not online at the last attempt"),
            )
            outcome = build_outcome(offline, next_value(self._services, offline, followup))
            why = "Keep trying was no longer running (the bot may have restarted)."
            await show(self._services, ref, build_watch_ended(outcome, why))
        finally:
            self._busy.release(ref.key)


async def _notify(services: Services, followup: FollowUp, message: Message) -> None:
    try:
        await services.delivery.post(followup.channel_id, message, thread_ts=followup.thread_ts)
    except SLACK_FAILURES as exc:
        log.warning("slack.post_failed", method="chat.postMessage", error=failure_name(exc))


def _count(tries: int) -> str:
    """Keep trying's own tries, told apart from the message's overall attempt number."""
    return f"{tries} more attempt" if tries == 1 else f"{tries} more attempts"


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds"
