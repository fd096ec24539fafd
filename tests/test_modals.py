"""The pure modal builder, its form reading and its private_metadata."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.commands import MAX_NOTE_LENGTH, Action
from bot.modals import (
    MAX_METADATA_LENGTH,
    CaptureForm,
    FormErrors,
    ModalContext,
    ModalPrefill,
    build_capture_modal,
    build_global_modal,
    read_form,
)
from bot.postable import ChannelCheck
from bot.prefill import Candidate

CONTEXT = ModalContext(channel_id="C1", thread_ts="10.1", response_url="https://hooks.slack.com/actions/T/1/x")


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["element"]["action_id"]: block for block in view["blocks"] if block["type"] == "input"}


def test_modal_offers_several_candidates_as_choices_the_first_chosen():
    """Several candidates: radio buttons, one per email with where it was found; the typed field stays empty."""
    prefill = ModalPrefill(
        candidates=(Candidate("a@x.io", "in the message"), Candidate("b@y.io", "on @bob's Slack profile")),
        note="From Slack: “hi”",
    )
    view = build_capture_modal(prefill, context=CONTEXT)
    inputs = _inputs(view)
    choices = inputs["candidate"]["element"]
    assert choices["type"] == "radio_buttons"
    assert [(o["value"], o["description"]["text"]) for o in choices["options"]] == [
        ("a@x.io", "Found in the message"),
        ("b@y.io", "Found on @bob's Slack profile"),
    ]
    assert choices["initial_option"]["value"] == "a@x.io"
    assert "initial_value" not in inputs["customer"]["element"]
    assert inputs["customer"]["label"]["text"] == "Or another customer (email or user ID)"
    assert inputs["note"]["element"]["initial_value"] == "From Slack: “hi”"
    assert inputs["note"]["optional"] is True
    assert view["callback_id"] == "bugpilot_capture_modal"
    assert view["submit"]["text"] == "Capture"


def test_modal_without_candidates_has_an_empty_field_and_a_hint():
    """Nothing found: an empty field that says what to type."""
    inputs = _inputs(build_capture_modal(ModalPrefill(), context=CONTEXT))
    assert "initial_value" not in inputs["customer"]["element"]
    assert "found no email" in inputs["customer"]["hint"]["text"]
    assert "initial_value" not in inputs["note"]["element"]


def test_modal_says_when_lookups_are_still_running():
    """While members are looked up, the hint says so instead of "nothing found"."""
    inputs = _inputs(build_capture_modal(ModalPrefill(looking_up=True), context=CONTEXT))
    assert inputs["customer"]["hint"]["text"].startswith("Looking up")


def test_modal_offers_three_actions_with_screenshot_preselected():
    """Each action with one line on what the customer sees; screenshot is the default."""
    action = _inputs(build_capture_modal(ModalPrefill(), context=CONTEXT))["action"]["element"]
    assert [option["value"] for option in action["options"]] == [str(a) for a in Action]
    assert action["initial_option"]["value"] == "upload-screenshot"
    assert all(0 < len(option["description"]["text"]) <= 75 for option in action["options"])


def test_modal_can_renumber_blocks_to_show_a_later_prefill():
    """The shortcut may give a field a new block_id; reading finds values by action_id anyway."""
    view = build_capture_modal(ModalPrefill(), context=CONTEXT, customer_block="customer_1", note_block="note_1")
    assert {block.get("block_id") for block in view["blocks"]} >= {"customer_1", "action", "note_1"}
    values: dict[str, Any] = {
        "customer_1": {"customer": {"type": "plain_text_input", "value": "a@x.io"}},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": "upload-session"}}},
        "note_1": {"note": {"type": "plain_text_input", "value": None}},
    }
    assert read_form(values) == CaptureForm(action=Action.SESSION, customer="a@x.io", note="")


def test_metadata_round_trips_and_fits():
    """Channel, thread and response_url come back from private_metadata; it stays within 3000 chars."""
    view = build_capture_modal(ModalPrefill(), context=CONTEXT)
    assert ModalContext.decode(view["private_metadata"]) == CONTEXT
    huge = ModalContext(channel_id="C1", thread_ts="10.1", response_url="https://x/" + "a" * 4000)
    encoded = huge.encode()
    assert len(encoded) <= MAX_METADATA_LENGTH
    assert ModalContext.decode(encoded) == ModalContext(channel_id="C1", thread_ts="10.1")


@pytest.mark.parametrize("raw", ["", "not json", json.dumps({"channel_id": "C1"}), "[]"])
def test_foreign_metadata_is_refused(raw):
    """Metadata that isn't ours is a ValueError, not a crash."""
    with pytest.raises(ValueError, match="capture context"):
        ModalContext.decode(raw)


def _values(
    customer: str | None, *, note: str | None = None, action: str | None = "upload-screenshot"
) -> dict[str, Any]:
    return {
        "customer": {"customer": {"type": "plain_text_input", "value": customer}},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": action} if action else None}},
        "note": {"note": {"type": "plain_text_input", "value": note}},
    }


@pytest.mark.parametrize(
    ("customer", "note", "action", "errors"),
    [
        (None, None, "upload-screenshot", {"customer": "Enter the customer's email"}),
        ("   ", None, "upload-screenshot", {"customer": "Enter the customer's email"}),
        ("alice @acme.com", None, "upload-screenshot", {"customer": "without spaces"}),
        ("<@U123ABC>", None, "upload-screenshot", {"customer": "without Slack formatting"}),
        ("<mailto:a@b.io|a@b.io>", None, "upload-screenshot", {"customer": "without Slack formatting"}),
        ("@bob", None, "upload-screenshot", {"customer": "is a Slack name"}),
        ("bob@", None, "upload-screenshot", {"customer": "not an email address"}),
        ("x" * 201, None, "upload-screenshot", {"customer": "characters long"}),
        ("a@b.io", "n" * (MAX_NOTE_LENGTH + 1), "upload-screenshot", {"note": f"keep it to {MAX_NOTE_LENGTH}"}),
        ("a@b.io", None, None, {"action": "Choose what to capture"}),
        ("a@b.io", None, "delete-everything", {"action": "Choose what to capture"}),
        ("", "n" * (MAX_NOTE_LENGTH + 1), "upload-screenshot", {"customer": "Enter", "note": "keep it"}),
    ],
)
def test_invalid_form_is_answered_per_block(customer, note, action, errors):
    """Each problem is reported on its own input block, in plain text."""
    result = read_form(_values(customer, note=note, action=action))
    assert isinstance(result, FormErrors)
    assert set(result.errors) == set(errors)
    for block_id, fragment in errors.items():
        assert fragment in result.errors[block_id]
        assert "`" not in result.errors[block_id]
        assert "&lt;" not in result.errors[block_id]


@pytest.mark.parametrize(
    ("customer", "note", "expected"),
    [
        (" alice@acme.com ", "  checkout fails \n", CaptureForm(Action.SCREENSHOT, "alice@acme.com", "checkout fails")),
        ("cust_8812", None, CaptureForm(Action.SCREENSHOT, "cust_8812", "")),
        ("a@b.io", "n" * MAX_NOTE_LENGTH, CaptureForm(Action.SCREENSHOT, "a@b.io", "n" * MAX_NOTE_LENGTH)),
    ],
)
def test_valid_form_is_read(customer, note, expected):
    """Surrounding whitespace is dropped; a note at the limit is fine."""
    assert read_form(_values(customer, note=note)) == expected


def _state(
    *,
    customer: str | None = None,
    member: str | None = None,
    candidate: str | None = None,
    conversation: str | None = None,
) -> dict[str, Any]:
    """A submission's state with the member picker, the candidate choices and the conversation picker."""
    values = _values(customer)
    values["member"] = {"member": {"type": "users_select", "selected_user": member}}
    if candidate is not None:
        values["candidate"] = {"candidate": {"type": "radio_buttons", "selected_option": {"value": candidate}}}
    values["destination"] = {"destination": {"type": "conversations_select", "selected_conversation": conversation}}
    return values


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"member": "U0BOB"}, CaptureForm(Action.SCREENSHOT, "", "", member_id="U0BOB")),
        ({"candidate": "b@y.io"}, CaptureForm(Action.SCREENSHOT, "b@y.io", "")),
        ({"candidate": "b@y.io", "customer": "c@z.io"}, CaptureForm(Action.SCREENSHOT, "c@z.io", "")),
        ({"candidate": "b@y.io", "member": "U0BOB"}, CaptureForm(Action.SCREENSHOT, "", "", member_id="U0BOB")),
        ({"customer": "c@z.io", "conversation": "C0OUT"}, CaptureForm(Action.SCREENSHOT, "c@z.io", "", None, "C0OUT")),
    ],
)
def test_the_customer_is_what_was_typed_else_the_member_picked_else_the_candidate_chosen(state, expected):
    """Typing beats picking a member, which beats the preselected candidate; the chosen conversation is read."""
    assert read_form(_state(**state)) == expected


def test_typing_a_customer_and_picking_a_member_is_one_too_many():
    """Both filled in: the typed field says to keep one (it is the one that can be cleared)."""
    result = read_form(_state(customer="c@z.io", member="U0BOB"))
    assert isinstance(result, FormErrors)
    assert list(result.errors) == ["customer"]
    assert "picked a Slack member" in result.errors["customer"]


def test_nothing_typed_picked_or_chosen_asks_for_a_customer_or_a_member():
    """An empty form names both ways of giving a customer."""
    result = read_form(_state())
    assert isinstance(result, FormErrors)
    assert "pick a Slack member" in result.errors["customer"]


def test_modal_offers_a_member_picker_and_keeps_the_typed_field_optional():
    """A users_select next to the customer field; both optional, so either can be used."""
    inputs = _inputs(build_capture_modal(ModalPrefill(), context=CONTEXT))
    assert inputs["member"]["element"]["type"] == "users_select"
    assert inputs["member"]["optional"] is True
    assert inputs["customer"]["optional"] is True
    assert inputs["customer"]["label"]["text"] == "Customer (email or user ID)"


def test_one_candidate_is_prefilled_and_long_ones_are_never_options():
    """One candidate goes into the field; an email too long for an option's value is left out of the choices."""
    one = _inputs(build_capture_modal(ModalPrefill(candidates=(Candidate("a@x.io", "here"),)), context=CONTEXT))
    assert one["customer"]["element"]["initial_value"] == "a@x.io"
    assert "candidate" not in one
    long = "l" * 140 + "@example.com"
    several = (Candidate(long, "here"), *(Candidate(f"p{n}@x.io", "there") for n in range(12)))
    inputs = _inputs(build_capture_modal(ModalPrefill(candidates=several), context=CONTEXT))
    values = [option["value"] for option in inputs["candidate"]["element"]["options"]]
    assert values == [f"p{n}@x.io" for n in range(10)]


def _where(view: dict[str, Any]) -> str:
    return str(view["blocks"][-1]["elements"][0]["text"])


@pytest.mark.parametrize(
    ("check", "says", "never"),
    [
        (None, "or privately to you if I can't post there", None),
        (ChannelCheck(can_post=True), "The outcome goes into this message's thread in <#C1>.", "privately"),
        (ChannelCheck(can_post=None), "or privately to you", None),
        (ChannelCheck(can_post=False, reason="it is archived"), "I can't post in <#C1> (it is archived)", "thread"),
        (ChannelCheck(can_post=True, shared=True), "shared with another organization", "thread"),
    ],
)
def test_modal_promises_the_thread_only_when_the_bot_can_post_there(check, says, never):
    """What the modal says about where the outcome goes follows the channel check."""
    where = _where(build_capture_modal(ModalPrefill(channel=check), context=CONTEXT))
    assert says in where
    if never is not None:
        assert never not in where


def test_global_modal_asks_where_the_outcome_goes_and_defaults_to_a_direct_message():
    """A conversations_select (public and private channels), optional: empty means a DM from the bot."""
    view = build_global_modal()
    assert view["callback_id"] == "bugpilot_capture_global_modal"
    assert "private_metadata" not in view
    inputs = _inputs(view)
    assert list(inputs) == ["customer", "member", "action", "note", "destination"]
    destination = inputs["destination"]
    assert destination["label"]["text"] == "Where the outcome goes"
    assert destination["optional"] is True
    assert destination["element"]["type"] == "conversations_select"
    assert destination["element"]["filter"] == {"include": ["public", "private"]}
    assert "default_to_current_conversation" not in destination["element"]
    assert "direct message" in destination["hint"]["text"]
    assert "hint" not in inputs["customer"]
