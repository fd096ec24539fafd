"""Follow-ups as rows: one process at a time works on an outcome message, and watches outlive processes.

Every change is a compare-and-set on the message's row, so two clicks landing on two processes,
or a click arriving late from an old copy of a button, make one Bugpilot call. A Keep trying
watch keeps its state in its row; the process running it holds a lease of seconds that its
recovery loop renews. On SIGTERM it hands the lease back at once; after a crash the lease runs
out. Either way the next process to look takes the watch over and goes on with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Update, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import StoreUnavailable
from bot.store.schema import followups
from bot.store.store import Store

__all__ = ["FOLLOWUP_LEASE_S", "REPORT_PREFIX", "FollowUpLog", "TakenWatch"]

FOLLOWUP_LEASE_S: Final = 8.0
# The keys of report waits' rows (a Keep trying watch's key is its message's ``channel:ts``).
REPORT_PREFIX: Final = "report:"


@dataclass(frozen=True)
class TakenWatch:
    """A watch this process took over: its message key, its saved state, and a Stop pressed meanwhile."""

    key: str
    state: str
    stop_by: str | None


class FollowUpLog:
    """This process's view of the ``followups`` table."""

    def __init__(self, store: Store, *, owner: str, lease: float = FOLLOWUP_LEASE_S) -> None:
        self._store = store
        self.owner = owner
        self._lease = lease
        self._held: set[str] = set()  # the messages this process works on: only their leases are renewed
        self._unreleased: dict[str, int | None] = {}  # releases that could not be written yet

    async def claim(self, key: str, *, next_attempt: int | None = None) -> bool:
        """Take the message; False when a follow-up holds it, a watch runs there, or ``next_attempt`` was made."""
        now = self._store.now()
        insert = postgresql.insert if self._store.backend == "postgresql" else sqlite.insert
        fresh = insert(followups).values(key=key, made_attempt=0, lease_until=0.0, updated_at=now)
        conditions = [
            followups.c.key == key,
            followups.c.watch.is_(None),
            or_(followups.c.owner.is_(None), followups.c.lease_until < now),
        ]
        if next_attempt is not None:
            conditions.append(followups.c.made_attempt < next_attempt)
        take = (
            update(followups)
            .where(and_(*conditions))
            .values(owner=self.owner, lease_until=now + self._lease, updated_at=now)
        )
        async with self._store.transaction() as conn:
            await conn.execute(fresh.on_conflict_do_nothing(index_elements=["key"]))
            result = await conn.execute(take)
        if result.rowcount:
            self._held.add(key)
        return bool(result.rowcount)

    async def release(self, key: str, *, made_attempt: int | None = None) -> None:
        """Give the message back (ending any watch on it), remembering ``made_attempt`` when one was made."""
        self._held.discard(key)
        ended = {"owner": None, "lease_until": 0.0, "watch": None, "stop_by": None, "updated_at": self._store.now()}
        try:
            async with self._store.transaction() as conn:
                await conn.execute(self._mine(key).values(ended))
                if made_attempt is not None:
                    await self._record(conn, key, made_attempt)
        except StoreUnavailable:
            self._unreleased[key] = made_attempt  # written by a later renew; no longer renewed meanwhile
            raise
        self._unreleased.pop(key, None)

    async def save_watch(self, key: str, state: str, *, made_attempt: int | None = None) -> None:
        """Keep a running watch's state (after each attempt), so another process can go on with it."""
        async with self._store.transaction() as conn:
            await conn.execute(self._mine(key).values(watch=state, updated_at=self._store.now()))
            if made_attempt is not None:
                await self._record(conn, key, made_attempt)

    async def hand_back(self, key: str) -> None:
        """Let go of a watch without ending it (shutting down): the next process takes it over at once."""
        self._held.discard(key)
        async with self._store.transaction() as conn:
            await conn.execute(self._mine(key).values(owner=None, lease_until=0.0, updated_at=self._store.now()))

    async def request_stop(self, key: str, user_id: str) -> bool:
        """Ask the watch on this message to stop, wherever it runs; False when there is none."""
        async with self._store.transaction() as conn:
            result = await conn.execute(
                update(followups)
                .where(followups.c.key == key, followups.c.watch.is_not(None))
                .values(stop_by=user_id, updated_at=self._store.now())
            )
        return bool(result.rowcount)

    async def stops(self) -> dict[str, str]:
        """Stops pressed (on any process) on the watches this process runs: message key → who."""
        statement = select(followups.c.key, followups.c.stop_by).where(
            followups.c.owner == self.owner, followups.c.watch.is_not(None), followups.c.stop_by.is_not(None)
        )
        async with self._store.transaction() as conn:
            rows = (await conn.execute(statement)).all()
        return {str(row.key): str(row.stop_by) for row in rows}

    async def renew(self) -> int:
        """Write releases that failed earlier, then extend the leases of the messages still worked on here."""
        for key, made_attempt in list(self._unreleased.items()):
            await self.release(key, made_attempt=made_attempt)
        if not self._held:
            return 0
        async with self._store.transaction() as conn:
            result = await conn.execute(
                update(followups)
                .where(followups.c.key.in_(sorted(self._held)), followups.c.owner == self.owner)
                .values(lease_until=self._store.now() + self._lease)
            )
        return int(result.rowcount or 0)

    async def take_over_watches(self, *, limit: int, prefix: str | None = None) -> list[TakenWatch]:
        """Claim up to ``limit`` watches nobody holds (handed back, or their process died).

        ``prefix``: only the rows whose key starts with it (report waits, ``report:``); without it,
        only the rows whose key starts with no ``REPORT_PREFIX`` (Keep trying watches).
        """
        now = self._store.now()
        kind = (
            followups.c.key.startswith(prefix, autoescape=True)
            if prefix is not None
            else ~followups.c.key.startswith(REPORT_PREFIX, autoescape=True)
        )
        free = select(followups.c.key).where(
            kind, followups.c.watch.is_not(None), or_(followups.c.owner.is_(None), followups.c.lease_until < now)
        )
        async with self._store.transaction() as conn:
            keys = [str(key) for key in (await conn.execute(free.limit(limit))).scalars()]
            taken: list[TakenWatch] = []
            for key in keys:  # one compare-and-set each: two processes never both take one
                row = (
                    await conn.execute(
                        update(followups)
                        .where(
                            followups.c.key == key,
                            followups.c.watch.is_not(None),
                            or_(followups.c.owner.is_(None), followups.c.lease_until < now),
                        )
                        .values(owner=self.owner, lease_until=now + self._lease, updated_at=now)
                        .returning(followups.c.watch, followups.c.stop_by)
                    )
                ).first()
                if row is not None:
                    taken.append(TakenWatch(key=key, state=str(row.watch), stop_by=row.stop_by))
        self._held.update(watch.key for watch in taken)
        return taken

    async def forget_before(self, cutoff: float) -> int:
        """Delete rows untouched since ``cutoff`` that no watch needs; returns how many."""
        async with self._store.transaction() as conn:
            result = await conn.execute(
                delete(followups).where(followups.c.updated_at < cutoff, followups.c.watch.is_(None))
            )
        return int(result.rowcount or 0)

    def _mine(self, key: str) -> Update:
        return update(followups).where(followups.c.key == key, followups.c.owner == self.owner)

    @staticmethod
    async def _record(conn: AsyncConnection, key: str, attempt: int) -> None:
        await conn.execute(
            update(followups)
            .where(followups.c.key == key, followups.c.made_attempt < attempt)
            .values(made_attempt=attempt)
        )
