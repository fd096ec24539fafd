"""Slack's text markup: escaping text for mrkdwn and reading markup back as plain text.

Text from Slack arrives entity-encoded (``&amp;`` ``&lt;`` ``&gt;``); it is decoded
once on the way in (``markup_to_text``, ``unescape_mrkdwn``) and escaped once on the
way out (``shown``, ``escape_mrkdwn``), clipped before it is escaped.
"""

from __future__ import annotations

import re

__all__ = ["MARKUP_TOKEN", "clip", "clip_mrkdwn", "escape_mrkdwn", "markup_to_text", "shown", "unescape_mrkdwn"]

# One piece of Slack markup: <@U123|name>, <#C1|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>.
MARKUP_TOKEN = re.compile(r"<([^<>]*+)>")

_SPECIALS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def escape_mrkdwn(text: str) -> str:
    """Escape the three control characters so ``text`` shows literally in mrkdwn.

    Nothing a user typed can then become a mention, a ``@channel`` ping or a link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    """Decode the three entities Slack encodes typed text with (the inverse of ``escape_mrkdwn``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(text: str, limit: int) -> str:
    """Plain (decoded) text as mrkdwn that shows exactly it: clipped first, then escaped."""
    return escape_mrkdwn(clip(text, limit))


def clip_mrkdwn(text: str, limit: int) -> str:
    """Mrkdwn cut to ``limit`` characters, never inside an entity (``&amp;``) or a piece of markup."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return cut + "…"


def _token_to_text(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        name = target[1:]
        if name.startswith("subteam^"):
            return label or f"@{name.removeprefix('subteam^')}"
        if name.startswith("date^"):
            return label
        return _SPECIALS.get(name, label or f"@{name}")
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def markup_to_text(text: str) -> str:
    """Turn Slack markup into readable plain text.

    ``<@U1|bob>`` becomes ``@bob``, ``<https://x|docs>`` becomes ``docs (https://x)``,
    ``<mailto:a@b.c|a@b.c>`` becomes ``a@b.c``, and ``&lt;`` ``&gt;`` ``&amp;`` are unescaped.
    """
    return unescape_mrkdwn(MARKUP_TOKEN.sub(_token_to_text, text))
