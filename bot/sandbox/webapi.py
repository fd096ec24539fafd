"""What the simulated Slack Web API accepts: arguments however they are sent, and Slack's limits.

Pure checks (no state) shared by the sandbox's Slack stand-in and the benchmark's fake Slack.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web

from bot.sandbox.workspace import SlackError

__all__ = ["message_blocks", "message_content", "modal_view", "read_arguments"]

_MAX_BLOCKS: Final = 50
_MAX_VIEW_BLOCKS: Final = 100
_TEXT_LIMIT: Final = 40_000
_VIEW_LABEL_LIMIT: Final = 24
_METADATA_LIMIT: Final = 3000


async def read_arguments(request: web.Request) -> dict[str, Any]:
    """A Web API call's arguments, from the query string and a form or JSON body, as Slack accepts them."""
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                args.update(body)
        else:
            args.update({key: str(value) for key, value in (await request.post()).items()})
    return args


def message_blocks(value: object) -> list[dict[str, Any]]:
    """``blocks`` as a list of blocks (given as JSON text or as a list); ``SlackError`` as Slack answers."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise SlackError("invalid_blocks_format") from None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(block, dict) and "type" in block for block in value):
        raise SlackError("invalid_blocks")
    return value


def message_content(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A message's ``text`` and ``blocks``, within Slack's limits; ``SlackError`` as Slack answers."""
    text, blocks = str(args.get("text") or ""), message_blocks(args.get("blocks"))
    if not text and not blocks:
        raise SlackError("no_text")
    if len(blocks) > _MAX_BLOCKS:
        raise SlackError("invalid_blocks")
    if len(text) > _TEXT_LIMIT:
        raise SlackError("msg_too_long")
    return text, blocks


def modal_view(args: dict[str, Any]) -> dict[str, Any]:
    """The ``view`` of ``views.open/push/update``, checked as Slack does; ``SlackError`` (``invalid_arguments``)."""
    view = args.get("view")
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise SlackError("invalid_arguments")
    title = view.get("title") or {}
    labels = [str((view.get(key) or {}).get("text", "")) for key in ("title", "submit", "close")]
    too_long = any(len(label) > _VIEW_LABEL_LIMIT for label in labels)
    blocks = view.get("blocks") or []
    has_input = any(isinstance(block, dict) and block.get("type") == "input" for block in blocks)
    if (
        not title.get("text")
        or too_long
        or len(blocks) > _MAX_VIEW_BLOCKS
        or len(str(view.get("private_metadata", ""))) > _METADATA_LIMIT
        or (has_input and not view.get("submit"))
    ):
        raise SlackError("invalid_arguments")
    return view
