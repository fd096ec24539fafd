"""Pure: the signed button value a follow-up travels in, and the blocks that carry it."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.attempt import Attempt
from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.errors import BugpilotInternalError, InvalidButton, UserNotConnected
from bot.followups.blocks import build_outcome, build_watch_status
from bot.followups.button import MAX_VALUE, FollowUp, FollowUpCodec

CODEC = FollowUpCodec("8f742231b10e8888abcd99yyyzzz85a5")


def _request(**changes: object) -> CaptureRequest:
    fields: dict[str, object] = {
        "action": Action.SESSION,
        "customer": "alice@acme.com",
        "customer_label": "@alice (alice@acme.com)",
        "note": "checkout fails",
        "requester_id": "U_AGENT",
        "team_id": "T_ACME",
        "channel_id": "C_SUPPORT",
    }
    return CaptureRequest.model_validate(fields | changes)


def _value(request: CaptureRequest | None = None) -> str:
    value = CODEC.value_for(
        request or _request(), channel_id="C_SUPPORT", thread_ts="1700000000.000100", status_ts="1700000000.000100"
    )
    assert value is not None
    return value


def test_value_round_trips_and_leads_to_the_next_attempt():
    """What the button carries is the same capture; the next request is attempt + 1, by the clicker."""
    followup = CODEC.decode(_value())
    assert followup.thread_ts == followup.status_ts == "1700000000.000100"
    again = followup.next_request(surface=Surface.RETRY, actor_id="U_LEAD")
    assert again == _request(attempt=2, surface=Surface.RETRY, actor_id="U_LEAD")


@given(
    customer=st.text(min_size=1, max_size=200).filter(str.strip),
    note=st.text(max_size=1500),
    attempt=st.integers(min_value=1, max_value=99_999),
)
def test_any_capture_that_fits_round_trips(customer: str, note: str, attempt: int):
    """Whatever the customer ID and note, a value that fits Slack's limit decodes to the same follow-up."""
    request = _request(customer=customer, customer_label=customer, note=note, attempt=attempt)
    value = CODEC.value_for(request, channel_id="C_SUPPORT", thread_ts=None, status_ts=None)
    if value is None:
        return
    assert len(value) <= MAX_VALUE
    decoded = CODEC.decode(value)
    assert (decoded.customer, decoded.note, decoded.attempt) == (customer, note, attempt)


@given(position=st.integers(min_value=0), replacement=st.characters())
def test_any_single_character_change_is_refused(position: int, replacement: str):
    """Changing any one character of a value makes it invalid."""
    value = _value()
    index = position % len(value)
    if value[index] == replacement:
        return
    with pytest.raises(InvalidButton):
        CODEC.decode(value[:index] + replacement + value[index + 1 :])


def test_long_notes_are_compressed_and_too_long_ones_get_no_button():
    """A repetitive long note still fits; a note that can't fit gives None, never a clipped capture."""
    compressible = _request(note="the checkout button does nothing " * 100)
    assert CODEC.decode(_value(compressible)).note == compressible.note
    random_note = json.dumps(list(range(2000)))[:3900]
    assert CODEC.value_for(_request(note=random_note), channel_id="C1", thread_ts=None, status_ts=None) is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        12,
        "",
        "no-dot",
        "a.b",
        "x" * (MAX_VALUE + 1),
        FollowUpCodec("another secret").encode(FollowUp.of(_request(), channel_id="C_SUPPORT", thread_ts=None)),
    ],
)
def test_values_not_signed_by_this_deployment_are_refused(value: object):
    """Anything but a value this deployment signed raises InvalidButton."""
    with pytest.raises(InvalidButton):
        CODEC.decode(value)


def test_signed_but_invalid_payload_is_refused():
    """Even correctly signed, a payload that isn't a valid follow-up is refused (defence in depth)."""
    body = 'j{"a":"upload-screenshot","u":"x","r":"U1","c":"C1","k":0}'
    with pytest.raises(InvalidButton):
        CODEC.decode(f"{CODEC._sign(body)}.{body}")
    packed = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 1_000_000 + b"]", 9)).decode()
    bomb = "z" + packed.rstrip("=")
    assert len(bomb) < MAX_VALUE
    with pytest.raises(InvalidButton):
        CODEC.decode(f"{CODEC._sign(bomb)}.{bomb}")


def test_outcome_buttons_follow_the_error():
    """Offline: Try again, Keep trying and Still failing?; Bugpilot failing: Try again only; success: none."""
    offline = build_outcome(Attempt(_request(), error=UserNotConnected("offline")), _value())
    failing = build_outcome(Attempt(_request(), error=BugpilotInternalError("5xx", status=502)), _value())
    actions = [[b for b in m.blocks if b["type"] == "actions"] for m in (offline, failing)]
    assert [[e["action_id"] for e in a[0]["elements"]] for a in actions] == [
        ["bugpilot_try_again", "bugpilot_keep_trying", "bugpilot_still_failing"],
        ["bugpilot_try_again"],
    ]
    too_long = build_outcome(Attempt(_request(), error=UserNotConnected("offline")), None)
    assert "the note is too long for a button" in json.dumps(too_long.blocks)
    assert not [b for b in too_long.blocks if b["type"] == "actions"]


def test_watch_status_escapes_what_users_typed():
    """Customer IDs and notes cannot ping or forge links in the Keep trying message."""
    hostile = _request(customer="<!channel>", customer_label="<!channel>", note="<https://evil|here> <@U999>")
    status = build_watch_status(hostile, started_by="U_AGENT", next_at=1_700_000_030, until=1_700_000_600, value="v")
    everything = json.dumps(status.blocks) + status.text
    assert "<!channel>" not in everything
    assert "<https://evil" not in everything
    assert "<@U999>" not in everything
    assert "<!date^1700000030^" in everything
