"""When auth.test fails, people are told what is wrong (not "something went wrong") and /healthz says it."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot import authorize as authorize_module
from bot.app import create_app
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import command_body, event_body, sign


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _health(client: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.get("/healthz")
    return response.status, await response.json()


async def _command(client: TestClient[Any, Any], text: str = "screenshot alice@acme.com") -> tuple[int, str]:
    body = command_body(text, response_url="http://127.0.0.1:9/respond/never")
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    response = await client.post("/slack/events", data=body, headers=headers)
    return response.status, await response.text()


async def test_a_slack_that_cannot_be_reached_is_named_to_the_user_and_in_healthz(
    settings: Settings, aiohttp_client: Any, fake_bugpilot: Any
):
    """Slack unreachable from the start: a command is answered "can't reach Slack" and /healthz is 503."""
    unreachable = settings.model_copy(update={"slack_api_url": f"http://127.0.0.1:{_closed_port()}/api/"})
    client: TestClient[Any, Any] = await aiohttp_client(create_app(unreachable))

    status, text = await _command(client)

    assert status == 200
    assert "can't reach Slack" in text
    assert "Something went wrong" not in text
    assert await _health(client) == (
        503,
        {
            "in_flight": 0,
            "watches": 0,
            "report_waits": 0,
            "slack": "unreachable",
            "database": "ok",
            "status": "degraded",
        },
    )
    assert fake_bugpilot.arrived.empty()


async def test_a_refused_token_is_named_and_healthz_recovers_with_one_more_auth_test(bot: Bot):
    """Slack refuses the token: the user hears so, /healthz is 503 "refused"; once Slack agrees, both recover."""
    bot.slack.method_errors["auth.test"] = "invalid_auth"
    status, text = await _command(bot.client, "help")
    assert status == 200
    assert "refused Bugpilot's bot token" in text
    assert "SLACK_BOT_TOKEN" in text
    assert "xoxb-" not in text
    health_status, health = await _health(bot.client)
    assert (health_status, health["slack"], health["status"]) == (503, "refused", "degraded")

    del bot.slack.method_errors["auth.test"]
    health_status, health = await _health(bot.client)
    assert (health_status, health["slack"], health["status"]) == (200, "ok", "ok")
    asked = len(bot.slack.of("auth.test"))
    status, text = await _command(bot.client, "help")
    assert "/bugpilot" in text
    await _health(bot.client)
    assert len(bot.slack.of("auth.test")) == asked  # a good answer is kept: one auth.test per process


async def test_requests_arriving_together_share_one_failed_auth_test(bot: Bot, monkeypatch: pytest.MonkeyPatch):
    """A hanging auth.test is given up in time, and every request that waited on it hears the same answer."""
    monkeypatch.setattr(authorize_module, "AUTH_TEST_SECONDS", 0.3)
    bot.slack.gates["auth.test"] = asyncio.Event()  # Slack never answers

    answers = await asyncio.gather(*(_command(bot.client) for _ in range(5)))

    assert all(status == 200 and "can't reach Slack" in text for status, text in answers)
    assert len(bot.slack.of("auth.test")) == 1
    bot.slack.gates["auth.test"].set()


async def test_an_event_while_slack_refuses_is_acknowledged_quietly(bot: Bot):
    """An app_mention that can't be authorized is acknowledged (no redelivery storm) and nothing is posted."""
    bot.slack.method_errors["auth.test"] = "invalid_auth"
    event = {"type": "app_mention", "user": "U_AGENT", "text": "<@U_BOT> screenshot a@b.co", "channel": "C_SUPPORT"}
    body = event_body({**event, "ts": "1700000000.000100", "event_ts": "1700000000.000100"}, event_id="Ev1")
    headers = {"Content-Type": "application/json", **sign(body)}

    response = await bot.client.post("/slack/events", data=body, headers=headers)

    assert response.status == 200
    await bot.settle()
    assert [call.method for call in bot.slack.calls] == ["auth.test"]
