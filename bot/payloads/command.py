"""The ``/bugpilot`` slash command's body."""

from __future__ import annotations

from typing import ClassVar

from bot.payloads._fields import Body, Needed, Payload, Text

__all__ = ["SlashCommand"]


class SlashCommand(Payload):
    """``/bugpilot …``: a form body of strings."""

    _kind: ClassVar[str] = "slash command"

    user_id: Needed
    channel_id: Needed
    team_id: Needed
    text: Body = ""
    trigger_id: Text = None
    response_url: Text = None
