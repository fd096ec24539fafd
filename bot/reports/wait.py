"""Report waits: follow each accepted capture through Session Info until its report exists.

A wait looks at the ``sessionInfoUrl`` Bugpilot gave on the pace of ``bot.reports.pace``: first
within 3 s of acceptance, then less often, until the deadline. ``REPORT_NOT_FOUND``, 5xx, timeouts
and refused connections mean "not yet"; a 429 waits as long as Bugpilot asks. It ends:
- **ready**: the outcome becomes Report ready with Open report, and a new reply mentions the people
  who asked (an edited message notifies nobody); the request message says "done";
- **no report** by the deadline: the outcome says so in plain words and offers Try again;
- **stopped** by an answer that won't change (``INVALID_SESSION_TOKEN``, 401, 403, an answer that is
  not the documented one): the outcome names it and who can fix it, the link kept.

A wait lives in a row of the store's ``followups`` table (key ``report:…``), saved after each look,
under the same lease as a Keep trying watch: on SIGTERM it is handed back and the next process goes
on with it; after a crash its lease runs out and another process takes it over (``tend``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import structlog
from pydantic import ValidationError

from bot.attempt import summarize
from bot.audit import record_report
from bot.blocks import build_request_status
from bot.bugpilot.models import ActionAccepted
from bot.bugpilot.session_info import SessionInfoClient, keeps_waiting
from bot.capture import CaptureRequest, Surface
from bot.delivery import Delivery
from bot.errors import BugpilotError, BugpilotRateLimited, StoreUnavailable
from bot.followups.button import FollowUp, FollowUpCodec
from bot.followups.saved import SavedAt
from bot.outcomes import OutcomeRef, show
from bot.private_blocks import build_request_neutral
from bot.reports.blocks import build_no_report, build_report_notice, build_report_ready, build_report_stopped
from bot.reports.pace import Pace
from bot.slack_failures import SLACK_FAILURES, failure_name
from bot.store.captures import CaptureLog
from bot.store.followups import REPORT_PREFIX, FollowUpLog
from bot.tasks import BackgroundTasks

__all__ = ["MAX_WAITS", "ReportWaits"]

log = structlog.get_logger(__name__)

# Waits one process runs at once (each is a sleeping task and a row); beyond it, captures aren't followed.
MAX_WAITS: Final = 2000


class _Saved(SavedAt):
    """What a wait keeps in its row: enough for any process to go on with it."""

    session_url: str
    accepted_at: float
    looks: int
    neutral_ts: str | None
    notify: list[str]
    capture_id: str | None = None


@dataclass
class _Wait:
    key: str
    ref: OutcomeRef
    followup: FollowUp  # the capture and the attempt its outcome shows
    session_url: str
    accepted_at: float  # wall-clock seconds: the same for every process
    neutral_ts: str | None  # a request message that names nobody (a shared channel) to bring up to date
    notify: list[str]
    capture_id: str | None = None  # the capture's record, told how the wait ended
    looks: int = 0
    retry_after: float | None = None
    durable: bool = True
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    shutting_down: bool = False

    def saved(self) -> str:
        return _Saved(
            **SavedAt.place(self.ref),
            followup=self.followup,
            session_url=self.session_url,
            accepted_at=self.accepted_at,
            looks=self.looks,
            neutral_ts=self.neutral_ts,
            notify=self.notify,
            capture_id=self.capture_id,
        ).model_dump_json(by_alias=True)

    @property
    def request(self) -> CaptureRequest:
        """The attempt the outcome shows."""
        following = self.followup.next_request(surface=Surface.RETRY, actor_id="")
        return following.model_copy(update={"attempt": self.followup.attempt})


class ReportWaits:
    """The report waits this process runs, and its share of the store's."""

    def __init__(
        self,
        *,
        session_info: SessionInfoClient,
        delivery: Delivery,
        buttons: FollowUpCodec,
        log: FollowUpLog,
        records: CaptureLog,
        tasks: BackgroundTasks,
        wait: float,
    ) -> None:
        self._client = session_info
        self._delivery = delivery
        self._buttons = buttons
        self._log = log
        self._records = records
        self._tasks = tasks
        self._pace = Pace(wait)
        self._wait = wait
        self._waits: dict[str, _Wait] = {}
        self._closed = False

    def __len__(self) -> int:
        return len(self._waits)

    def follows(self, accepted: ActionAccepted | None) -> bool:
        """Whether this accepted request will be followed to its report (its outcome then says so)."""
        url = accepted.session_info_url if accepted is not None else None
        return bool(
            self._wait > 0 and url and self._client.follows(url) and not self._closed and len(self._waits) < MAX_WAITS
        )

    async def start(
        self,
        ref: OutcomeRef,
        followup: FollowUp,
        accepted: ActionAccepted,
        *,
        neutral_ts: str | None = None,
        notify: Iterable[str] = (),
        capture_id: str | None = None,
    ) -> None:
        """Follow ``accepted`` to its report and show the end at ``ref`` (written down first, if the store answers)."""
        assert accepted.session_info_url is not None  # noqa: S101 - ``follows`` said yes
        wait = _Wait(
            key=f"{REPORT_PREFIX}{uuid.uuid4().hex}",
            ref=ref,
            followup=followup,
            session_url=accepted.session_info_url,
            accepted_at=time.time(),
            neutral_ts=neutral_ts,
            notify=list(dict.fromkeys(user for user in notify if user)),
            capture_id=capture_id,
        )
        try:
            await self._log.claim(wait.key)
            await self._log.save_watch(wait.key, wait.saved())
        except StoreUnavailable:
            wait.durable = False  # followed all the same; only a restart would lose it
        self._begin(wait)

    def shutdown(self) -> int:
        """Refuse new waits and hand the running ones to the next process (their messages keep saying "waiting")."""
        self._closed = True
        for wait in self._waits.values():
            wait.shutting_down = True
            wait.wake.set()
        if self._waits:
            log.info("report.shutdown", waits=len(self._waits))
        return len(self._waits)

    async def tend(self) -> None:
        """One round of the recovery loop: take over the waits nobody holds."""
        room = MAX_WAITS - len(self._waits)
        if self._closed or self._tasks.closed or room <= 0:
            return
        for taken in await self._log.take_over_watches(limit=min(room, 100), prefix=REPORT_PREFIX):
            if self._closed:
                await self._log.hand_back(taken.key)
                continue
            try:
                saved = _Saved.model_validate_json(taken.state)
            except ValidationError:
                log.warning("report.unreadable")
                with contextlib.suppress(StoreUnavailable):
                    await self._log.release(taken.key)
                continue
            ref = saved.ref
            wait = _Wait(
                key=taken.key,
                ref=ref,
                followup=saved.followup,
                session_url=saved.session_url,
                accepted_at=saved.accepted_at,
                neutral_ts=saved.neutral_ts,
                notify=saved.notify,
                capture_id=saved.capture_id,
                looks=saved.looks,
            )
            log.info("report.resumed", looks=saved.looks)
            self._begin(wait)

    def _begin(self, wait: _Wait) -> None:
        self._waits[wait.key] = wait
        self._tasks.spawn(self._run(wait), name=f"report:{wait.key}")

    async def _run(self, wait: _Wait) -> None:
        end = "error"
        try:
            end, found = await self._follow(wait)
            if end != "shutdown":
                await self._end(wait, end, found)
        except asyncio.CancelledError:
            end = "shutdown"  # cut short by the drain: its row and lease are left for the next process
            raise
        finally:
            self._waits.pop(wait.key, None)
            await self._let_go(wait, end)
            log.info("report.ended", end=end, looks=wait.looks)

    async def _follow(self, wait: _Wait) -> tuple[str, str | BugpilotError | None]:
        """Look until the report is there, the deadline passes, an answer ends it, or shutdown."""
        while True:
            next_at = self._pace.next_at(wait.accepted_at, wait.looks, time.time(), retry_after=wait.retry_after)
            if next_at is None:
                return "no_report", None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wait.wake.wait(), max(0.0, next_at - time.time()))
            if wait.shutting_down:
                return "shutdown", None
            wait.looks += 1
            try:
                ready = await self._client.look(wait.session_url)
            except BugpilotError as exc:
                if not keeps_waiting(exc):
                    return "stopped", exc
                wait.retry_after = exc.retry_after if isinstance(exc, BugpilotRateLimited) else None
                await self._save(wait)
                continue
            return "ready", ready.report_url

    async def _end(self, wait: _Wait, end: str, found: str | BugpilotError | None) -> None:
        request = wait.request
        wait_ms = round((time.time() - wait.accepted_at) * 1000)
        if end == "ready" and isinstance(found, str):
            await self._ready(wait, request, found)
            await self._record(wait, "ready", found)
            record_report(request, outcome="ready", report_url=found, wait_ms=wait_ms, looks=wait.looks)
            return
        if isinstance(found, BugpilotError):
            message = build_report_stopped(request, found, session_url=wait.session_url)
            summary, outcome = summarize(found), found.label
        else:
            value = self._buttons.value_for(
                request,
                channel_id=wait.followup.channel_id,
                thread_ts=wait.followup.thread_ts,
                status_ts=wait.followup.status_ts,
            )
            message = build_no_report(request, waited=self._wait, session_url=wait.session_url, value=value)
            summary, outcome = "no report arrived", "REPORT_NOT_FOUND"
        await self._status(wait, request, "failed", summary)
        await show(self._delivery, wait.ref, message, else_to=(request.requester_id, *wait.notify))
        await self._record(wait, "no_report" if found is None else outcome, None)
        record_report(request, outcome=outcome, report_url=None, wait_ms=wait_ms, looks=wait.looks)

    async def _ready(self, wait: _Wait, request: CaptureRequest, report_url: str) -> None:
        """Report ready in place, the request message done, then a reply that notifies."""
        await self._status(wait, request, "done", "")
        people = [request.requester_id, *wait.notify]
        shown = await show(self._delivery, wait.ref, build_report_ready(request, report_url), else_to=people)
        if shown is not None and shown != wait.ref:
            return  # it came as a new direct message: that notifies already
        notice = build_report_notice(request, report_url, people)
        followup = wait.followup
        in_thread = not wait.ref.ephemeral and followup.thread_ts and wait.ref.channel_id == followup.channel_id
        try:
            if in_thread:
                await self._delivery.post(followup.channel_id, notice, thread_ts=followup.thread_ts)
            else:
                await self._delivery.direct(request.requester_id, notice)
        except SLACK_FAILURES as exc:
            log.warning("slack.post_failed", method="chat.postMessage", error=failure_name(exc))

    async def _status(self, wait: _Wait, request: CaptureRequest, status: str, summary: str) -> None:
        followup = wait.followup
        if followup.status_ts is not None and not wait.ref.ephemeral:
            line = build_request_status(request, "done" if status == "done" else "failed", summary)
            await self._delivery.update(followup.channel_id, followup.status_ts, line)
        if wait.neutral_ts is not None:
            await self._delivery.update(followup.channel_id, wait.neutral_ts, build_request_neutral(request, status))

    async def _record(self, wait: _Wait, outcome: str, report_url: str | None) -> None:
        """Tell the capture's record how its wait ended (App Home shows it; unfurls find the report by it)."""
        if wait.capture_id is not None:
            with contextlib.suppress(StoreUnavailable):  # the record keeps saying "waiting"
                await self._records.record_report(wait.capture_id, outcome=outcome, report_url=report_url)

    async def _save(self, wait: _Wait) -> None:
        if wait.durable:
            with contextlib.suppress(StoreUnavailable):  # the next save, or the lease, catches up
                await self._log.save_watch(wait.key, wait.saved())

    async def _let_go(self, wait: _Wait, end: str) -> None:
        if not wait.durable:
            return
        with contextlib.suppress(StoreUnavailable):  # else its lease runs out and it is taken over then
            if end == "shutdown":
                await self._save(wait)
                await self._log.hand_back(wait.key)
            else:
                await self._log.release(wait.key)
