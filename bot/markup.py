"""Slack's text markup: escaping text for mrkdwn and reading markup back as plain text."""

from __future__ import annotations

import re

__all__ = ["MARKUP_TOKEN", "escape_mrkdwn", "markup_to_text"]

# One piece of Slack markup: <@U123|name>, <#C1|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>.
MARKUP_TOKEN = re.compile(r"<([^<>]*+)>")

_SPECIALS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def escape_mrkdwn(text: str) -> str:
    """Escape the three control characters so ``text`` shows literally in mrkdwn.

    Nothing a user typed can then become a mention, a ``@channel`` ping or a link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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
    return _unescape(MARKUP_TOKEN.sub(_token_to_text, text))
