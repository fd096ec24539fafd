"""What a message tells us about its customer: a pure reading of a message shortcut's payload.

Emails written in the text (raw or as Slack's ``<mailto:…|…>`` links) come first, then
the members mentioned in it, then the author when the author is a Slack Connect guest.
Mentions and the author need a ``users.info`` lookup, so they are only *named* here;
the shortcut surface looks them up after the modal is open. The note quotes the message
with members by name (``@bob``), never by raw ID.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.commands import EmailTarget, parse_target
from bot.errors import UsageError
from bot.markup import MARKUP_TOKEN, escape_mrkdwn, markup_to_text
from bot.payloads.shortcut import MessageShortcut

__all__ = [
    "EXCERPT_LENGTH",
    "MAX_SCANNED",
    "UNKNOWN_MEMBER",
    "Candidate",
    "MessageFacts",
    "build_note",
    "candidates_in_order",
    "find_emails",
    "find_mentions",
    "member_email",
    "member_name",
    "read_message",
    "scanned",
]

EXCERPT_LENGTH = 300
MAX_MENTION_LOOKUPS = 5
# How a member the note can't name is quoted (never by raw ID).
UNKNOWN_MEMBER = "@member"

# Only the start of a long message is read: customers are named near the top, and what is
# read stays bounded however long the message (Slack allows 40,000 characters).
MAX_SCANNED = 16_384

# An email written in the text: local part, "@", dot-separated labels ending in 2+ letters.
# Read without searching for the local part (which restarts at every letter): find each "@",
# step back over the local part, then match the domain anchored just after it.
_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+'-")
_DOMAIN = re.compile(r"[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*\.[A-Za-z]{2,}")
_MENTION = re.compile(r"@([UW][A-Z0-9]++)(?:\|(.*))?", re.DOTALL)


@dataclass(frozen=True)
class Candidate:
    """A possible customer: the email and where it was found (shown in the modal)."""

    email: str
    source: str


@dataclass(frozen=True)
class MessageFacts:
    """The parts of the message a shortcut was used on that the modal needs."""

    channel_id: str
    ts: str
    thread_ts: str
    text: str
    author_id: str | None
    author_is_external: bool
    emails: tuple[str, ...]
    mentions: tuple[tuple[str, str | None], ...]
    named: tuple[str, ...] = ()

    @property
    def lookups(self) -> bool:
        """True when some candidate needs ``users.info``."""
        return bool(self.mentions) or self.author_is_external


def read_message(
    shortcut: MessageShortcut | Mapping[str, Any],
    *,
    installing_team: str | None,
    skip_users: frozenset[str] = frozenset(),
) -> MessageFacts:
    """Read a ``message_action`` payload (parsed, or as Slack sent it). Bots' messages, files only, no text: all fine.

    ``skip_users`` (the bot, the person using the shortcut) are never candidates. A raw
    payload without the message's channel or ``ts`` raises ``UnreadablePayload``.
    """
    if not isinstance(shortcut, MessageShortcut):
        shortcut = MessageShortcut.parse(shortcut)
    message = shortcut.message
    author = message.user
    author_team = message.user_team or message.team
    from_bot = bool(message.bot_id) or message.subtype == "bot_message"
    external = bool(
        author
        and not from_bot
        and author not in skip_users
        and installing_team
        and author_team
        and author_team != installing_team
    )
    everyone = find_mentions(message.text)
    mentions = tuple(m for m in everyone if m[0] not in skip_users)[:MAX_MENTION_LOOKUPS]
    # Mentions without a label are named in the note: looked up too (the candidates first).
    unlabeled = [user for user, label in (*mentions, *everyone) if not label]
    return MessageFacts(
        channel_id=shortcut.channel.id,
        ts=shortcut.ts,
        thread_ts=message.thread_ts or shortcut.ts,
        text=message.text,
        author_id=author,
        author_is_external=external,
        emails=tuple(find_emails(message.text)),
        mentions=mentions,
        named=tuple(dict.fromkeys(unlabeled))[:MAX_MENTION_LOOKUPS],
    )


def find_emails(text: str) -> list[str]:
    """Emails in Slack message text, raw or ``<mailto:…|…>``, in order, each once.

    Links (``<https://…>``) are not read: an address inside a URL is not a customer.
    Only the first ``MAX_SCANNED`` characters are read; the work is linear in them.
    """
    text = scanned(text)
    found: list[str] = []
    position = 0
    for token in MARKUP_TOKEN.finditer(text):
        found.extend(_raw_emails(text, position, token.start()))
        inner = token.group(1)
        if inner.startswith("mailto:"):
            found.append(inner.removeprefix("mailto:").partition("|")[0])
        position = token.end()
    found.extend(_raw_emails(text, position, len(text)))
    usable: list[str] = []
    seen: set[str] = set()
    for email in found:
        if email.lower() in seen or not _is_email(email):
            continue
        seen.add(email.lower())
        usable.append(email)
    return usable


def _raw_emails(text: str, start: int, end: int) -> list[str]:
    """Emails written out in ``text[start:end]``, left to right, as a regex ``findall`` would."""
    found: list[str] = []
    at = text.find("@", start, end)
    while at != -1:
        local = at
        while local > start and text[local - 1] in _LOCAL_CHARS:
            local -= 1
        domain = _DOMAIN.match(text, at + 1, end) if local < at else None
        if domain:
            found.append(text[local : domain.end()])
            start = domain.end()
        at = text.find("@", max(start, at + 1), end)
    return found


def find_mentions(text: str) -> list[tuple[str, str | None]]:
    """Mentioned members as ``(user_id, label)``, in order, each once (first ``MAX_SCANNED`` characters)."""
    found: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for token in MARKUP_TOKEN.finditer(scanned(text)):
        if (match := _MENTION.fullmatch(token.group(1))) and match.group(1) not in seen:
            seen.add(match.group(1))
            found.append((match.group(1), match.group(2) or None))
    return found


def scanned(text: str) -> str:
    """The part of ``text`` that is read: all of it, or its first ``MAX_SCANNED`` characters.

    A cut goes back to a space, so that no word (an email, a mention) is read half.
    """
    if len(text) <= MAX_SCANNED:
        return text
    end = MAX_SCANNED
    while end > 0 and not text[end].isspace():
        end -= 1
    return text[:end]


def build_note(text: str, permalink: str | None, names: Mapping[str, str] | None = None) -> str:
    """The modal's note: a short quote of the message, then its permalink.

    A member is quoted by the label Slack sent, else by ``names`` (user ID -> name), else
    as ``UNKNOWN_MEMBER``: never by raw ID.
    """
    excerpt = " ".join(markup_to_text(_named(scanned(text), names or {})).split())
    if len(excerpt) > EXCERPT_LENGTH:
        excerpt = excerpt[: EXCERPT_LENGTH - 1].rstrip() + "…"
    lines = [f"From Slack: “{excerpt}”"] if excerpt else []
    if permalink:
        lines.append(permalink)
    return "\n".join(lines)


def _named(text: str, names: Mapping[str, str]) -> str:
    """``text`` with each unlabeled ``<@U…>`` given a name (as markup, so ``markup_to_text`` reads it)."""

    def name(token: re.Match[str]) -> str:
        target, _, label = token.group(1).partition("|")
        if not target.startswith("@") or label:
            return token.group(0)
        known = names.get(target[1:])
        return "@" + escape_mrkdwn(known) if known else escape_mrkdwn(UNKNOWN_MEMBER)

    return MARKUP_TOKEN.sub(name, text)


def member_name(user: Mapping[str, Any]) -> str | None:
    """How a member from ``users.info`` is named: display name, else real name, else username."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def member_email(user: Mapping[str, Any]) -> str | None:
    """The email a member from ``users.info`` stands for as a customer; None for bots, deactivated or hidden."""
    if user.get("deleted") or user.get("is_bot") or user.get("is_app_user"):
        return None
    profile = user.get("profile")
    email = profile.get("email") if isinstance(profile, Mapping) else None
    return email if isinstance(email, str) and _is_email(email) else None


def _is_email(address: str) -> bool:
    try:
        return isinstance(parse_target(address), EmailTarget)
    except UsageError:
        return False


def candidates_in_order(groups: Sequence[Sequence[Candidate]]) -> tuple[Candidate, ...]:
    """Flatten candidate groups in priority order, each email once (case-insensitive)."""
    seen: set[str] = set()
    ordered: list[Candidate] = []
    for group in groups:
        for candidate in group:
            if candidate.email.lower() not in seen:
                seen.add(candidate.email.lower())
                ordered.append(candidate)
    return tuple(ordered)
