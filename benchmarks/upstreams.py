"""Fake Slack Web API, ``response_url`` receiver and Bugpilot API (Action, Session Info), in a process of their own.

The driver starts it as ``python -m benchmarks.upstreams``; it prints the port it listens on,
then serves until stopped. It counts what the target sends, and when:

- Bugpilot calls (``SimulatedBugpilot`` with a latency, every customer online) and the
  largest number in flight at once;
- Session Info: each accepted action's report is ready ``REPORT_READY_AFTER`` seconds (or the
  reset's ``report_after``) after acceptance; per report, the looks it got, when it became ready,
  when a look was first answered ready, and when a Slack message (``chat.postMessage``,
  ``chat.update``, ``chat.postEphemeral`` or a ``response_url`` post) first carried its
  ``reportUrl``; so the driver can report saved→link and Session-Info-said-ready→link latency and
  looks per capture;
- outcomes: a ``chat.postMessage`` into a thread, or a post to a ``response_url``, that carries no
  report link (a thread reply that does is the report's notice, counted apart), with the
  ``time.monotonic()`` each arrived (the clock is system-wide on Linux, so the driver can compare),
  each tied to the command it answers (by the customer it names, else by where it went), so an
  outcome delivered twice for one command shows up;
- every Slack Web API call, by method.

``GET /_bench/stats`` returns the counts; ``POST /_bench/reset`` clears them and sets the latency
(and, optionally, ``report_after``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.bugpilot import SimulatedBugpilot
from bot.sandbox.webapi import read_arguments

API_KEY = "bp_bench_key_0123456789"
WORKSPACE_ID = "ws_bench"
BOT_USER_ID = "U_BOT"
TEAM_ID = "T_BENCH"
CUSTOMER = re.compile(r"customer-(\d+)@example\.com")
REPORT = re.compile(r"/report/([0-9a-f]{12})")
REPORT_READY_AFTER = 5.0


class Everyone(set[str]):
    """The online set of a Bugpilot where every customer has a page open."""

    def __contains__(self, item: object) -> bool:
        return True


@dataclass
class Counters:
    """What arrived since the last reset."""

    bugpilot_calls: int = 0
    session_info_calls: int = 0
    linked_at: dict[str, float] = field(default_factory=dict)  # report id -> first Slack message naming it
    notices: int = 0  # thread replies carrying a report's link (the bot's "report is ready" mention)
    linked_by: Counter[str] = field(default_factory=Counter)  # the method of each report's first linking message
    in_flight: int = 0
    peak_in_flight: int = 0
    outcomes: int = 0
    outcome_keys: set[str] = field(default_factory=set)
    outcome_times: list[float] = field(default_factory=list)
    slack_calls: Counter[str] = field(default_factory=Counter)

    def snapshot(self, bugpilot: SimulatedBugpilot) -> dict[str, Any]:
        reports = [
            {
                "looks": session.looks,
                "ready_at": session.ready_at,
                "first_ready_at": session.first_ready_at,
                "linked_at": self.linked_at.get(session.report_id),
            }
            for session in bugpilot.sessions.values()
        ]
        return {
            "bugpilot_calls": self.bugpilot_calls,
            "session_info_calls": self.session_info_calls,
            "reports": reports,
            "looks_per_capture": [report["looks"] for report in reports],
            # From the report being saved (its Session Info could say ready) to the link in Slack.
            "ready_to_link": _gaps(reports, "ready_at"),
            # From Session Info first answering with the report to the link in Slack.
            "answered_to_link": _gaps(reports, "first_ready_at"),
            "reports_linked": sum(report["linked_at"] is not None for report in reports),
            "notices": self.notices,
            "linked_by": dict(self.linked_by),
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "outcomes": self.outcomes,
            "distinct_outcomes": len(self.outcome_keys),
            "first_outcome": min(self.outcome_times, default=None),
            "last_outcome": max(self.outcome_times, default=None),
            "slack_calls": dict(self.slack_calls),
        }


class Upstreams:
    """The fake servers' state and routes."""

    def __init__(self, latency: float) -> None:
        self.counters = Counters()
        self.bugpilot = self._simulated(latency, REPORT_READY_AFTER)
        self._ts = 0

    @staticmethod
    def _simulated(latency: float, report_after: float) -> SimulatedBugpilot:
        delays = dict.fromkeys(("upload-screenshot", "upload-session", "show-recording-ui"), report_after)
        return SimulatedBugpilot(
            api_key=API_KEY, workspace_id=WORKSPACE_ID, online=Everyone(), latency=latency, report_delays=delays
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bugpilot/api/v1/action", self._action)
        app.router.add_get("/bugpilot/api/v1/session-info/{workspace}/{token}", self._look)
        app.router.add_route("*", "/slack/api/{method}", self._slack_api)
        app.router.add_post("/slack/respond/{key}", self._respond)
        app.router.add_get("/_bench/stats", self._stats)
        app.router.add_post("/_bench/reset", self._reset)
        return app

    async def _action(self, request: web.Request) -> web.StreamResponse:
        counters = self.counters
        counters.bugpilot_calls += 1
        counters.in_flight += 1
        counters.peak_in_flight = max(counters.peak_in_flight, counters.in_flight)
        try:
            return await self.bugpilot.handle_action(request)
        finally:
            counters.in_flight -= 1

    async def _look(self, request: web.Request) -> web.StreamResponse:
        self.counters.session_info_calls += 1
        return await self.bugpilot.handle_session_info(request)

    def _links(self, method: str, args: dict[str, Any]) -> bool:
        """Note when (and by which method) a message first carried a report's link; whether this one carries any."""
        reports = REPORT.findall(json.dumps(args))
        for report in reports:
            if report not in self.counters.linked_at:
                self.counters.linked_at[report] = time.monotonic()
                self.counters.linked_by[method] += 1
        return bool(reports)

    async def _slack_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await read_arguments(request)
        self.counters.slack_calls[method] += 1
        linked = method in {"chat.postMessage", "chat.update", "chat.postEphemeral"} and self._links(method, args)
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "user_id": BOT_USER_ID, "team_id": TEAM_ID, "bot_id": "B_BOT", "user": "bugpilot"}
            )
        if method == "conversations.info":  # an internal support channel: outcomes go in its threads
            channel = {"id": args.get("channel"), "is_channel": True, "is_ext_shared": False, "is_member": True}
            return web.json_response({"ok": True, "channel": channel})
        if method == "chat.postMessage":
            thread_ts = args.get("thread_ts")
            if thread_ts and linked:
                self.counters.notices += 1
            elif thread_ts:
                self._outcome(_command_of(args) or f"thread:{thread_ts}")
            self._ts += 1
            ts = f"{int(time.time())}.{self._ts:06d}"
            return web.json_response({"ok": True, "channel": args.get("channel"), "ts": ts})
        return web.json_response({"ok": True})

    async def _respond(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.counters.slack_calls["response_url"] += 1
        # A post carrying a report's link brings the outcome already delivered up to date: not an outcome of its own.
        if not self._links("response_url", {"body": raw.decode(errors="replace")}):
            self._outcome(f"command:{request.match_info['key']}")
        return web.Response(text="ok")

    def _outcome(self, key: str) -> None:
        self.counters.outcomes += 1
        self.counters.outcome_keys.add(key)
        self.counters.outcome_times.append(time.monotonic())

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.counters.snapshot(self.bugpilot))

    async def _reset(self, request: web.Request) -> web.Response:
        settings = await request.json()
        self.counters = Counters()
        self.bugpilot = self._simulated(
            float(settings["latency"]), float(settings.get("report_after", REPORT_READY_AFTER))
        )
        return web.json_response({"ok": True})


def _gaps(reports: list[dict[str, Any]], since: str) -> list[float]:
    """Seconds from each linked report's ``since`` time to the first Slack message carrying its link."""
    return [
        report["linked_at"] - report[since]
        for report in reports
        if report["linked_at"] is not None and report[since] is not None
    ]


def _command_of(args: dict[str, Any]) -> str | None:
    """Which command a message answers, from the customer it names (``customer-<i>@example.com``)."""
    found = CUSTOMER.search(json.dumps(args))
    return f"command:{found.group(1)}" if found else None


async def _serve(latency: float) -> None:
    runner = web.AppRunner(Upstreams(latency).app(), access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock, backlog=1024)
    await site.start()
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds Bugpilot takes to answer")
    args = parser.parse_args()
    try:
        asyncio.run(_serve(args.latency))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
