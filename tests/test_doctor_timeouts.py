"""The doctor's Slack checks are bounded: a Slack that never answers is a FAIL line, not a hang."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer

from bot import doctor
from bot.doctor import run_checks
from bot.settings import Settings
from tests.fakes import BOT_TOKEN, SIGNING_SECRET, FakeSlack


async def test_a_slack_that_never_answers_fails_the_token_check_within_the_bound(
    settings: Settings, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(doctor, "_SLACK_TIMEOUT", 0.5)
    slack_server: TestServer = fake_slack.server  # type: ignore[attr-defined]
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": str(slack_server.make_url("/api/")),
        "BUGPILOT_API_KEY": settings.bugpilot_api_key.get_secret_value(),
        "BUGPILOT_WORKSPACE_ID": settings.bugpilot_workspace_id,
        "BUGPILOT_API_URL": settings.bugpilot_api_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fake_slack.gates["auth.test"] = gate = asyncio.Event()
    try:
        async with asyncio.timeout(10):
            checks = {check.name: check for check in await run_checks()}
    finally:
        gate.set()
    assert checks["slack token"].verdict == "FAIL"
    assert "no answer within 0.5 s" in checks["slack token"].detail
    assert checks["bugpilot"].verdict != "skip"
