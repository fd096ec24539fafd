"""Blocks as Slack stores them: every block gets a ``block_id``, every interactive element an ``action_id``."""

from __future__ import annotations

import copy
import secrets
from typing import Any

__all__ = ["fill_ids"]

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
