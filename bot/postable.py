"""Whether the bot can post in a conversation, and whether it is shared: a pure reading of ``conversations.info``.

The capture modal uses it to say truthfully where the outcome goes (the thread, or privately to
the requester) and the global shortcut to refuse a conversation the bot can't post in while the
modal is still open. The bot posts in public channels without being a member (``chat:write.public``);
private channels, archived ones and other people's direct messages are closed to it. When Slack
can't say (slow, down), nothing is claimed: ``can_post`` is None and the capture's own fallbacks apply.
Asking Slack is ``bot.surfaces.modal_checks.check_channel``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["INVITE", "UNKNOWN", "UNSEEN", "ChannelCheck", "read_channel"]

INVITE = "invite me with /invite @Bugpilot"
# Errors meaning the bot cannot see the conversation at all (a DM between others, a private channel).
UNSEEN = frozenset({"channel_not_found", "not_in_channel", "method_not_supported_for_channel_type"})


@dataclass(frozen=True)
class ChannelCheck:
    """What the bot knows about posting in one conversation.

    ``can_post``: True, False (``reason`` says why, in plain words) or None (unknown).
    ``shared``: shared with another organization (Slack Connect), when known.
    """

    can_post: bool | None
    reason: str = ""
    shared: bool = False


UNKNOWN = ChannelCheck(can_post=None)


def read_channel(channel: Mapping[str, Any]) -> ChannelCheck:
    """Read a ``conversations.info`` channel object (pure)."""
    shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
    member = bool(channel.get("is_member"))
    if channel.get("is_archived"):
        return ChannelCheck(can_post=False, reason="it is archived", shared=shared)
    if (channel.get("is_im") or channel.get("is_mpim")) and not member:
        return ChannelCheck(can_post=False, reason="it is a direct message between other people", shared=shared)
    if (channel.get("is_private") or channel.get("is_group")) and not member:
        return ChannelCheck(can_post=False, reason=f"it is a private channel I'm not in: {INVITE}", shared=shared)
    return ChannelCheck(can_post=True, shared=shared)
