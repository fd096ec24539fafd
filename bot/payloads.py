"""Slack's payloads as frozen models: the dicts Bolt hands a listener stop here.

Each model reads one kind of body and keeps only what the bot uses. Fields a listener
needs are strict: missing, empty or of the wrong type, ``parse`` raises one error
(``UnreadablePayload``; ``InvalidButton`` for a click). Slack's optional fields are
lenient: one of the wrong type reads as absent, never as an error. ``Envelope``, what
the middlewares read of any request, has no needed field and never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bot.errors import BotError, InvalidButton, UnreadablePayload
from bot.outcomes import OutcomeRef

__all__ = [
    "AppMention",
    "BlockActions",
    "Envelope",
    "InputState",
    "MessageShortcut",
    "SlashCommand",
    "ViewSubmission",
    "form_inputs",
]


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping_or_none(value: object) -> object:
    return value if isinstance(value, Mapping) else None


def _team_or_none(value: object) -> str | None:
    """A team that can't be read still counts as some team (the workspace check fails closed)."""
    if value is None or isinstance(value, str):
        return value
    return f"unreadable:{type(value).__name__}"


# Needed: a non-empty string, nothing else.
_Needed = Annotated[str, Field(strict=True, min_length=1)]
# Optional: a string when Slack sent one, else None (wrong types read as absent).
_Text = Annotated[str | None, BeforeValidator(_text_or_none)]
# Optional text: "" when absent or not a string.
_Body = Annotated[str, BeforeValidator(_text_or_empty)]
# With ``X | None``: an optional nested object, absent (None) when Slack sent something else.
_AsObject = BeforeValidator(_mapping_or_none)
# Present and truthy, whatever its shape (``edited`` is an object, ``bot_profile`` too).
_Flag = Annotated[bool, BeforeValidator(bool)]


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


class _Payload(BaseModel):
    """Frozen, and blind to the many fields the bot does not read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    _kind: ClassVar[str] = "Slack"

    @classmethod
    def parse(cls, body: object) -> Self:
        """Read ``body``; the one error of this payload when a needed field is missing or of the wrong type."""
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            raise cls._unreadable(_field(exc)) from None

    @classmethod
    def _unreadable(cls, field: str) -> BotError:
        return UnreadablePayload(cls._kind, field)


def _field(error: ValidationError) -> str:
    """The dotted path of the first unusable field ("body" for the body itself)."""
    first = error.errors(include_url=False, include_input=False)[0]
    path = ".".join(str(part) for part in first["loc"])
    return path[:100] or "body"


class _Ref(_Payload):
    """An object Slack names by its ID (``team``, ``channel``), the ID optional."""

    id: _Text = None


class _Named(_Payload):
    """An object whose ID is needed."""

    id: _Needed


class _User(_Payload):
    """The person behind a request: their ID, and the workspace they belong to."""

    id: _Needed
    team_id: Annotated[str | None, BeforeValidator(_team_or_none)] = None


class _AnyUser(_Payload):
    id: _Text = None
    team_id: Annotated[str | None, BeforeValidator(_team_or_none)] = None


class _Action(_Payload):
    action_id: _Text = None
    value: _Text = None


def _actions(value: object) -> tuple[object, ...]:
    """Each action as an object; one that is not an object reads as an action without ID (never dropped)."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(action if isinstance(action, Mapping) else {} for action in value)


class _EnvelopeEvent(_Payload):
    type: _Text = None
    thread_ts: _Text = None


class _EnvelopeView(_Payload):
    private_metadata: _Text = None


class Envelope(_Payload):
    """What the middlewares (access, log context, crash handler) read of any request. ``parse`` never raises."""

    command: _Text = None
    type: _Text = None
    callback_id: _Text = None
    trigger_id: _Text = None
    response_url: _Text = None
    user: Annotated[_AnyUser | None, _AsObject] = None
    event: Annotated[_EnvelopeEvent | None, _AsObject] = None
    view: Annotated[_EnvelopeView | None, _AsObject] = None
    actions: Annotated[tuple[_Action, ...], BeforeValidator(_actions)] = ()

    @model_validator(mode="before")
    @classmethod
    def _any_body(cls, body: object) -> object:
        return body if isinstance(body, Mapping | Envelope) else {}


class SlashCommand(_Payload):
    """``/bugpilot …``: a form body of strings."""

    _kind: ClassVar[str] = "slash command"

    user_id: _Needed
    channel_id: _Needed
    team_id: _Needed
    text: _Body = ""
    trigger_id: _Text = None
    response_url: _Text = None


class _Message(_Payload):
    """The fields of a Slack message the bot reads (author, its workspace, whether a bot wrote it)."""

    ts: _Text = None
    thread_ts: _Text = None
    text: _Body = ""
    user: _Text = None
    user_team: _Text = None
    team: _Text = None
    bot_id: _Text = None
    subtype: _Text = None


class MessageShortcut(_Payload):
    """The shortcut "Capture with Bugpilot" on a message (``message_action``): the message, where it is, who asked.

    Without a ``trigger_id`` the modal can't open, and the person is told so.
    """

    _kind: ClassVar[str] = "message shortcut"

    channel: _Named
    message: _Message
    message_ts: _Text = None
    trigger_id: _Text = None
    response_url: _Text = None
    user: Annotated[_AnyUser | None, _AsObject] = None
    team: Annotated[_Ref | None, _AsObject] = None

    @model_validator(mode="after")
    def _has_ts(self) -> Self:
        if not self.ts:
            raise ValueError("the message has no ts")
        return self

    @property
    def ts(self) -> str:
        """The message's ``ts`` (the message's own, else the payload's ``message_ts``)."""
        return self.message.ts or self.message_ts or ""


class InputState(_Payload):
    """One input of a submitted modal: typed text, or the option chosen."""

    value: _Text = None
    selected_option: Annotated[_Action | None, _AsObject] = None


class _ViewState(_Payload):
    values: Annotated[dict[str, dict[str, InputState]], BeforeValidator(form_inputs)] = Field(default_factory=dict)


class _SubmittedView(_Payload):
    id: _Text = None
    private_metadata: _Body = ""
    state: Annotated[_ViewState | None, _AsObject] = None


class ViewSubmission(_Payload):
    """The capture modal submitted: its inputs, its sealed ``private_metadata``, who submitted it."""

    _kind: ClassVar[str] = "modal submission"

    user: _User
    view: _SubmittedView
    team: Annotated[_Ref | None, _AsObject] = None
    trigger_id: _Text = None

    @property
    def values(self) -> dict[str, dict[str, InputState]]:
        """``view.state.values``: block_id -> action_id -> input."""
        return self.view.state.values if self.view.state is not None else {}


class _Container(_Payload):
    channel_id: _Text = None
    message_ts: _Text = None
    thread_ts: _Text = None
    is_ephemeral: _Flag = False


class _ClickedMessage(_Payload):
    thread_ts: _Text = None


class BlockActions(_Payload):
    """A click on a button of a message the bot posted (``block_actions``). Unusable: ``InvalidButton``."""

    _kind: ClassVar[str] = "click"

    user: _User
    container: _Container
    actions: Annotated[tuple[_Action, ...], BeforeValidator(_actions), Field(min_length=1)]
    channel: Annotated[_Ref | None, _AsObject] = None
    message: Annotated[_ClickedMessage | None, _AsObject] = None
    response_url: _Text = None
    trigger_id: _Text = None

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


class _MentionEvent(_Message):
    channel: _Needed
    ts: _Needed
    app_id: _Text = None
    edited: _Flag = False
    bot_profile: _Flag = False


class AppMention(_Payload):
    """An ``app_mention`` event callback: the mention, and the workspace it was delivered for."""

    _kind: ClassVar[str] = "mention event"

    event: _MentionEvent
    event_id: _Text = None
    team_id: _Text = None

    @property
    def thread_ts(self) -> str:
        """The thread to answer in: the one the mention is in, else the mention starts one."""
        return self.event.thread_ts or self.event.ts

    @property
    def author_team(self) -> str | None:
        """The workspace of the mention's author, as the event says."""
        return self.event.user_team or self.event.team
