"""Reading a submitted capture modal: which customer, which action, the note, where the outcome goes.

Inputs are found by ``action_id`` (a block may be renumbered, ``customer_1``, to show a new prefill).
The customer is, in this order: what was typed, else the Slack member picked, else the candidate
chosen among those found in the message. Typing a customer and picking a member is one too many.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.capture import CaptureRequest, Surface
from bot.commands import MAX_NOTE_LENGTH, Action, EmailTarget, IdTarget, note_too_long, parse_target
from bot.errors import UsageError
from bot.markup import escape_mrkdwn, markup_to_text
from bot.payloads.shortcut import InputState, form_inputs

__all__ = [
    "ACTION_BLOCK",
    "CANDIDATE",
    "CUSTOMER",
    "DESTINATION",
    "MEMBER",
    "NOTE",
    "CaptureForm",
    "FormErrors",
    "read_form",
]

CUSTOMER = "customer"
MEMBER = "member"
CANDIDATE = "candidate"
NOTE = "note"
ACTION_BLOCK = "action"
DESTINATION = "destination"

_NOTHING = "Enter the customer's email, or the ID your app passes to Bugpilot.identify(), or pick a Slack member."
_BOTH = "You typed a customer and picked a Slack member: keep one (clear this field to use the member)."


@dataclass(frozen=True)
class CaptureForm:
    """A valid submission.

    ``customer`` is the email or ID typed or chosen; with ``member_id`` (a Slack member picked)
    it is "" and the member is resolved to their email. ``conversation_id`` is the conversation
    picked for the outcome (global shortcut), None for none.
    """

    action: Action
    customer: str
    note: str
    member_id: str | None = None
    conversation_id: str | None = None

    def request(self, customer: tuple[str, str], *, requester_id: str, team_id: str, channel_id: str) -> CaptureRequest:
        """The capture this form asks for; ``customer`` is the Bugpilot user ID and how to show it."""
        return CaptureRequest(
            action=self.action,
            customer=customer[0],
            customer_label=customer[1],
            note=self.note,
            requester_id=requester_id,
            team_id=team_id,
            channel_id=channel_id,
            surface=Surface.SHORTCUT,
        )


@dataclass(frozen=True)
class FormErrors:
    """An invalid submission: one message per input ``block_id``, for ``response_action: errors``."""

    errors: dict[str, str]


def read_form(values: Mapping[str, object]) -> CaptureForm | FormErrors:
    """Validate ``view.state.values`` (parsed or raw): one customer, a known action, a note within limits."""
    inputs = form_inputs(values)
    customer_block, customer_input = _find(inputs, CUSTOMER)
    _, member_input = _find(inputs, MEMBER)
    _, candidate_input = _find(inputs, CANDIDATE)
    action_block, action_input = _find(inputs, ACTION_BLOCK)
    note_block, note_input = _find(inputs, NOTE)
    _, destination_input = _find(inputs, DESTINATION)
    errors: dict[str, str] = {}

    typed = (customer_input.value or "").strip()
    member = member_input.selected_user or None
    chosen = candidate_input.selected_option.value if candidate_input.selected_option is not None else None
    customer = typed or (None if member else chosen) or ""
    if typed and member:
        errors[customer_block] = _BOTH
    elif not member and (customer_error := _customer_error(customer)):
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
    if member and not typed:
        customer = ""
    else:
        member = None
    conversation = destination_input.selected_conversation or None
    return CaptureForm(action=action, customer=customer, note=note, member_id=member, conversation_id=conversation)


def _customer_error(customer: str) -> str | None:
    if not customer:
        return _NOTHING
    if any(ch.isspace() for ch in customer):
        return "One customer, without spaces: an email or a user ID."
    if "<" in customer or ">" in customer:
        return "Type the email or ID as plain text, without Slack formatting such as <@…> or <mailto:…>."
    if customer.startswith(("@", "#")):
        return f"“{customer[:60]}” is a Slack name, not a customer. Type their email or user ID, or pick the member."
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


def _plain(reason: str) -> str:
    """A parser reason (mrkdwn with code spans) as plain text for a modal error."""
    return markup_to_text(reason).replace("`", '"')
