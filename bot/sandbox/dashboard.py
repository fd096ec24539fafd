"""Bugpilot's API as the bot reaches it, logged on the page, and the dashboard's report pages (``reportUrl``)."""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

from bot.sandbox.bugpilot import SimulatedBugpilot
from bot.sandbox.workspace import Workspace

__all__ = ["Reports"]


class Reports:
    """Bugpilot's API, logged on the page, and a stand-in for the dashboard's report pages."""

    def __init__(self, workspace: Workspace, sim: SimulatedBugpilot) -> None:
        self._workspace = workspace
        self._sim = sim

    async def action(self, request: web.Request) -> web.StreamResponse:
        """``POST /action``: the simulated API's answer, with both directions in the activity log."""
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        asked = f"{body.get('action')} for {body.get('userId')}"
        self._workspace.note("bot → Bugpilot", f"POST /action {asked}")
        response = await self._sim.handle_action(request)
        self._note_answer(response, asked)
        return response

    async def look(self, request: web.Request) -> web.StreamResponse:
        """``GET /session-info/…``: the bot looking for a report (logged), or a person's browser."""
        session = self._sim.sessions.get(request.match_info["token"])
        request_body = session.request if session is not None else {}
        asked = f"report of {request_body.get('action')} for {request_body.get('userId')}"
        self._workspace.note("bot → Bugpilot", f"GET /session-info {asked}")
        try:
            response = await self._sim.handle_session_info(request)
        except web.HTTPFound as redirect:
            self._workspace.note("Bugpilot → browser", f"HTTP {redirect.status} to the report ({asked})", ok=True)
            raise
        self._note_answer(response, asked)
        return response

    def _note_answer(self, response: web.StreamResponse, asked: str) -> None:
        answer = _json_body(response)
        code = str(answer.get("error") or ("OK" if answer.get("ok") else ""))
        self._workspace.note(
            "Bugpilot → bot", f"HTTP {response.status} {code} ({asked})".replace("  ", " "), ok=response.status == 200
        )

    async def report(self, request: web.Request) -> web.Response:
        """The dashboard page a ``reportUrl`` opens: what was asked, of whom, with which note."""
        session = self._sim.report(request.match_info["report"])
        if session is None:
            raise web.HTTPNotFound(text="No such report in this sandbox.")
        report = session.request
        rows = "".join(
            f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(report.get(key) or '—'))}</td></tr>"
            for label, key in (("Action", "action"), ("Customer", "userId"), ("Note", "userProvidedDescription"))
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>Bugpilot report (sandbox)</title>"
            "<link rel=stylesheet href=/sandbox/static/sandbox.css>"
            "<main class=report><h1>Bugpilot report</h1>"
            "<p>In the sandbox nothing is captured: this page stands in for the report Bugpilot would show.</p>"
            f"<table>{rows}</table></main>"
        )
        return web.Response(text=page, content_type="text/html")


def _json_body(response: web.StreamResponse) -> dict[str, Any]:
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
        return {}
    try:
        data = json.loads(response.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
