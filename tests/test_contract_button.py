"""The button value's wire format: values already posted in Slack must still decode after a deploy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import zlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.errors import InvalidButton
from bot.followups.button import MAX_VALUE, FollowUp, FollowUpCodec
from bot.seal import Seal

SECRET = "golden-secret-do-not-change"


def _codec() -> FollowUpCodec:
    """A codec made inside the test, so the key derivation under test is the one that runs."""
    return FollowUpCodec(SECRET)


# A follow-up with every field set, and one with only the required ones.
FULL = FollowUp(
    action=Action.RECORDING,
    customer="alice@acme.com",
    customer_label="@alice (alice@acme.com)",
    note="checkout button does nothing",
    requester_id="U0AGENT",
    team_id="T0ACME",
    channel_id="C0SUPPORT",
    thread_ts="1700000000.000100",
    status_ts="1700000000.000200",
    attempt=3,
)
MINIMAL = FollowUp(action=Action.SESSION, customer="cust_8812", requester_id="U0AGENT", channel_id="D0DM")

# Captured from the code that posted buttons before this test existed. Changing the key derivation, the
# signature, an alias or the body layout breaks every button already in Slack: these must keep decoding.
GOLDEN_MINIMAL = 'bfYbeRStGc5eQXwnoE2tlw.j{"a":"upload-session","u":"cust_8812","r":"U0AGENT","c":"D0DM"}'
GOLDEN_FULL = (
    "6gYJc0ZYymlavKD0tRy37Q.zeNpljMEKgkAQhl9l2VNBylqHwJMi0qmS0gewcWkXdQd0lw7Ru_cnXaKBOXzfN8xTtjKVs-FHNGniqbPuHgUrN"
    "zLAt4MlnbU06ph4hBwgs8WK1W9cozpUMpp6Dl7cgvfsRMd6Fo69wWOcTDhpVH4oTzXIg2qVF8cSQIBCXZuqOl8-0YCTvfpOjE2Ugp___HbxvU"
    "x3rzcEfDnP"
)
# A compressed value whose base64 ends in "X" (so stripping anything but padding would show).
GOLDEN_COMPRESSED = MINIMAL.model_copy(update={"note": "again " * 50, "attempt": 105})
GOLDEN_COMPRESSED_VALUE = (
    "20h_eMP-n59FCI5wjX0VvA.zeNqrVkpUslIqLcjJT0zRLU4tLs7Mz1PSUSoFCiaXFpfEW1gYGgH5eUB-YnpiZp7CKEkMCQyyImCQhRo4urv6hQB5"
    "yUCei4GLL5CZrWRlaGBaCwC6WX8X"
)
GOLDEN_FULL_JSON = {
    "a": "show-recording-ui",
    "u": "alice@acme.com",
    "l": "@alice (alice@acme.com)",
    "n": "checkout button does nothing",
    "r": "U0AGENT",
    "t": "T0ACME",
    "c": "C0SUPPORT",
    "h": "1700000000.000100",
    "s": "1700000000.000200",
    "k": 3,
}


def _request(**changes: object) -> CaptureRequest:
    fields: dict[str, object] = {
        "action": Action.SESSION,
        "customer": "alice@acme.com",
        "customer_label": "alice@acme.com",
        "note": "",
        "requester_id": "U0AGENT",
        "team_id": "T0ACME",
        "channel_id": "C0SUPPORT",
    }
    return CaptureRequest.model_validate(fields | changes)


def _signed(body: str) -> str:
    """A value signed the documented way: HMAC-SHA256 under a key derived from the secret, 16 bytes, base64url."""
    key = hmac.new(b"bugpilot-followup-v1", SECRET.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(signature).decode().rstrip("=") + "." + body


def _incompressible(length: int, seed: int = 7) -> str:
    chooser = random.Random(seed)  # noqa: S311 - a fixed, reproducible note, not a secret
    return "".join(chooser.choice(string.ascii_letters + string.digits) for _ in range(length))


def test_golden_value_of_a_minimal_follow_up_is_byte_for_byte_stable():
    """A fixed follow-up under a fixed secret encodes to the exact value posted by earlier releases."""
    assert _codec().encode(MINIMAL) == GOLDEN_MINIMAL


def test_golden_compressed_value_is_byte_for_byte_stable():
    """The compressed form (zlib level 9, base64url without padding) is the one earlier releases posted."""
    assert _codec().encode(GOLDEN_COMPRESSED) == GOLDEN_COMPRESSED_VALUE
    assert _codec().encode(FULL) == GOLDEN_FULL
    assert _codec().decode(GOLDEN_COMPRESSED_VALUE) == GOLDEN_COMPRESSED


def test_the_secret_and_the_purpose_both_go_into_the_key():
    """Another secret's values are refused, and the modal's seal is not the button's key."""
    other = FollowUpCodec("another secret")
    with pytest.raises(InvalidButton, match="bad_signature"):
        other.decode(GOLDEN_MINIMAL)
    sealed = _codec().metadata.sign("context")
    assert _codec().metadata.check("context", sealed)
    assert not other.metadata.check("context", sealed)
    assert not Seal(SECRET, purpose="button").check("context", sealed)
    assert sealed == Seal(SECRET, purpose="modal").sign("context")


def test_golden_values_posted_by_earlier_releases_still_decode():
    """Values captured from earlier releases, plain JSON and compressed, decode to the same follow-ups."""
    assert _codec().decode(GOLDEN_MINIMAL) == MINIMAL
    assert _codec().decode(GOLDEN_FULL) == FULL


def test_golden_body_names_every_field_by_its_one_letter_alias():
    """The compressed body is zlib'd compact JSON under the one-letter field names, defaults left out."""
    packed = GOLDEN_FULL.split(".", 1)[1]
    assert packed.startswith("z")
    raw = base64.urlsafe_b64decode(packed[1:] + "=" * (-len(packed[1:]) % 4))
    assert json.loads(zlib.decompress(raw)) == GOLDEN_FULL_JSON
    assert FULL.model_dump(by_alias=True, mode="json") == GOLDEN_FULL_JSON
    assert _codec().decode(_codec().encode(FULL) or "") == FULL


def test_signature_is_the_documented_hmac_of_the_body():
    """Anyone holding the secret can sign a body the documented way, and the codec accepts it."""
    body = 'j{"a":"upload-screenshot","u":"x","r":"U1","c":"C1","k":2}'
    followup = _codec().decode(_signed(body))
    assert (followup.action, followup.customer, followup.attempt) == (Action.SCREENSHOT, "x", 2)
    assert followup.team_id == ""
    assert followup.thread_ts is None


def test_plain_json_is_used_when_compressing_does_not_make_it_shorter():
    """A short body travels as ``j`` + JSON; a long repetitive one as ``z`` + base64url(zlib)."""
    short = _codec().encode(MINIMAL) or ""
    assert short.split(".", 1)[1] == "j" + MINIMAL.model_dump_json(by_alias=True, exclude_defaults=True)
    repetitive = MINIMAL.model_copy(update={"note": "again " * 200})
    long = _codec().encode(repetitive) or ""
    assert long.split(".", 1)[1].startswith("z")
    assert "=" not in long
    assert _codec().decode(long) == repetitive


def _value_of_length(length: int) -> tuple[FollowUp, str | None]:
    """A follow-up whose plain JSON value is exactly ``length`` characters long, and what the codec makes of it."""
    note = _incompressible(length)
    while True:
        followup = MINIMAL.model_copy(update={"note": note})
        if len(_signed("j" + followup.model_dump_json(by_alias=True, exclude_defaults=True))) <= length:
            return followup, _codec().encode(followup)
        note = note[:-1]


def test_a_value_of_exactly_2000_characters_is_made_and_accepted():
    """Slack's limit is 2000 characters: a value of exactly 2000 is a button and decodes."""
    followup, value = _value_of_length(MAX_VALUE)
    assert value is not None
    assert len(value) == MAX_VALUE == 2000
    assert _codec().decode(value) == followup


def test_a_value_of_2001_characters_is_not_made_and_not_accepted():
    """One character more gives no button, and a correctly signed 2001-character value is refused."""
    followup, value = _value_of_length(MAX_VALUE + 1)
    assert value is None
    body = "j" + followup.model_dump_json(by_alias=True, exclude_defaults=True)
    signed = _signed(body)
    assert len(signed) == MAX_VALUE + 1
    with pytest.raises(InvalidButton, match="malformed"):
        _codec().decode(signed)
    assert _codec().peek(signed) is None


def test_value_for_gives_none_and_logs_why_when_the_capture_cannot_travel():
    """Fields a button can't carry, or a note too long to fit, give no value (and say which)."""
    with capture_logs() as logs:
        assert _codec().value_for(_request(), channel_id="not a channel", thread_ts=None, status_ts=None) is None
        long_note = _request(note=_incompressible(1900))
        assert _codec().value_for(long_note, channel_id="C0SUPPORT", thread_ts=None, status_ts=None) is None
    unavailable = [line for line in logs if line["event"] == "followup.unavailable"]
    assert unavailable[0]["fields"] == ["channel_id"]
    assert unavailable[1]["reason"] == "too_long"


def test_value_for_leaves_out_a_label_that_only_repeats_the_customer():
    """The label travels only when it says more than the customer ID; the next attempt restores it."""
    same = _codec().value_for(_request(), channel_id="C0SUPPORT", thread_ts=None, status_ts=None) or ""
    assert '"l"' not in same
    assert _codec().decode(same).next_request(surface=Surface.RETRY, actor_id="U1").customer_label == "alice@acme.com"
    labelled = _request(customer_label="@alice (alice@acme.com)", attempt=4)
    value = _codec().value_for(labelled, channel_id="C0SUPPORT", thread_ts="1.2", status_ts="1.3") or ""
    decoded = _codec().decode(value)
    assert (decoded.customer_label, decoded.thread_ts, decoded.status_ts, decoded.attempt) == (
        "@alice (alice@acme.com)",
        "1.2",
        "1.3",
        4,
    )
    assert decoded.after(_request(attempt=9)).attempt == 9


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("x.\ud800", "malformed"),
        ("\ud800." + GOLDEN_MINIMAL.split(".", 1)[1], "malformed"),
        (GOLDEN_MINIMAL + "\udfff", "malformed"),
        ("nodot", "malformed"),
        (GOLDEN_MINIMAL.replace("bfY", "bfZ", 1), "bad_signature"),
        (_signed('j{"a":"upload-session"'), "bad_payload"),
        (_signed("q{}"), "bad_payload"),
        (_signed("z!!!"), "bad_payload"),
        (_signed("z" + base64.urlsafe_b64encode(b"not zlib").decode()), "bad_payload"),
        (_signed("j[]"), "bad_payload"),
    ],
)
def test_each_kind_of_bad_value_is_refused_with_its_reason(value: str, reason: str):
    """Malformed values, lone surrogates included, bad signatures and bad payloads raise InvalidButton."""
    with capture_logs() as logs, pytest.raises(InvalidButton) as caught:
        _codec().decode(value)
    assert str(caught.value) == reason
    assert [line["reason"] for line in logs if line["event"] == "followup.invalid_value"] == [reason]
    assert _codec().peek(value) is None


def test_a_compressed_body_inflating_past_8000_characters_is_refused():
    """However valid the JSON inside, a body that inflates past 8000 characters is a bomb, not a value we made."""
    padded = MINIMAL.model_dump_json(by_alias=True, exclude_defaults=True).replace(",", "," + " " * 3000)
    assert len(padded) > 8000
    assert FollowUp.model_validate(json.loads(padded)) == MINIMAL
    bomb = "z" + base64.urlsafe_b64encode(zlib.compress(padded.encode(), 9)).decode().rstrip("=")
    with pytest.raises(InvalidButton) as caught:
        _codec().decode(_signed(bomb))
    assert str(caught.value) == "bad_payload"
    fits = MINIMAL.model_dump_json(by_alias=True, exclude_defaults=True).replace(",", "," + " " * 2000, 3)
    assert 6000 < len(fits) <= 8000
    small = "z" + base64.urlsafe_b64encode(zlib.compress(fits.encode(), 9)).decode().rstrip("=")
    assert _codec().decode(_signed(small)) == MINIMAL


@given(value=st.text(max_size=60))
@example(value="\ud800")
@example(value="a.\ud800")
@example(value="\ud800.j{}")
def test_any_text_is_a_follow_up_or_invalid_button(value: str):
    """Whatever text comes back as a button value, the codec answers a follow-up or InvalidButton."""
    try:
        assert isinstance(_codec().decode(value), FollowUp)
    except InvalidButton:
        assert _codec().peek(value) is None
