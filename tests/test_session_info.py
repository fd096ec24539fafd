"""The Session Info client against aioresponses: every documented answer, the undocumented ones, the origin rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web
from aioresponses import CallbackResult, aioresponses
from pydantic import SecretStr
from yarl import URL

from bot.bugpilot.session_info import SessionInfoClient, keeps_waiting, same_origin
from bot.bugpilot.wire import MAX_DETAIL, USER_AGENT
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    InvalidApiKey,
    InvalidSessionToken,
    NoAccess,
    ReportNotFound,
)
from bot.settings import Settings
from tests.mocked_http import mocked_http

BASE = "https://widget-api.bugpilot.test/api/v1"
TOKEN = "st_9f8e7d6c5b4a"
LOOK_URL = f"{BASE}/session-info/ws_1/{TOKEN}"
KEY = "bp_secret_key_0123456789"
READY = {"ok": True, "reportUrl": "https://dash.bugpilot.test/report/r1", "ts": 1733140000000}


@pytest.fixture(name="client")
async def _client() -> AsyncIterator[SessionInfoClient]:
    async with aiohttp.ClientSession() as session:
        yield SessionInfoClient(session, base_url=BASE, api_key=SecretStr(KEY), total_timeout=0.5)


@pytest.fixture(name="mocked")
def _mocked() -> Iterator[aioresponses]:
    with mocked_http() as mocked:
        yield mocked


def _refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey(
        host="widget-api.bugpilot.test",
        port=443,
        is_ssl=True,
        ssl=True,
        proxy=None,
        proxy_auth=None,
        proxy_headers_hash=None,
    )
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "refused"))


async def test_a_ready_report_gives_its_url_and_ts(client: SessionInfoClient, mocked: aioresponses):
    """A 200 with ok and a reportUrl is the ready report."""
    mocked.get(LOOK_URL, payload=READY)
    ready = await client.look(LOOK_URL)
    assert (ready.report_url, ready.ts) == ("https://dash.bugpilot.test/report/r1", 1733140000000)


async def test_headers_are_exactly_the_documented_ones_and_redirects_are_not_followed(
    client: SessionInfoClient, mocked: aioresponses
):
    """Accept JSON, the User-Agent and the key; nothing else; no redirect following."""
    mocked.get(LOOK_URL, payload=READY)
    await client.look(LOOK_URL)
    (call,) = mocked.requests[("GET", URL(LOOK_URL))]
    assert call.kwargs["headers"] == {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "X-Bugpilot-Api-Key": KEY,
    }
    assert call.kwargs["allow_redirects"] is False


async def test_the_url_is_requested_exactly_as_given(aiohttp_server: Any):
    """The sessionInfoUrl is opaque: its path and query reach the server unchanged (over real HTTP)."""
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response(READY)

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    server = await aiohttp_server(app)
    path = f"/api/v1/session-info/ws_1/{TOKEN}?v=2&sig=a%2Fb&a=1"
    async with aiohttp.ClientSession() as session:
        client = SessionInfoClient(session, base_url=str(server.make_url("/api/v1")), api_key=SecretStr(KEY))
        await client.look(str(server.make_url("/")).rstrip("/") + path)
    assert seen == [path]


@pytest.mark.parametrize(
    ("status", "body", "kind", "code"),
    [
        (404, {"error": "REPORT_NOT_FOUND", "error_message": "Probably the report was deleted"}, ReportNotFound, None),
        (400, {"error": "INVALID_SESSION_TOKEN", "error_message": "Invalid workspace"}, InvalidSessionToken, None),
        (401, {"error": "INVALID_API_KEY", "error_message": "bad key"}, InvalidApiKey, None),
        (401, None, InvalidApiKey, None),
        (403, {"error": "NO_ACCESS", "error_message": "no"}, NoAccess, None),
        (403, None, NoAccess, None),
        (500, {"error": "INTERNAL_ERROR", "error_message": "oops"}, BugpilotInternalError, None),
        (503, None, BugpilotInternalError, "HTTP_503"),
        (502, {"error": "BAD<GATEWAY>"}, BugpilotInternalError, "BADGATEWAY"),
        (404, None, BugpilotUnexpectedResponse, "HTTP_404"),
        (410, {"error": "GONE_FOREVER"}, BugpilotRejected, "GONE_FOREVER"),
        (418, None, BugpilotUnexpectedResponse, "HTTP_418"),
        (204, None, BugpilotUnexpectedResponse, "HTTP_204"),
        (200, {"ok": True}, BugpilotUnexpectedResponse, "HTTP_200"),
        (200, {"ok": True, "reportUrl": 7}, BugpilotUnexpectedResponse, "HTTP_200"),
        (200, {"ok": True, "reportUrl": ""}, BugpilotUnexpectedResponse, "HTTP_200"),
        (200, {"ok": False, "reportUrl": "https://dash/r"}, BugpilotUnexpectedResponse, "HTTP_200"),
        (200, ["ok"], BugpilotUnexpectedResponse, "HTTP_200"),
    ],
)
async def test_each_answer_becomes_its_error(
    client: SessionInfoClient,
    mocked: aioresponses,
    status: int,
    body: object,
    kind: type[BugpilotError],
    code: str | None,
):
    """Every status in the table (and the ones it leaves out) raises its own kind, with the status."""
    if body is None:
        mocked.get(LOOK_URL, status=status, body="<html><h1>Error</h1></html>", content_type="text/html")
    else:
        mocked.get(LOOK_URL, status=status, payload=body)
    with pytest.raises(kind) as caught:
        await client.look(LOOK_URL)
    assert type(caught.value) is kind
    assert caught.value.status == status
    if code is not None:
        assert caught.value.label == code


async def test_only_error_message_is_read_and_it_is_clipped(client: SessionInfoClient, mocked: aioresponses):
    """Bugpilot's words come from error_message alone, cut like the Action client cuts them."""
    mocked.get(LOOK_URL, status=404, payload={"error": "REPORT_NOT_FOUND", "error_message": "x" * 5000})
    mocked.get(LOOK_URL, status=404, payload={"error": "REPORT_NOT_FOUND", "message": "older field"})
    with pytest.raises(ReportNotFound) as first:
        await client.look(LOOK_URL)
    assert first.value.detail == "x" * MAX_DETAIL
    with pytest.raises(ReportNotFound) as second:
        await client.look(LOOK_URL)
    assert second.value.detail is None


@pytest.mark.parametrize(("header", "wait"), [("7", 7.0), ("0.5", 0.5), ("soon", None), (None, None)])
async def test_a_429_carries_the_wait_it_asked_for(
    client: SessionInfoClient, mocked: aioresponses, header: str | None, wait: float | None
):
    """A 429 is rate limited with Retry-After read as seconds (or nothing when unreadable)."""
    headers = {"Retry-After": header} if header is not None else {}
    mocked.get(LOOK_URL, status=429, payload={"error": "RATE_LIMITED"}, headers=headers)
    with pytest.raises(BugpilotRateLimited) as caught:
        await client.look(LOOK_URL)
    assert (caught.value.status, caught.value.retry_after) == (429, wait)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_not_followed_and_is_unexpected(
    client: SessionInfoClient, mocked: aioresponses, status: int
):
    """A 3xx (what a browser gets) is an unexpected answer; its Location is never requested."""
    elsewhere = "https://dash.bugpilot.test/report/r1"
    mocked.get(LOOK_URL, status=status, headers={"Location": elsewhere})
    mocked.get(elsewhere, payload=READY)
    with pytest.raises(BugpilotUnexpectedResponse) as caught:
        await client.look(LOOK_URL)
    assert caught.value.status == status
    assert list(mocked.requests) == [("GET", URL(LOOK_URL))]


async def test_the_body_is_read_up_to_64_kib_only(client: SessionInfoClient, mocked: aioresponses):
    """A huge 200 is cut at 64 KiB, so it is no longer the documented JSON: unexpected, never a memory hog."""
    huge = '{"ok": true, "reportUrl": "https://dash.bugpilot.test/report/r1", "pad": "' + "a" * 70_000 + '"}'
    mocked.get(LOOK_URL, body=huge, content_type="application/json")
    with pytest.raises(BugpilotUnexpectedResponse):
        await client.look(LOOK_URL)
    fits = '{"ok": true, "reportUrl": "https://dash.bugpilot.test/report/r1", "pad": "' + "a" * 60_000 + '"}'
    mocked.get(LOOK_URL, body=fits, content_type="application/json")
    assert (await client.look(LOOK_URL)).report_url.endswith("/r1")


async def test_no_answer_in_time_is_a_timeout(client: SessionInfoClient, mocked: aioresponses):
    """A look that gets no answer within the total timeout is BugpilotTimeout."""
    mocked.get(LOOK_URL, exception=TimeoutError())
    with pytest.raises(BugpilotTimeout):
        await client.look(LOOK_URL)


async def test_a_refused_connection_is_not_retried_inside_a_look(client: SessionInfoClient, mocked: aioresponses):
    """A refused connection is one failed look: the pace decides when to look again."""
    calls = 0

    def refuse(_url: URL, **_kwargs: object) -> CallbackResult:
        nonlocal calls
        calls += 1
        raise _refused()

    mocked.get(LOOK_URL, callback=refuse, repeat=True)
    with pytest.raises(BugpilotConnectionError) as caught:
        await client.look(LOOK_URL)
    assert (calls, caught.value.code) == (1, "CONNECTION_FAILED")


async def test_a_broken_connection_is_a_connection_error(client: SessionInfoClient, mocked: aioresponses):
    """A connection cut mid-answer is CONNECTION_BROKEN."""
    mocked.get(LOOK_URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(BugpilotConnectionError) as caught:
        await client.look(LOOK_URL)
    assert caught.value.code == "CONNECTION_BROKEN"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/api/v1/session-info/ws_1/t",
        "http://widget-api.bugpilot.test/api/v1/session-info/ws_1/t",
        "https://widget-api.bugpilot.test:8443/api/v1/session-info/ws_1/t",
        "https://user:pw@widget-api.bugpilot.test/api/v1/session-info/ws_1/t",
        "https://widget-api.bugpilot.test.evil.test/api/v1/session-info/ws_1/t",
        "https://widget-api.bugpilot.test\\@evil.test/",
        "/api/v1/session-info/ws_1/t",
        "javascript:alert(1)",
    ],
)
async def test_a_foreign_url_is_never_requested(client: SessionInfoClient, mocked: aioresponses, url: str):
    """The key goes only to BUGPILOT_API_URL's origin: anything else is refused before any request."""
    with pytest.raises(ValueError, match="origin") as caught:
        await client.look(url)
    assert not isinstance(caught.value, BugpilotError)
    assert not mocked.requests


@pytest.mark.parametrize(
    ("url", "base", "same"),
    [
        (LOOK_URL, BASE, True),
        ("https://WIDGET-API.bugpilot.test/x", BASE, True),
        ("https://widget-api.bugpilot.test:443/x", BASE, True),
        ("HTTPS://widget-api.bugpilot.test/x", BASE, True),
        ("http://127.0.0.1:8080/api/v1/session-info/w/t", "http://127.0.0.1:8080/api/v1", True),
        ("http://127.0.0.1:80/x", "http://127.0.0.1/api/v1", True),
        ("http://[::1]:9/x", "http://[::1]:9/api", True),
        ("http://127.0.0.1:8081/x", "http://127.0.0.1:8080/api/v1", False),
        ("http://widget-api.bugpilot.test/x", BASE, False),
        ("https://widget-api.bugpilot.test:444/x", BASE, False),
        ("https://bugpilot.test/x", BASE, False),
        ("https://widget-api.bugpilot.test./x", BASE, False),
        ("https://u@widget-api.bugpilot.test/x", BASE, False),
        ("https://@widget-api.bugpilot.test/x", BASE, False),
        ("https://:pw@widget-api.bugpilot.test/x", BASE, False),
        ("https://widget-api.bugpilot.test/x y", BASE, False),
        ("https://widget-api.bugpilot.test\n/x", BASE, False),
        ("https://widget-api.bugpilot.test/r\u00e9sum\u00e9", BASE, False),
        ("https://widget-api.bugpilot.test:99999/x", BASE, False),
        ("https://widget-api.bugpilot.test:x/", BASE, False),
        ("ftp://widget-api.bugpilot.test/x", "ftp://widget-api.bugpilot.test/", False),
        ("//widget-api.bugpilot.test/x", BASE, False),
        ("", BASE, False),
    ],
)
def test_same_origin_compares_scheme_host_and_port(url: str, base: str, *, same: bool):
    """Origins match on scheme, host (any case) and port (defaults filled in); credentials never match."""
    assert same_origin(url, base) is same


async def test_follows_uses_the_configured_api_origin():
    """from_settings takes its origin from BUGPILOT_API_URL."""
    settings = Settings(
        slack_bot_token="xoxb-1-abc",
        bugpilot_api_key=KEY,
        bugpilot_workspace_id="ws_1",
        bugpilot_api_url="http://127.0.0.1:8080/api/v1",
    )
    async with aiohttp.ClientSession() as session:
        client = SessionInfoClient.from_settings(session, settings)
        assert client.follows("http://127.0.0.1:8080/api/v1/session-info/ws_1/t")
        assert not client.follows("https://widget-api.bugpilot.io/api/v1/session-info/ws_1/t")


@pytest.mark.parametrize(
    ("error", "waits"),
    [
        (ReportNotFound("not yet", status=404), True),
        (BugpilotInternalError("5xx", status=502), True),
        (BugpilotTimeout("slow"), True),
        (BugpilotConnectionError("refused"), True),
        (BugpilotConnectionError("cut", code="CONNECTION_BROKEN"), True),
        (BugpilotRateLimited("429", status=429, retry_after=3.0), True),
        (InvalidSessionToken("bad token", status=400), False),
        (InvalidApiKey("bad key", status=401), False),
        (NoAccess("no", status=403), False),
        (BugpilotUnexpectedResponse("302", status=302), False),
        (BugpilotRejected("odd code", status=410, code="GONE"), False),
    ],
)
def test_keeps_waiting_only_for_answers_that_may_change(error: BugpilotError, *, waits: bool):
    """Not there yet, 5xx, timeouts, connections and 429 keep waiting; a bad token, key or odd answer stop."""
    assert keeps_waiting(error) is waits


async def test_logs_never_hold_the_token_or_the_key(client: SessionInfoClient, mocked: aioresponses):
    """Each look logs its status and code, never the URL (it holds the token) or the key."""
    mocked.get(LOOK_URL, status=404, payload={"error": "REPORT_NOT_FOUND", "error_message": "not yet"})
    mocked.get(LOOK_URL, payload=READY)
    mocked.get(LOOK_URL, exception=TimeoutError())
    with structlog.testing.capture_logs() as logs:
        with pytest.raises(ReportNotFound):
            await client.look(LOOK_URL)
        await client.look(LOOK_URL)
        with pytest.raises(BugpilotTimeout):
            await client.look(LOOK_URL)
    assert [(line["event"], line.get("status"), line.get("code")) for line in logs] == [
        ("bugpilot.session_info_not_ready", 404, "REPORT_NOT_FOUND"),
        ("bugpilot.session_info_ready", 200, None),
        ("bugpilot.session_info_failed", None, "TIMEOUT"),
    ]
    assert all("duration_ms" in line for line in logs)
    assert TOKEN not in repr(logs)
    assert KEY not in repr(logs)
