"""What the middlewares read of any request before a listener runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BeforeValidator, model_validator

from bot.payloads._fields import Action, AnyUser, AsObject, Payload, Text, as_actions

__all__ = ["Envelope"]


class _EnvelopeEvent(Payload):
    type: Text = None
    thread_ts: Text = None


class _EnvelopeView(Payload):
    private_metadata: Text = None


class Envelope(Payload):
    """What the middlewares (access, log context, crash handler) read of any request. ``parse`` never raises."""

    command: Text = None
    type: Text = None
    callback_id: Text = None
    trigger_id: Text = None
    response_url: Text = None
    user: Annotated[AnyUser | None, AsObject] = None
    event: Annotated[_EnvelopeEvent | None, AsObject] = None
    view: Annotated[_EnvelopeView | None, AsObject] = None
    actions: Annotated[tuple[Action, ...], BeforeValidator(as_actions)] = ()

    @model_validator(mode="before")
    @classmethod
    def _any_body(cls, body: object) -> object:
        return body if isinstance(body, Mapping | Envelope) else {}
