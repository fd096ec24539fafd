"""Blocks as Slack stores them: a ``block_id`` on each, an ``action_id`` on each interactive element.

And finding the element a click was on.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

__all__ = ["fill_ids", "find_element"]

_INTERACTIVE = frozenset(
    {
        "button",
        "checkboxes",
        "channels_select",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_static_select",
        "multi_users_select",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
    }
)


def fill_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks as Slack stores them: a ``block_id`` on each, an ``action_id`` on each interactive element."""
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", secrets.token_urlsafe(3))
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        elements += [block[key] for key in ("accessory", "element") if isinstance(block.get(key), dict)]
        for element in elements:
            if isinstance(element, dict) and element.get("type") in _INTERACTIVE:
                element.setdefault("action_id", secrets.token_urlsafe(3))
    return filled


def find_element(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any] | None:
    """The interactive element ``action_id`` of block ``block_id``, if there is one."""
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        candidates = [*(block.get("elements") or []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    return None
