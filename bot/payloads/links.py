"""Events API callbacks: ``link_shared``, a message (or a message still being written) with links to unfurl.

Slack sends it twice for one message: while the link is in the composer (``source: composer``,
``channel: "COMPOSER"``, ``message_ts`` and ``unfurl_id`` that only ``chat.unfurl`` understands)
and once it is posted (``source: conversations_history``, the real channel and ``ts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, ClassVar, Final

from pydantic import BeforeValidator

from bot.payloads._fields import Flag, Needed, Payload, Text

__all__ = ["COMPOSER_CHANNEL", "LinkShared", "SharedLink", "UnfurlTarget"]

# The ``channel`` of a composer event: no conversation yet.
COMPOSER_CHANNEL: Final = "COMPOSER"


class SharedLink(Payload):
    """One link of the message: its URL exactly as Slack will key the unfurl, and its domain."""

    url: Needed
    domain: Text = None


def _readable_links(value: object) -> tuple[object, ...]:
    """The links that are objects with a URL; any other entry is dropped, never an error."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(link for link in value if isinstance(link, Mapping) and _has_url(link))


def _has_url(link: Mapping[object, object]) -> bool:
    url = link.get("url")
    return isinstance(url, str) and bool(url)


class _LinkSharedEvent(Payload):
    channel: Needed
    message_ts: Text = None
    thread_ts: Text = None
    user: Text = None
    unfurl_id: Text = None
    source: Text = None
    is_bot_user_member: Flag = False
    links: Annotated[tuple[SharedLink, ...], BeforeValidator(_readable_links)] = ()


class LinkShared(Payload):
    """A ``link_shared`` event callback: where the links are, who shared them, and the workspace it is for."""

    _kind: ClassVar[str] = "link_shared event"

    event: _LinkSharedEvent
    event_id: Text = None
    team_id: Text = None

    @property
    def in_composer(self) -> bool:
        """True while the link is still in the message composer (Slack says so, or names no channel)."""
        return self.event.source == "composer" or self.event.channel == COMPOSER_CHANNEL

    @property
    def conversation(self) -> str | None:
        """The channel the links are in (or are being written for); None when Slack names none ("COMPOSER")."""
        channel = self.event.channel
        return None if channel == COMPOSER_CHANNEL else channel

    @property
    def urls(self) -> tuple[str, ...]:
        """The distinct URLs, in the order Slack lists them."""
        return tuple(dict.fromkeys(link.url for link in self.event.links))

    def unfurl_target(self) -> UnfurlTarget | None:
        """Which message ``chat.unfurl`` is to unfurl in; None when the event names none."""
        event = self.event
        if self.in_composer:
            return UnfurlTarget(unfurl_id=event.unfurl_id, source="composer") if event.unfurl_id else None
        return UnfurlTarget(channel=event.channel, ts=event.message_ts) if event.message_ts else None


@dataclass(frozen=True)
class UnfurlTarget:
    """A posted message (``channel`` and ``ts``), or one in the composer (``unfurl_id`` and ``source``)."""

    channel: str | None = None
    ts: str | None = None
    unfurl_id: str | None = None
    source: str | None = None
