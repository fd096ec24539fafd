"""One capture attempt: one Bugpilot call, its result, and its audit event."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from bot.audit import record_capture
from bot.bugpilot.codes import summary_of
from bot.bugpilot.models import ActionAccepted
from bot.capture import CaptureRequest
from bot.errors import BotError, BugpilotError, UserNotConnected

if TYPE_CHECKING:  # the client is passed in: builders that read an Attempt load no HTTP code
    from bot.bugpilot.client import BugpilotClient

__all__ = ["Attempt", "attempt_capture", "summarize"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What one attempt gave: Bugpilot's acceptance or the error that explains why not."""

    request: CaptureRequest
    accepted: ActionAccepted | None = None
    error: BotError | None = None
    following: bool = False  # the bot follows the accepted request to its report

    @property
    def code(self) -> str:
        """``ok``, the Bugpilot error's label, or ``BOT_ERROR``."""
        if self.error is None:
            return "ok"
        return self.error.label if isinstance(self.error, BugpilotError) else "BOT_ERROR"

    @property
    def retryable(self) -> bool:
        """Trying again could give another result (customer offline, Bugpilot failing)."""
        return isinstance(self.error, BugpilotError) and self.error.retryable

    @property
    def customer_offline(self) -> bool:
        """The customer had no page open: the case Keep trying is for."""
        return isinstance(self.error, UserNotConnected)


async def attempt_capture(
    bugpilot: BugpilotClient, request: CaptureRequest, *, thread_ts: str | None, description: str | None = None
) -> Attempt:
    """Ask Bugpilot once; never raises. Emits ``audit.capture``.

    ``description`` is what Bugpilot shows under Notes (default: the request's note).
    """
    started = time.perf_counter()
    status: int | None = 200
    try:
        note = request.note if description is None else description
        accepted = await bugpilot.request_action(user_id=request.customer, action=request.action, note=note)
    except BugpilotError as exc:
        attempt, status = Attempt(request, error=exc), exc.status
    except Exception:
        log.exception("capture.crashed")
        attempt, status = Attempt(request, error=BotError("something went wrong in the bot")), None
    else:
        attempt = Attempt(request, accepted=accepted)
    record_capture(
        request,
        thread_ts=thread_ts,
        outcome=attempt.code,
        http_status=status,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    return attempt


def summarize(error: BotError | None) -> str:
    """A few words for a request message's status line ("" for success)."""
    if error is None:
        return ""
    if not isinstance(error, BugpilotError):
        return "something went wrong in the bot"
    return summary_of(error)
