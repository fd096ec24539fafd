"""A stand-in for the Slack Web API and for ``response_url``, over the sandbox's workspace.

It answers the methods the bot uses the way Slack documents them (``ok``/``error``, the
same argument names, the 3-second single-use ``trigger_id``), checks the bot token and the
scopes the manifest grants, refuses blocks and views Slack would refuse (``bot.sandbox.strict``),
and keeps what the bot posts in the workspace so the page can show it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.people import BOT_ID, BOT_USER, ERIN, ME, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from bot.sandbox.strict import missing_scope
from bot.sandbox.webapi import message_blocks, message_content, modal_view, read_arguments
from bot.sandbox.workspace import SlackError, Workspace

__all__ = ["SimulatedSlack"]

Method = Callable[[dict[str, Any]], dict[str, Any]]


class SimulatedSlack:
    """``/api/<method>`` and ``/respond/<key>`` routes; mount them under the base the bot uses."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        token: str,
        scopes: frozenset[str],
        public_url: str,
        app_token: str | None = None,
        extra_methods: dict[str, Method] | None = None,
        extra_token: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.workspace = workspace
        self._token = token
        self._app_token = app_token
        self._scopes = scopes
        self._public_url = public_url.rstrip("/")
        self._methods: dict[str, Method] = {
            "apps.connections.open": lambda _args: {"ok": True, "url": "wss://127.0.0.1/socket-mode-not-simulated"},
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "conversations.info": self._conversation_info,
            "conversations.open": self._open,
            "conversations.replies": self._replies,
            "users.info": self._user_info,
            "usergroups.users.list": lambda _args: {"ok": True, "users": [ME, ERIN]},
            "team.info": lambda _args: {"ok": True, "team": {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN}},
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }
        # The Home tab, workflow steps and unfurls (bot/sandbox/surfaces.py), and their step tokens.
        self._methods.update(extra_methods or {})
        self._extra_token = extra_token or (lambda _method, _token: False)

    def routes(self) -> list[web.RouteDef]:
        """The routes: Web API methods and response URLs."""
        return [
            web.route("*", "/api/{method}", self.handle_method),
            web.post("/respond/{key}", self.handle_response_url),
        ]

    def permalink(self, channel: str, ts: str) -> str:
        """A message's address on the sandbox page."""
        return f"{self._public_url}/archives/{quote(channel)}/p{ts.replace('.', '')}"

    async def handle_method(self, request: web.Request) -> web.Response:
        """One Web API call."""
        method = request.match_info["method"]
        ws = self.workspace
        ws.calls[method] = ws.calls.get(method, 0) + 1
        args = await read_arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.get("token", ""))
        headers = {"x-oauth-scopes": ",".join(sorted(self._scopes))} if method == "auth.test" else {}
        handler = self._methods.get(method)
        if handler is None:
            answer: dict[str, Any] = {"ok": False, "error": "unknown_method"}
        elif token != (self._app_token if method == "apps.connections.open" else self._token) and not self._extra_token(
            method, token
        ):
            answer = {"ok": False, "error": "invalid_auth"}
        elif (refused := missing_scope(method, self._scopes)) is not None:
            answer = refused
        else:
            try:
                answer = handler(args)
            except SlackError as exc:
                answer = exc.answer
        if method != "auth.test":
            detail = _describe(method, args)
            ws.note(
                "bot → Slack",
                f"{method}{detail}" + ("" if answer["ok"] else f" → {answer['error']}"),
                ok=answer["ok"],
                body=_wire_body(args, answer),
            )
        return web.json_response(answer, headers=headers)

    async def handle_response_url(self, request: web.Request) -> web.Response:
        """A message sent to a ``response_url``: ephemeral, in channel, or replacing its source."""
        ws = self.workspace
        body: object = None
        try:
            target = ws.use_response_url(request.match_info["key"])
            body = await request.json()
            summary = self._respond(target, body)
        except (SlackError, ValueError) as exc:
            error = exc.code if isinstance(exc, SlackError) else "invalid_payload"
            answer = exc.answer if isinstance(exc, SlackError) else {"ok": False, "error": error}
            ws.note("bot → Slack", f"response_url → {error}", ok=False, body=_wire_body(body, answer))
            # Slack answers a refused layout 400 with the code as the body; an unknown or spent URL 404.
            return web.Response(status=400 if error.startswith("invalid_blocks") else 404, text=error)
        ws.note("bot → Slack", f"response_url ({summary})", body=_wire_body(body, {"ok": True}))
        return web.Response(text="ok")

    def _respond(self, target: dict[str, Any], body: object) -> str:
        ws = self.workspace
        if not isinstance(body, dict):
            raise SlackError("invalid_payload")
        channel, source = target["channel"], target["source_ts"]
        if body.get("delete_original") and source:
            ws.delete(channel, source)
            return "delete_original"
        text, blocks = str(body.get("text") or ""), message_blocks(body.get("blocks"))
        if body.get("replace_original") and source:
            ws.update(channel, source, text, blocks)
            return "replace_original"
        thread_ts = body.get("thread_ts") or target["thread_ts"]
        if body.get("response_type") == "in_channel":
            ws.post(channel, BOT_USER, text, blocks, thread_ts=thread_ts)
            return "in_channel"
        ws.post(channel, BOT_USER, text, blocks, thread_ts=thread_ts, ephemeral=True)
        return "ephemeral"

    # --- methods -----------------------------------------------------------------------------

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"{self._public_url}/",
            "team": TEAM_NAME,
            "user": "bugpilot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(args)
        text, blocks = message_content(args)
        message = self.workspace.post(channel, BOT_USER, text, blocks, thread_ts=args.get("thread_ts") or None)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": _public(message)}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        if str(args.get("user", "")) not in self.workspace.users:
            raise SlackError("user_not_in_channel")
        text, blocks = message_content(args)
        message = self.workspace.post(
            channel, BOT_USER, text, blocks, thread_ts=args.get("thread_ts") or None, ephemeral=True
        )
        return {"ok": True, "message_ts": message["ts"]}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(args)
        message = self.workspace.find(channel, str(args.get("ts", "")))
        if message.get("user") != BOT_USER or message.get("ephemeral"):
            raise SlackError("cant_update_message")
        text, blocks = message_content(args)
        self.workspace.update(channel, message["ts"], text, blocks)
        return {"ok": True, "channel": channel, "ts": message["ts"], "text": text}

    def _delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        self.workspace.delete(channel, str(args.get("ts", "")))
        return {"ok": True, "channel": channel, "ts": args.get("ts")}

    def _permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        ts = str(args.get("message_ts", ""))
        self.workspace.find(channel, ts)
        return {"ok": True, "channel": channel, "permalink": self.permalink(channel, ts)}

    def _conversation_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        info = dict(self.workspace.conversations[channel])
        info["is_member"] = self.workspace.bot_can_post
        return {"ok": True, "channel": info}

    def _open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        return {"ok": True, "channel": {"id": self.workspace.open_dm(users[0].strip())}}

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        root = str(args.get("ts", ""))
        self.workspace.find(channel, root)
        thread = [
            _public(message)
            for message in self.workspace.messages
            if message["channel"] == channel
            and not message["ephemeral"]
            and (message["ts"] == root or message.get("thread_ts") == root)
        ]
        return {"ok": True, "messages": thread, "has_more": False}

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.users.get(str(args.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        if user.get("team_id") != TEAM_ID and not self.workspace.guest_email_visible:
            # Another organization's member: their email only when their organization lets it show.
            user = {**user, "profile": {k: v for k, v in user["profile"].items() if k != "email"}}
        return {"ok": True, "user": user}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self.workspace.take_trigger(str(args.get("trigger_id", "")))
        return {"ok": True, "view": self.workspace.show_view(modal_view(args))}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        self.workspace.take_trigger(str(args.get("trigger_id", "")))
        return {"ok": True, "view": self.workspace.show_view(modal_view(args), push=True)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            matches = [view["id"] for view in ws.views if view.get("external_id") == args["external_id"]]
            view_id = matches[0] if matches else ""
        old = ws.current_view(view_id)
        if args.get("hash") and args["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        return {"ok": True, "view": ws.show_view(modal_view(args), replace=view_id)}

    def _writable(self, args: dict[str, Any]) -> str:
        channel = self.workspace.channel_id(str(args.get("channel", "")))
        if not self.workspace.bot_can_post and not self.workspace.conversations[channel].get("is_im"):
            raise SlackError("not_in_channel")
        return channel


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A message as the Web API describes it (without the sandbox's own bookkeeping)."""
    return {key: value for key, value in message.items() if key not in {"channel", "ephemeral", "revision"}}


def _wire_body(request: object, answer: dict[str, Any]) -> str:
    """What the wire panel shows on a click: the request as sent (no token) and Slack's answer."""
    sent = {key: value for key, value in request.items() if key != "token"} if isinstance(request, dict) else request
    for key in ("blocks", "view", "unfurls"):
        if isinstance(sent, dict) and isinstance(sent.get(key), str):
            with contextlib.suppress(ValueError):
                sent[key] = json.loads(sent[key])
    return json.dumps({"request": sent, "answer": answer}, indent=2, ensure_ascii=False, default=str)


def _describe(method: str, args: dict[str, Any]) -> str:
    if method in {"chat.postMessage", "chat.postEphemeral"}:
        where = " in a thread" if args.get("thread_ts") else ""
        return f"{where}: {str(args.get('text') or '')[:80]}"
    if method == "chat.update":
        return f": {str(args.get('text') or '')[:80]}"
    if method == "users.info":
        return f" {args.get('user', '')}"
    return ""
