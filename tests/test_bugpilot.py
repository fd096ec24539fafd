"""The Action API client against aioresponses: every documented answer and the undocumented ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import CallbackResult, aioresponses
from pydantic import SecretStr
from yarl import URL

from bot.bugpilot.client import USER_AGENT, BugpilotClient
from bot.commands import Action
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    InvalidAction,
    InvalidApiKey,
    MissingFields,
    NoAccess,
    UserNotConnected,
)
from tests.mocked_http import MockResponse, mocked_http

BASE = "https://bugpilot.test/api/v1"
ACTION_URL = f"{BASE}/action"
KEY = "bp_secret_key_0123456789"


@pytest.fixture(name="client")
async def _client() -> AsyncIterator[BugpilotClient]:
    async with aiohttp.ClientSession() as session:
        yield BugpilotClient(
            session, base_url=BASE + "/", api_key=SecretStr(KEY), workspace_id="ws_1", total_timeout=0.5
        )


def _refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey(
        host="bugpilot.test", port=443, is_ssl=True, ssl=True, proxy=None, proxy_auth=None, proxy_headers_hash=None
    )
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))


@pytest.fixture(name="mocked")
def _mocked() -> Iterator[aioresponses]:
    with mocked_http() as mocked:
        yield mocked


async def test_sends_documented_headers_and_body(client: BugpilotClient, mocked: aioresponses):
    """Headers and JSON body are exactly as the API documents them."""
    mocked.post(ACTION_URL, payload={"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": "https://app/s/1"})
    accepted = await client.request_action(user_id="alice@acme.com", action=Action.SESSION, note="checkout")
    assert accepted.session_info_url == "https://app/s/1"
    (call,) = mocked.requests[("POST", URL(ACTION_URL))]
    assert call.kwargs["json"] == {
        "workspaceId": "ws_1",
        "userId": "alice@acme.com",
        "action": "upload-session",
        "userProvidedDescription": "checkout",
    }
    assert call.kwargs["headers"] == {
        "User-Agent": USER_AGENT,
        "X-Bugpilot-Api-Key": KEY,
        "Content-Type": "application/json",
    }


async def test_empty_note_is_left_out(client: BugpilotClient, mocked: aioresponses):
    """No note means no userProvidedDescription field at all."""
    mocked.post(ACTION_URL, payload={"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": "https://app/s/1"})
    await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    (call,) = mocked.requests[("POST", URL(ACTION_URL))]
    assert "userProvidedDescription" not in call.kwargs["json"]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "USER_NOT_CONNECTED", UserNotConnected),
        (400, "MISSING_FIELDS", MissingFields),
        (400, "INVALID_ACTION", InvalidAction),
        (401, "INVALID_API_KEY", InvalidApiKey),
        (403, "NO_ACCESS", NoAccess),
        (500, "INTERNAL_ERROR", BugpilotInternalError),
    ],
)
async def test_documented_codes_map_to_their_errors(
    client: BugpilotClient, mocked: aioresponses, status: int, code: str, kind: type[BugpilotError]
):
    """Each documented error code becomes its own typed error with status and code."""
    mocked.post(ACTION_URL, status=status, payload={"ok": False, "error": code, "error_message": "nope", "ts": 1})
    with pytest.raises(kind) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert (caught.value.status, caught.value.code, caught.value.detail) == (status, code, "nope")


async def test_html_502_from_a_proxy_names_the_status(client: BugpilotClient, mocked: aioresponses):
    """A proxy's HTML error page is an internal error carrying the HTTP status."""
    mocked.post(ACTION_URL, status=502, body="<html><h1>502 Bad Gateway</h1></html>", content_type="text/html")
    with pytest.raises(BugpilotInternalError) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.status == 502
    assert caught.value.code is None
    assert caught.value.label == "HTTP_502"
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, "OK"), (200, '{"ok": false}'), (200, "[1, 2]"), (302, ""), (404, "Not Found")],
)
async def test_undocumented_answers_are_unexpected(
    client: BugpilotClient, mocked: aioresponses, status: int, body: str
):
    """Bodies outside the contract are named as unexpected, with their status."""
    mocked.post(ACTION_URL, status=status, body=body)
    with pytest.raises(BugpilotUnexpectedResponse) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.status == status


async def test_unknown_code_is_kept_and_cleaned(client: BugpilotClient, mocked: aioresponses):
    """An unknown 4xx code is a rejection that names the code, stripped to safe characters."""
    mocked.post(ACTION_URL, status=409, payload={"ok": False, "error": "RATE <LIMITED>!", "ts": 1})
    with pytest.raises(BugpilotRejected) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.code == "RATELIMITED"
    assert caught.value.status == 409


async def test_slow_answer_times_out(client: BugpilotClient, mocked: aioresponses):
    """No answer within the total timeout is a timeout error, not a hang."""
    mocked.post(ACTION_URL, exception=TimeoutError())
    with pytest.raises(BugpilotTimeout) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.status is None
    assert "0.5 s" in str(caught.value)


async def test_refused_connection_is_retried_then_reported(client: BugpilotClient, mocked: aioresponses):
    """A refused connection never reached Bugpilot, so it is retried; then reported."""
    refused = _refused()
    mocked.post(ACTION_URL, exception=refused, repeat=True)
    with pytest.raises(BugpilotConnectionError) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert caught.value.code == "CONNECTION_FAILED"
    assert len(mocked.requests[("POST", URL(ACTION_URL))]) == 3


async def test_refused_then_accepted_succeeds(client: BugpilotClient, mocked: aioresponses):
    """After a refused connection, the next attempt's answer counts."""
    refused = _refused()
    mocked.post(ACTION_URL, exception=refused)
    mocked.post(ACTION_URL, payload={"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": "https://app/s/2"})
    accepted = await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert accepted.session_info_url == "https://app/s/2"


async def test_broken_connection_after_sending_is_not_retried(client: BugpilotClient, mocked: aioresponses):
    """Once the request may have arrived, a failure is reported, never repeated."""
    mocked.post(ACTION_URL, exception=aiohttp.ServerDisconnectedError())
    mocked.post(ACTION_URL, payload={"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": "https://app/s/3"})
    with pytest.raises(BugpilotConnectionError) as caught:
        await client.request_action(user_id="u1", action=Action.RECORDING)
    assert caught.value.code == "CONNECTION_BROKEN"
    assert len(mocked.requests[("POST", URL(ACTION_URL))]) == 1


async def test_5xx_is_not_retried(client: BugpilotClient, mocked: aioresponses):
    """A 5xx may have done the action already: reported once, not retried."""
    calls = 0

    def answer(_url: object, **_kwargs: object) -> CallbackResult:
        nonlocal calls
        calls += 1
        return CallbackResult(status=503, body="Service Unavailable", response_class=MockResponse)

    mocked.post(ACTION_URL, callback=answer, repeat=True)
    with pytest.raises(BugpilotInternalError):
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert calls == 1


async def test_errors_never_carry_the_api_key(client: BugpilotClient, mocked: aioresponses):
    """No error text or attribute contains the key."""
    mocked.post(
        ACTION_URL, status=401, payload={"ok": False, "error": "INVALID_API_KEY", "error_message": "bad key", "ts": 1}
    )
    with pytest.raises(InvalidApiKey) as caught:
        await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert KEY not in repr(caught.value.__dict__) + str(caught.value)


async def test_answer_arriving_in_pieces_is_read_whole(aiohttp_server: Any):
    """A success whose body comes in several network chunks is read to the end, not judged by its first piece."""
    body = b'{"ok": true, "message": "sent", "ts": 1, "sessionInfoUrl": "https://app/s/4"}'

    async def slow_network(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(body[:20])
        await asyncio.sleep(0.05)  # the rest is still on its way when the client starts reading
        await response.write(body[20:])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/api/v1/action", slow_network)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        client = BugpilotClient(
            session, base_url=str(server.make_url("/api/v1")), api_key=SecretStr(KEY), workspace_id="ws_1"
        )
        accepted = await client.request_action(user_id="u1", action=Action.SCREENSHOT)
    assert accepted.session_info_url == "https://app/s/4"


async def test_connect_timeout_is_a_connection_failure_not_a_lost_answer(client: BugpilotClient, mocked: aioresponses):
    """No connection in time means nothing was sent: retried, then reported as unreachable, not "may have arrived"."""
    mocked.post(ACTION_URL, exception=aiohttp.ConnectionTimeoutError("Connection timeout to host"), repeat=True)
    with pytest.raises(BugpilotConnectionError) as caught:
        await client.request_action(user_id="u1", action=Action.RECORDING)
    assert caught.value.code == "CONNECTION_FAILED"
    assert len(mocked.requests[("POST", URL(ACTION_URL))]) == 3
