"""The "Capture with Bugpilot" modal: pure view builder, form reading and ``private_metadata``.

The view carries where the outcome belongs (channel, thread, the shortcut's
``response_url``) in ``private_metadata``, because a ``view_submission`` has no
channel of its own. Input values are found by ``action_id``: the shortcut may
renumber a block (``customer_1``) so that a prefill found later shows up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.commands import MAX_NOTE_LENGTH, Action, EmailTarget, IdTarget, note_too_long, parse_target
from bot.errors import UsageError
from bot.markup import escape_mrkdwn, markup_to_text
from bot.payloads.shortcut import InputState, form_inputs
from bot.prefill import Candidate
from bot.seal import Seal

__all__ = [
    "ACTION_BLOCK",
    "CUSTOMER",
    "MAX_METADATA_LENGTH",
    "NOTE",
    "VIEW_CALLBACK_ID",
    "CaptureForm",
    "FormErrors",
    "ModalContext",
    "ModalPrefill",
    "build_capture_modal",
    "read_form",
]

VIEW_CALLBACK_ID = "bugpilot_capture_modal"
CUSTOMER = "customer"
NOTE = "note"
ACTION_BLOCK = "action"
MAX_METADATA_LENGTH = 3000

_HINT_LIMIT = 2000
_CUSTOMER_LIMIT = 254  # the longest valid email address
_CHOICES: tuple[tuple[Action, str, str], ...] = (
    (Action.SCREENSHOT, "📸 Screenshot", "They see nothing: Bugpilot captures the page they have open."),
    (Action.SESSION, "🎞️ Session replay", "They see nothing: their last 5–10 minutes are uploaded."),
    (Action.RECORDING, "🎥 Ask to record", "They see a recording frame and can record up to 60 seconds."),
)


class ModalContext(BaseModel):
    """Where the outcome of a submitted modal belongs; stored in ``private_metadata``.

    Sealed (``seal=``), the JSON carries a signature ``sig`` over the rest, and a
    submission whose metadata was edited or made up is refused.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    channel_id: str
    thread_ts: str
    response_url: str | None = None

    def encode(self, seal: Seal | None = None) -> str:
        """Compact JSON within Slack's 3000 characters (the ``response_url`` goes first if needed)."""
        raw = _sealed(self, seal)
        if len(raw) > MAX_METADATA_LENGTH:
            raw = _sealed(self.model_copy(update={"response_url": None}), seal)
        if len(raw) > MAX_METADATA_LENGTH:
            raise ValueError("the channel and thread do not fit in private_metadata")
        return raw

    @classmethod
    def decode(cls, raw: str, seal: Seal | None = None) -> ModalContext:
        """Read ``private_metadata`` back; ``ValueError`` when it is not ours (or, sealed, not signed by us)."""
        try:
            fields = json.loads(raw)
            context = cls.model_validate(fields)
        except (ValueError, ValidationError) as exc:
            raise ValueError("private_metadata is not a capture context") from exc
        if seal is not None and not seal.check(context.model_dump_json(exclude_none=True), fields.get("sig")):
            raise ValueError("private_metadata is not signed by this deployment")
        return context


def _sealed(context: ModalContext, seal: Seal | None) -> str:
    raw = context.model_dump_json(exclude_none=True)
    if seal is None:
        return raw
    return json.dumps({**json.loads(raw), "sig": seal.sign(raw)}, separators=(",", ":"))


@dataclass(frozen=True)
class ModalPrefill:
    """What the modal shows before the user types: candidates, the note, lookups still running."""

    candidates: tuple[Candidate, ...] = ()
    note: str = ""
    looking_up: bool = False


@dataclass(frozen=True)
class CaptureForm:
    """A valid submission."""

    action: Action
    customer: str
    note: str


@dataclass(frozen=True)
class FormErrors:
    """An invalid submission: one message per input ``block_id``, for ``response_action: errors``."""

    errors: dict[str, str]


def build_capture_modal(
    prefill: ModalPrefill,
    *,
    context: ModalContext,
    customer_block: str = CUSTOMER,
    note_block: str = NOTE,
    seal: Seal | None = None,
) -> dict[str, Any]:
    """The modal view as a dict for ``views.open`` / ``views.update`` (``context`` sealed with ``seal``)."""
    first = prefill.candidates[0].email if prefill.candidates else None
    if first is not None and len(first) > _CUSTOMER_LIMIT:
        first = None
    blocks: list[Block] = [
        InputBlock(
            block_id=customer_block,
            label="Customer (email or user ID)",
            element=PlainTextInputElement(
                action_id=CUSTOMER,
                initial_value=first,
                placeholder="alice@acme.com or cust_8812",
                max_length=_CUSTOMER_LIMIT,
            ),
            hint=_clip(_customer_hint(prefill), _HINT_LIMIT),
        ),
        InputBlock(
            block_id=ACTION_BLOCK,
            label="What to capture",
            element=RadioButtonsElement(
                action_id=ACTION_BLOCK,
                options=[_option(choice) for choice in _CHOICES],
                initial_option=_option(_CHOICES[0]),
            ),
        ),
        InputBlock(
            block_id=note_block,
            label="Note on the report",
            optional=True,
            element=PlainTextInputElement(
                action_id=NOTE,
                initial_value=prefill.note[:MAX_NOTE_LENGTH] or None,
                multiline=True,
                max_length=MAX_NOTE_LENGTH,
            ),
            hint="Shown on the Bugpilot report under Notes.",
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"The outcome goes into this message's thread in <#{escape_mrkdwn(context.channel_id)}>.",
                    verbatim=True,
                )
            ]
        ),
    ]
    view = View(
        type="modal",
        callback_id=VIEW_CALLBACK_ID,
        title=PlainTextObject(text="Capture with Bugpilot"),
        submit=PlainTextObject(text="Capture"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=context.encode(seal),
    )
    return view.to_dict()


def read_form(values: Mapping[str, object]) -> CaptureForm | FormErrors:
    """Validate ``view.state.values`` (parsed or raw): one plain customer, a known action, a note within limits."""
    inputs = form_inputs(values)
    customer_block, customer_input = _find(inputs, CUSTOMER)
    action_block, action_input = _find(inputs, ACTION_BLOCK)
    note_block, note_input = _find(inputs, NOTE)
    errors: dict[str, str] = {}

    customer = (customer_input.value or "").strip()
    customer_error = _customer_error(customer)
    if customer_error:
        errors[customer_block] = customer_error

    selected = action_input.selected_option
    try:
        action = Action((selected.value if selected is not None else None) or "")
    except ValueError:
        errors[action_block] = "Choose what to capture."
        action = Action.SCREENSHOT

    note = (note_input.value or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        errors[note_block] = note_too_long(len(note))

    if errors:
        return FormErrors(errors)
    return CaptureForm(action=action, customer=customer, note=note)


def _customer_error(customer: str) -> str | None:
    if not customer:
        return "Enter the customer's email, or the ID your app passes to Bugpilot.identify()."
    if any(ch.isspace() for ch in customer):
        return "One customer, without spaces: an email or a user ID."
    if "<" in customer or ">" in customer:
        return "Type the email or ID as plain text, without Slack formatting such as <@…> or <mailto:…>."
    if customer.startswith(("@", "#")):
        return f"“{customer[:60]}” is a Slack name, not a customer. Type their email or user ID."
    try:
        target = parse_target(escape_mrkdwn(customer))  # typed in a modal: plain, not entity-encoded
    except UsageError as exc:
        return _plain(exc.reason)
    if not isinstance(target, EmailTarget | IdTarget):  # pragma: no cover - mentions need markup
        return "Type the customer's email or user ID."
    return None


def _find(inputs: Mapping[str, Mapping[str, InputState]], action_id: str) -> tuple[str, InputState]:
    """The block holding ``action_id`` and its input; the default block id (and nothing typed) when absent."""
    for block_id, actions in inputs.items():
        if action_id in actions:
            return block_id, actions[action_id]
    return action_id, InputState()


def _customer_hint(prefill: ModalPrefill) -> str:
    still = " Still looking up the members mentioned in the message…" if prefill.looking_up else ""
    if not prefill.candidates:
        if prefill.looking_up:
            return "Looking up the members mentioned in the message…"
        return (
            "I found no email in this message. Type the customer's email, "
            "or the ID your app passes to Bugpilot.identify()."
        )
    first, *others = prefill.candidates
    hint = f"Found {first.source}. Change it if this isn't the customer."
    if others:
        hint += " Also found: " + "; ".join(f"{c.email} ({c.source})" for c in others) + "."
    return hint + still


def _option(choice: tuple[Action, str, str]) -> Option:
    action, label, description = choice
    return Option(value=str(action), text=PlainTextObject(text=label), description=PlainTextObject(text=description))


def _plain(reason: str) -> str:
    """A parser reason (mrkdwn with code spans) as plain text for a modal error."""
    return markup_to_text(reason).replace("`", '"')


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
