"""What every payload model is made of: the base class, its one error, and lenient field types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.errors import BotError, UnreadablePayload

__all__ = [
    "Action",
    "AnyUser",
    "AsObject",
    "Body",
    "Flag",
    "Message",
    "Named",
    "Needed",
    "Payload",
    "Ref",
    "Text",
    "User",
    "as_actions",
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
Needed = Annotated[str, Field(strict=True, min_length=1)]
# Optional: a string when Slack sent one, else None (wrong types read as absent).
Text = Annotated[str | None, BeforeValidator(_text_or_none)]
# Optional text: "" when absent or not a string.
Body = Annotated[str, BeforeValidator(_text_or_empty)]
# With ``X | None``: an optional nested object, absent (None) when Slack sent something else.
AsObject = BeforeValidator(_mapping_or_none)
# Present and truthy, whatever its shape (``edited`` is an object, ``bot_profile`` too).
Flag = Annotated[bool, BeforeValidator(bool)]


class Payload(BaseModel):
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


class Ref(Payload):
    """An object Slack names by its ID (``team``, ``channel``), the ID optional."""

    id: Text = None


class Named(Payload):
    """An object whose ID is needed."""

    id: Needed


class User(Payload):
    """The person behind a request: their ID, and the workspace they belong to."""

    id: Needed
    team_id: Annotated[str | None, BeforeValidator(_team_or_none)] = None


class AnyUser(Payload):
    """The person behind a request, where the listener can do without them."""

    id: Text = None
    team_id: Annotated[str | None, BeforeValidator(_team_or_none)] = None


class Action(Payload):
    """An element acted on (``actions[]``), or an option chosen (``selected_option``)."""

    action_id: Text = None
    value: Text = None


def as_actions(value: object) -> tuple[object, ...]:
    """Each action as an object; one that is not an object reads as an action without ID (never dropped)."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(action if isinstance(action, Mapping) else {} for action in value)


class Message(Payload):
    """The fields of a Slack message the bot reads (author, its workspace, whether a bot wrote it)."""

    ts: Text = None
    thread_ts: Text = None
    text: Body = ""
    user: Text = None
    user_team: Text = None
    team: Text = None
    bot_id: Text = None
    subtype: Text = None
