"""What a capture request is, whichever Slack surface it came from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.commands import Action

__all__ = ["ACTION_NAMES", "CaptureRequest", "Surface"]

ACTION_NAMES: dict[Action, str] = {
    Action.SCREENSHOT: "screenshot",
    Action.SESSION: "session replay",
    Action.RECORDING: "screen recording",
}


class Surface(StrEnum):
    """Where in Slack the request was made."""

    COMMAND = "command"
    SHORTCUT = "shortcut"
    MENTION = "mention"
    RETRY = "retry"
    KEEP_TRYING = "keep_trying"
    STEP = "step"  # a Workflow Builder step


class CaptureRequest(BaseModel):
    """One capture, resolved and ready to send to Bugpilot.

    ``customer`` is the Bugpilot ``userId`` (email or ID); ``customer_label`` is how it
    is shown (a mention resolved to an email shows both). ``actor_id`` is who set this
    attempt off when that is not the requester (a Try again click, say).
    """

    model_config = ConfigDict(frozen=True)

    action: Action
    customer: str
    customer_label: str
    note: str = ""
    requester_id: str
    team_id: str = ""
    channel_id: str = ""
    surface: Surface = Surface.COMMAND
    attempt: int = 1
    actor_id: str = ""
