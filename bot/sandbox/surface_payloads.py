"""What Slack sends an app from its Home tab, global shortcuts, workflow steps and shared links: pure, no I/O.

Shapes as Slack documents them: ``app_home_opened``, ``link_shared`` and ``function_executed`` are
Events API callbacks; a global shortcut is a ``shortcut`` interactivity payload (no channel, no
``response_url``).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from bot.sandbox.people import APP_ID, BOT_USER, ME, TEAM_DOMAIN, TEAM_ID

__all__ = [
    "app_home_opened_event",
    "event_callback",
    "function_executed_event",
    "global_shortcut",
    "link_shared_event",
    "links_in",
]

# A link as Slack's wire text carries it: <https://…> or <https://…|label>.
_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")


def event_callback(event: dict[str, Any], *, shared: bool = False, team: str = TEAM_ID) -> dict[str, Any]:
    """The Events API envelope around ``event``."""
    return {
        "token": "sandbox-verification-token",
        "team_id": team,
        "context_team_id": team,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": shared,
    }


def app_home_opened_event(*, user: str, channel: str, view: dict[str, Any] | None) -> dict[str, Any]:
    """You open the app's Home tab (``view``: what the app last published there, if anything)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event_callback(event)


def global_shortcut(*, callback_id: str, trigger_id: str, user: str = ME) -> dict[str, Any]:
    """A global shortcut, chosen from the ⚡ menu or the sidebar."""
    return {
        "type": "shortcut",
        "token": "sandbox-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": {"id": user, "username": "dana", "team_id": TEAM_ID},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def function_executed_event(
    *,
    function: dict[str, Any],
    inputs: dict[str, str],
    execution_id: str,
    workflow_execution_id: str,
    token: str,
) -> dict[str, Any]:
    """A workflow reached the app's custom step."""
    event = {
        "type": "function_executed",
        "function": function,
        "inputs": inputs,
        "function_execution_id": execution_id,
        "workflow_execution_id": workflow_execution_id,
        "event_ts": f"{time.time():.6f}",
        "bot_access_token": token,
    }
    return event_callback(event)


def link_shared_event(
    message: dict[str, Any], *, links: list[str], unfurl_id: str, shared: bool, bot_is_member: bool
) -> dict[str, Any]:
    """A message with links on the app's unfurl domains was posted."""
    event: dict[str, Any] = {
        "type": "link_shared",
        "channel": message["channel"],
        "is_bot_user_member": bot_is_member,
        "user": message["user"],
        "message_ts": message["ts"],
        "unfurl_id": unfurl_id,
        "source": "conversations_history",
        "links": [{"domain": _host(url), "url": url} for url in links],
        "event_ts": f"{time.time():.6f}",
    }
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        event["thread_ts"] = message["thread_ts"]
    return event_callback(event, shared=shared)


def links_in(text: str) -> list[str]:
    """The links of a message's wire text, once each, in order."""
    return list(dict.fromkeys(match[1] for match in _LINK.finditer(text)))


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split(":", 1)[0].lower()
