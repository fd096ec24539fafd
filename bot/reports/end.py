"""The seam between a report wait and where its result goes (an outcome message, a workflow step run)."""

from __future__ import annotations

from typing import Protocol

from bot.capture import CaptureRequest
from bot.errors import BugpilotError

__all__ = ["ReportEnd"]


class ReportEnd(Protocol):
    """Where a wait's result goes: one of its three methods is called once, when the wait ends."""

    @property
    def request(self) -> CaptureRequest:
        """The capture followed (for the audit line and the words)."""
        ...

    def saved(self) -> dict[str, object]:
        """Its fields for the wait's row, with ``to`` naming its kind (a message's may leave it out)."""
        ...

    async def ready(self, report_url: str, *, session_url: str) -> None:
        """The report is there."""
        ...

    async def no_report(self, *, waited: float, session_url: str) -> None:
        """The deadline passed without a report."""
        ...

    async def stopped(self, error: BugpilotError, *, session_url: str) -> None:
        """An answer that won't change ended the wait."""
        ...
