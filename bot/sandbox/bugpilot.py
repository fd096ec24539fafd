"""A simulated Bugpilot API (Action and Session Info) that keeps the documented contract.

Used by the sandbox (``bot.sandbox.server``) and by the tests' ``FakeBugpilot`` (``tests/fakes.py``),
so both play the same Bugpilot.

``POST /action`` checks the headers and body the way the real API documents them and answers
with the documented codes. Customers are online or offline; a ``failure`` switch makes every
answer one kind of failure (a documented code, a proxy's 502 page, a body that is not JSON, an
unknown code, or no answer at all). An accepted action's ``sessionInfoUrl`` is
``{api base}/session-info/{workspaceId}/{token}`` on the API's own origin.

``GET /session-info/{workspaceId}/{token}`` answers ``404 REPORT_NOT_FOUND`` until the simulated
browser has saved the report (``report_delays`` seconds after acceptance, per action, read
against ``clock``; never while ``never_saves`` was on at acceptance; at once after ``save``),
then ``200`` with the dashboard's ``reportUrl``. A browser (``Accept: text/html``) is redirected
to the report instead. ``session_failure`` makes every look one kind of failure. Each session
records its looks (``SimulatedSession.looks``, ``first_ready_at``) for tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from aiohttp import web

__all__ = [
    "FAILURES",
    "REPORT_DELAYS",
    "SESSION_FAILURES",
    "Failure",
    "Received",
    "SessionFailure",
    "SimulatedBugpilot",
    "SimulatedSession",
]

Failure = Literal[
    "INVALID_API_KEY",
    "NO_ACCESS",
    "MISSING_FIELDS",
    "INVALID_ACTION",
    "INTERNAL_ERROR",
    "UNKNOWN_CODE",
    "HTML_502",
    "NOT_JSON",
    "TIMEOUT",
]
FAILURES: Final[tuple[Failure, ...]] = get_args(Failure)
SessionFailure = Literal["INVALID_SESSION_TOKEN", "HTML_502", "NOT_JSON", "TIMEOUT", "RATE_LIMITED"]
SESSION_FAILURES: Final[tuple[SessionFailure, ...]] = get_args(SessionFailure)
ACTIONS: Final = frozenset({"upload-screenshot", "upload-session", "show-recording-ui"})
# Seconds from acceptance until the customer's browser has saved the report, per action.
REPORT_DELAYS: Final[dict[str, float]] = {"upload-screenshot": 2.0, "upload-session": 5.0, "show-recording-ui": 15.0}
USER_AGENT: Final = "Bugpilot API Client/1.0"

_STATUS: Final[dict[str, int]] = {
    "INVALID_API_KEY": 401,
    "NO_ACCESS": 403,
    "MISSING_FIELDS": 400,
    "INVALID_ACTION": 400,
    "USER_NOT_CONNECTED": 400,
    "INTERNAL_ERROR": 500,
    "UNKNOWN_CODE": 418,
    "INVALID_SESSION_TOKEN": 400,
    "REPORT_NOT_FOUND": 404,
    "RATE_LIMITED": 429,
}
_MESSAGES: Final[dict[str, str]] = {
    "INVALID_API_KEY": "Invalid API key",
    "NO_ACCESS": "No access to this workspace",
    "MISSING_FIELDS": "Missing required fields",
    "INVALID_ACTION": "Invalid action",
    "USER_NOT_CONNECTED": "User is not connected",
    "INTERNAL_ERROR": "Internal error",
    "UNKNOWN_CODE": "Something new",
    "INVALID_SESSION_TOKEN": "Invalid workspace or session token",
    "REPORT_NOT_FOUND": (
        "Report not found. Probably the report was deleted, not correctly saved from the client, "
        "or canceled by the user."
    ),
    "RATE_LIMITED": "Too many requests",
}
_PROXY_502: Final = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass(frozen=True)
class Received:
    """One request as the simulated API saw it."""

    headers: dict[str, str]
    body: object
    answered: str = ""


@dataclass
class SimulatedSession:
    """One accepted action and its report: when it is saved, and how often the bot looked.

    Times are ``SimulatedBugpilot.clock`` readings. ``ready_at`` is None while the browser never
    saves it; ``first_ready_at`` is when a look was first answered with the report.
    """

    token: str
    report_id: str
    request: dict[str, object]
    accepted_at: float
    ready_at: float | None
    looks: int = 0
    first_ready_at: float | None = None

    def ready(self, now: float) -> bool:
        """Whether the report has been saved by ``now``."""
        return self.ready_at is not None and now >= self.ready_at


@dataclass
class SimulatedBugpilot:
    """State of the simulated API: who is online, which failure to play, what arrived.

    ``api_url`` is the API base as the bot reaches it (empty: the base the action came in on);
    ``dash_url`` the dashboard whose ``/report/<id>`` pages ``reportUrl`` names.
    """

    api_key: str
    workspace_id: str
    online: set[str] = field(default_factory=set)
    failure: Failure | None = None
    latency: float = 0.0
    hang_seconds: float = 3600.0
    received: list[Received] = field(default_factory=list)
    api_url: str = ""
    dash_url: str = "https://dash.bugpilot.io"
    report_delays: dict[str, float] = field(default_factory=lambda: dict(REPORT_DELAYS))
    never_saves: bool = False
    session_failure: SessionFailure | None = None
    retry_after: float = 3.0
    clock: Callable[[], float] = time.monotonic
    sessions: dict[str, SimulatedSession] = field(default_factory=dict)

    def routes(self) -> list[web.RouteDef]:
        """The API's routes, to mount under the base path the bot is configured with."""
        return [
            web.post("/action", self.handle_action),
            web.get("/session-info/{workspace}/{token}", self.handle_session_info),
        ]

    def app(self) -> web.Application:
        """A stand-alone application serving the API at ``/action`` and ``/session-info/…``."""
        app = web.Application()
        app.add_routes(self.routes())
        return app

    def save(self, token: str) -> None:
        """The customer's browser saves the report now (``KeyError`` for an unknown token)."""
        session = self.sessions[token]
        now = self.clock()
        session.ready_at = now if session.ready_at is None else min(session.ready_at, now)

    def report(self, report_id: str) -> SimulatedSession | None:
        """The saved session whose report page is ``/report/<report_id>``, if any."""
        found = next((s for s in self.sessions.values() if s.report_id == report_id), None)
        return found if found is not None and found.ready(self.clock()) else None

    def report_url(self, session: SimulatedSession) -> str:
        """The dashboard page of ``session``'s report."""
        return f"{self.dash_url.rstrip('/')}/report/{session.report_id}"

    async def handle_action(self, request: web.Request) -> web.StreamResponse:
        """Answer one ``POST /action`` as the documented API would."""
        raw = await request.read()
        try:
            body: object = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {key: value for key, value in request.headers.items() if key.lower() != "x-bugpilot-api-key"}
        headers["x-bugpilot-api-key-ok"] = str(request.headers.get("X-Bugpilot-Api-Key") == self.api_key)
        if self.latency:
            await asyncio.sleep(self.latency)
        answer = self._decide(request, body)
        self.received.append(Received(headers=headers, body=body, answered=answer))
        if answer == "OK" and isinstance(body, dict):
            return self._accept(request, body)
        return await self._fail(answer)

    def _authenticated(self, request: web.Request) -> bool:
        headers = request.headers
        return headers.get("X-Bugpilot-Api-Key") == self.api_key and headers.get("User-Agent") == USER_AGENT

    def _decide(self, request: web.Request, body: object) -> str:
        if self.failure is not None:
            return self.failure
        if not self._authenticated(request):
            return "INVALID_API_KEY"
        if not isinstance(body, dict) or not all(body.get(key) for key in ("workspaceId", "userId", "action")):
            return "MISSING_FIELDS"
        if body["workspaceId"] != self.workspace_id:
            return "NO_ACCESS"
        if body["action"] not in ACTIONS:
            return "INVALID_ACTION"
        if body["userId"] not in self.online:
            return "USER_NOT_CONNECTED"
        return "OK"

    def _accept(self, request: web.Request, body: dict[str, object]) -> web.Response:
        now = self.clock()
        action = str(body.get("action"))
        token = secrets.token_urlsafe(12)
        delay = self.report_delays.get(action, REPORT_DELAYS["upload-session"])
        self.sessions[token] = SimulatedSession(
            token=token,
            report_id=secrets.token_hex(6),
            request=dict(body),
            accepted_at=now,
            ready_at=None if self.never_saves else now + delay,
        )
        base = self.api_url.rstrip("/") or str(request.url.origin()) + request.path.removesuffix("/action")
        return web.json_response(
            {
                "ok": True,
                "message": f"Action {action} sent to user",
                "ts": _ms(),
                "sessionInfoUrl": f"{base}/session-info/{self.workspace_id}/{token}",
            }
        )

    async def handle_session_info(self, request: web.Request) -> web.StreamResponse:
        """Answer one ``GET /session-info/{workspace}/{token}``: not yet, the report, or a failure."""
        workspace, token = request.match_info["workspace"], request.match_info["token"]
        session = self.sessions.get(token) if workspace == self.workspace_id else None
        if _from_a_browser(request):
            return self._browser(session)
        if session is not None:
            session.looks += 1
        if self.session_failure is not None:
            return await self._fail(self.session_failure)
        if not self._authenticated(request):
            return await self._fail("INVALID_API_KEY")
        if session is None:
            return await self._fail("INVALID_SESSION_TOKEN")
        now = self.clock()
        if not session.ready(now):
            return await self._fail("REPORT_NOT_FOUND")
        if session.first_ready_at is None:
            session.first_ready_at = now
        return web.json_response({"ok": True, "reportUrl": self.report_url(session), "ts": _ms()})

    def _browser(self, session: SimulatedSession | None) -> web.Response:
        """What a person's browser gets for a Session Info link: the report, or a page saying why not."""
        if session is not None and session.ready(self.clock()):
            raise web.HTTPFound(self.report_url(session))
        words = _MESSAGES["INVALID_SESSION_TOKEN" if session is None else "REPORT_NOT_FOUND"]
        page = f"<!doctype html><meta charset=utf-8><title>Bugpilot</title><p>{words}</p>"
        return web.Response(status=400 if session is None else 404, text=page, content_type="text/html")

    async def _fail(self, answer: str) -> web.StreamResponse:
        if answer == "HTML_502":
            return web.Response(status=502, text=_PROXY_502, content_type="text/html")
        if answer == "NOT_JSON":
            return web.Response(status=200, text="OK", content_type="text/plain")
        if answer == "TIMEOUT":
            await asyncio.sleep(self.hang_seconds)
            return web.Response(status=504)
        code = "TEAPOT_OVERFLOW" if answer == "UNKNOWN_CODE" else answer
        headers = {"Retry-After": f"{self.retry_after:g}"} if answer == "RATE_LIMITED" else None
        body = {"error": code, "error_message": _MESSAGES[answer], "ts": _ms()}
        return web.json_response(body, status=_STATUS[answer], headers=headers)


def _from_a_browser(request: web.Request) -> bool:
    """A person following the link (HTML first), not the bot asking for JSON."""
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "application/json" not in accept


def _ms() -> int:
    return int(time.time() * 1000)
