"""Permalinks of Slack messages (``chat.getPermalink``): each lookup bounded, each answer cached.

A permalink never changes, so an answer is kept (the newest ``size`` of them); a failure is not,
and the caller goes on without a link.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Final

import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["PERMALINK_SECONDS", "Permalinks"]

PERMALINK_SECONDS: Final = 2.0
_CACHE: Final = 1000

log = structlog.get_logger(__name__)


class Permalinks:
    """``of(channel, ts)``: the message's https permalink, or None when Slack doesn't give one in time."""

    def __init__(self, client: AsyncWebClient, *, seconds: float = PERMALINK_SECONDS, size: int = _CACHE) -> None:
        self._client = client
        self._seconds = seconds
        self._size = size
        self._links: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def of(self, channel_id: str, message_ts: str) -> str | None:
        """The permalink of message ``message_ts`` in ``channel_id`` (cached), or None."""
        key = (channel_id, message_ts)
        known = self._links.get(key)
        if known is not None:
            self._links.move_to_end(key)
            return known
        try:
            async with asyncio.timeout(self._seconds):
                response = await self._client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
        except SLACK_FAILURES as exc:
            log.info("slack.permalink_unknown", error=failure_name(exc))
            return None
        link = response.get("permalink")
        if not isinstance(link, str) or not link.startswith("https://") or any(ch.isspace() for ch in link):
            log.info("slack.permalink_unknown", error="unusable_permalink")
            return None
        self._links[key] = link
        while len(self._links) > self._size:
            self._links.popitem(last=False)
        return link
