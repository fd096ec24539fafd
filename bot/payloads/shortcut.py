"""The shortcuts "Capture with Bugpilot" (message) and "Capture a customer's screen" (global); their modal submitted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from bot.payloads._fields import (
    Action,
    AnyUser,
    AsObject,
    Body,
    Message,
    Named,
    Needed,
    Payload,
    Ref,
    Text,
    User,
)

__all__ = ["GlobalShortcut", "InputState", "MessageShortcut", "ViewSubmission", "form_inputs"]


def form_inputs(values: object) -> dict[str, dict[str, InputState]]:
    """``view.state.values`` as block_id -> action_id -> input; entries that are not objects are left out."""
    if not isinstance(values, Mapping):
        return {}
    return {
        str(block_id): {
            str(action_id): InputState.model_validate(state)
            for action_id, state in actions.items()
            if isinstance(state, Mapping | InputState)
        }
        for block_id, actions in values.items()
        if isinstance(actions, Mapping)
    }


class MessageShortcut(Payload):
    """The shortcut "Capture with Bugpilot" on a message (``message_action``): the message, where it is, who asked.

    Without a ``trigger_id`` the modal can't open, and the person is told so.
    """

    _kind: ClassVar[str] = "message shortcut"

    channel: Named
    message: Message
    message_ts: Text = None
    trigger_id: Text = None
    response_url: Text = None
    user: Annotated[AnyUser | None, AsObject] = None
    team: Annotated[Ref | None, AsObject] = None

    @model_validator(mode="after")
    def _has_ts(self) -> Self:
        if not self.ts:
            raise ValueError("the message has no ts")
        return self

    @property
    def ts(self) -> str:
        """The message's ``ts`` (the message's own, else the payload's ``message_ts``)."""
        return self.message.ts or self.message_ts or ""

    @property
    def requester_id(self) -> str | None:
        """Who used the shortcut, when the payload says."""
        return (self.user.id if self.user else None) or None

    @property
    def team_id(self) -> str | None:
        """The workspace the shortcut was used in, when the payload says."""
        return (self.team.id if self.team else None) or None


class GlobalShortcut(Payload):
    """What opens the capture modal without a message: the global shortcut, or App Home's New capture button.

    Both carry who asked and a ``trigger_id`` (needed: without it no modal can open), and no channel.
    """

    _kind: ClassVar[str] = "global shortcut"

    trigger_id: Needed
    user: User
    team: Annotated[Ref | None, AsObject] = None

    @property
    def team_id(self) -> str:
        """The workspace the shortcut was used in ("" when the payload doesn't say)."""
        return (self.team.id if self.team else None) or self.user.team_id or ""


class InputState(Payload):
    """One input of a submitted modal: typed text, the option chosen, the member or conversation picked."""

    value: Text = None
    selected_option: Annotated[Action | None, AsObject] = None
    selected_user: Text = None
    selected_conversation: Text = None


class _ViewState(Payload):
    values: Annotated[dict[str, dict[str, InputState]], BeforeValidator(form_inputs)] = Field(default_factory=dict)


class _SubmittedView(Payload):
    id: Text = None
    private_metadata: Body = ""
    state: Annotated[_ViewState | None, AsObject] = None


class ViewSubmission(Payload):
    """The capture modal submitted: its inputs, its sealed ``private_metadata``, who submitted it."""

    _kind: ClassVar[str] = "modal submission"

    user: User
    view: _SubmittedView
    team: Annotated[Ref | None, AsObject] = None
    trigger_id: Text = None

    @property
    def team_id(self) -> str:
        """The workspace the modal was submitted in ("" when the payload doesn't say)."""
        return (self.team.id if self.team else None) or ""

    @property
    def values(self) -> dict[str, dict[str, InputState]]:
        """``view.state.values``: block_id -> action_id -> input."""
        return self.view.state.values if self.view.state is not None else {}
