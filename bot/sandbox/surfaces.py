"""The sandbox Slack's Home tabs, workflow runs and unfurls, and the Web API methods the app uses for them.

``views.publish`` (a ``home`` view for one user), ``functions.completeSuccess`` /
``functions.completeError`` (end a run of the app's custom step, with the step's own token) and
``chat.unfurl`` (attach a card under a posted link the app was told about) answer as Slack
documents them, errors included.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from typing import Any, Final

from bot.manifest import StepFunction
from bot.sandbox.blockids import fill_ids
from bot.sandbox.features import AppFeatures
from bot.sandbox.people import APP_ID, BOT_ID, TEAM_ID
from bot.sandbox.webapi import message_blocks
from bot.sandbox.workspace import SlackError, Workspace

__all__ = ["Surfaces"]

_MAX_HOME_BLOCKS: Final = 100
_ERROR_LIMIT: Final = 2000


class Surfaces:
    """State of the new surfaces, and their Web API methods (``methods()``) for the simulated Slack."""

    def __init__(self, workspace: Workspace, features: AppFeatures) -> None:
        self.workspace = workspace
        self.features = features
        self.home_views: dict[str, dict[str, Any]] = {}
        self.runs: list[dict[str, Any]] = []
        # Links the app was told about in link_shared, by message; and each event's unfurl_id.
        self._announced: dict[tuple[str, str], set[str]] = {}
        self._unfurl_ids: dict[str, tuple[str, str]] = {}

    def methods(self) -> dict[str, Any]:
        """The Web API methods, by name."""
        return {
            "views.publish": self._publish,
            "functions.completeSuccess": self._complete_success,
            "functions.completeError": self._complete_error,
            "chat.unfurl": self._unfurl,
        }

    def authorizes(self, method: str, token: str) -> bool:
        """Whether ``token`` is a running step's own token (``bot_access_token``); ``functions.*`` take any run's."""
        return any(
            run["token"] == token and (run["state"] == "running" or method.startswith("functions."))
            for run in self.runs
        )

    def snapshot(self, user: str) -> dict[str, Any]:
        """What the page draws of these surfaces, for ``user``."""
        return {
            "home": {"enabled": self.features.home_tab, "view": self.home_views.get(user)},
            "global_shortcuts": list(self.features.global_shortcuts),
            "steps": [
                {
                    "callback_id": step.callback_id,
                    "title": step.title,
                    "inputs": [{"name": p.name, "title": p.title, "required": p.required} for p in step.inputs],
                }
                for step in self.features.steps
            ],
            "runs": [{key: value for key, value in run.items() if key != "token"} for run in self.runs],
        }

    # --- workflow runs ---------------------------------------------------------------------

    def start_run(self, step: StepFunction, inputs: dict[str, str]) -> dict[str, Any]:
        """A workflow run reaching ``step``: its execution ID and its own short-lived token."""
        run = {
            "id": f"Fx{secrets.token_hex(5).upper()}",
            "workflow_execution_id": f"Wx{secrets.token_hex(5).upper()}",
            "token": f"xwfp-sandbox-{secrets.token_hex(12)}",
            "callback_id": step.callback_id,
            "title": step.title,
            "inputs": dict(inputs),
            "state": "running",
            "outputs": None,
            "error": None,
            "started": time.time(),
            "ended": None,
            "delivery": "",
        }
        self.runs.append(run)
        self.workspace.touch()
        return run

    def _run(self, args: dict[str, Any]) -> dict[str, Any]:
        execution_id = str(args.get("function_execution_id") or "")
        if not execution_id:
            raise SlackError("invalid_arguments")
        run = next((run for run in self.runs if run["id"] == execution_id), None)
        if run is None:
            raise SlackError("function_execution_not_found")
        if run["state"] != "running":
            raise SlackError("execution_not_in_running_state")
        return run

    def _complete_success(self, args: dict[str, Any]) -> dict[str, Any]:
        run = self._run(args)
        outputs = _json_object(args.get("outputs"))
        step = self.features.step(run["callback_id"])
        declared = {p.name for p in step.outputs} if step else set()
        required = {p.name for p in step.outputs if p.required} if step else set()
        if outputs is None or set(outputs) - declared or required - set(outputs):
            raise SlackError("parameter_validation_failed")
        ordered = {p.name: outputs[p.name] for p in step.outputs if p.name in outputs} if step else outputs
        run.update(state="completed", outputs=ordered, ended=time.time())
        self.workspace.touch()
        return {"ok": True}

    def _complete_error(self, args: dict[str, Any]) -> dict[str, Any]:
        run = self._run(args)
        error = str(args.get("error") or "")
        if not error.strip() or len(error) > _ERROR_LIMIT:
            raise SlackError("invalid_arguments")
        run.update(state="failed", error=error, ended=time.time())
        self.workspace.touch()
        return {"ok": True}

    # --- Home ------------------------------------------------------------------------------

    def _publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not self.features.home_tab:
            raise SlackError("not_enabled")
        user = str(args.get("user_id") or "")
        view = _json_object(args.get("view"))
        if not user or view is None or view.get("type") != "home":
            raise SlackError("invalid_arguments")
        if user not in self.workspace.users:
            raise SlackError("user_not_found")
        blocks = message_blocks(view.get("blocks"))
        if not blocks or len(blocks) > _MAX_HOME_BLOCKS:
            raise SlackError("invalid_arguments")
        old = self.home_views.get(user)
        if args.get("hash") and (old is None or args["hash"] != old["hash"]):
            raise SlackError("hash_conflict")
        stored = copy.deepcopy(view)
        stored.update(
            id=old["id"] if old else self.workspace.new_id("V"),
            team_id=TEAM_ID,
            app_id=APP_ID,
            bot_id=BOT_ID,
            hash=secrets.token_hex(8),
            blocks=fill_ids(blocks),
            state={"values": {}},
        )
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.setdefault("external_id", "")
        stored["root_view_id"] = stored["id"]
        stored["previous_view_id"] = None
        self.home_views[user] = stored
        self.workspace.touch()
        return {"ok": True, "view": stored}

    # --- unfurls ---------------------------------------------------------------------------

    def announce(self, message: dict[str, Any], links: list[str]) -> str:
        """Note that the app is told of ``links`` in ``message``; the event's ``unfurl_id``."""
        key = (message["channel"], message["ts"])
        self._announced.setdefault(key, set()).update(links)
        unfurl_id = f"C{secrets.token_hex(4).upper()}.{message['ts']}.{secrets.token_hex(16)}"
        self._unfurl_ids[unfurl_id] = key
        return unfurl_id

    def _unfurl(self, args: dict[str, Any]) -> dict[str, Any]:
        ws = self.workspace
        if args.get("unfurl_id") or args.get("source"):
            if not args.get("unfurl_id") or args.get("source") not in {"composer", "conversations_history"}:
                raise SlackError("invalid_arguments")
            key = self._unfurl_ids.get(str(args["unfurl_id"]))
            if key is None:
                raise SlackError("cannot_find_message")
        else:
            if not args.get("channel"):
                raise SlackError("missing_channel")
            if not args.get("ts"):
                raise SlackError("missing_ts")
            key = (str(args["channel"]), str(args["ts"]))
            if key[0] not in ws.conversations:
                raise SlackError("cannot_find_channel")
        if "unfurls" not in args:
            raise SlackError("missing_unfurls")
        unfurls = _json_object(args.get("unfurls"))
        if unfurls is None or not unfurls or not all(isinstance(card, dict) for card in unfurls.values()):
            raise SlackError("invalid_unfurls_format")
        try:
            message = ws.find(*key)
        except SlackError:
            raise SlackError("cannot_find_message") from None
        for url, card in unfurls.items():
            if url not in message["text"]:
                raise SlackError("cannot_unfurl_message")
            if url not in self._announced.get(key, set()):
                raise SlackError("cannot_unfurl_url")
            try:
                card_blocks = message_blocks(card.get("blocks"))
            except SlackError:
                raise SlackError("cannot_parse_attachment") from None
            if not card_blocks and not card.get("text"):
                raise SlackError("cannot_parse_attachment")
        cards = dict(message.get("unfurls") or {})
        for url, card in unfurls.items():
            cards[url] = {"blocks": fill_ids(message_blocks(card.get("blocks"))), "text": str(card.get("text") or "")}
        message["unfurls"] = cards
        message["revision"] = int(message["revision"]) + 1
        ws.touch()
        return {"ok": True}


def _json_object(value: object) -> dict[str, Any] | None:
    """A JSON object given as text or as an object; None otherwise."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None
