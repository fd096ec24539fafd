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
    read_form,
)
from bot.prefill import Candidate

CONTEXT = ModalContext(channel_id="C1", thread_ts="10.1", response_url="https://hooks.slack.com/actions/T/1/x")


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["element"]["action_id"]: block for block in view["blocks"] if block["type"] == "input"}


def test_modal_prefills_the_first_candidate_and_lists_the_others():
    """Several candidates: the first is in the field, the others are named in its hint."""
    prefill = ModalPrefill(
        candidates=(Candidate("a@x.io", "in the message"), Candidate("b@y.io", "on @bob's Slack profile")),
        note="From Slack: “hi”",
    )
    view = build_capture_modal(prefill, context=CONTEXT)
    inputs = _inputs(view)
    assert inputs["customer"]["element"]["initial_value"] == "a@x.io"
    assert "b@y.io (on @bob's Slack profile)" in inputs["customer"]["hint"]["text"]
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
