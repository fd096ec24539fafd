"""A click on a button of a message the bot posted (``block_actions``).

Apart from the other payloads because it answers with an ``OutcomeRef`` (the outcome seam),
which the pure modules reading the others (``bot.prefill``, ``bot.modals``) need not import.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from bot.errors import BotError, InvalidButton
from bot.outcomes import OutcomeRef
from bot.payloads._fields import Action, AsObject, Flag, Payload, Ref, Text, User, as_actions

__all__ = ["BlockActions"]


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
