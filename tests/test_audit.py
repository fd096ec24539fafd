"""The audit trail: one audit.capture event per capture attempt, with the documented fields and no secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from bot.app import create_app
from bot.audit import AUDIT_FIELDS, record_capture
from bot.capture import CaptureRequest
from bot.commands import Action
from bot.logs import configure_logging
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import API_KEY, BOT_TOKEN, SIGNING_SECRET
from tests.interactions import click

NOTE = "the checkout button does nothing"


def _audits(logs: Sequence[MutableMapping[str, Any]], event: str = "audit.capture") -> list[dict[str, Any]]:
    return [dict(entry) for entry in logs if entry["event"] == event]


async def test_each_attempt_emits_one_audit_event_with_the_documented_fields(bot: Bot, online: set[str]):
    """A command and a Try again give two events: who, where, whom, what, how it went, how long, which attempt."""
    with capture_logs() as logs:
        await bot.command(f"screenshot alice@acme.com {NOTE}")
        await bot.slack.next_call("chat.postMessage")
        outcome = await bot.slack.next_call("chat.postMessage")
        await bot.slack.next_call("chat.update")
        online.add("alice@acme.com")
        ts = bot.slack.ts_of(outcome)
        await bot.interact(
            click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url(), user_id="U_LEAD")
        )
        while "Screenshot requested" not in (await bot.slack.next_call("chat.update")).args["text"]:
            pass

    first, second = _audits(logs)
    for entry in (first, second):
        assert set(entry) == {"event", "log_level", *AUDIT_FIELDS}
        assert entry["log_level"] == "info"
        assert isinstance(entry["duration_ms"], int)
    thread = outcome.args["thread_ts"]
    assert first == first | {
        "team_id": "T_ACME",
        "user_id": "U_AGENT",
        "requester_id": "U_AGENT",
        "channel_id": "C_SUPPORT",
        "thread_ts": thread,
        "target": "alice@acme.com",
        "action": "upload-screenshot",
        "surface": "command",
        "outcome": "USER_NOT_CONNECTED",
        "http_status": 400,
        "attempt": 1,
    }
    assert second == second | {
        "user_id": "U_LEAD",
        "requester_id": "U_AGENT",
        "thread_ts": thread,
        "surface": "retry",
        "outcome": "ok",
        "http_status": 200,
        "attempt": 2,
    }
    everything = json.dumps(logs)
    for secret in (API_KEY, BOT_TOKEN, SIGNING_SECRET, NOTE):
        assert secret not in everything


async def test_keep_trying_attempts_are_audited_as_keep_trying(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """Every scheduled attempt is its own event, marked keep_trying, with the attempt number."""
    bot.client = await aiohttp_client(create_app(settings.model_copy(update={"bugpilot_keep_trying_every": 0.02})))
    with capture_logs() as logs:
        await bot.command("session cust_77")
        await bot.slack.next_call("chat.postMessage")
        outcome = await bot.slack.next_call("chat.postMessage")
        ts = bot.slack.ts_of(outcome)
        await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
        await bot.bugpilot.next_arrival()
        await bot.bugpilot.next_arrival()
        await bot.bugpilot.next_arrival()
        online.add("cust_77")
        while "Session replay requested" not in (await bot.slack.next_call("chat.update")).args["text"]:
            pass

    audits = _audits(logs)
    assert [a["surface"] for a in audits][:2] == ["command", "keep_trying"]
    assert [a["attempt"] for a in audits] == list(range(1, len(audits) + 1))
    assert audits[-1]["outcome"] == "ok"
    assert {a["outcome"] for a in audits[:-1]} == {"USER_NOT_CONNECTED"}


async def test_refusals_are_audited_and_no_capture_is(bot: Bot, aiohttp_client: Any, settings: Settings):
    """A refused request logs audit.refused and no audit.capture."""
    restricted = settings.model_copy(update={"bugpilot_allowed_users": frozenset({"U0AGENT1"})})
    bot.client = await aiohttp_client(create_app(restricted))
    with capture_logs() as logs:
        await bot.command("screenshot alice@acme.com", user_id="U0INTRUDER")
        await bot.settle()
    assert not _audits(logs)
    (refused,) = _audits(logs, "audit.refused")
    assert refused["user_id"] == "U0INTRUDER"
    assert refused["kind"] == "command"


@pytest.fixture(name="restore_logging")
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    audit_level = logging.getLogger("bot.audit").level
    yield
    structlog.reset_defaults()
    root.handlers, root.level = handlers, level
    logging.getLogger("bot.audit").setLevel(audit_level)


def test_audit_events_are_kept_when_the_log_level_is_higher(restore_logging, capsys: pytest.CaptureFixture[str]):
    """LOG_LEVEL=WARNING drops info lines but not the audit trail, and JSON lines carry every field."""
    configure_logging(level="WARNING", fmt="json", secrets=[API_KEY])
    request = CaptureRequest(
        action=Action.RECORDING,
        customer="bob@customer.io",
        customer_label="bob@customer.io",
        note=NOTE,
        requester_id="U_AGENT",
        team_id="T_ACME",
        channel_id="C_SUPPORT",
    )
    structlog.get_logger("bot.workflow").info("command.handled")
    record_capture(request, thread_ts="1700000000.000001", outcome="ok", http_status=200, duration_ms=12)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (line,) = lines
    assert line["event"] == "audit.capture"
    assert line["logger"] == "bot.audit"
    assert set(AUDIT_FIELDS) <= set(line)
    assert NOTE not in json.dumps(line)
