"""A simulated Bugpilot Action API that keeps the documented contract.

``POST /action`` checks the headers and body the way the real API documents them and
answers with the documented codes. Customers are online or offline; a ``failure``
switch makes every answer one kind of failure (a documented code, a proxy's 502
page, a body that is not JSON, an unknown code, or no answer at all).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from aiohttp import web

__all__ = ["FAILURES", "Failure", "Received", "SimulatedBugpilot"]

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
ACTIONS: Final = frozenset({"upload-screenshot", "upload-session", "show-recording-ui"})
USER_AGENT: Final = "Bugpilot API Client/1.0"

_STATUS: Final[dict[str, int]] = {
    "INVALID_API_KEY": 401,
    "NO_ACCESS": 403,
    "MISSING_FIELDS": 400,
    "INVALID_ACTION": 400,
    "USER_NOT_CONNECTED": 400,
    "INTERNAL_ERROR": 500,
    "UNKNOWN_CODE": 418,
}
_MESSAGES: Final[dict[str, str]] = {
    "INVALID_API_KEY": "Invalid API key",
    "NO_ACCESS": "No access to this workspace",
    "MISSING_FIELDS": "Missing required fields",
    "INVALID_ACTION": "Invalid action",
    "USER_NOT_CONNECTED": "User is not connected",
    "INTERNAL_ERROR": "Internal error",
    "UNKNOWN_CODE": "Something new",
}


@dataclass(frozen=True)
class Received:
    """One request as the simulated API saw it."""

    headers: dict[str, str]
    body: object
    answered: str = ""


@dataclass
class SimulatedBugpilot:
    """State of the simulated API: who is online, which failure to play, what arrived."""

    api_key: str
    workspace_id: str
    online: set[str] = field(default_factory=set)
    failure: Failure | None = None
    latency: float = 0.0
    hang_seconds: float = 3600.0
    received: list[Received] = field(default_factory=list)
    public_url: str = "https://app.bugpilot.io"

    def routes(self) -> list[web.RouteDef]:
        """The API's routes, to mount under the base path the bot is configured with."""
        return [web.post("/action", self.handle_action)]

    def app(self) -> web.Application:
        """A stand-alone application serving the API at ``/action``."""
        app = web.Application()
        app.add_routes(self.routes())
        return app

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
        return await self._respond(answer, body)

    def _decide(self, request: web.Request, body: object) -> str:
        if self.failure is not None:
            return self.failure
        if request.headers.get("X-Bugpilot-Api-Key") != self.api_key:
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

    async def _respond(self, answer: str, body: object) -> web.StreamResponse:
        ts = int(time.time() * 1000)
        if answer == "OK":
            action = body.get("action") if isinstance(body, dict) else None
            report = uuid.uuid4().hex[:12]
            return web.json_response(
                {
                    "ok": True,
                    "message": f"Action {action} sent to user",
                    "ts": ts,
                    "sessionInfoUrl": f"{self.public_url}/sessions/{report}",
                }
            )
        if answer == "HTML_502":
            page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return web.Response(status=502, text=page, content_type="text/html")
        if answer == "NOT_JSON":
            return web.Response(status=200, text="OK", content_type="text/plain")
        if answer == "TIMEOUT":
            await asyncio.sleep(self.hang_seconds)
            return web.Response(status=504)
        code = "TEAPOT_OVERFLOW" if answer == "UNKNOWN_CODE" else answer
        return web.json_response(
            {"ok": False, "error": code, "message": _MESSAGES[answer], "ts": ts}, status=_STATUS[answer]
        )
