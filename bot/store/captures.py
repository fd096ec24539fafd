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

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import RowMapping

from bot.capture import CaptureRequest, Surface
from bot.commands import Action
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
        return capture_id

    async def finish(self, capture_id: str) -> bool:
        """Mark the capture's outcome delivered; False when another process took it over first."""
        async with self._store.transaction() as conn:
            result = await conn.execute(
                update(captures)
                .where(captures.c.id == capture_id, captures.c.state == "working", captures.c.owner == self.owner)
                .values(state="finished")
            )
        return bool(result.rowcount)

    async def renew(self) -> int:
        """Extend the leases of this process's captures in flight; returns how many."""
        async with self._store.transaction() as conn:
            result = await conn.execute(
                update(captures)
                .where(captures.c.owner == self.owner, captures.c.state == "working")
                .values(lease_until=self._store.now() + self._lease)
            )
        return int(result.rowcount or 0)

    async def take_over_abandoned(self) -> list[InterruptedCapture]:
        """Claim every capture whose lease ran out while working; each is claimed by one process only."""
        now = self._store.now()
        statement = (
            update(captures)
            .where(captures.c.state == "working", captures.c.lease_until < now)
            .values(state="interrupted", owner=self.owner)
            .returning(*captures.c)
        )
        async with self._store.transaction() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [_interrupted(row) for row in rows]

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
