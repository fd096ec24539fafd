"""The page's JSON API for the Home tab, global shortcuts, workflow runs and shared links.

Each handler sends the bot what Slack would (``surface_payloads``) and shows the outcome the way
Slack does: the Home tab draws what the app published, a run shows its state until the app
completes it, a card appears under a link once the app unfurls it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.sandbox import payloads, surface_payloads
from bot.sandbox.api import read_json
from bot.sandbox.blockids import find_element
from bot.sandbox.features import as_function, on_domains
from bot.sandbox.people import APP_ID, ME
from bot.sandbox.sender import Answer, SlackSender
from bot.sandbox.surfaces import Surfaces

__all__ = ["SurfaceApi"]


class SurfaceApi:
    """Routes for the Home tab, the ⚡ menu, the Workflows panel; ``links_posted`` for the composer."""

    def __init__(self, surfaces: Surfaces, sender: SlackSender, *, dash_url: str) -> None:
        self.surfaces = surfaces
        self.workspace = surfaces.workspace
        self._sender = sender
        # The simulated Bugpilot's dashboard stands in for the manifest's unfurl domain (dash.bugpilot.io).
        self._dash = dash_url.rstrip("/") + "/"

    def routes(self) -> list[web.RouteDef]:
        """The routes, to mount under ``/sandbox/api``."""
        return [
            web.post("/home/open", self.open_home),
            web.post("/home/action", self.home_action),
            web.post("/shortcut/global", self.global_shortcut),
            web.post("/workflow/run", self.run_step),
        ]

    async def open_home(self, _request: web.Request) -> web.Response:
        """You open the app's Home tab: ``app_home_opened`` (Slack sends it each time)."""
        ws = self.workspace
        features = self.surfaces.features
        if not features.home_tab or "app_home_opened" not in features.bot_events:
            return _answer(404, "home_tab_disabled")
        event = surface_payloads.app_home_opened_event(
            user=ME, channel=ws.open_dm(ME), view=self.surfaces.home_views.get(ME)
        )
        answer = await self._deliver(event, f"app_home_opened event {event['event_id']}")
        return _answer(200, "sent", bot_status=answer.status)

    async def home_action(self, request: web.Request) -> web.Response:
        """You click a button in the Home tab: ``block_actions`` from a view of type ``home``."""
        data = await read_json(request)
        ws = self.workspace
        view = self.surfaces.home_views.get(ME)
        block_id, action_id = str(data.get("block_id")), str(data.get("action_id"))
        element = find_element(view["blocks"], block_id, action_id) if view else None
        if view is None or element is None:
            return _answer(404, "action_not_found")
        payload = payloads.block_actions(
            action=payloads.clicked_action(element, block_id, data),
            trigger_id=ws.issue_trigger(),
            view=payloads.view_with_state(view, data.get("values")),
        )
        answer = await self._sender.send_form(payloads.interaction_body(payload))
        label = str((element.get("text") or {}).get("text") or action_id)
        ws.note("Slack → bot", f"Home: click “{label}”{_result(answer)}", ok=answer.ok)
        return _answer(200, "sent", bot_status=answer.status)

    async def global_shortcut(self, request: web.Request) -> web.Response:
        """You pick a global shortcut from the ⚡ menu or the sidebar."""
        data = await read_json(request)
        ws = self.workspace
        shortcut = next(
            (s for s in self.surfaces.features.global_shortcuts if s["callback_id"] == data.get("callback_id")), None
        )
        if shortcut is None:
            return _answer(404, "unknown_shortcut")
        payload = surface_payloads.global_shortcut(callback_id=shortcut["callback_id"], trigger_id=ws.issue_trigger())
        answer = await self._sender.send_form(payloads.interaction_body(payload))
        ws.note("Slack → bot", f"global shortcut “{shortcut['name']}”{_result(answer)}", ok=answer.ok)
        if not answer.ok:
            ws.notice(f"“{shortcut['name']}” didn't work: the app {_failed(answer)}.")
        return _answer(200, "sent", bot_status=answer.status)

    async def run_step(self, request: web.Request) -> web.Response:
        """A workflow run reaches the app's step: ``function_executed``; the run waits for the app to complete it."""
        data = await read_json(request)
        step = self.surfaces.features.step(str(data.get("callback_id") or ""))
        if step is None:
            return _answer(404, "unknown_step")
        given = data.get("inputs")
        inputs = {
            p.name: str((given or {}).get(p.name) or "").strip() if isinstance(given, dict) else "" for p in step.inputs
        }
        if any(p.required and not inputs[p.name] for p in step.inputs):
            # Workflow Builder does not start a run without its required inputs.
            return _answer(400, "missing_inputs")
        inputs = {name: value for name, value in inputs.items() if value}
        run = self.surfaces.start_run(step, inputs)
        event = surface_payloads.function_executed_event(
            function=as_function(step, function_id=f"Fn{run['id'][2:]}", app_id=APP_ID),
            inputs=inputs,
            execution_id=run["id"],
            workflow_execution_id=run["workflow_execution_id"],
            token=run["token"],
        )
        answer = await self._deliver(event, f"function_executed “{step.title}” {run['id']}")
        run["delivery"] = _result(answer).removeprefix(" → ")

        return web.json_response({"result": "sent", "bot_status": answer.status, "run": run["id"]})

    async def _deliver(self, event: dict[str, Any], label: str) -> Answer:
        """Send an event; again, as Slack's retries do, when it failed or the sandbox delivers each event twice."""
        body = json.dumps(event)
        answer = await self._sender.send_json(body)
        self.workspace.note("Slack → bot", f"{label}{_result(answer)}", ok=answer.ok)
        if not answer.ok or self.workspace.duplicate_events:
            reason = "http_error" if answer.status is not None and not answer.ok else "http_timeout"
            again = await self._sender.send_json(body, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
            self.workspace.note("Slack → bot", f"{label} again, retry 1{_result(again)}", ok=again.ok)
        return answer

    async def links_posted(self, message: dict[str, Any]) -> None:
        """A message was posted: ``link_shared`` when it has links on the app's unfurl domains."""
        ws = self.workspace
        links = [
            url
            for url in surface_payloads.links_in(str(message.get("text") or ""))
            if on_domains(url, self.surfaces.features.unfurl_domains)
            or (self.surfaces.features.unfurl_domains and url.startswith(self._dash))
        ]
        if not links or "link_shared" not in self.surfaces.features.bot_events:
            return
        shared = bool(ws.conversations.get(message["channel"], {}).get("is_ext_shared"))
        unfurl_id = self.surfaces.announce(message, links)
        event = surface_payloads.link_shared_event(
            message, links=links, unfurl_id=unfurl_id, shared=shared, bot_is_member=ws.bot_can_post
        )
        count = f"{len(links)} link{'s' if len(links) > 1 else ''}"
        await self._deliver(event, f"link_shared event {event['event_id']} ({count})")


def _result(answer: Answer) -> str:
    if answer.status is None:
        return f" → no answer within 3 s ({answer.ms} ms)"
    return f" → HTTP {answer.status} in {answer.ms} ms"


def _failed(answer: Answer) -> str:
    return "did not answer within 3 seconds" if answer.status is None else f"answered HTTP {answer.status}"


def _answer(http_status: int, result: str, *, bot_status: int | None = None) -> web.Response:
    return web.json_response({"result": result, "bot_status": bot_status}, status=http_status)
