"""What a Try again / Keep trying / Stop button carries, signed so it comes back unchanged.

A button's ``value`` is ``<signature>.<body>``: the body is ``j`` + compact JSON, or
``z`` + base64url(zlib(JSON)) when that is shorter; the signature is the first 16
bytes of HMAC-SHA256 over the body, base64url. The key is derived from a secret of
the deployment, so a value that was edited, truncated or made up is refused before
anything is sent to Bugpilot. Slack allows 2000 characters; a capture whose value
would not fit gets no button (its note is too long to carry).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from typing import Final

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.errors import InvalidButton
from bot.seal import Seal

__all__ = ["MAX_VALUE", "FollowUp", "FollowUpCodec"]

MAX_VALUE: Final = 2000
_MAX_JSON: Final = 8000
_SIG_BYTES: Final = 16
_ID: Final = r"^[A-Za-z0-9_]{1,32}$"
_TS: Final = r"^\d{1,12}\.\d{1,9}$"

log = structlog.get_logger(__name__)


class FollowUp(BaseModel):
    """Enough to repeat a capture and to find the messages that show it.

    ``thread_ts`` is the thread the outcome lives in (None when it was sent privately);
    ``status_ts`` the bot's own request message heading that thread, when there is one,
    so its status line can follow the new result. ``attempt`` is the attempt the
    outcome shows.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    action: Action = Field(alias="a")
    customer: str = Field(alias="u", min_length=1, max_length=512)
    customer_label: str = Field(default="", alias="l", max_length=600)
    note: str = Field(default="", alias="n", max_length=4000)
    requester_id: str = Field(alias="r", pattern=_ID)
    team_id: str = Field(default="", alias="t", pattern=r"^[A-Za-z0-9_]{0,32}$")
    channel_id: str = Field(alias="c", pattern=_ID)
    thread_ts: str | None = Field(default=None, alias="h", pattern=_TS)
    status_ts: str | None = Field(default=None, alias="s", pattern=_TS)
    attempt: int = Field(default=1, alias="k", ge=1, le=100_000)

    @classmethod
    def of(
        cls, request: CaptureRequest, *, channel_id: str, thread_ts: str | None, status_ts: str | None = None
    ) -> FollowUp:
        """The follow-up for the outcome of ``request``; ``ValidationError`` when it can't carry it."""
        return cls(
            action=request.action,
            customer=request.customer,
            customer_label=request.customer_label if request.customer_label != request.customer else "",
            note=request.note,
            requester_id=request.requester_id,
            team_id=request.team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            status_ts=status_ts,
            attempt=request.attempt,
        )

    def after(self, request: CaptureRequest) -> FollowUp:
        """This follow-up, now showing ``request``'s attempt."""
        return self.model_copy(update={"attempt": request.attempt})

    def next_request(self, *, surface: Surface, actor_id: str) -> CaptureRequest:
        """The same capture again, as the next attempt, set off by ``actor_id``."""
        return CaptureRequest(
            action=self.action,
            customer=self.customer,
            customer_label=self.customer_label or self.customer,
            note=self.note,
            requester_id=self.requester_id,
            team_id=self.team_id,
            channel_id=self.channel_id,
            surface=surface,
            attempt=self.attempt + 1,
            actor_id=actor_id,
        )


class FollowUpCodec:
    """Signs follow-ups into button values and checks them on the way back."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(b"bugpilot-followup-v1", secret.encode(), hashlib.sha256).digest()
        self.metadata = Seal(secret, purpose="modal")  # the capture modal's private_metadata

    def value_for(
        self, request: CaptureRequest, *, channel_id: str, thread_ts: str | None, status_ts: str | None
    ) -> str | None:
        """The button value for the outcome of ``request``; None when it can't be carried."""
        try:
            followup = FollowUp.of(request, channel_id=channel_id, thread_ts=thread_ts, status_ts=status_ts)
        except ValidationError as exc:
            log.warning("followup.unavailable", fields=sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
            return None
        value = self.encode(followup)
        if value is None:
            log.info("followup.unavailable", reason="too_long")
        return value

    def encode(self, followup: FollowUp) -> str | None:
        """The button value, or None when it would exceed Slack's 2000 characters."""
        raw = followup.model_dump_json(by_alias=True, exclude_defaults=True)
        packed = base64.urlsafe_b64encode(zlib.compress(raw.encode(), 9)).decode().rstrip("=")
        # On a tie either form decodes the same: which one wins changes nothing a click can see.
        body = "j" + raw if len(raw) <= len(packed) else "z" + packed  # pragma: no mutate
        value = f"{self._sign(body)}.{body}"
        return value if len(value) <= MAX_VALUE else None

    def decode(self, value: object) -> FollowUp:
        """The follow-up a button value carries; ``InvalidButton`` when it is not one we signed."""
        try:
            return self._checked(value)
        except InvalidButton as exc:
            log.warning("followup.invalid_value", reason=str(exc))
            raise

    def peek(self, value: object) -> FollowUp | None:
        """Like ``decode``, quietly: None when the value is not one we signed."""
        try:
            return self._checked(value)
        except InvalidButton:
            return None

    def _checked(self, value: object) -> FollowUp:
        if not isinstance(value, str) or len(value) > MAX_VALUE or "." not in value:
            raise InvalidButton("malformed")
        try:  # a lone surrogate (JSON allows "\ud800") has no UTF-8 form: no value we signed holds one
            value.encode()
        except UnicodeEncodeError:
            raise InvalidButton("malformed") from None
        signature, body = value.split(".", 1)
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise InvalidButton("bad_signature")
        try:
            return FollowUp.model_validate(json.loads(_unpack(body)))
        except (ValueError, ValidationError, zlib.error, binascii.Error):
            raise InvalidButton("bad_payload") from None

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        # 16 bytes end in a character of A, Q, g or w before the padding, so stripping more than "=" strips nothing.
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # pragma: no mutate


def _unpack(body: str) -> str:
    if body.startswith("j"):
        return body[1:]
    if body.startswith("z"):
        packed = body[1:]
        # Python's decoder accepts surplus padding, so the sign of the length here is not observable.
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))  # pragma: no mutate
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, _MAX_JSON)
        if inflater.unconsumed_tail:  # more JSON than any follow-up we sign: a zip bomb
            raise InvalidButton("bad_payload")
        return text.decode()
    raise InvalidButton("bad_payload")
