"""The page's view of the sandbox (``GET /state``) and its switches: customers, failures, Slack's quirks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Final

from aiohttp import web

from bot.manifest import SlashCommand
from bot.sandbox.api import read_json
from bot.sandbox.bugpilot import FAILURES, SESSION_FAILURES, SimulatedBugpilot
from bot.sandbox.people import BOB, BOT_USER, ERIN, ME, SUPPORT, TEAM_ID, TEAM_NAME
from bot.sandbox.workspace import Workspace

__all__ = ["FAILURE_LABELS", "SESSION_FAILURE_LABELS", "Controls"]

LONG_POLL_SECONDS: Final = 20.0
MAX_LATENCY: Final = 10.0

FAILURE_LABELS: Final[dict[str, str]] = {
    "INVALID_API_KEY": "401 INVALID_API_KEY — the bot's key is wrong",
    "NO_ACCESS": "403 NO_ACCESS — wrong workspace",
    "MISSING_FIELDS": "400 MISSING_FIELDS — a field was empty",
    "INVALID_ACTION": "400 INVALID_ACTION — unknown action",
    "INTERNAL_ERROR": "500 INTERNAL_ERROR — Bugpilot failed",
    "UNKNOWN_CODE": "418 with a code nobody documented",
    "HTML_502": "502 HTML page from a proxy",
    "NOT_JSON": "200 with a body that is not JSON",
    "TIMEOUT": "no answer at all (the bot gives up)",
}
SESSION_FAILURE_LABELS: Final[dict[str, str]] = {
    "INVALID_SESSION_TOKEN": "400 INVALID_SESSION_TOKEN — wrong workspace or token",
    "HTML_502": "502 HTML page from a proxy",
    "NOT_JSON": "200 with a body that is not JSON",
    "TIMEOUT": "no answer at all",
    "RATE_LIMITED": "429 RATE_LIMITED — asks the bot to wait",
}


class Controls:
    """State for the page, and the switches in its side panel."""

    def __init__(
        self,
        workspace: Workspace,
        bugpilot: SimulatedBugpilot,
        *,
        customers: list[str],
        commands: list[SlashCommand],
        shortcuts: list[dict[str, str]],
        bot_timeout: float,
        more: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.workspace = workspace
        self.bugpilot = bugpilot
        self.customers = list(customers)
        self._commands = commands
        self._shortcuts = shortcuts
        self._bot_timeout = bot_timeout
        self._more = more or dict

    def routes(self) -> list[web.RouteDef]:
        """The routes, to mount under ``/sandbox/api``."""
        return [
            web.get("/state", self.state),
            web.post("/customers", self.set_customer),
            web.post("/bugpilot", self.set_bugpilot),
            web.post("/slack", self.set_slack),
            web.post("/dismiss", self.dismiss),
            web.post("/reset", self.reset),
        ]

    def snapshot(self) -> dict[str, Any]:
        """Everything the page draws, as JSON."""
        ws, sim = self.workspace, self.bugpilot
        return {
            "version": ws.version,
            "now": time.time(),
            "me": ME,
            "bot": BOT_USER,
            "support": SUPPORT,
            "avatars": {BOB: "customer", ERIN: "teammate"},
            "team": {"id": TEAM_ID, "name": TEAM_NAME},
            "users": ws.users,
            "conversations": list(ws.conversations.values()),
            "messages": ws.messages,
            "views": ws.views,
            "view_errors": ws.view_errors,
            "view_problem": ws.view_problem,
            "notices": ws.notices,
            "customers": [{"id": customer, "online": customer in sim.online} for customer in self.customers],
            "bugpilot": {
                "failure": sim.failure,
                "latency": sim.latency,
                "failures": [{"code": code, "label": FAILURE_LABELS.get(code, code)} for code in FAILURES],
                "session_failure": sim.session_failure,
                "session_failures": [
                    {"code": code, "label": SESSION_FAILURE_LABELS.get(code, code)} for code in SESSION_FAILURES
                ],
                "never_saves": sim.never_saves,
                "bot_timeout": self._bot_timeout,
            },
            "slack": {
                "bot_can_post": ws.bot_can_post,
                "duplicate_events": ws.duplicate_events,
                "support_shared": ws.support_shared,
                "guest_email_visible": ws.guest_email_visible,
            },
            "commands": [asdict(command) for command in self._commands],
            "shortcuts": self._shortcuts,
            "activity": [asdict(line) for line in ws.activity],
            "calls": ws.calls,
            **self._more(),
        }

    async def state(self, request: web.Request) -> web.Response:
        """The state, once its version is past ``?after=`` (or after a long-poll timeout).

        A version from the future is a page left open across a restart of the sandbox: it gets
        the state at once.
        """
        try:
            after = int(request.query.get("after", "-1"))
        except ValueError:
            after = -1
        if after > self.workspace.version:
            after = -1
        await self.workspace.wait_for_change(after, LONG_POLL_SECONDS)
        return web.json_response(self.snapshot(), headers={"Cache-Control": "no-store"})

    async def set_customer(self, request: web.Request) -> web.Response:
        """Add a customer, or put one online or offline."""
        data = await read_json(request)
        customer = " ".join(str(data.get("id") or "").split())
        if not customer or len(customer) > 200:
            raise web.HTTPBadRequest(text="a customer needs an ID or email")
        if customer not in self.customers:
            self.customers.append(customer)
        if data.get("online"):
            self.bugpilot.online.add(customer)
        else:
            self.bugpilot.online.discard(customer)
        state = "online" if customer in self.bugpilot.online else "offline"
        self.workspace.note("you → Bugpilot", f"{customer} is now {state}")
        return web.json_response({"id": customer, "online": customer in self.bugpilot.online})

    async def set_bugpilot(self, request: web.Request) -> web.Response:
        """Make the simulated Bugpilot fail one way, or answer normally; set its latency; save reports or not."""
        data = await read_json(request)
        failure = data.get("failure")
        if "failure" in data:
            if failure is not None and failure not in FAILURES:
                raise web.HTTPBadRequest(text="unknown failure")
            self.bugpilot.failure = failure
        session_failure = data.get("session_failure")
        if "session_failure" in data:
            if session_failure is not None and session_failure not in SESSION_FAILURES:
                raise web.HTTPBadRequest(text="unknown Session Info failure")
            self.bugpilot.session_failure = session_failure
        if "never_saves" in data:
            self.bugpilot.never_saves = bool(data["never_saves"])
        if "latency" in data:
            try:
                latency = float(data["latency"])
            except (TypeError, ValueError):
                latency = math.nan
            if not math.isfinite(latency) or not 0 <= latency <= MAX_LATENCY:
                raise web.HTTPBadRequest(text=f"latency is 0 to {MAX_LATENCY:g} seconds")
            self.bugpilot.latency = latency
        sim = self.bugpilot
        mode = sim.failure or "normal answers"
        looks = sim.session_failure or "normal"
        saves = "never saves reports" if sim.never_saves else "saves reports"
        self.workspace.note("you → Bugpilot", f"{mode}, {sim.latency:g} s latency; Session Info {looks}; {saves}")
        return web.json_response(
            {
                "failure": sim.failure,
                "latency": sim.latency,
                "session_failure": sim.session_failure,
                "never_saves": sim.never_saves,
            }
        )

    async def set_slack(self, request: web.Request) -> web.Response:
        """Slack's side: is the bot in #support; events twice; #support shared; the guest's email visible."""
        data = await read_json(request)
        ws = self.workspace
        if "bot_can_post" in data:
            ws.bot_can_post = bool(data["bot_can_post"])
        if "duplicate_events" in data:
            ws.duplicate_events = bool(data["duplicate_events"])
        if "support_shared" in data:
            ws.share_support(shared=bool(data["support_shared"]))
        if "guest_email_visible" in data:
            ws.guest_email_visible = bool(data["guest_email_visible"])
        ws.touch()
        return web.json_response(
            {
                "bot_can_post": ws.bot_can_post,
                "duplicate_events": ws.duplicate_events,
                "support_shared": ws.support_shared,
                "guest_email_visible": ws.guest_email_visible,
            }
        )

    async def dismiss(self, request: web.Request) -> web.Response:
        """Dismiss an ephemeral message or a notice."""
        data = await read_json(request)
        ws = self.workspace
        key = str(data.get("id") or "")
        ws.notices = [notice for notice in ws.notices if notice["id"] != key]
        ws.messages = [message for message in ws.messages if not (message["ephemeral"] and message["ts"] == key)]
        ws.touch()
        return web.json_response({"dismissed": key})

    async def reset(self, _request: web.Request) -> web.Response:
        """Back to the seeded channel (customers and switches stay as they are)."""
        self.workspace.reset()
        return web.json_response({"version": self.workspace.version})
