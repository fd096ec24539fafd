"""The page's JSON API: what a person does in the channel, turned into what Slack sends the bot.

Each handler builds the request Slack would send (``payloads``), signs and sends it
(``sender``), and shows the outcome the way Slack would: an ephemeral reply, a modal,
an error line when the app did not answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.manifest import SlashCommand
from bot.sandbox import payloads
from bot.sandbox.blockids import find_element
from bot.sandbox.people import BOT_USER, ME, SUPPORT
from bot.sandbox.sender import Answer, SlackSender
from bot.sandbox.strict import check_message_blocks, check_view
from bot.sandbox.workspace import SlackError, Workspace

__all__ = ["InteractionApi", "read_json"]


class InteractionApi:
    """Routes for the composer, shortcuts, buttons and modals."""

    def __init__(
        self,
        workspace: Workspace,
        sender: SlackSender,
        *,
        respond_base: str,
        commands: list[SlashCommand],
        shortcuts: list[dict[str, str]],
        bot_events: frozenset[str],
        posted: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.workspace = workspace
        self._sender = sender
        self._respond_base = respond_base.rstrip("/")
        self._commands = {command.command: command for command in commands}
        self._shortcuts = {shortcut["callback_id"]: shortcut for shortcut in shortcuts}
        self._bot_events = bot_events
        self._posted = posted

    def routes(self) -> list[web.RouteDef]:
        """The routes, to mount under ``/sandbox/api``."""
        return [
            web.post("/message", self.message),
            web.post("/command", self.command),
            web.post("/shortcut", self.shortcut),
            web.post("/action", self.action),
            web.post("/view/submit", self.submit),
            web.post("/view/close", self.close),
        ]

    def _response_url(self, channel: str, *, source: dict[str, Any] | None = None) -> str:
        """A ``response_url`` for ``channel``; for a click on ``source``: replaces it, answers in its thread."""
        thread_ts = source.get("thread_ts") if source else None
        key = self.workspace.issue_response_url(
            channel,
            source_ts=source["ts"] if source else None,
            thread_ts=thread_ts if source and thread_ts != source["ts"] else None,
        )
        return f"{self._respond_base}/{key}"

    async def message(self, request: web.Request) -> web.Response:
        """You post a message; a mention of the bot becomes an ``app_mention`` event."""
        data = await read_json(request)
        ws = self.workspace
        text = str(data.get("text") or "").strip()
        if not text:
            return _answer(400, "empty")
        wire = payloads.format_typed_text(text, ws.users)
        try:
            message = ws.post(SUPPORT, ME, wire, thread_ts=data.get("thread_ts") or None)
        except SlackError as exc:
            return _answer(400, exc.code)
        if self._posted is not None:
            await self._posted(message)  # link_shared for links on the app's unfurl domains
        if f"<@{BOT_USER}>" not in wire or "app_mention" not in self._bot_events:
            return _answer(200, "posted")
        if not ws.bot_can_post:
            # Slack sends no event for a mention of an app that isn't in the channel: it offers to invite it.
            ws.notice(
                "You mentioned @Bugpilot, but they're not in this channel. Would you like to invite them to join?",
                thread_ts=message.get("thread_ts"),
            )
            return _answer(200, "posted")
        parent = ws.find(SUPPORT, message["thread_ts"]) if message.get("thread_ts") else None
        event = payloads.app_mention_event(
            message, parent_user_id=parent["user"] if parent else None, shared=ws.support_shared
        )
        body = json.dumps(event)
        answer = await self._sender.send_json(body)
        ws.note("Slack → bot", f"app_mention event {event['event_id']}{_result(answer)}", ok=answer.ok)
        if not answer.ok or ws.duplicate_events:
            # Slack delivers an event again when the first delivery failed or seemed to time out.
            reason = "http_error" if answer.status is not None and not answer.ok else "http_timeout"
            again = await self._sender.send_json(body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
            ws.note("Slack → bot", f"app_mention event {event['event_id']} again, retry 1{_result(again)}")
        return _answer(200, "posted", bot_status=answer.status)

    async def command(self, request: web.Request) -> web.Response:
        """You run a slash command from the composer."""
        data = await read_json(request)
        ws = self.workspace
        text = str(data.get("text") or "").strip()
        name, _, rest = text.partition(" ")
        thread_ts = data.get("thread_ts") or None
        command = self._commands.get(name)
        if command is None:
            ws.notice(f"{name} is not a valid command. Messages that start with “/” are commands.", thread_ts=thread_ts)
            return _answer(404, "unknown_command")
        if thread_ts:
            ws.notice(f"{name} is not supported in threads. Sorry!", thread_ts=thread_ts)
            return _answer(400, "not_in_threads")
        ws.post(SUPPORT, ME, payloads.format_typed_text(text, ws.users), ephemeral=True)
        body = payloads.command_body(
            command=name,
            text=payloads.format_typed_text(rest.strip(), ws.users, labelled=command.should_escape),
            channel=SUPPORT,
            trigger_id=ws.issue_trigger(),
            response_url=self._response_url(SUPPORT),
        )
        answer = await self._sender.send_form(body)
        ws.note("Slack → bot", f"{name} {rest.strip()[:60]}{_result(answer)}", ok=answer.ok)
        if not answer.ok:
            ws.notice(f"{name} failed with the error “{answer.failure}”")
        else:
            self._show_ack(answer, name)
        return _answer(200, "sent", bot_status=answer.status)

    def _show_ack(self, answer: Answer, command: str) -> None:
        """A command's immediate answer: nothing, plain text, or a JSON message."""
        if not answer.body.strip():
            return
        reply: object = {"text": answer.body}
        if answer.content_type == "application/json":
            try:
                reply = json.loads(answer.body)
            except ValueError:
                reply = {"text": answer.body}
        if not isinstance(reply, dict):
            reply = {"text": answer.body}
        in_channel = reply.get("response_type") == "in_channel"
        blocks = reply.get("blocks")
        refusal = check_message_blocks(blocks)
        if refusal is not None:
            # Slack shows nothing of a reply it can't draw, only that the command failed.
            self.workspace.note("bot → Slack", f"command answer → {refusal.error}", ok=False, body=answer.body)
            self.workspace.notice(f"{command} failed with the error “{refusal.error}”")
            return
        self.workspace.post(
            SUPPORT,
            BOT_USER,
            str(reply.get("text") or ""),
            blocks if isinstance(blocks, list) else None,
            ephemeral=not in_channel,
        )

    async def shortcut(self, request: web.Request) -> web.Response:
        """You use a message shortcut on a message."""
        data = await read_json(request)
        ws = self.workspace
        shortcut = self._shortcuts.get(str(data.get("callback_id")))
        try:
            message = ws.find(str(data.get("channel") or SUPPORT), str(data.get("ts")))
        except SlackError as exc:
            return _answer(404, exc.code)
        if shortcut is None:
            return _answer(404, "unknown_shortcut")
        payload = payloads.message_action(
            callback_id=shortcut["callback_id"],
            message=message,
            trigger_id=ws.issue_trigger(),
            response_url=self._response_url(message["channel"]),
        )
        answer = await self._sender.send_form(payloads.interaction_body(payload))
        ws.note("Slack → bot", f"shortcut “{shortcut['name']}”{_result(answer)}", ok=answer.ok)
        if not answer.ok:
            ws.notice(f"“{shortcut['name']}” didn't work: the app {_failed(answer)}.")
        return _answer(200, "sent", bot_status=answer.status)

    async def action(self, request: web.Request) -> web.Response:
        """You click a button (or pick an option) in a message or a modal."""
        data = await read_json(request)
        ws = self.workspace
        block_id, action_id = str(data.get("block_id")), str(data.get("action_id"))
        try:
            if data.get("view_id"):
                view = payloads.view_with_state(ws.current_view(str(data["view_id"])), data.get("values"))
                element = find_element(view["blocks"], block_id, action_id)
                message = None
            else:
                message = ws.find(str(data.get("channel") or SUPPORT), str(data.get("ts")))
                element, view = find_element(message["blocks"], block_id, action_id), None
        except SlackError as exc:
            return _answer(404, exc.code)
        if element is None:
            return _answer(404, "action_not_found")
        action = payloads.clicked_action(element, block_id, data)
        payload = payloads.block_actions(
            action=action,
            trigger_id=ws.issue_trigger(),
            message=message,
            view=view,
            response_url=self._response_url(message["channel"], source=message) if message else None,
        )
        answer = await self._sender.send_form(payloads.interaction_body(payload))
        label = _plain(element.get("text")) or action_id
        ws.note("Slack → bot", f"click “{label}”{_result(answer)}", ok=answer.ok)
        if not answer.ok:
            if message is not None:
                ws.notice(f"“{label}” didn't work: the app {_failed(answer)}.", thread_ts=message.get("thread_ts"))
            else:
                ws.view_problem = "We had some trouble connecting. Try again?"
                ws.touch()
        return _answer(200, "sent", bot_status=answer.status)

    async def submit(self, request: web.Request) -> web.Response:
        """You press the modal's submit button."""
        data = await read_json(request)
        ws = self.workspace
        try:
            view = payloads.view_with_state(ws.current_view(str(data.get("view_id"))), data.get("values"))
        except SlackError as exc:
            return _answer(404, exc.code)
        payload = payloads.view_submission(view, trigger_id=ws.issue_trigger())
        answer = await self._sender.send_form(payloads.interaction_body(payload))
        ws.note("Slack → bot", f"modal submitted “{_plain(view.get('title'))}”{_result(answer)}", ok=answer.ok)
        if not answer.ok:
            ws.view_problem = "We had some trouble connecting. Try again?"
            ws.touch()
            return _answer(200, "failed", bot_status=answer.status)
        self._apply_response_action(answer, view)
        return _answer(200, "sent", bot_status=answer.status)

    def _apply_response_action(self, answer: Answer, view: dict[str, Any]) -> None:
        ws = self.workspace
        reply: dict[str, Any] = {}
        if answer.body.strip():
            try:
                loaded = json.loads(answer.body)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict):
                ws.view_problem = "We had some trouble connecting. Try again?"
                ws.touch()
                return
            reply = loaded
        kind = reply.get("response_action")
        if kind == "errors":
            ws.view_errors = {str(key): str(value) for key, value in (reply.get("errors") or {}).items()}
            ws.touch()
        elif kind in {"update", "push"} and (refusal := check_view(reply.get("view"))) is not None:
            ws.note("bot → Slack", f"response_action {kind} → {refusal.error}", ok=False, body=answer.body)
            ws.view_problem = "We had some trouble connecting. Try again?"
            ws.touch()
        elif kind in {"update", "push"} and isinstance(reply.get("view"), dict):
            ws.show_view(reply["view"], push=kind == "push", replace=view["id"] if kind == "update" else None)
        elif kind == "clear":
            ws.close_views()
        else:
            ws.close_views(all_views=False)

    async def close(self, request: web.Request) -> web.Response:
        """You close the modal; the app hears of it only when the view asked (``notify_on_close``)."""
        data = await read_json(request)
        ws = self.workspace
        try:
            view = ws.current_view(str(data.get("view_id")))
        except SlackError as exc:
            return _answer(404, exc.code)
        ws.close_views(all_views=False)
        if view.get("notify_on_close"):
            answer = await self._sender.send_form(payloads.interaction_body(payloads.view_closed(view)))
            ws.note("Slack → bot", f"modal closed{_result(answer)}", ok=answer.ok)
        return _answer(200, "closed")


def _plain(text_object: object) -> str:
    return str(text_object.get("text", "")) if isinstance(text_object, dict) else ""


def _result(answer: Answer) -> str:
    if answer.status is None:
        return f" → no answer within 3 s ({answer.ms} ms)"
    return f" → HTTP {answer.status} in {answer.ms} ms"


def _failed(answer: Answer) -> str:
    return "did not answer within 3 seconds" if answer.status is None else f"answered HTTP {answer.status}"


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; 415 or 400 otherwise."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send JSON")
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="send a JSON object")
    return data


def _answer(http_status: int, result: str, *, bot_status: int | None = None) -> web.Response:
    return web.json_response({"result": result, "bot_status": bot_status}, status=http_status)
