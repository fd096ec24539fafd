"""Local fake Slack and Bugpilot servers that record what the bot sends."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.sandbox.bugpilot import SimulatedBugpilot
from bot.sandbox.strict import check_message_blocks, check_unfurls, check_view

API_KEY = "bp_live_secret_key_123456"
WORKSPACE_ID = "ws_acme"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-000000000-test-token-abcdef"
TEAM_ID = "T_ACME"
BOT_USER_ID = "U_BOT"
# The step's declared outputs, as the manifest's functions.bugpilot_capture_step lists them.
STEP_OUTPUTS = frozenset({"report_url", "session_info_url", "outcome"})


@dataclass(frozen=True)
class Call:
    """One request to the fake Slack: the Web API method (or "respond") and its arguments."""

    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    """The Slack Web API (``/api/<method>``) and ``response_url`` receiver (``/respond/<id>``)."""

    users: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"U_AGENT": {"id": "U_AGENT", "name": "dana", "profile": {"real_name": "Dana Agent"}}}
    )
    post_errors: dict[str, str] = field(default_factory=dict)
    reply_errors: dict[str, str] = field(default_factory=dict)  # channel -> error for thread replies only
    html_pages: set[str] = field(default_factory=set)  # methods answered by a proxy's HTML error page
    method_errors: dict[str, str] = field(default_factory=dict)
    spent_response_urls: set[str] = field(default_factory=set)  # keys answered 404 expired_url
    calls: list[Call] = field(default_factory=list)
    queue: asyncio.Queue[Call] = field(default_factory=asyncio.Queue)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: str = "0"
    refuse_blocks: dict[str, str] = field(default_factory=dict)  # method (or "respond") -> error when blocks sent
    drop_after_read: dict[str, int] = field(default_factory=dict)  # method -> calls whose connection is cut
    socket_url: str = ""
    refused_texts: dict[str, str] = field(default_factory=dict)  # text fragment -> error for chat.post/update
    posted_ts: dict[int, str] = field(default_factory=dict)  # id(args) of a chat.postMessage -> its ts
    shared_channels: set[str] = field(default_factory=set)  # Slack Connect channels (conversations.info)
    step_runs: dict[str, str] = field(default_factory=dict)  # function_execution_id -> its bot_access_token
    step_results: dict[str, Call] = field(default_factory=dict)  # run -> the completion Slack accepted (token revoked)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> the Home view last published
    channel_info: dict[str, dict[str, Any]] = field(default_factory=dict)  # channel -> extra conversations.info fields
    strict: bool = True  # refuse blocks and views as Slack does (bot.sandbox.strict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        return app

    async def next_call(self, method: str | None = None, timeout: float = 5.0) -> Call:
        """The next call (of ``method``, when given), waiting at most ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                call = await self.queue.get()
                if method is None or call.method == method:
                    return call

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        call = Call(method, args)
        self.calls.append(call)
        self.queue.put_nowait(call)
        if self.drop_after_read.get(method, 0) > 0:
            self.drop_after_read[method] -= 1
            return _drop(request)
        if method in self.html_pages:
            return web.Response(status=502, text="<html><h1>502 Bad Gateway</h1></html>", content_type="text/html")
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            body = {"ok": False, "error": "ratelimited"}
            return web.json_response(body, status=429, headers={"Retry-After": self.retry_after})
        gate = self.gates.get(method)
        if gate is not None:
            await gate.wait()
        if method in {"functions.completeSuccess", "functions.completeError"}:
            return web.json_response(self._complete_step(method, args, request.headers.get("Authorization", "")))
        return web.json_response(self._answer(method, args))

    def ts_of(self, call: Call) -> str:
        """The ts the fake gave the message ``call`` posted."""
        found = next((ts for ts, args in self.messages.items() if args is call.args), None)
        return found if found is not None else self.posted_ts[id(call.args)]  # updated since

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in self.refuse_blocks and args.get("blocks") not in (None, "", "[]", []):
            return {"ok": False, "error": self.refuse_blocks[method]}
        refusal = self._strict_refusal(method, args)
        if refusal is not None:
            return refusal
        if method in self.method_errors:
            return {"ok": False, "error": self.method_errors[method]}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER_ID, "team_id": TEAM_ID, "bot_id": "B_BOT", "user": "bugpilot"}
        refused = [error for fragment, error in self.refused_texts.items() if fragment in str(args.get("text"))]
        if method in {"chat.postMessage", "chat.update"} and refused:
            return {"ok": False, "error": refused[0]}
        if method == "chat.postMessage":
            channel = str(args.get("channel"))
            if channel in self.post_errors:
                return {"ok": False, "error": self.post_errors[channel]}
            if args.get("thread_ts") and channel in self.reply_errors:
                return {"ok": False, "error": self.reply_errors[channel]}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            self.messages[ts] = args
            self.posted_ts[id(args)] = ts
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, **args}}
        if method == "chat.update":
            before = self.messages.get(str(args.get("ts"))) or {}
            if before.get("thread_ts") and "thread_ts" not in args:
                args["thread_ts"] = before["thread_ts"]  # an edited reply stays in its thread
            self.messages[str(args.get("ts"))] = args
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method in {"views.open", "views.update"}:
            return self._view(method, args)
        if method == "conversations.info" and str(args.get("channel")) in self.channel_info:
            channel = str(args.get("channel"))
            return {"ok": True, "channel": {"id": channel, **self.channel_info[channel]}}
        if method == "conversations.info":
            channel = str(args.get("channel"))
            return {"ok": True, "channel": {"id": channel, "is_ext_shared": channel in self.shared_channels}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "chat.getPermalink":
            channel, ts = str(args.get("channel")), str(args.get("message_ts"))
            link = f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "usergroups.users.list":
            users = self.usergroups.get(str(args.get("usergroup")))
            return {"ok": True, "users": users} if users is not None else {"ok": False, "error": "no_such_subteam"}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "views.publish":
            return self._publish(args)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": direct_channel(str(args.get("users")))}}
        if method == "chat.unfurl":
            return _unfurl_answer(args)
        return {"ok": True}

    def _publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """views.publish: a home view for a user, checked like Slack (slack_sdk's models), kept in ``homes``."""
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        if not args.get("user_id") or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        blocks = view.get("blocks") or []
        try:
            View(**view).to_dict()  # nested elements and Slack's limits, as Slack checks them
        except SlackObjectFormationError:
            return {"ok": False, "error": "invalid_blocks"}
        if len(blocks) > 100:  # Slack's limit for a Home tab
            return {"ok": False, "error": "invalid_blocks"}
        stored = {**view, "id": f"VH{args['user_id']}", "hash": f"{time.time():.6f}.{next(self._ts)}"}
        self.homes[str(args["user_id"])] = stored
        return {"ok": True, "view": stored}

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """views.open makes a view with an id and hash; views.update needs a known id and the current hash."""
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        if method == "views.open":
            view_id = f"V{len(self.views) + 1:04d}"
        else:
            view_id = str(args.get("view_id"))
            current = self.views.get(view_id)
            if current is None:
                return {"ok": False, "error": "not_found"}
            if args.get("hash") and args["hash"] != current["hash"]:
                return {"ok": False, "error": "hash_conflict"}
        stored = {**view, "id": view_id, "hash": f"{time.time():.6f}.{next(self._ts)}"}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    async def _respond(self, request: web.Request) -> web.Response:
        call = Call("respond", {"key": request.match_info["key"], **await request.json()})
        self.calls.append(call)
        self.queue.put_nowait(call)
        gate = self.gates.get("respond")
        if gate is not None:
            await gate.wait()
        if call.args["key"] in self.spent_response_urls:  # used 5 times, or older than 30 minutes
            return web.Response(status=404, text="expired_url")
        if "respond" in self.refuse_blocks and call.args.get("blocks"):
            return web.Response(status=400, text=self.refuse_blocks["respond"])
        if self.strict and check_message_blocks(call.args.get("blocks")) is not None:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    def step_run(self, inputs: dict[str, Any], *, execution_id: str | None = None) -> tuple[str, str]:
        """A ``function_executed`` body for a new run of the step with ``inputs``, and its execution ID."""
        run_id = execution_id or f"Fx{next(self._ts):010d}"
        token = f"xwfp-{run_id}-token"
        self.step_runs[run_id] = token
        return function_executed_body(inputs, execution_id=run_id, token=token), run_id

    async def step_result(self, execution_id: str, timeout: float = 10.0) -> Call:
        """The completion Slack accepted for the run, waiting at most ``timeout`` seconds for it."""
        async with asyncio.timeout(timeout):
            while execution_id not in self.step_results:
                await self.next_call(timeout=timeout)
        return self.step_results[execution_id]

    def _complete_step(self, method: str, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        """Slack's checks: a known run, completed once, with its own token, and only the declared outputs."""
        run_id = args.get("function_execution_id")
        if not isinstance(run_id, str) or not run_id:
            return {"ok": False, "error": "invalid_arguments"}
        token = self.step_runs.get(run_id)
        if token is None:
            return {"ok": False, "error": "function_execution_not_found"}
        if run_id in self.step_results:
            return {"ok": False, "error": "token_revoked"}  # Slack revokes a run's token once it completes
        if authorization != f"Bearer {token}":
            return {"ok": False, "error": "invalid_auth"}
        if method == "functions.completeSuccess":
            outputs = args.get("outputs")
            if isinstance(outputs, str):  # a form post carries them as JSON (slack_sdk sends them so)
                try:
                    outputs = json.loads(outputs)
                except ValueError:
                    return {"ok": False, "error": "invalid_arguments"}
                args["outputs"] = outputs
            if not isinstance(outputs, dict) or set(outputs) - STEP_OUTPUTS:
                return {"ok": False, "error": "invalid_arguments"}
            if not all(isinstance(value, str) for value in outputs.values()):
                return {"ok": False, "error": "invalid_arguments"}
        elif not isinstance(args.get("error"), str) or not args["error"]:
            return {"ok": False, "error": "invalid_arguments"}
        self.step_results[run_id] = Call(method, args)
        return {"ok": True}

    def _strict_refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to blocks or a view it would refuse (``strict``), else None."""
        if not self.strict:
            return None
        if method in {"chat.postMessage", "chat.postEphemeral", "chat.update"}:
            blocks = args.get("blocks")
            refusal = check_message_blocks(json.loads(blocks) if isinstance(blocks, str) and blocks else blocks)
        elif method in {"views.open", "views.push", "views.update", "views.publish"}:
            view = args.get("view")
            refusal = check_view(json.loads(view) if isinstance(view, str) else view)
        elif method == "chat.unfurl":
            unfurls = args.get("unfurls")
            refusal = check_unfurls(json.loads(unfurls) if isinstance(unfurls, str) else unfurls)
        else:
            return None
        return refusal.answer() if refusal is not None else None


def _unfurl_answer(args: dict[str, Any]) -> dict[str, Any]:
    """chat.unfurl as Slack checks it: a posted message (channel, ts) or a composer's (unfurl_id, source),
    and ``unfurls`` a JSON object keyed by URL whose cards are valid blocks without interactive elements."""
    posted = bool(args.get("channel")) and bool(args.get("ts"))
    composing = bool(args.get("unfurl_id")) and args.get("source") in {"composer", "conversations_history"}
    if not (posted or composing):
        return {"ok": False, "error": "invalid_arguments"}
    unfurls = args.get("unfurls")
    if isinstance(unfurls, str):
        try:
            unfurls = json.loads(unfurls)
        except ValueError:
            return {"ok": False, "error": "invalid_unfurls_format"}
    if not isinstance(unfurls, dict) or not unfurls:
        return {"ok": False, "error": "invalid_unfurls_format"}
    for url, card in unfurls.items():
        blocks = card.get("blocks") if isinstance(card, dict) else None
        if not isinstance(url, str) or not isinstance(blocks, list) or not blocks:
            return {"ok": False, "error": "invalid_unfurls_format"}
        try:
            parsed = [Block.parse(block) for block in blocks]
            for block in parsed:
                if block is None or block.type == "actions":
                    return {"ok": False, "error": "invalid_blocks"}
                block.to_dict()
        except SlackObjectFormationError:
            return {"ok": False, "error": "invalid_blocks"}
    return {"ok": True}


def _drop(request: web.Request) -> web.Response:
    """Cut the connection after reading the request, as a proxy or a crash would: no answer arrives."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)


@dataclass(frozen=True)
class Look:
    """One Session Info request as the fake saw it: its path and headers (the key replaced by whether it matched)."""

    path: str
    headers: dict[str, str]


@dataclass
class FakeBugpilot:
    """The simulated Bugpilot API (Action and Session Info), plus queues of arrivals and a gate that holds answers.

    ``canned`` answers ``/action`` and ``canned_looks`` answers Session Info before the simulation does,
    each ``(status, JSON body, headers)`` in turn.
    """

    sim: SimulatedBugpilot = field(
        default_factory=lambda: SimulatedBugpilot(api_key=API_KEY, workspace_id=WORKSPACE_ID)
    )
    arrived: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    gate: asyncio.Event | None = None
    canned: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)  # answers before the simulation's
    canned_looks: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    looks: asyncio.Queue[Look] = field(default_factory=asyncio.Queue)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v1/action", self._action)
        app.router.add_get("/api/v1/session-info/{workspace}/{token}", self._look)
        return app

    async def _action(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.arrived.put_nowait(json.loads(raw) if raw else {})
        if self.gate is not None:
            await self.gate.wait()
        if self.canned:
            status, body, headers = self.canned.pop(0)
            return web.json_response(body, status=status, headers=headers)
        return await self.sim.handle_action(request)

    async def _look(self, request: web.Request) -> web.StreamResponse:
        headers = {key: value for key, value in request.headers.items() if key.lower() != "x-bugpilot-api-key"}
        headers["x-bugpilot-api-key-ok"] = str(request.headers.get("X-Bugpilot-Api-Key") == self.sim.api_key)
        self.looks.put_nowait(Look(path=request.path, headers=headers))
        if self.canned_looks:
            status, body, extra = self.canned_looks.pop(0)
            return web.json_response(body, status=status, headers=extra)
        return await self.sim.handle_session_info(request)

    async def next_arrival(self, timeout: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.arrived.get(), timeout)

    async def next_look(self, timeout: float = 5.0) -> Look:
        """The next Session Info request, waiting at most ``timeout`` seconds."""
        return await asyncio.wait_for(self.looks.get(), timeout)


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with a request: timestamp and v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(text: str, *, response_url: str, user_id: str = "U_AGENT", channel_id: str = "C_SUPPORT") -> str:
    """A slash command body exactly as Slack form-encodes it."""
    return urllib.parse.urlencode(
        {
            "token": "deprecated",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "support",
            "user_id": user_id,
            "user_name": "agent",
            "command": "/bugpilot",
            "text": text,
            "api_app_id": "A_BUGPILOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{time.time()}.trigger",
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    """An interactivity body: ``payload=<url-encoded JSON>``."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def message_shortcut_payload(
    message: dict[str, Any],
    *,
    response_url: str,
    channel_id: str = "C_SUPPORT",
    user_id: str = "U_AGENT",
) -> dict[str, Any]:
    """A ``message_action`` payload for the "Capture with Bugpilot" shortcut on ``message``."""
    return {
        "type": "message_action",
        "token": "deprecated",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "username": "agent", "team_id": TEAM_ID, "name": "agent"},
        "channel": {"id": channel_id, "name": "support"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "bugpilot_capture",
        "trigger_id": f"{time.time():.6f}.trigger",
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
    }


def view_submission_payload(
    view: dict[str, Any], values: dict[str, dict[str, Any]], *, user_id: str = "U_AGENT"
) -> dict[str, Any]:
    """A ``view_submission`` of ``view`` (as the bot opened it) with ``values`` as its state."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "username": "agent", "team_id": TEAM_ID},
        "api_app_id": "A_BUGPILOT",
        "token": "deprecated",
        "trigger_id": f"{time.time():.6f}.trigger",
        "view": {**view, "state": {"values": values}, "team_id": TEAM_ID, "app_id": "A_BUGPILOT"},
        "response_urls": [],
        "is_enterprise_install": False,
    }


def event_body(event: dict[str, Any], *, event_id: str) -> str:
    """An Events API ``event_callback`` JSON body."""
    return json.dumps(
        {
            "token": "deprecated",
            "team_id": TEAM_ID,
            "api_app_id": "A_BUGPILOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
            "is_ext_shared_channel": False,
        }
    )


def function_executed_body(
    inputs: dict[str, Any], *, execution_id: str, token: str, callback_id: str = "bugpilot_capture_step"
) -> str:
    """A ``function_executed`` event callback: a workflow reached the "Capture with Bugpilot" step."""
    string = {"type": "string"}
    event = {
        "type": "function_executed",
        "function": {
            "id": "Fn_CAPTURE",
            "callback_id": callback_id,
            "title": "Capture with Bugpilot",
            "type": "app",
            "input_parameters": [
                {**string, "name": "customer", "is_required": True},
                {**string, "name": "action", "is_required": True},
                {**string, "name": "note", "is_required": False},
            ],
            "output_parameters": [{**string, "name": name, "is_required": False} for name in sorted(STEP_OUTPUTS)],
            "app_id": "A_BUGPILOT",
        },
        "inputs": inputs,
        "function_execution_id": execution_id,
        "workflow_execution_id": f"Wx{execution_id}",
        "event_ts": f"{time.time():.6f}",
        "bot_access_token": token,
    }
    return event_body(event, event_id=f"Ev{execution_id}")


def direct_channel(user_id: str) -> str:
    """The ID of the fake's direct message between the bot and ``user_id`` (``conversations.open``)."""
    return "D" + user_id.removeprefix("U")


def global_shortcut_payload(*, user_id: str = "U_AGENT", team_id: str = TEAM_ID) -> dict[str, Any]:
    """A ``shortcut`` payload: the global shortcut "Capture a customer's screen" (no channel, no response_url)."""
    return {
        "type": "shortcut",
        "token": "deprecated",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "agent", "team_id": team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "bugpilot_capture_global",
        "trigger_id": f"{time.time():.6f}.trigger",
    }


def home_click_payload(action_id: str, *, user_id: str = "U_AGENT", team_id: str = TEAM_ID) -> dict[str, Any]:
    """A ``block_actions`` payload: a button without value clicked on the user's App Home view."""
    return {
        "type": "block_actions",
        "token": "deprecated",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "agent", "name": "agent", "team_id": team_id},
        "api_app_id": "A_BUGPILOT",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": f"{time.time():.6f}.trigger",
        "view": {"id": "VHOME", "type": "home", "team_id": team_id, "app_id": "A_BUGPILOT", "blocks": []},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "home_actions",
                "type": "button",
                "text": {"type": "plain_text", "text": "New capture"},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def link_shared_body(
    urls: list[str],
    *,
    event_id: str,
    channel: str = "C_SUPPORT",
    user: str = "U_AGENT",
    message_ts: str = "1700000100.000100",
    source: str = "conversations_history",
    team_id: str = TEAM_ID,
) -> str:
    """A ``link_shared`` event body as Slack documents it; a composer's has ``channel="COMPOSER"``."""
    composer = source == "composer"
    unfurl_id = f"{user}-{event_id}-composer" if composer else f"{channel}.{message_ts}.{event_id}"
    event = {
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": True,
        "user": user,
        "message_ts": unfurl_id if composer else message_ts,
        "unfurl_id": unfurl_id,
        "source": source,
        "event_ts": f"{time.time():.6f}",
        "links": [{"domain": urllib.parse.urlsplit(url).hostname or "", "url": url} for url in urls],
    }
    body = json.loads(event_body(event, event_id=event_id))
    body["team_id"] = team_id
    body["authorizations"][0]["team_id"] = team_id
    return json.dumps(body)
