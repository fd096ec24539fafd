"""What Slack sends an app, built from the sandbox's workspace: pure functions, no I/O.

Slash commands are form bodies; shortcuts, button clicks and modal submissions are
``payload=<JSON>`` form bodies; events are JSON. Text typed on the page is turned into
Slack's wire format first (``&<>`` escaped, mentions, emails and links as markup).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.people import APP_ID, BOT_USER, ME, SUPPORT, TEAM_DOMAIN, TEAM_ID

__all__ = [
    "app_mention_event",
    "block_actions",
    "clicked_action",
    "command_body",
    "format_typed_text",
    "interaction_body",
    "message_action",
    "view_closed",
    "view_submission",
    "view_with_state",
]

_TYPED = re.compile(
    r"(?P<url>https?://[^\s]+)"
    r"|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?<![\w@])@(?P<name>[A-Za-z][\w-]*)"
)


def format_typed_text(text: str, users: dict[str, dict[str, Any]], *, labelled: bool = False) -> str:
    """Text as Slack delivers what a person typed.

    ``&``, ``<`` and ``>`` are escaped; ``@name`` of a member becomes ``<@U…>`` (``<@U…|name>``
    when ``labelled``, as escaped slash-command text has it), emails ``<mailto:…|…>``, links ``<…>``.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    by_name = {str(user["name"]).lower(): user_id for user_id, user in users.items()}

    def markup(match: re.Match[str]) -> str:
        if match["url"]:
            return f"<{match['url']}>"
        if match["email"]:
            return f"<mailto:{match['email']}|{match['email']}>"
        user_id = by_name.get(match["name"].lower())
        if user_id is None:
            return match[0]
        return f"<@{user_id}|{users[user_id]['name']}>" if labelled else f"<@{user_id}>"

    return _TYPED.sub(markup, escaped)


def _user() -> dict[str, Any]:
    return {"id": ME, "username": "dana", "name": "dana", "team_id": TEAM_ID}


def _team() -> dict[str, Any]:
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def _channel(channel: str) -> dict[str, Any]:
    return {"id": channel, "name": "support" if channel == SUPPORT else "directmessage"}


def command_body(*, command: str, text: str, channel: str, trigger_id: str, response_url: str) -> str:
    """A slash command, form-encoded as Slack sends it."""
    return urlencode(
        {
            "token": "sandbox-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": _channel(channel)["name"],
            "user_id": ME,
            "user_name": "dana",
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity body: ``payload=<url-encoded JSON>``."""
    return urlencode({"payload": json.dumps(payload)})


def message_action(*, callback_id: str, message: dict[str, Any], trigger_id: str, response_url: str) -> dict[str, Any]:
    """A message shortcut used on ``message``."""
    return {
        "type": "message_action",
        "token": "sandbox-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": _team(),
        "user": _user(),
        "channel": _channel(message["channel"]),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": _wire_message(message),
    }


def block_actions(
    *,
    action: dict[str, Any],
    trigger_id: str,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A click (or selection) on an interactive element of a message or a modal."""
    payload = _interaction("block_actions")
    payload.update(trigger_id=trigger_id, actions=[{**action, "action_ts": f"{time.time():.6f}"}])
    if message is not None:
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
            "is_ephemeral": bool(message["ephemeral"]),
        }
        if message.get("thread_ts"):
            payload["container"]["thread_ts"] = message["thread_ts"]
        payload["channel"] = _channel(message["channel"])
        if not message["ephemeral"]:
            payload["message"] = _wire_message(message)
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    return payload


def clicked_action(element: dict[str, Any], block_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The ``actions[0]`` entry Slack sends for a click on ``element``."""
    action: dict[str, Any] = {"type": element.get("type"), "action_id": element["action_id"], "block_id": block_id}
    for key in ("text", "value", "style", "url"):
        if key in element:
            action[key] = element[key]
    for key in ("selected_option", "selected_options", "selected_user", "selected_date"):
        if key in data:
            action[key] = data[key]
    return action


def view_with_state(view: dict[str, Any], values: object) -> dict[str, Any]:
    """The view as it goes to the app: with ``state.values`` of its inputs, as the page holds them."""
    block_ids = {block.get("block_id") for block in view["blocks"]}
    state = (
        {key: value for key, value in (values or {}).items() if key in block_ids} if isinstance(values, dict) else {}
    )
    return {**view, "state": {"values": state}}


def view_submission(view: dict[str, Any], *, trigger_id: str) -> dict[str, Any]:
    """The submission of a modal (``view`` carries ``state.values``)."""
    return {
        **_interaction("view_submission"),
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
    }


def view_closed(view: dict[str, Any]) -> dict[str, Any]:
    """A modal closed with its close button (only sent when the view asked, ``notify_on_close``)."""
    return {
        **_interaction("view_closed"),
        "view": view,
        "is_cleared": False,
    }


def app_mention_event(
    message: dict[str, Any],
    *,
    event_id: str | None = None,
    parent_user_id: str | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """The Events API callback for a message that mentions the bot."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": message["user"],
        "text": message["text"],
        "ts": message["ts"],
        "channel": message["channel"],
        "event_ts": message["ts"],
        "client_msg_id": str(uuid.uuid4()),
        "team": message.get("team", TEAM_ID),
    }
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        event["thread_ts"] = message["thread_ts"]
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    return {
        "token": "sandbox-verification-token",
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": shared and message["channel"] == SUPPORT,
    }


def _wire_message(message: dict[str, Any]) -> dict[str, Any]:
    wire = {
        key: value
        for key, value in message.items()
        if key in {"type", "user", "ts", "text", "team", "thread_ts", "reply_count", "bot_id", "app_id"}
    }
    if message.get("blocks"):
        wire["blocks"] = message["blocks"]
    if message.get("team") and message["team"] != TEAM_ID:
        wire["user_team"] = message["team"]
        wire["source_team"] = message["team"]
    return wire


def _interaction(kind: str) -> dict[str, Any]:
    """The fields every interaction payload of ``kind`` starts with."""
    return {
        "type": kind,
        "token": "sandbox-verification-token",
        "api_app_id": APP_ID,
        "team": _team(),
        "user": _user(),
        "is_enterprise_install": False,
        "enterprise": None,
    }
