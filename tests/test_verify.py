"""The signature check and body reader in front of Bolt: pure, and they never raise on what a client sends."""

from __future__ import annotations

import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from bot.verify import MAX_AGE_SECONDS, check_headers, check_signature, parse_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_700_000_000.0


def _headers(body: bytes, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def test_a_request_slack_signed_just_now_passes():
    body = b"command=/bugpilot&text=help"
    assert check_signature(_headers(body, str(int(NOW))), body, secret=SECRET, now=NOW) is None


def test_the_window_is_five_minutes_either_way():
    body = b"x"
    for offset, expected in [(MAX_AGE_SECONDS, None), (MAX_AGE_SECONDS + 1, "stale_timestamp")]:
        for sign in (-1, 1):
            timestamp = str(int(NOW) + sign * offset)
            assert check_signature(_headers(body, timestamp), body, secret=SECRET, now=NOW) == expected


def test_a_changed_body_fails():
    headers = _headers(b"text=help", str(int(NOW)))
    assert check_signature(headers, b"text=hel", secret=SECRET, now=NOW) == "bad_signature"


def test_without_a_secret_nothing_passes():
    body = b"x"
    assert check_signature(_headers(body, str(int(NOW))), body, secret=None, now=NOW) == "no_secret"
    assert check_signature(_headers(body, str(int(NOW))), body, secret="", now=NOW) == "no_secret"


@given(timestamp=st.text(max_size=30), signature=st.text(max_size=80), body=st.binary(max_size=200))
def test_any_headers_are_refused_without_raising(timestamp: str, signature: str, body: bytes):
    """Whatever a client puts in the headers, the check answers with a reason (a forgery never passes)."""
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    assert check_headers(headers, secret=SECRET, now=NOW) in {
        None,
        "no_timestamp",
        "bad_timestamp",
        "stale_timestamp",
        "no_signature",
        "bad_signature",
    }
    assert check_signature(headers, body, secret=SECRET, now=NOW) is not None


@given(timestamp=st.from_regex(r"[+ -]?[0-9٠-٩_]{1,12} ?", fullmatch=True), body=st.binary(max_size=50))
def test_only_plain_digits_are_a_timestamp(timestamp: str, body: bytes):
    """``int()`` accepts signs, spaces, underscores and other scripts' digits; the check does not."""
    headers = _headers(body, timestamp)
    result = check_signature(headers, body, secret=SECRET, now=float(int(NOW)))
    if timestamp.isascii() and timestamp.isdigit():
        assert result in {None, "stale_timestamp"}
    else:
        assert result == "bad_timestamp"


@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]),
)
def test_any_body_is_read_or_refused_without_raising(body: bytes, content_type: str):
    """parse_body answers text Bolt can read into an object, or None; it never raises."""
    text = parse_body(body, content_type)
    if text is not None and (content_type == "application/json" or text.startswith("{")) and text:
        assert isinstance(json.loads(text), dict)


def test_bodies_bolt_cannot_read_are_refused():
    assert parse_body(b"\xff", "application/x-www-form-urlencoded") is None
    assert parse_body(b"{", "application/x-www-form-urlencoded") is None
    assert parse_body(b"[1,2]", "application/json") is None
    assert parse_body(b"payload=notjson", "application/x-www-form-urlencoded") is None
    assert parse_body(b"[" * 50_000, "application/json") is None


def test_bodies_slack_sends_are_read_as_text():
    assert parse_body(b"command=%2Fbugpilot&text=help", "application/x-www-form-urlencoded") == (
        "command=%2Fbugpilot&text=help"
    )
    assert parse_body(b"payload=%7B%22type%22%3A%22x%22%7D", "application/x-www-form-urlencoded") is not None
    assert parse_body(b'{"type":"event_callback"}', "application/json") == '{"type":"event_callback"}'
    assert parse_body(b"", "") == ""
