"""The simulated Bugpilot's Session Info: not yet, then the report; failures on demand; looks recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.bugpilot.session_info import SessionInfoClient
from bot.bugpilot.wire import USER_AGENT
from bot.errors import (
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    InvalidApiKey,
    InvalidSessionToken,
    ReportNotFound,
)
from bot.sandbox.bugpilot import REPORT_DELAYS, SESSION_FAILURES, SimulatedBugpilot
from tests.fakes import API_KEY, WORKSPACE_ID

HEADERS = {"User-Agent": USER_AGENT, "X-Bugpilot-Api-Key": API_KEY, "Accept": "application/json"}


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    sim: SimulatedBugpilot
    clock: Clock
    server: TestServer
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return str(self.server.make_url("/api/v1"))

    async def accept(self, action: str = "upload-screenshot", user: str = "alice@acme.com") -> str:
        """An accepted action's sessionInfoUrl."""
        body = {"workspaceId": WORKSPACE_ID, "userId": user, "action": action}
        async with self.http.post(f"{self.base}/action", json=body, headers=HEADERS) as response:
            assert response.status == 200
            return str((await response.json())["sessionInfoUrl"])

    async def look(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
        async with self.http.get(url, headers=HEADERS if headers is None else headers, allow_redirects=False) as answer:
            text = await answer.text()
            data = await answer.json() if answer.content_type == "application/json" else {}
            return answer.status, data, answer.headers.get("Location") or answer.headers.get("Retry-After") or text


@pytest.fixture(name="api")
async def _api(aiohttp_server: Any) -> AsyncIterator[Api]:
    clock = Clock()
    sim = SimulatedBugpilot(api_key=API_KEY, workspace_id=WORKSPACE_ID, online={"alice@acme.com"}, clock=clock)
    app = aiohttp.web.Application()
    app.add_subapp("/api/v1/", sim.app())
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        yield Api(sim=sim, clock=clock, server=server, http=http)


def _token(url: str) -> str:
    return url.rsplit("/", 1)[-1]


async def test_session_info_url_is_on_the_api_origin(api: Api):
    """sessionInfoUrl is {api base}/session-info/{workspaceId}/{token}; an explicit api_url is used as given."""
    url = await api.accept()
    assert url.startswith(f"{api.base}/session-info/{WORKSPACE_ID}/")
    assert _token(url) in api.sim.sessions
    api.sim.api_url = "http://127.0.0.1:9/bugpilot/api/v1/"
    assert (await api.accept()).startswith(f"http://127.0.0.1:9/bugpilot/api/v1/session-info/{WORKSPACE_ID}/")


async def test_not_found_until_the_browser_saves_then_the_report(api: Api):
    """404 REPORT_NOT_FOUND (documented words) before the delay, 200 with reportUrl after; looks counted."""
    url = await api.accept("upload-session")
    status, body, _ = await api.look(url)
    assert (status, body["error"]) == (404, "REPORT_NOT_FOUND")
    assert "not correctly saved from the client" in body["error_message"]
    assert "message" not in body
    api.clock.now += REPORT_DELAYS["upload-session"] - 0.01
    assert (await api.look(url))[0] == 404
    api.clock.now += 0.01
    status, body, _ = await api.look(url)
    session = api.sim.sessions[_token(url)]
    assert status == 200
    assert body["ok"] is True
    assert body["reportUrl"] == f"https://dash.bugpilot.io/report/{session.report_id}"
    assert isinstance(body["ts"], int)
    assert (session.looks, session.first_ready_at) == (3, api.clock.now)
    api.clock.now += 30
    assert (await api.look(url))[0] == 200
    assert (session.looks, session.first_ready_at) == (4, api.clock.now - 30)


@pytest.mark.parametrize(
    ("action", "delay"), [("upload-screenshot", 2.0), ("upload-session", 5.0), ("show-recording-ui", 15.0)]
)
async def test_each_action_has_its_own_saving_delay(api: Api, action: str, delay: float):
    """Screenshot 2 s, session 5 s, recording 15 s unless configured."""
    url = await api.accept(action)
    session = api.sim.sessions[_token(url)]
    assert session.ready_at == session.accepted_at + delay


async def test_delays_are_configurable(api: Api):
    """Tests set report_delays; a delay of 0 is ready at once."""
    api.sim.report_delays = {"upload-screenshot": 0.0}
    url = await api.accept()
    assert (await api.look(url))[0] == 200


async def test_a_browser_that_never_saves_stays_not_found_until_saved(api: Api):
    """never_saves (at acceptance) keeps answering 404 however long; save(token) makes it ready at once."""
    api.sim.never_saves = True
    url = await api.accept()
    api.sim.never_saves = False
    api.clock.now += 86400
    assert (await api.look(url))[0] == 404
    api.sim.save(_token(url))
    assert (await api.look(url))[0] == 200


async def test_a_wrong_workspace_or_unknown_token_is_invalid_session_token(api: Api):
    """400 INVALID_SESSION_TOKEN with the documented words."""
    url = await api.accept()
    for wrong in (url.replace(f"/{WORKSPACE_ID}/", "/ws_other/"), url[: -len(_token(url))] + "nope"):
        status, body, _ = await api.look(wrong)
        assert (status, body["error"], body["error_message"]) == (
            400,
            "INVALID_SESSION_TOKEN",
            "Invalid workspace or session token",
        )


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": USER_AGENT, "X-Bugpilot-Api-Key": "wrong", "Accept": "application/json"},
        {"X-Bugpilot-Api-Key": API_KEY, "Accept": "application/json"},
        {"User-Agent": USER_AGENT, "Accept": "application/json"},
    ],
)
async def test_looks_need_the_key_and_user_agent(api: Api, headers: dict[str, str]):
    """Like /action: a wrong or missing key or User-Agent is 401 INVALID_API_KEY."""
    url = await api.accept()
    status, body, _ = await api.look(url, headers)
    assert (status, body["error"]) == (401, "INVALID_API_KEY")


async def test_a_browser_is_redirected_to_a_ready_report(api: Api):
    """Accept: text/html gets 302 to reportUrl once ready, a page saying why before; no key needed."""
    url = await api.accept()
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    status, _, page = await api.look(url, browser)
    assert status == 404
    assert "Report not found" in page
    api.sim.save(_token(url))
    status, _, location = await api.look(url, browser)
    assert (status, location) == (302, api.sim.report_url(api.sim.sessions[_token(url)]))
    assert api.sim.sessions[_token(url)].looks == 0
    assert (await api.look(url + "x", browser))[0] == 400


@pytest.mark.parametrize(
    ("failure", "status"),
    [("INVALID_SESSION_TOKEN", 400), ("HTML_502", 502), ("NOT_JSON", 200), ("RATE_LIMITED", 429)],
)
async def test_each_session_failure_is_played(api: Api, failure: str, status: int):
    """session_failure answers every look that way, even for a ready report; looks are still counted."""
    url = await api.accept()
    api.sim.save(_token(url))
    api.sim.session_failure = failure  # type: ignore[assignment]
    got, body, extra = await api.look(url)
    assert got == status
    if failure == "RATE_LIMITED":
        assert (body["error"], extra) == ("RATE_LIMITED", "3")
    assert api.sim.sessions[_token(url)].looks == 1
    assert api.sim.sessions[_token(url)].first_ready_at is None


async def test_the_timeout_failure_gives_no_answer(api: Api):
    """TIMEOUT holds the look without answering."""
    url = await api.accept()
    api.sim.session_failure = "TIMEOUT"
    with pytest.raises(TimeoutError):
        async with api.http.get(url, headers=HEADERS, timeout=aiohttp.ClientTimeout(total=0.2)):
            pass


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (None, ReportNotFound),
        ("INVALID_SESSION_TOKEN", InvalidSessionToken),
        ("HTML_502", BugpilotInternalError),
        ("NOT_JSON", BugpilotUnexpectedResponse),
        ("RATE_LIMITED", BugpilotRateLimited),
        ("TIMEOUT", BugpilotTimeout),
    ],
)
async def test_the_client_reads_each_simulated_answer_as_its_error(
    api: Api, failure: str | None, kind: type[BugpilotError]
):
    """The Session Info client and the simulation agree on every answer."""
    assert set(SESSION_FAILURES) == {"INVALID_SESSION_TOKEN", "HTML_502", "NOT_JSON", "TIMEOUT", "RATE_LIMITED"}
    url = await api.accept()
    api.sim.session_failure = failure  # type: ignore[assignment]
    client = SessionInfoClient(api.http, base_url=api.base, api_key=SecretStr(API_KEY), total_timeout=0.3)
    with pytest.raises(kind):
        await client.look(url)


async def test_the_client_gets_the_report_and_a_wrong_key_is_refused(api: Api):
    """Over real HTTP: a saved report comes back as ReportReady; a wrong key is INVALID_API_KEY."""
    url = await api.accept()
    api.sim.save(_token(url))
    client = SessionInfoClient(api.http, base_url=api.base, api_key=SecretStr(API_KEY))
    ready = await client.look(url)
    assert ready.report_url == api.sim.report_url(api.sim.sessions[_token(url)])
    wrong = SessionInfoClient(api.http, base_url=api.base, api_key=SecretStr("wrong"))
    with pytest.raises(InvalidApiKey):
        await wrong.look(url)


async def test_action_errors_carry_error_message(api: Api):
    """The Action API's error bodies use the documented error_message field, not message."""
    body = {"workspaceId": WORKSPACE_ID, "userId": "bob@acme.com", "action": "upload-screenshot"}
    async with api.http.post(f"{api.base}/action", json=body, headers=HEADERS) as response:
        answer = await response.json()
    assert (response.status, answer["error"], answer["error_message"]) == (
        400,
        "USER_NOT_CONNECTED",
        "User is not connected",
    )
    assert "message" not in answer


async def test_the_report_page_lookup_knows_only_saved_reports(api: Api):
    """report(id) finds a session once its report is saved, so a dashboard page never shows early."""
    url = await api.accept()
    session = api.sim.sessions[_token(url)]
    assert api.sim.report(session.report_id) is None
    api.sim.save(_token(url))
    assert api.sim.report(session.report_id) is session
    assert api.sim.report("nope") is None
