"""What the simulated Slack Web API accepts: arguments however they are sent, and Slack's limits.

Pure checks (no state) shared by the sandbox's Slack stand-in and the benchmark's fake Slack;
Block Kit itself is checked in ``bot.sandbox.strict``.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web

from bot.sandbox.strict import check_message_blocks, check_view
from bot.sandbox.workspace import SlackError

__all__ = ["message_blocks", "message_content", "modal_view", "read_arguments"]

_TEXT_LIMIT: Final = 40_000


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
    refusal = check_message_blocks(value)
    if refusal is not None:
        raise SlackError(refusal.error, refusal.answer())
    return value


def message_content(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A message's ``text`` and ``blocks``, within Slack's limits; ``SlackError`` as Slack answers."""
    text, blocks = str(args.get("text") or ""), message_blocks(args.get("blocks"))
    if not text and not blocks:
        raise SlackError("no_text")
    if len(text) > _TEXT_LIMIT:
        raise SlackError("msg_too_long")
    return text, blocks


def modal_view(args: dict[str, Any], *, kind: str = "modal") -> dict[str, Any]:
    """The ``view`` of ``views.open/push/update`` (``kind`` home: ``views.publish``), checked as Slack does.

    ``SlackError`` ``invalid_arguments``, with Slack's ``response_metadata.messages`` when it is the view's content.
    """
    view = args.get("view")
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackError("invalid_arguments")
    refusal = check_view(view)
    if refusal is not None:
        raise SlackError(refusal.error, refusal.answer())
    return view
