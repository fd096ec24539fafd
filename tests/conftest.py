"""Shared fixtures: settings from literals, fake Slack and Bugpilot servers, the real bot server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stamina
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import TASKS, create_app
from bot.settings import Settings
from tests.fakes import (
    API_KEY,
    BOT_TOKEN,
    SIGNING_SECRET,
    WORKSPACE_ID,
    FakeBugpilot,
    FakeSlack,
    command_body,
    payload_body,
    sign,
)
from tests.fleet import Fleet, make_fleet
from tests.postgres import PostgresServer, postgres_server


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads this machine's Slack or Bugpilot settings."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BUGPILOT_")) or name in {"PORT", "LOG_FORMAT", "LOG_LEVEL", "DATABASE_URL"}:
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _stamina_testing() -> Iterator[None]:
    """Retries happen without waiting."""
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(name="fake_slack")
async def _fake_slack(aiohttp_server: Any) -> FakeSlack:
    fake = FakeSlack()
    fake.server = await aiohttp_server(fake.app())  # type: ignore[attr-defined]
    return fake


@pytest.fixture(name="fake_bugpilot")
async def _fake_bugpilot(aiohttp_server: Any) -> FakeBugpilot:
    fake = FakeBugpilot()
    # Reports are saved at once, so a followed capture ends at the bot's first look (about 2 s).
    fake.sim.report_delays = dict.fromkeys(fake.sim.report_delays, 0.0)
    fake.server = await aiohttp_server(fake.app())  # type: ignore[attr-defined]
    return fake


@pytest.fixture(name="settings")
def _settings(fake_slack: FakeSlack, fake_bugpilot: FakeBugpilot, tmp_path: Path) -> Settings:
    slack_server: TestServer = fake_slack.server  # type: ignore[attr-defined]
    bugpilot_server: TestServer = fake_bugpilot.server  # type: ignore[attr-defined]
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=str(slack_server.make_url("/api/")),
        bugpilot_api_key=API_KEY,
        bugpilot_workspace_id=WORKSPACE_ID,
        bugpilot_api_url=str(bugpilot_server.make_url("/api/v1")),
        bugpilot_timeout=3.0,
        bugpilot_connect_timeout=1.0,
        shutdown_grace_seconds=5.0,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
    )


@dataclass
class Bot:
    """The real bot server and the fakes it talks to."""

    client: TestClient[Any, Any]
    slack: FakeSlack
    bugpilot: FakeBugpilot

    def response_url(self, key: str = "cmd") -> str:
        server: TestServer = self.slack.server  # type: ignore[attr-defined]
        return str(server.make_url(f"/respond/{key}"))

    async def post_signed(self, body: str, *, headers: dict[str, str] | None = None) -> ClientResponse:
        sent = {"Content-Type": "application/x-www-form-urlencoded", **sign(body), **(headers or {})}
        return await self.client.post("/slack/events", data=body, headers=sent)

    async def command(self, text: str, **fields: str) -> ClientResponse:
        body = command_body(text, response_url=self.response_url(), **fields)
        return await self.post_signed(body)

    async def interact(self, payload: dict[str, Any]) -> ClientResponse:
        return await self.post_signed(payload_body(payload))

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait until the bot's background work has finished, so that "nothing was sent" means something."""
        tasks = self.client.app[TASKS]
        async with asyncio.timeout(timeout):
            while pending := {task for task in tasks._tasks if not task.done()}:
                await asyncio.wait(pending)


@pytest.fixture(name="bot")
async def _bot(settings: Settings, fake_slack: FakeSlack, fake_bugpilot: FakeBugpilot, aiohttp_client: Any) -> Bot:
    # aiohttp_client comes last so the bot stops (finishing its work) before the fakes do.
    client = await aiohttp_client(create_app(settings))
    return Bot(client=client, slack=fake_slack, bugpilot=fake_bugpilot)


@pytest.fixture(name="online")
def _online(fake_bugpilot: FakeBugpilot) -> set[str]:
    """The set of customers the fake Bugpilot treats as online."""
    return fake_bugpilot.sim.online


@pytest.fixture(name="postgres", scope="session")
def _postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server shared by the session's tests (each makes its own database)."""
    yield from postgres_server()


@pytest.fixture(name="fleet")
async def _fleet(aiohttp_server: Any, tmp_path: Path) -> AsyncIterator[Fleet]:
    """Real bot processes sharing one SQLite store, with fake Slack and Bugpilot."""
    fleet = await make_fleet(aiohttp_server, f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        yield fleet
    finally:
        await fleet.close()


@pytest.fixture(name="pg_fleet")
async def _pg_fleet(aiohttp_server: Any, postgres: PostgresServer) -> AsyncIterator[Fleet]:
    """Real bot processes sharing a fresh PostgreSQL database, with fake Slack and Bugpilot."""
    fleet = await make_fleet(aiohttp_server, postgres.new_database())
    try:
        yield fleet
    finally:
        await fleet.close()
