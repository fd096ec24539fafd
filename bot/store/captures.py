"""Captures in flight, as rows: written before Bugpilot is called, finished when the outcome is out.

Each row is held by its process (``owner``) with a lease of seconds that the process renews
while it lives. A row still ``working`` whose lease ran out belonged to a process that died
(kill -9, a crash, a deploy that did not wait): any process takes it over with one
compare-and-set, so exactly one of them tells its requester what happened.
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

__all__ = ["LEASE_S", "CaptureLog", "InterruptedCapture"]

LEASE_S: Final = 8.0


@dataclass(frozen=True)
class InterruptedCapture:
    """A capture whose process died before its outcome was delivered."""

    id: str
    request: CaptureRequest
    status_ts: str | None
    thread_ts: str | None


class CaptureLog:
    """This process's view of the ``captures`` table."""

    def __init__(self, store: Store, *, owner: str, lease: float = LEASE_S) -> None:
        self._store = store
        self.owner = owner
        self._lease = lease
        self._active: set[str] = set()  # the captures this process works on: only their leases are renewed
        self._unsaved: dict[str, str] = {}  # ends that could not be written yet: id -> final state

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
        }
        async with self._store.transaction() as conn:
            await conn.execute(insert(captures).values(row))
        self._active.add(capture_id)
        return capture_id

    async def finish(self, capture_id: str, *, state: str = "finished") -> bool:
        """Mark the capture done (``finished``, or ``interrupted`` once its requester was told).

        False when another process took it over first. When the store can't be reached the end is
        kept and written by a later ``renew``; meanwhile its lease is no longer renewed either way.
        """
        self._active.discard(capture_id)
        try:
            async with self._store.transaction() as conn:
                result = await conn.execute(
                    update(captures)
                    .where(captures.c.id == capture_id, captures.c.state == "working", captures.c.owner == self.owner)
                    .values(state=state)
                )
        except StoreUnavailable:
            self._unsaved[capture_id] = state
            raise
        self._unsaved.pop(capture_id, None)
        return bool(result.rowcount)

    async def renew(self) -> int:
        """Write ends that failed earlier, then extend the leases of the captures still in flight here."""
        for capture_id, state in list(self._unsaved.items()):
            await self.finish(capture_id, state=state)
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
