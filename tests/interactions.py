"""Interaction payloads as Slack sends them: button clicks on posted messages, shortcuts, mentions."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes import TEAM_ID


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of a recorded message (JSON from chat.*, or a list from response_url)."""
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def buttons(args: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of every button on a recorded message."""
    found: dict[str, str] = {}
    for block in blocks_of(args):
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
    return found


def click(
    message: dict[str, Any],
    action_id: str,
    *,
    ts: str,
    response_url: str,
    user_id: str = "U_AGENT",
    team_id: str = TEAM_ID,
    ephemeral: bool = False,
    channel_id: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click on ``action_id`` in ``message`` (recorded args)."""
    channel = channel_id or str(message.get("channel") or "C_SUPPORT")
    shown = buttons(message).get(action_id, "")
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "username": "agent", "name": "agent", "team_id": team_id},
        "api_app_id": "A_BUGPILOT",
        "token": "deprecated",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
        "trigger_id": f"{time.time()}.trigger",
        "channel": {"id": channel, "name": "support"},
        "message": {
            "type": "message",
            "ts": ts,
            "thread_ts": message.get("thread_ts"),
            "text": message.get("text", ""),
            "blocks": blocks_of(message),
        },
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "followup_actions",
                "value": shown if value is None else value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def message_shortcut(*, user_id: str, channel_id: str, response_url: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    """A ``message_action`` payload (the "Capture with Bugpilot" shortcut) on a customer's message."""
    return {
        "type": "message_action",
        "callback_id": "bugpilot_capture",
        "trigger_id": f"{time.time()}.trigger",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": "acme"},
        "user": {"id": user_id, "name": "agent", "team_id": team_id},
        "channel": {"id": channel_id, "name": "support"},
        "response_url": response_url,
        "message_ts": "1700000000.000100",
        "message": {"type": "message", "user": "U_CUSTOMER", "ts": "1700000000.000100", "text": "help bob@customer.io"},
    }


def mention_event(*, user_id: str, channel_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    """An ``app_mention`` event callback in a thread."""
    return {
        "token": "deprecated",
        "team_id": team_id,
        "api_app_id": "A_BUGPILOT",
        "type": "event_callback",
        "event_id": f"Ev{int(time.time() * 1000)}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "U_BOT", "is_bot": True, "enterprise_id": None}],
        "event": {
            "type": "app_mention",
            "user": user_id,
            "text": "<@U_BOT> screenshot bob@customer.io",
            "ts": "1700000000.000300",
            "thread_ts": "1700000000.000200",
            "channel": channel_id,
            "event_ts": "1700000000.000300",
        },
    }
