"""Captures, as rows: written before Bugpilot is called, finished when the outcome is out.

Each row is held by its process (``owner``) with a lease of seconds that the process renews
while it lives. A row still ``working`` whose lease ran out belonged to a process that died
(kill -9, a crash, a deploy that did not wait): any process takes it over with one
compare-and-set, so exactly one of them tells its requester what happened.

Once its outcome is out a row is the capture's record: what it ended with (``outcome``), the
Session Info link, and the report's link once the report wait found it. App Home lists the
records (``recent``); unfurls find one by its report link (``find_report``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.errors import StoreUnavailable
from bot.store.schema import captures
from bot.store.store import Store

__all__ = ["LEASE_S", "CaptureLog", "CaptureRecord", "InterruptedCapture"]

LEASE_S: Final = 8.0


@dataclass(frozen=True)
class InterruptedCapture:
    """A capture whose process died before its outcome was delivered."""

    id: str
    request: CaptureRequest
    status_ts: str | None
    thread_ts: str | None


@dataclass(frozen=True)
class CaptureRecord:
    """One capture as the store keeps it: who asked for what, where, and what it ended with."""

    id: str
    team_id: str
    requester_id: str
    channel_id: str
    status_ts: str | None  # the request message ("working…" → "done")
    thread_ts: str | None  # the thread the outcome is in
    customer: str
    action: Action
    surface: Surface
    note: str | None  # the requester's words: never logged
    outcome: str | None  # None while working; "sent", "waiting", "ready", "no_report", or the code that ended it
    session_info_url: str | None
    report_url: str | None  # set once the report is ready
    created_at: float
    updated_at: float | None


class CaptureLog:
    """This process's view of the ``captures`` table."""

    def __init__(self, store: Store, *, owner: str, lease: float = LEASE_S) -> None:
        self._store = store
        self.owner = owner
        self._lease = lease
        self._active: set[str] = set()  # the captures this process works on: only their leases are renewed
        self._unsaved: dict[str, dict[str, object]] = {}  # ends that could not be written yet: id -> values

    async def begin(self, request: CaptureRequest, *, status_ts: str | None, thread_ts: str | None) -> str:
        """Record a capture about to call Bugpilot; returns its id. ``StoreUnavailable`` when not recorded."""
        capture_id = uuid.uuid4().hex
        now = self._store.now()
        row = {
            "id": capture_id,
            "state": "working",
            "team_id": request.team_id,
            "requester_id": request.requester_id,
            "channel_id": request.channel_id,
            "status_ts": status_ts,
            "thread_ts": thread_ts,
            "target": request.customer,
            "action": str(request.action),
            "surface": str(request.surface),
            "attempt": request.attempt,
            "owner": self.owner,
            "lease_until": now + self._lease,
            "created_at": now,
            "note": request.note or None,
        }
        async with self._store.transaction() as conn:
            await conn.execute(insert(captures).values(row))
        self._active.add(capture_id)
        return capture_id

    async def finish(
        self,
        capture_id: str,
        *,
        state: str = "finished",
        outcome: str | None = None,
        session_info_url: str | None = None,
    ) -> bool:
        """Mark the capture done (``finished``, or ``interrupted`` once its requester was told), with its outcome.

        False when another process took it over first. When the store can't be reached the end is
        kept and written by a later ``renew``; meanwhile its lease is no longer renewed either way.
        """
        self._active.discard(capture_id)
        values: dict[str, object] = {"state": state, "updated_at": self._store.now()}
        if outcome is not None:
            values |= {"outcome": outcome, "session_info_url": session_info_url}
        return await self._write_end(capture_id, values)

    async def _write_end(self, capture_id: str, values: dict[str, object]) -> bool:
        try:
            async with self._store.transaction() as conn:
                result = await conn.execute(
                    update(captures)
                    .where(captures.c.id == capture_id, captures.c.state == "working", captures.c.owner == self.owner)
                    .values(values)
                )
        except StoreUnavailable:
            self._unsaved[capture_id] = values
            raise
        self._unsaved.pop(capture_id, None)
        return bool(result.rowcount)

    async def record_report(self, capture_id: str, *, outcome: str, report_url: str | None = None) -> None:
        """Write how the report wait ended (``ready`` with its link, ``no_report``, or the code that stopped it).

        The row is finished by then (the outcome was out before the wait began); it is marked finished
        anyway, so an end still unsaved from then can't overwrite this one.
        """
        async with self._store.transaction() as conn:
            await conn.execute(
                update(captures)
                .where(captures.c.id == capture_id)
                .values(state="finished", outcome=outcome, report_url=report_url, updated_at=self._store.now())
            )

    async def recent(self, team_id: str, *, requester_id: str | None = None, limit: int = 10) -> list[CaptureRecord]:
        """This team's newest captures first (``requester_id``: only that person's)."""
        query = select(captures).where(captures.c.team_id == team_id)
        if requester_id is not None:
            query = query.where(captures.c.requester_id == requester_id)
        query = query.order_by(captures.c.created_at.desc(), captures.c.id).limit(limit)
        async with self._store.transaction() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_record(row) for row in rows]

    async def find_report(self, report_url: str) -> CaptureRecord | None:
        """The capture whose report is at exactly ``report_url`` (the newest if several)."""
        query = (
            select(captures).where(captures.c.report_url == report_url).order_by(captures.c.created_at.desc()).limit(1)
        )
        async with self._store.transaction() as conn:
            row = (await conn.execute(query)).mappings().first()
        return None if row is None else _record(row)

    async def renew(self) -> int:
        """Write ends that failed earlier, then extend the leases of the captures still in flight here."""
        for capture_id, values in list(self._unsaved.items()):
            await self._write_end(capture_id, values)
        if not self._active:
            return 0
        async with self._store.transaction() as conn:
            result = await conn.execute(
                update(captures)
                .where(
                    captures.c.id.in_(sorted(self._active)),
                    captures.c.owner == self.owner,
                    captures.c.state == "working",
                )
                .values(lease_until=self._store.now() + self._lease)
            )
        return int(result.rowcount or 0)

    async def take_over_abandoned(self, *, limit: int = 20) -> list[InterruptedCapture]:
        """Claim up to ``limit`` captures whose lease ran out while working; each goes to one process only.

        They stay ``working`` (now held here) until their requester is told: ``finish(…, state="interrupted")``.
        A process that dies while telling leaves them to the next one.
        """
        now = self._store.now()
        abandoned = (
            select(captures.c.id).where(captures.c.state == "working", captures.c.lease_until < now).limit(limit)
        )
        statement = (
            update(captures)
            .where(captures.c.id.in_(abandoned), captures.c.state == "working", captures.c.lease_until < now)
            .values(owner=self.owner, lease_until=now + self._lease)
            .returning(*captures.c)
        )
        async with self._store.transaction() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        taken = [_interrupted(row) for row in rows]
        self._active.update(capture.id for capture in taken)
        return taken

    def now(self) -> float:
        """The store's clock."""
        return self._store.now()

    async def forget_before(self, cutoff: float) -> int:
        """Delete captures made before ``cutoff`` (they hold customers' emails); returns how many."""
        async with self._store.transaction() as conn:
            result = await conn.execute(delete(captures).where(captures.c.created_at < cutoff))
        return int(result.rowcount or 0)


def _record(data: RowMapping) -> CaptureRecord:
    return CaptureRecord(
        id=data["id"],
        team_id=data["team_id"],
        requester_id=data["requester_id"],
        channel_id=data["channel_id"],
        status_ts=data["status_ts"],
        thread_ts=data["thread_ts"],
        customer=data["target"],
        action=Action(data["action"]),
        surface=Surface(data["surface"]),
        note=data["note"],
        outcome=data["outcome"],
        session_info_url=data["session_info_url"],
        report_url=data["report_url"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
    )


def _interrupted(data: RowMapping) -> InterruptedCapture:
    request = CaptureRequest(
        action=Action(data["action"]),
        customer=data["target"],
        customer_label=data["target"],
        requester_id=data["requester_id"],
        team_id=data["team_id"],
        channel_id=data["channel_id"],
        surface=Surface(data["surface"]),
        attempt=data["attempt"],
    )
    return InterruptedCapture(id=data["id"], request=request, status_ts=data["status_ts"], thread_ts=data["thread_ts"])
