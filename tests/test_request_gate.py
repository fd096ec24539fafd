"""POST /slack/events refuses what Slack did not sign (401) and what it cannot read (400), and acts on neither."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable

import pytest

from tests.conftest import Bot
from tests.fakes import SIGNING_SECRET, command_body


def _signature(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def _signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": _signature(body, timestamp)}


def _forged_bodies(bot: Bot) -> dict[str, bytes]:
    """Bodies that name a response_url on the fake Slack: anything answering it would show up there."""
    command = command_body("screenshot alice@acme.com", response_url=bot.response_url("forged"))
    action = {
        "type": "block_actions",
        "team": {"id": "T_ACME"},
        "user": {"id": "U_AGENT"},
        "response_url": bot.response_url("forged"),
        "actions": [{"action_id": "bugpilot_retry", "value": "x"}],
    }
    return {"command": command.encode(), "action": urllib.parse.urlencode({"payload": json.dumps(action)}).encode()}


def _now() -> str:
    return str(int(time.time()))


UNSIGNED: dict[str, Callable[[bytes], dict[str, str]]] = {
    "timestamp not a number": lambda _body: {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=00"},
    "timestamp empty": lambda body: {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": _signature(body, "")},
    "timestamp with a sign": lambda body: {
        "X-Slack-Request-Timestamp": f"+{_now()}",
        "X-Slack-Signature": _signature(body, f"+{_now()}"),
    },
    "timestamp an hour old": lambda body: {
        "X-Slack-Request-Timestamp": str(int(time.time()) - 3600),
        "X-Slack-Signature": _signature(body, str(int(time.time()) - 3600)),
    },
    "no timestamp": lambda body: {"X-Slack-Signature": _signature(body, _now())},
    "no signature": lambda _body: {"X-Slack-Request-Timestamp": _now()},
    "no headers": lambda _body: {},
    "signature not hex": lambda _body: {"X-Slack-Request-Timestamp": _now(), "X-Slack-Signature": "v0=zz"},
    "another app's secret": lambda body: {
        "X-Slack-Request-Timestamp": _now(),
        "X-Slack-Signature": _signature(body, _now(), secret="someone-elses-secret"),
    },
}


@pytest.mark.parametrize("kind", ["command", "action"])
@pytest.mark.parametrize("forgery", list(UNSIGNED))
async def test_an_unsigned_request_gets_401_and_nothing_is_sent_anywhere(bot: Bot, forgery: str, kind: str):
    """Whatever is wrong with the signature, the answer is 401 and no one (Slack, Bugpilot, its response_url) hears."""
    body = _forged_bodies(bot)[kind]
    headers = {"Content-Type": "application/x-www-form-urlencoded", **UNSIGNED[forgery](body)}

    response = await bot.client.post("/slack/events", data=body, headers=headers)

    assert response.status == 401
    await bot.settle()
    assert bot.slack.calls == []
    assert bot.bugpilot.arrived.empty()


async def test_an_unsigned_body_that_is_not_utf8_gets_401(bot: Bot):
    """An unreadable body without a valid signature is refused as unsigned, before it is decoded."""
    body = b"payload=\xff\xfe{"
    headers = {"X-Slack-Request-Timestamp": _now(), "X-Slack-Signature": "v0=" + "0" * 64}

    response = await bot.client.post("/slack/events", data=body, headers=headers)

    assert response.status == 401
    await bot.settle()
    assert bot.slack.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{", "application/json"),
        (b"[1,2]", "application/json"),
        (b'"text"', "application/json"),
        (b"{", "application/x-www-form-urlencoded"),
        (b"payload=notjson", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        (b"command=/bugpilot&text=\xff\xfe", "application/x-www-form-urlencoded"),
        (b"[" * 100_000, "application/json"),
    ],
)
async def test_a_signed_body_that_cannot_be_read_gets_400_and_nothing_is_sent(bot: Bot, body: bytes, content_type: str):
    """A body Slack signed but that is not UTF-8 or not a JSON object where one is expected: 400, no traceback."""
    headers = {"Content-Type": content_type, **_signed(body)}

    response = await bot.client.post("/slack/events", data=body, headers=headers)

    assert response.status == 400
    assert "Traceback" not in await response.text()
    await bot.settle()
    assert bot.slack.calls == []
    assert bot.bugpilot.arrived.empty()


async def test_a_signed_command_still_goes_through_the_gate(bot: Bot, online: set[str]):
    """The gate lets Slack's own requests by: the command is acknowledged and captured."""
    online.add("alice@acme.com")
    body = command_body("screenshot alice@acme.com", response_url=bot.response_url()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **_signed(body)}

    response = await bot.client.post("/slack/events", data=body, headers=headers)

    assert response.status == 200
    assert (await bot.bugpilot.next_arrival())["userId"] == "alice@acme.com"
    await bot.settle()
