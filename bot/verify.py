"""The gate in front of Bolt: a request from Slack is signed, recent, readable and well formed, or it is refused.

Slack signs every request with the app's signing secret: ``X-Slack-Signature`` is
``v0=`` and the HMAC-SHA256 of ``v0:<timestamp>:<raw body>``, and
``X-Slack-Request-Timestamp`` is the Unix time it was sent. This module checks both on
the raw bytes, before anything decodes or parses the body, and without raising on
whatever an attacker puts in the headers (slack_sdk's verifier does ``int(timestamp)``,
so a non-numeric timestamp raises inside Bolt, which treats it as a crashed listener).

``check_headers``, ``check_signature`` and ``parse_body`` are pure: the handler in ``bot.app`` answers
401 for a bad signature and 400 for a signed body it cannot read, and only then hands
the request to Bolt (which checks the signature again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Final, Literal
from urllib.parse import parse_qsl

__all__ = ["MAX_AGE_SECONDS", "Rejection", "check_headers", "check_signature", "parse_body"]

MAX_AGE_SECONDS: Final = 5 * 60

Rejection = Literal[
    "no_timestamp",
    "bad_timestamp",
    "stale_timestamp",
    "no_signature",
    "bad_signature",
    "no_secret",
]

# Unix seconds, ASCII digits only (``int()`` would also take " 12", "+12", "1_2" and other digits).
_TIMESTAMP: Final = re.compile(r"[0-9]{1,12}")
_SIGNATURE: Final = re.compile(r"v0=[0-9a-f]{64}")


def check_headers(headers: Mapping[str, str], *, secret: str | None, now: float) -> Rejection | None:
    """What is wrong with the signature headers alone (checked before the body is read), or None."""
    if not secret:
        return "no_secret"
    timestamp = headers.get("X-Slack-Request-Timestamp")
    if not timestamp:
        return "no_timestamp"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "bad_timestamp"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "stale_timestamp"
    signature = headers.get("X-Slack-Signature")
    if not signature:
        return "no_signature"
    if not _SIGNATURE.fullmatch(signature):
        return "bad_signature"
    return None


def check_signature(headers: Mapping[str, str], body: bytes, *, secret: str | None, now: float) -> Rejection | None:
    """Why the request is not from Slack, or None when it is. Never raises; compares in constant time."""
    rejection = check_headers(headers, secret=secret, now=now)
    if rejection is not None or not secret:
        return rejection or "no_secret"
    timestamp = headers["X-Slack-Request-Timestamp"]
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={expected}", headers["X-Slack-Signature"]):
        return "bad_signature"
    return None


def parse_body(body: bytes, content_type: str) -> str | None:
    """The body as text when Bolt can read it into an object, else None.

    Bolt reads JSON, or a form with an optional JSON ``payload``. None: not UTF-8, not JSON
    where JSON is due, or JSON that is not an object.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return text
    if content_type == "application/json" or text.startswith("{"):
        return text if _is_json_object(text) else None
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None and not _is_json_object(payload):
            return None
    return text


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return False
