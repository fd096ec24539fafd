"""Socket Mode against a local fake socket server: reconnects after a drop, and /healthz tells."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.settings import Settings
from tests.fakes import TEAM_ID, FakeSlack


@dataclass
class FakeSocketServer:
    """Slack's Socket Mode endpoint: says hello on each connection and records what the bot sends."""

    connections: asyncio.Queue[web.WebSocketResponse] = field(default_factory=asyncio.Queue)
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A_BUGPILOT"}})
        self.connections.put_nowait(ws)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.received.put_nowait(json.loads(message.data))
        return ws

    async def next_connection(self, timeout: float = 5.0) -> web.WebSocketResponse:
        return await asyncio.wait_for(self.connections.get(), timeout)

    async def reply_to(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                sent = await self.received.get()
                if sent.get("envelope_id") == envelope_id:
                    return sent


def _command_envelope(envelope_id: str, text: str, response_url: str) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "deprecated",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": "C_SUPPORT",
            "user_id": "U_AGENT",
            "command": "/bugpilot",
            "text": text,
            "api_app_id": "A_BUGPILOT",
            "response_url": response_url,
            "trigger_id": f"{time.time()}.trigger",
        },
    }


@pytest.fixture(name="socket_server")
async def _socket_server(aiohttp_server: Any, fake_slack: FakeSlack) -> FakeSocketServer:
    fake = FakeSocketServer()
    server: TestServer = await aiohttp_server(fake.app())
    fake_slack.socket_url = str(server.make_url("/link")).replace("http://", "ws://")
    return fake


@pytest.fixture(name="socket_client")
async def _socket_client(
    socket_server: FakeSocketServer, settings: Settings, aiohttp_client: Any
) -> TestClient[Any, Any]:
    socket_settings = settings.model_copy(update={"slack_app_token": SecretStr("xapp-1-A0-0-socketsecret")})
    client: TestClient[Any, Any] = await aiohttp_client(create_app(socket_settings, mode="socket"))
    return client


async def _health(client: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.get("/healthz")
    return response.status, await response.json()


async def test_socket_mode_reconnects_after_the_connection_drops(
    socket_server: FakeSocketServer,
    socket_client: TestClient[Any, Any],
    fake_slack: FakeSlack,
    online: set[str],
):
    """The server closes the socket: the bot asks for a new URL, reconnects, and serves commands on it."""
    first = await socket_server.next_connection()
    assert await _health(socket_client) == (
        200,
        {
            "in_flight": 0,
            "watches": 0,
            "report_waits": 0,
            "slack": "ok",
            "database": "ok",
            "socket": "connected",
            "status": "ok",
        },
    )
    opened = len(fake_slack.of("apps.connections.open"))

    await first.close()
    second = await socket_server.next_connection()
    assert len(fake_slack.of("apps.connections.open")) == opened + 1
    online.add("alice@acme.com")
    response_url = str(fake_slack.server.make_url("/respond/socket"))  # type: ignore[attr-defined]
    await second.send_json(_command_envelope("env-1", "screenshot alice@acme.com", response_url))
    ack = await socket_server.reply_to("env-1")
    assert ack["envelope_id"] == "env-1"
    request_msg = await fake_slack.next_call("chat.postMessage")
    assert "working on it" in request_msg.args["text"]
    outcome = await fake_slack.next_call("chat.postMessage")
    assert "Screenshot requested" in outcome.args["text"]
    status, body = await _health(socket_client)
    assert (status, body["socket"]) == (200, "connected")


async def test_healthz_reports_a_socket_that_cannot_reconnect(
    socket_server: FakeSocketServer, socket_client: TestClient[Any, Any], fake_slack: FakeSlack
):
    """While the socket is down and a new URL can't be had, /healthz answers 503 "disconnected"."""
    first = await socket_server.next_connection()
    fake_slack.method_errors["apps.connections.open"] = "invalid_auth"
    await first.close()
    while len(fake_slack.of("apps.connections.open")) < 2:
        await fake_slack.next_call("apps.connections.open")
    status, body = await _health(socket_client)
    assert (status, body["socket"], body["status"]) == (503, "disconnected", "degraded")
