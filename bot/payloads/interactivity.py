"""Interaction payloads: the message shortcut, its modal's submission, and clicks on the bot's buttons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from bot.errors import BotError, InvalidButton
from bot.outcomes import OutcomeRef
from bot.payloads._fields import (
    Action,
    AnyUser,
    AsObject,
    Body,
    Flag,
    Message,
    Named,
    Payload,
    Ref,
    Text,
    User,
    as_actions,
)

__all__ = ["BlockActions", "InputState", "MessageShortcut", "ViewSubmission", "form_inputs"]


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


class InputState(Payload):
    """One input of a submitted modal: typed text, or the option chosen."""

    value: Text = None
    selected_option: Annotated[Action | None, AsObject] = None


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
    def values(self) -> dict[str, dict[str, InputState]]:
        """``view.state.values``: block_id -> action_id -> input."""
        return self.view.state.values if self.view.state is not None else {}


class _Container(Payload):
    channel_id: Text = None
    message_ts: Text = None
    thread_ts: Text = None
    is_ephemeral: Flag = False


class _ClickedMessage(Payload):
    thread_ts: Text = None


class BlockActions(Payload):
    """A click on a button of a message the bot posted (``block_actions``). Unusable: ``InvalidButton``."""

    _kind: ClassVar[str] = "click"

    user: User
    container: _Container
    actions: Annotated[tuple[Action, ...], BeforeValidator(as_actions), Field(min_length=1)]
    channel: Annotated[Ref | None, AsObject] = None
    message: Annotated[_ClickedMessage | None, AsObject] = None
    response_url: Text = None
    trigger_id: Text = None

    @model_validator(mode="after")
    def _says_which_message(self) -> Self:
        if not self.channel_id or not self.container.message_ts:
            raise ValueError("the click did not say which message it came from")
        return self

    @classmethod
    def _unreadable(cls, field: str) -> BotError:
        if field == "body" or field.startswith("container"):
            return InvalidButton("the click did not say which message it came from")
        return InvalidButton(f"the click has no usable {field}")

    @property
    def channel_id(self) -> str:
        """The conversation of the clicked message (the container's, else the payload's channel)."""
        return self.container.channel_id or (self.channel.id if self.channel else None) or ""

    @property
    def value(self) -> str | None:
        """The clicked button's value."""
        return self.actions[0].value

    @property
    def thread_ts(self) -> str | None:
        """The thread the clicked message is in, as Slack tells it (container, else the message)."""
        return self.container.thread_ts or (self.message.thread_ts if self.message else None) or None

    def outcome_ref(self) -> OutcomeRef:
        """The clicked message, as an outcome that can be changed."""
        return OutcomeRef(
            channel_id=self.channel_id,
            ts=self.container.message_ts,
            ephemeral=self.container.is_ephemeral,
            response_url=self.response_url,
        )
