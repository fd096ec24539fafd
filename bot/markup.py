"""Slack's text markup: escaping text for mrkdwn and reading markup back as plain text.

Text from Slack arrives entity-encoded (``&amp;`` ``&lt;`` ``&gt;``); it is decoded
once on the way in (``markup_to_text``, ``unescape_mrkdwn``) and escaped once on the
way out (``shown``, ``escape_mrkdwn``), clipped before it is escaped.
"""

from __future__ import annotations

import re
import time

__all__ = [
    "MARKUP_TOKEN",
    "bold",
    "clip",
    "clip_mrkdwn",
    "code_text",
    "escape_mrkdwn",
    "literal",
    "local_time",
    "markup_to_text",
    "shown",
    "unescape_mrkdwn",
]

# One piece of Slack markup: <@U123|name>, <#C1|general>, <!here>, <https://x|label>, <mailto:a@b|a@b>.
MARKUP_TOKEN = re.compile(r"<([^<>]*+)>")

# Characters that start or end bold, italics, strike-through or code in mrkdwn; mrkdwn has no escape for them.
_FORMATTING = frozenset("*_~`")
# In a code span a backtick would end it: this look-alike (U+02CB) takes its place.
_BACKTICK_LOOKALIKE = "\u02cb"
_CODE_SPAN = re.compile(r"(`[^`]*`)")

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


def literal(text: str, limit: int) -> str:
    """Plain text as mrkdwn that shows it literally, even with ``*``, ``_``, ``~`` or a backtick in it.

    Text without those characters is ``shown`` as it is; text with them becomes a code span (in
    which Slack formats nothing), a backtick in it replaced by a look-alike so the span holds.
    """
    if not _FORMATTING & set(text):
        return shown(text, limit)
    return f"`{code_text(text, limit)}`"


def code_text(text: str, limit: int) -> str:
    """Plain text to put between backticks: ``shown``, a backtick in it replaced by a look-alike."""
    return shown(text, limit).replace("`", _BACKTICK_LOOKALIKE)


def bold(text: str) -> str:
    """Mrkdwn in bold, around any code spans in it (from ``literal``) rather than across them."""
    parts = []
    for part in _CODE_SPAN.split(text):
        if part.startswith("`") or not part.strip():
            parts.append(part)
        else:
            stripped = part.strip()
            lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
            parts.append(f"{lead}*{stripped}*{trail}")
    return "".join(parts)


def local_time(epoch: float, shape: str = "{time}", *, prefix: str = "") -> str:
    """A time every reader sees in their own time zone (Slack's ``<!date>``), with a UTC fallback.

    ``shape`` is Slack's date tokens (``{time}``, ``{time_secs}``, ``{date_short_pretty}``…); the
    fallback (shown where ``<!date>`` isn't rendered) is the time in UTC, with the date unless
    ``shape`` is a time alone. ``prefix`` is plain words put before the time in both.
    """
    seconds = round(epoch)
    moment = time.gmtime(seconds)
    pattern = {"{time}": "%H:%M UTC", "{time_secs}": "%H:%M:%S UTC"}.get(shape, "%Y-%m-%d %H:%M UTC")
    return f"<!date^{seconds}^{prefix}{shape}|{prefix}{time.strftime(pattern, moment)}>"


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
