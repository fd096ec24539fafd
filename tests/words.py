"""What a reader sees first in a message: measured the same way by every test that asserts on length."""

from __future__ import annotations

from bot.blocks import Message

__all__ = ["visible_text"]


def visible_text(message: Message) -> str:
    """The text of a message's section and header blocks (context lines, buttons and fallback text excluded)."""
    parts: list[str] = []
    for block in message.blocks:
        if block["type"] in {"section", "header"} and "text" in block:
            parts.append(str(block["text"]["text"]))
        if block["type"] == "section":
            parts.extend(str(field["text"]) for field in block.get("fields", []))
    return "\n".join(parts)
