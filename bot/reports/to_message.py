"""Where a capture's report wait ends when it was asked in a conversation: its outcome message.

- **ready**: the outcome becomes Report ready with Open report, and a new reply mentions the people
  who asked (an edited message notifies nobody); the request message says "done";
- **no report** by the deadline: the outcome says so in plain words and offers Try again;
- **stopped** by an answer that won't change: the outcome names it and who can fix it, the link kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

import structlog

from bot.attempt import summarize
from bot.blocks import build_request_status
from bot.capture import CaptureRequest, Surface
from bot.delivery import Delivery
from bot.errors import BugpilotError
from bot.followups.button import FollowUp, FollowUpCodec
from bot.followups.saved import SavedAt
from bot.outcomes import OutcomeRef, show
from bot.private_blocks import build_request_neutral
from bot.reports.blocks import build_no_report, build_report_notice, build_report_ready, build_report_stopped
from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["MessageEnd", "SavedMessage"]

log = structlog.get_logger(__name__)


class SavedMessage(SavedAt):
    """What a wait on an outcome message keeps in its row, beside the wait's own fields (rows without ``to`` too)."""

    to: Literal["message"] = "message"
    neutral_ts: str | None
    notify: list[str]


@dataclasses.dataclass(frozen=True)
class MessageEnd:
    """A report wait that ends in the outcome message at ``ref`` (and the request message heading its thread)."""

    delivery: Delivery
    buttons: FollowUpCodec
    ref: OutcomeRef
    followup: FollowUp  # the capture and the attempt its outcome shows
    neutral_ts: str | None = None  # a request message that names nobody (a shared channel) to bring up to date
    notify: tuple[str, ...] = ()

    @classmethod
    def restore(cls, saved: Mapping[str, object], delivery: Delivery, buttons: FollowUpCodec) -> MessageEnd:
        """The end a row describes; ``ValidationError`` when it can't be read."""
        row = SavedMessage.model_validate(saved)
        return cls(delivery, buttons, row.ref, row.followup, row.neutral_ts, tuple(row.notify))

    def saved(self) -> dict[str, object]:
        """The fields that go into the wait's row (the names rows have always had)."""
        row = SavedMessage(
            **SavedAt.place(self.ref), followup=self.followup, neutral_ts=self.neutral_ts, notify=list(self.notify)
        )
        return row.model_dump(mode="json", by_alias=True)

    @property
    def request(self) -> CaptureRequest:
        """The attempt the outcome shows."""
        following = self.followup.next_request(surface=Surface.RETRY, actor_id="")
        return following.model_copy(update={"attempt": self.followup.attempt})

    async def ready(self, report_url: str, *, session_url: str) -> None:  # noqa: ARG002 - the outcome had the link
        """Report ready in place, the request message done, then a reply that notifies."""
        request = self.request
        await self._status(request, "done", "")
        people = [request.requester_id, *self.notify]
        shown = await show(self.delivery, self.ref, build_report_ready(request, report_url), else_to=people)
        if shown is not None and shown != self.ref:
            return  # it came as a new direct message: that notifies already
        notice = build_report_notice(request, report_url, people)
        followup = self.followup
        in_thread = not self.ref.ephemeral and followup.thread_ts and self.ref.channel_id == followup.channel_id
        try:
            if in_thread:
                await self.delivery.post(followup.channel_id, notice, thread_ts=followup.thread_ts)
            else:
                await self.delivery.direct(request.requester_id, notice)
        except SLACK_FAILURES as exc:
            log.warning("slack.post_failed", method="chat.postMessage", error=failure_name(exc))

    async def no_report(self, *, waited: float, session_url: str) -> None:
        """No report by the deadline: the outcome says so, with Try again."""
        request = self.request
        value = self.buttons.value_for(
            request,
            channel_id=self.followup.channel_id,
            thread_ts=self.followup.thread_ts,
            status_ts=self.followup.status_ts,
        )
        message = build_no_report(request, waited=waited, session_url=session_url, value=value)
        await self._status(request, "failed", "no report arrived")
        await show(self.delivery, self.ref, message, else_to=(request.requester_id, *self.notify))

    async def stopped(self, error: BugpilotError, *, session_url: str) -> None:
        """An answer that won't change ended the wait: the outcome names it, the link kept."""
        request = self.request
        message = build_report_stopped(request, error, session_url=session_url)
        await self._status(request, "failed", summarize(error))
        await show(self.delivery, self.ref, message, else_to=(request.requester_id, *self.notify))

    async def _status(self, request: CaptureRequest, status: str, summary: str) -> None:
        followup = self.followup
        if followup.status_ts is not None and not self.ref.ephemeral:
            line = build_request_status(request, "done" if status == "done" else "failed", summary)
            await self.delivery.update(followup.channel_id, followup.status_ts, line)
        if self.neutral_ts is not None:
            await self.delivery.update(followup.channel_id, self.neutral_ts, build_request_neutral(request, status))
