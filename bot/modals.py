"""The capture modal: pure view builders (message shortcut, global shortcut) and ``private_metadata``.

The view carries where the outcome belongs (channel, thread, the shortcut's ``response_url``)
in ``private_metadata``, because a ``view_submission`` has no channel of its own; the global
shortcut's modal asks instead, with a conversation picker. Reading a submission is
``bot.modal_form``'s job (re-exported here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import MAX_NOTE_LENGTH, Action
from bot.markup import clip, escape_mrkdwn
from bot.modal_form import (
    ACTION_BLOCK,
    CANDIDATE,
    CUSTOMER,
    DESTINATION,
    MEMBER,
    NOTE,
    CaptureForm,
    FormErrors,
    read_form,
)
from bot.postable import ChannelCheck
from bot.prefill import Candidate
from bot.seal import Seal

__all__ = [
    "ACTION_BLOCK",
    "CANDIDATE",
    "CUSTOMER",
    "DESTINATION",
    "GLOBAL_VIEW_CALLBACK_ID",
    "MAX_METADATA_LENGTH",
    "MEMBER",
    "NOTE",
    "VIEW_CALLBACK_ID",
    "CaptureForm",
    "FormErrors",
    "ModalContext",
    "ModalPrefill",
    "build_capture_modal",
    "build_global_modal",
    "read_form",
    "text_prefill",
]

VIEW_CALLBACK_ID = "bugpilot_capture_modal"
GLOBAL_VIEW_CALLBACK_ID = "bugpilot_capture_global_modal"
MAX_METADATA_LENGTH = 3000

_HINT_LIMIT = 2000
_CUSTOMER_LIMIT = 254  # the longest valid email address
_OPTION_VALUE_LIMIT = 150  # Slack's limit on an option's value
_OPTION_TEXT_LIMIT = 75  # ... and on its text and description
_MAX_CHOICES = 10  # radio buttons hold at most 10 options
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
    """What the modal shows before the user types: candidates, the note, lookups still running.

    ``channel`` is what the bot found out about posting in the message's channel (None: not yet).
    """

    candidates: tuple[Candidate, ...] = ()
    note: str = ""
    looking_up: bool = False
    channel: ChannelCheck | None = None


def text_prefill(prefill: ModalPrefill) -> str | None:
    """What the customer field is prefilled with: the one candidate found (several are choices instead)."""
    if len(prefill.candidates) != 1 or len(prefill.candidates[0].email) > _CUSTOMER_LIMIT:
        return None
    return prefill.candidates[0].email


def build_capture_modal(
    prefill: ModalPrefill,
    *,
    context: ModalContext,
    customer_block: str = CUSTOMER,
    note_block: str = NOTE,
    seal: Seal | None = None,
) -> dict[str, Any]:
    """The message shortcut's modal as a dict for ``views.open`` / ``views.update`` (``context`` sealed)."""
    blocks = [
        *_customer_blocks(prefill, customer_block),
        _action_block(),
        _note_block(prefill.note, note_block),
        ContextBlock(elements=[MarkdownTextObject(text=_where_line(context, prefill.channel), verbatim=True)]),
    ]
    return _view(VIEW_CALLBACK_ID, blocks, context.encode(seal))


def build_global_modal() -> dict[str, Any]:
    """The global shortcut's (and App Home's New capture) modal: customer, action, note, where the outcome goes.

    It has no ``private_metadata``: everything the submission needs is in its inputs.
    """
    destination = InputBlock(
        block_id=DESTINATION,
        label="Where the outcome goes",
        optional=True,
        element=ConversationSelectElement(
            action_id=DESTINATION,
            placeholder="A direct message from Bugpilot",
            filter=ConversationFilter(include=["public", "private"]),
        ),
        hint=(
            "Leave empty and the outcome comes to you as a direct message from Bugpilot. "
            "In a channel, a request message is posted there and the outcome goes into its thread."
        ),
    )
    blocks = [
        *_customer_blocks(ModalPrefill(), CUSTOMER, from_message=False),
        _action_block(),
        _note_block("", NOTE),
        destination,
    ]
    return _view(GLOBAL_VIEW_CALLBACK_ID, blocks, None)


def _view(callback_id: str, blocks: list[Block], metadata: str | None) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text="Capture with Bugpilot"),
        submit=PlainTextObject(text="Capture"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()


def _customer_blocks(prefill: ModalPrefill, customer_block: str, *, from_message: bool = True) -> list[Block]:
    """Candidates as choices (when several), a field to type a customer, and a member picker."""
    choices = [c for c in prefill.candidates if len(c.email) <= _OPTION_VALUE_LIMIT][:_MAX_CHOICES]
    blocks: list[Block] = []
    if len(prefill.candidates) > 1 and choices:
        options = [_candidate_option(candidate) for candidate in choices]
        blocks.append(
            InputBlock(
                block_id=CANDIDATE,
                label="Found in the message",
                element=RadioButtonsElement(action_id=CANDIDATE, options=options, initial_option=options[0]),
            )
        )
    several = bool(blocks)
    shown_hint = _customer_hint(prefill, several=several) if from_message else None
    blocks.append(
        InputBlock(
            block_id=customer_block,
            label="Or another customer (email or user ID)" if several else "Customer (email or user ID)",
            optional=True,
            element=PlainTextInputElement(
                action_id=CUSTOMER,
                initial_value=text_prefill(prefill),
                placeholder="alice@acme.com or cust_8812",
                max_length=_CUSTOMER_LIMIT,
            ),
            hint=clip(shown_hint, _HINT_LIMIT) if shown_hint else None,
        )
    )
    blocks.append(
        InputBlock(
            block_id=MEMBER,
            label="Or a Slack member",
            optional=True,
            element=UserSelectElement(action_id=MEMBER, placeholder="Pick a member"),
            hint="Bugpilot uses the email on their Slack profile.",
        )
    )
    return blocks


def _action_block() -> InputBlock:
    return InputBlock(
        block_id=ACTION_BLOCK,
        label="What to capture",
        element=RadioButtonsElement(
            action_id=ACTION_BLOCK,
            options=[_option(choice) for choice in _CHOICES],
            initial_option=_option(_CHOICES[0]),
        ),
    )


def _note_block(note: str, block_id: str) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label="Note on the report",
        optional=True,
        element=PlainTextInputElement(
            action_id=NOTE,
            initial_value=note[:MAX_NOTE_LENGTH] or None,
            multiline=True,
            max_length=MAX_NOTE_LENGTH,
        ),
        hint="Shown on the Bugpilot report under Notes.",
    )


def _where_line(context: ModalContext, check: ChannelCheck | None) -> str:
    """Where the outcome goes, as far as the bot knows: never a thread it can't post in."""
    channel = f"<#{escape_mrkdwn(context.channel_id)}>"
    if check is not None and check.shared:
        return f"{channel} is shared with another organization, so the outcome comes to you privately."
    if check is not None and check.can_post is False:
        return f"I can't post in {channel} ({escape_mrkdwn(check.reason)}), so the outcome comes to you privately."
    if check is not None and check.can_post:
        return f"The outcome goes into this message's thread in {channel}."
    return f"The outcome goes into this message's thread in {channel}, or privately to you if I can't post there."


def _candidate_option(candidate: Candidate) -> Option:
    return Option(
        value=candidate.email,
        text=PlainTextObject(text=clip(candidate.email, _OPTION_TEXT_LIMIT)),
        description=PlainTextObject(text=clip(f"Found {candidate.source}", _OPTION_TEXT_LIMIT)),
    )


def _customer_hint(prefill: ModalPrefill, *, several: bool) -> str:
    still = " Still looking up the members mentioned in the message…" if prefill.looking_up else ""
    if several:
        return "Leave this empty to use the customer chosen above." + still
    if not prefill.candidates:
        if prefill.looking_up:
            return "Looking up the members mentioned in the message…"
        return (
            "I found no email in this message. Type the customer's email, "
            "or the ID your app passes to Bugpilot.identify()."
        )
    return f"Found {prefill.candidates[0].source}. Change it if this isn't the customer." + still


def _option(choice: tuple[Action, str, str]) -> Option:
    action, label, description = choice
    return Option(value=str(action), text=PlainTextObject(text=label), description=PlainTextObject(text=description))
