"""Which conversations are shared with another organization (Slack Connect), from ``conversations.info``.

In such a channel the customer can read what the bot posts, so what names a
customer, a note, a link or a setting goes privately to the requester instead.
Answers are cached per channel for a few minutes; when Slack can't say, the
channel counts as shared: the private side is the safe one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["SHARED_TTL_S", "SharedChannels"]

SHARED_TTL_S = 5 * 60
_MAX_CHANNELS = 2_000

log = structlog.get_logger(__name__)


class SharedChannels:
    """Answers "is this channel shared with another organization?", cached for ``ttl`` seconds."""

    def __init__(
        self, client: AsyncWebClient, *, ttl: float = SHARED_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._known: OrderedDict[str, tuple[bool, float]] = OrderedDict()

    async def is_shared(self, channel_id: str) -> bool:
        """True for a Slack Connect channel, and whenever Slack could not tell (never cached)."""
        if not channel_id:
            return True
        now = self._clock()
        known = self._known.get(channel_id)
        if known is not None and known[1] > now:
            return known[0]
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SLACK_FAILURES as exc:
            log.warning("slack.channel_lookup_failed", error=failure_name(exc))
            return True
        channel = response.get("channel")
        if not isinstance(channel, Mapping):
            log.warning("slack.channel_lookup_failed", error="no_channel")
            return True
        shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
        self._known[channel_id] = (shared, now + self._ttl)
        self._known.move_to_end(channel_id)
        while len(self._known) > _MAX_CHANNELS:
            self._known.popitem(last=False)
        return shared
