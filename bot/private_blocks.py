"""Pure builders for what a channel sees when an outcome can't, or mustn't, be shown there.

A request message must never stay "working on it…": when the outcome could not be
delivered anywhere, it says so. In a channel shared with another organization
(Slack Connect), and for configuration problems anywhere, the channel sees only a
neutral line that names no customer, note, link or setting.
"""

from __future__ import annotations

from bot.blocks import Message, assemble, bold_customer, context_block, section_block
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.markup import escape_mrkdwn

__all__ = ["build_request_neutral", "build_request_undelivered", "with_private_reason"]


def build_request_undelivered(request: CaptureRequest, summary: str) -> Message:
    """The request message once its outcome could be delivered nowhere (Slack refused it every way)."""
    name = ACTION_NAMES[request.action]
    what = f"<@{request.requester_id}> asked Bugpilot for a *{name}* of {bold_customer(request)}"
    result = "Bugpilot accepted it" if not summary else "it didn't work"
    line = (
        f":warning: {what} — {result}, but Slack refused the message with the details. "
        "Check the Bugpilot dashboard, or ask again."
    )
    return assemble(line, [section_block(line)])


def build_request_neutral(request: CaptureRequest, status: str) -> Message:
    """A request message naming only the requester.

    Its status: ``working``, ``waiting``, ``sent``, ``done``, ``failed``, ``lost`` or ``interrupted``.

    ``done`` and ``failed`` mean the details went privately to them; ``lost``, that
    Slack refused every way of sending them.
    """
    who = f"<@{request.requester_id}>"
    line = {
        "working": f":hourglass_flowing_sand: Bugpilot is working on a request from {who}…",
        "waiting": f":hourglass_flowing_sand: Bugpilot is waiting for the report of a request from {who}…",
        "sent": f":outbox_tray: Bugpilot sent a request from {who}; the details went to them privately.",
        "done": f":white_check_mark: Bugpilot handled a request from {who}; the details went to them privately.",
        "failed": f":warning: Bugpilot couldn't capture — details sent to {who}.",
        "lost": f":warning: Bugpilot couldn't send {who} the result of their request; please ask again.",
        "interrupted": f":warning: Bugpilot restarted before it finished a request from {who}; details sent to them.",
    }.get(status, f":information_source: Bugpilot sent {who} the result privately.")
    return assemble(line, [section_block(line)])


def with_private_reason(message: Message, *, shared: bool, channel_id: str) -> Message:
    """Add why the outcome came privately: a channel shared with another organization, or a set-up problem."""
    where = f"<#{escape_mrkdwn(channel_id)}>" if channel_id else "the conversation"
    reason = (
        f":lock: Only you can see this: {where} is shared with another organization, so the details stay private."
        if shared
        else ":lock: Only you can see this: it is about how Bugpilot is set up, so it stays out of the channel."
    )
    return Message(text=message.text, blocks=[*message.blocks, context_block(reason).to_dict()])
