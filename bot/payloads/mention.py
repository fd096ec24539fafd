"""Events API callbacks: ``app_mention``."""

from __future__ import annotations

from typing import ClassVar

from bot.payloads._fields import Flag, Message, Needed, Payload, Text

__all__ = ["AppMention"]


class _MentionEvent(Message):
    channel: Needed
    ts: Needed
    app_id: Text = None
    edited: Flag = False
    bot_profile: Flag = False


class AppMention(Payload):
    """An ``app_mention`` event callback: the mention, and the workspace it was delivered for."""

    _kind: ClassVar[str] = "mention event"

    event: _MentionEvent
    event_id: Text = None
    team_id: Text = None

    @property
    def thread_ts(self) -> str:
        """The thread to answer in: the one the mention is in, else the mention starts one."""
        return self.event.thread_ts or self.event.ts

    @property
    def author_team(self) -> str | None:
        """The workspace of the mention's author, as the event says."""
        return self.event.user_team or self.event.team
