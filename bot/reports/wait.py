"""Report waits: follow each accepted capture through Session Info until its report exists.

A wait looks at the ``sessionInfoUrl`` Bugpilot gave on the pace of ``bot.reports.pace``: first
within 3 s of acceptance, then less often, until the deadline. ``REPORT_NOT_FOUND``, 5xx, timeouts
and refused connections mean "not yet"; a 429 waits as long as Bugpilot asks. It ends **ready**,
with **no report** by the deadline, or **stopped** by an answer that won't change
(``INVALID_SESSION_TOKEN``, 401, 403, an answer that is not the documented one).

Where the end goes is the wait's ``ReportEnd`` (``bot.reports.end``): the capture's outcome message
(``bot.reports.to_message``) or a Workflow Builder step run to complete (``bot.reports.to_step``).
The wait itself knows neither.

A wait lives in a row of the store's ``followups`` table (key ``report:…``), saved after each look,
under the same lease as a Keep trying watch: on SIGTERM it is handed back and the next process goes
on with it; after a crash its lease runs out and another process takes it over (``tend``). The row
holds the wait's fields and its end's (``to`` says which kind; rows without it are messages').
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import structlog
from pydantic import BaseModel, ConfigDict

from bot.audit import record_report
from bot.bugpilot.models import ActionAccepted
from bot.bugpilot.session_info import SessionInfoClient, keeps_waiting
from bot.delivery import Delivery
from bot.errors import BugpilotError, BugpilotRateLimited, StoreUnavailable
from bot.followups.button import FollowUp, FollowUpCodec
from bot.outcomes import OutcomeRef
from bot.reports.end import ReportEnd
from bot.reports.pace import Pace
from bot.reports.to_message import MessageEnd
from bot.reports.to_step import StepEnd, StepResults
from bot.store.captures import CaptureLog
from bot.store.followups import REPORT_PREFIX, FollowUpLog
from bot.tasks import BackgroundTasks

__all__ = ["MAX_WAITS", "ReportWaits"]

log = structlog.get_logger(__name__)

# Waits one process runs at once (each is a sleeping task and a row); beyond it, captures aren't followed.
MAX_WAITS: Final = 2000


class _Saved(BaseModel):
    """The wait's own fields in its row (its end's are beside them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    session_url: str
    accepted_at: float
    looks: int
    wait: float | None = None  # None (rows before it was kept): the process's own wait
    capture_id: str | None = None


@dataclass
class _Wait:
    key: str
    end: ReportEnd
    session_url: str
    accepted_at: float  # wall-clock seconds: the same for every process
    pace: Pace
    capture_id: str | None = None  # the capture's record, told how the wait ended
    looks: int = 0
    retry_after: float | None = None
    durable: bool = True
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    shutting_down: bool = False

    def saved(self) -> str:
        own = _Saved(
            session_url=self.session_url,
            accepted_at=self.accepted_at,
            looks=self.looks,
            wait=self.pace.wait,
            capture_id=self.capture_id,
        )
        return json.dumps({**self.end.saved(), **own.model_dump()})


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
        self._log = log
        self._records = records
        self._tasks = tasks
        self._wait = wait
        self._waits: dict[str, _Wait] = {}
        self._closed = False
        steps = StepResults(delivery.client)
        # How a row's end is read back, by its ``to``.
        self._restore: dict[str, Callable[[Mapping[str, object]], ReportEnd]] = {
            "message": lambda saved: MessageEnd.restore(saved, delivery, buttons),
            "step": lambda saved: StepEnd.restore(saved, steps),
        }
        self._delivery, self._buttons = delivery, buttons

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
        """Follow ``accepted`` to its report and show the end in the outcome message at ``ref``."""
        people = tuple(dict.fromkeys(user for user in notify if user))
        end = MessageEnd(self._delivery, self._buttons, ref, followup, neutral_ts, people)
        await self.follow(end, accepted, capture_id=capture_id)

    async def follow(
        self, end: ReportEnd, accepted: ActionAccepted, *, wait: float | None = None, capture_id: str | None = None
    ) -> None:
        """Follow ``accepted`` to its report, for ``wait`` seconds at most, and give ``end`` the result.

        The wait is written down first, if the store answers; ``capture_id``'s record is told how it ended.
        """
        assert accepted.session_info_url is not None  # noqa: S101 - ``follows`` said yes
        seconds = self._wait if wait is None else min(wait, self._wait)
        followed = _Wait(
            key=f"{REPORT_PREFIX}{uuid.uuid4().hex}",
            end=end,
            session_url=accepted.session_info_url,
            accepted_at=time.time(),
            pace=Pace(seconds),
            capture_id=capture_id,
        )
        try:
            await self._log.claim(followed.key)
            await self._log.save_watch(followed.key, followed.saved())
        except StoreUnavailable:
            followed.durable = False  # followed all the same; only a restart would lose it
        self._begin(followed)

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
                state = json.loads(taken.state)
                saved = _Saved.model_validate(state)
                end = self._restore[str(state.get("to", "message"))](state)
            except (ValueError, KeyError, AttributeError):  # pydantic's ValidationError is a ValueError
                log.warning("report.unreadable")
                with contextlib.suppress(StoreUnavailable):
                    await self._log.release(taken.key)
                continue
            wait = _Wait(
                key=taken.key,
                end=end,
                session_url=saved.session_url,
                accepted_at=saved.accepted_at,
                pace=Pace(self._wait if saved.wait is None else saved.wait),
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
            next_at = wait.pace.next_at(wait.accepted_at, wait.looks, time.time(), retry_after=wait.retry_after)
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
        request = wait.end.request
        wait_ms = round((time.time() - wait.accepted_at) * 1000)
        if end == "ready" and isinstance(found, str):
            await wait.end.ready(found, session_url=wait.session_url)
            await self._record(wait, "ready", found)
            record_report(request, outcome="ready", report_url=found, wait_ms=wait_ms, looks=wait.looks)
        elif isinstance(found, BugpilotError):
            await wait.end.stopped(found, session_url=wait.session_url)
            await self._record(wait, found.label, None)
            record_report(request, outcome=found.label, report_url=None, wait_ms=wait_ms, looks=wait.looks)
        else:
            await wait.end.no_report(waited=wait.pace.wait, session_url=wait.session_url)
            await self._record(wait, "no_report", None)
            record_report(request, outcome="REPORT_NOT_FOUND", report_url=None, wait_ms=wait_ms, looks=wait.looks)

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
