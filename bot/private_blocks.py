"""Pure builders for what a channel sees when an outcome can't, or mustn't, be shown there.

A request message must never stay "working on it…": when the outcome could not be
delivered anywhere, it says so. In a channel shared with another organization
(Slack Connect), and for configuration problems anywhere, the channel sees only a
neutral line that names no customer, note, link or setting.
"""

from __future__ import annotations

from bot.blocks import Message, assemble, plain_customer, section_block
from bot.capture import ACTION_NAMES, CaptureRequest

__all__ = ["build_request_neutral", "build_request_undelivered"]


def build_request_undelivered(request: CaptureRequest, summary: str) -> Message:
    """The request message once its outcome could be delivered nowhere (Slack refused it every way)."""
    name = ACTION_NAMES[request.action]
    what = f"<@{request.requester_id}> asked Bugpilot for a *{name}* of *{plain_customer(request)}*"
    result = "Bugpilot accepted it" if not summary else "it didn't work"
    line = (
        f":warning: {what} — {result}, but Slack refused the message with the details. "
        "Check the Bugpilot dashboard, or ask again."
    )
    return assemble(line, [section_block(line)])


def build_request_neutral(request: CaptureRequest, status: str) -> Message:
    """A request message that names nothing but the requester: ``working``, ``done`` or ``failed``.

    ``failed`` means the details (a configuration problem, say) went privately to them.
    """
    who = f"<@{request.requester_id}>"
    line = {
        "working": f":hourglass_flowing_sand: Bugpilot is working on a request from {who}…",
        "done": f":white_check_mark: Bugpilot handled a request from {who}; the details went to them privately.",
        "failed": f":warning: Bugpilot couldn't capture — details sent to {who}.",
    }.get(status, f":information_source: Bugpilot sent {who} the result privately.")
    return assemble(line, [section_block(line)])
