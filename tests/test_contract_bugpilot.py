"""The Action API client's promises against a real local server: statuses, body cap, redirects, retries."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import stamina
from aiohttp import web
from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.bugpilot.client import BugpilotClient
from bot.commands import Action
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    UserNotConnected,
)
from bot.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
KEY = "bp_contract_key_0123"
CAP = 64 * 1024
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Bugpilot:
    """A local Action API whose answer each test sets; it records what reached it."""

    def __init__(self) -> None:
        self.answer: Handler = _json(200, {"ok": True})
        self.hits: list[str] = []
        self.bodies: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        if request.can_read_body:
            self.bodies.append(await request.json())
        return await self.answer(request)


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> Handler:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=json.dumps(body), content_type="application/json", headers=headers)

    return answer


def _raw(status: int, text: str, headers: dict[str, str] | None = None) -> Handler:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=text, headers=headers)

    return answer


@pytest.fixture(name="bugpilot")
async def _bugpilot(aiohttp_server: Any) -> AsyncIterator[tuple[Bugpilot, BugpilotClient]]:
    fake = Bugpilot()
    server = await aiohttp_server(fake.app())
    async with aiohttp.ClientSession() as session:
        client = BugpilotClient(
            session,
            base_url=str(server.make_url("/api/v1/")),
            api_key=SecretStr(KEY),
            workspace_id="ws_1",
            total_timeout=2.0,
        )
        yield fake, client


async def _refusal(client: BugpilotClient) -> BugpilotError:
    with pytest.raises(BugpilotError) as caught:
        await client.request_action(user_id="alice@acme.com", action=Action.SCREENSHOT)
    return caught.value


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (399, BugpilotUnexpectedResponse),
        (400, BugpilotRejected),
        (401, BugpilotRejected),
        (499, BugpilotRejected),
        (500, BugpilotInternalError),
        (501, BugpilotInternalError),
        (503, BugpilotInternalError),
    ],
)
async def test_an_unknown_code_is_classed_by_its_status(bugpilot, status: int, kind: type[BugpilotError]):
    """A code the bot doesn't know: 4xx is a refusal, 5xx Bugpilot failing, anything else not understood."""
    fake, client = bugpilot
    fake.answer = _json(status, {"error": "NEW_CODE", "error_message": "something new"})
    error = await _refusal(client)
    assert type(error) is kind
    assert (error.status, error.code, error.detail) == (status, "NEW_CODE", "something new")
    assert str(error) == f"Bugpilot answered {status} NEW_CODE"


@pytest.mark.parametrize(
    ("status", "kind"),
    [(399, BugpilotUnexpectedResponse), (499, BugpilotUnexpectedResponse), (500, BugpilotInternalError)],
)
async def test_an_answer_without_a_json_error_body_is_classed_by_its_status(bugpilot, status, kind):
    """A proxy's page (no JSON) from 500 up is Bugpilot failing; below 500 an answer not understood."""
    fake, client = bugpilot
    fake.answer = _raw(status, "<html>Bad gateway</html>")
    error = await _refusal(client)
    assert type(error) is kind
    assert error.status == status
    assert str(error) == f"Bugpilot answered {status} without a JSON error body"


async def test_a_5xx_with_an_unknown_code_is_bugpilot_failing_and_says_what_it_said(bugpilot):
    """A 502 carrying a code nobody documented is an internal error with that code (cleaned) and its words."""
    fake, client = bugpilot
    fake.answer = _json(502, {"error": "UPSTREAM <bad> ✓ DOWN", "error_message": "  the   upstream\nis down "})
    error = await _refusal(client)
    assert type(error) is BugpilotInternalError
    assert error.code == "UPSTREAMbadDOWN"
    assert error.detail == "  the   upstream\nis down "


async def test_a_known_code_keeps_its_class_whatever_the_status(bugpilot):
    """USER_NOT_CONNECTED is the customer being offline, with Bugpilot's words kept."""
    fake, client = bugpilot
    fake.answer = _json(404, {"error": "USER_NOT_CONNECTED", "error_message": "not here", "message": "ignored"})
    error = await _refusal(client)
    assert type(error) is UserNotConnected
    assert (error.status, error.code, error.detail) == (404, "USER_NOT_CONNECTED", "not here")
    assert str(error) == "Bugpilot refused: USER_NOT_CONNECTED"


@pytest.mark.parametrize(
    "body", [{"error": "X", "message": "not the documented field"}, {"error": "X", "error_message": " "}]
)
async def test_only_a_non_blank_error_message_is_bugpilots_words(bugpilot, body: dict[str, str]):
    """Bugpilot's words come from ``error_message`` alone, and only when it says something."""
    fake, client = bugpilot
    fake.answer = _json(400, body)
    error = await _refusal(client)
    assert (error.code, error.detail) == ("X", None)


async def test_bugpilots_words_are_cut_at_300_characters(bugpilot):
    """An error message longer than 300 characters is kept to its first 300."""
    fake, client = bugpilot
    fake.answer = _json(400, {"error": "X", "error_message": "w" * 301})
    assert (await _refusal(client)).detail == "w" * 300


@pytest.mark.parametrize(
    ("code", "cleaned"),
    [("<<>>", "UNKNOWN"), ("A" * 61, "A" * 60), ("ok-code_1.2", "ok-code_1.2")],
)
async def test_an_unknown_code_is_shown_as_a_short_safe_token(bugpilot, code: str, cleaned: str):
    """Symbols are dropped, the code is cut at 60 characters, and nothing left reads UNKNOWN."""
    fake, client = bugpilot
    fake.answer = _json(418, {"error": code})
    assert (await _refusal(client)).code == cleaned


async def test_a_3xx_answer_is_never_followed(bugpilot):
    """A redirect is reported as an answer not understood; the bot never sends the action elsewhere."""
    fake, client = bugpilot
    fake.answer = _raw(302, "", headers={"Location": "/elsewhere"})
    error = await _refusal(client)
    assert type(error) is BugpilotUnexpectedResponse
    assert error.status == 302
    assert fake.hits == ["/api/v1/action"]


async def test_a_429_says_to_slow_down_with_bugpilots_wait(bugpilot):
    """A 429 is a rate limit with the Retry-After wait and Bugpilot's words; never retried."""
    fake, client = bugpilot
    fake.answer = _json(429, {"error": "RATE_LIMITED", "error_message": "easy"}, headers={"Retry-After": "7"})
    error = await _refusal(client)
    assert type(error) is BugpilotRateLimited
    assert (error.status, error.retry_after, error.detail) == (429, 7.0, "easy")
    assert str(error) == "Bugpilot asked to slow down (HTTP 429)"
    assert len(fake.hits) == 1


def _padded(size: int) -> Handler:
    """A 200 whose JSON body is exactly ``size`` bytes long."""
    head = json.dumps({"ok": True, "message": ""})
    text = head[:-1] + " " * (size - len(head)) + "}"
    assert len(text) == size

    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for start in range(0, size, 1000):  # in many small writes, so the body arrives in pieces
            await response.write(text[start : start + 1000].encode())
        await response.write_eof()
        return response

    return answer


async def test_a_body_of_exactly_64_kib_is_read_whole(bugpilot):
    """Bugpilot's answer is read up to 64 KiB, arriving in pieces or not."""
    fake, client = bugpilot
    fake.answer = _padded(CAP)
    accepted = await client.request_action(user_id="alice@acme.com", action=Action.SCREENSHOT)
    assert accepted.ok is True
    assert accepted.message == ""


async def test_a_body_over_64_kib_is_cut_at_the_cap(bugpilot):
    """One byte more and the body is cut at 64 KiB, so the answer is not understood."""
    fake, client = bugpilot
    fake.answer = _padded(CAP + 1)
    error = await _refusal(client)
    assert type(error) is BugpilotUnexpectedResponse
    assert str(error) == "Bugpilot answered 200 without the documented body"


async def test_an_accepted_answer_keeps_only_fields_of_the_documented_type(bugpilot):
    """A message that isn't text is empty; a ts that isn't a whole number (or is a bool) is dropped."""
    fake, client = bugpilot
    fake.answer = _json(200, {"ok": True, "message": 5, "ts": True, "sessionInfoUrl": 3})
    accepted = await client.request_action(user_id="alice@acme.com", action=Action.SESSION, note="n")
    assert (accepted.message, accepted.ts, accepted.session_info_url) == ("", None, None)
    assert fake.bodies == [
        {
            "workspaceId": "ws_1",
            "userId": "alice@acme.com",
            "action": "upload-session",
            "userProvidedDescription": "n",
        }
    ]


async def test_no_answer_within_the_total_timeout_is_a_timeout(aiohttp_server: Any):
    """An answer that never comes ends at the client's total timeout, not the session's."""
    never = asyncio.Event()

    async def hang(_request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()  # pragma: no cover - never reached

    app = web.Application()
    app.router.add_post("/action", hang)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        client = BugpilotClient(
            session, base_url=str(server.make_url("/")), api_key=SecretStr(KEY), workspace_id="w", total_timeout=0.2
        )
        with pytest.raises(BugpilotTimeout) as caught:
            await client.request_action(user_id="a@b.io", action=Action.SCREENSHOT)
    assert str(caught.value) == "no answer from Bugpilot within 0.2 s"
    never.set()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _promised_connect_attempts() -> int:
    """How many times README says a request that provably never left is tried."""
    text = " ".join(README.read_text().split())
    promise = re.search(r"prove nothing was sent[^.]*?at most (\w+) (?:times|attempts|tries)", text)
    assert promise is not None, "README no longer states how often a failed connection is retried"
    return _WORDS[promise.group(1)]


async def test_a_refused_connection_is_tried_as_often_as_readme_promises():
    """The code's own retry count (not the test fixture's) for a refused connection is README's number."""
    starts: list[str] = []

    async def on_start(_session: object, _context: object, params: aiohttp.TraceRequestStartParams) -> None:
        starts.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    with stamina.set_testing(True, attempts=100, cap=True):  # no waiting, and the code's own number of attempts
        async with aiohttp.ClientSession(trace_configs=[trace]) as session:
            client = BugpilotClient(
                session, base_url=f"http://127.0.0.1:{_closed_port()}", api_key=SecretStr(KEY), workspace_id="w"
            )
            with capture_logs() as logs, pytest.raises(BugpilotConnectionError) as caught:
                await client.request_action(user_id="a@b.io", action=Action.SCREENSHOT)
    assert len(starts) == _promised_connect_attempts() == 3
    assert str(caught.value) == "could not connect to Bugpilot: ClientConnectorError"
    assert caught.value.code != "CONNECTION_BROKEN"
    failed = [line for line in logs if line["event"] == "bugpilot.request_failed"]
    assert 0 <= failed[0]["duration_ms"] < 60_000


async def test_a_connection_broken_after_sending_is_not_retried(aiohttp_server: Any):
    """A connection that breaks mid-answer may have delivered the action: one attempt, CONNECTION_BROKEN."""

    async def broken(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Length": "100"})
        await response.prepare(request)
        await response.write(b'{"ok"')
        assert request.transport is not None
        request.transport.close()
        return response

    app = web.Application()
    app.router.add_post("/action", broken)
    server = await aiohttp_server(app)
    with stamina.set_testing(True, attempts=100, cap=True):
        async with aiohttp.ClientSession() as session:
            client = BugpilotClient(
                session, base_url=str(server.make_url("/")), api_key=SecretStr(KEY), workspace_id="w"
            )
            with pytest.raises(BugpilotConnectionError) as caught:
                await client.request_action(user_id="a@b.io", action=Action.SCREENSHOT)
    assert caught.value.code == "CONNECTION_BROKEN"
    assert str(caught.value).startswith("the connection to Bugpilot failed: ")
    assert "NoneType" not in str(caught.value)


async def test_the_client_defaults_and_settings_set_its_timeouts():
    """5 s to connect and 10 s in all unless told otherwise; from_settings uses the deployment's values."""
    async with aiohttp.ClientSession() as session:
        default = BugpilotClient(session, base_url="http://127.0.0.1:9/", api_key=SecretStr(KEY), workspace_id="w")
        assert default._timeout == aiohttp.ClientTimeout(total=10.0, sock_connect=5.0)
        settings = Settings(
            slack_bot_token="xoxb-1",
            bugpilot_api_key=KEY,
            bugpilot_workspace_id="ws_9",
            bugpilot_api_url="http://127.0.0.1:9/api/v1/",
            bugpilot_timeout=7.0,
            bugpilot_connect_timeout=2.0,
        )
        configured = BugpilotClient.from_settings(session, settings)
    assert configured._timeout == aiohttp.ClientTimeout(total=7.0, sock_connect=2.0)
    assert configured._url == "http://127.0.0.1:9/api/v1/action"
    assert (configured._workspace_id, configured._api_key.get_secret_value()) == ("ws_9", KEY)


async def test_the_action_url_is_the_base_with_slashes_trimmed_then_action(aiohttp_server: Any):
    """Only trailing slashes are trimmed from the base URL, whatever its last letters."""
    fake = Bugpilot()
    server = await aiohttp_server(fake.app())
    async with aiohttp.ClientSession() as session:
        client = BugpilotClient(
            session, base_url=str(server.make_url("/apiX//")), api_key=SecretStr(KEY), workspace_id="w"
        )
        await client.request_action(user_id="a@b.io", action=Action.SCREENSHOT)
    assert fake.hits == ["/apiX/action"]
