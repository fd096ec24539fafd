"""Linking a report back to Slack: the note Bugpilot shows under Notes ends with who asked, and where.

``userProvidedDescription`` is the person's note followed by a line such as
``Asked by Dana Smith in Slack: https://acme.slack.com/archives/C…/p…`` — the permalink of
the request message or the thread's parent (``bot.permalinks``). Each lookup is bounded
and cached; when Slack doesn't answer, the line says less and the capture goes on.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Final

import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.permalinks import Permalinks
from bot.slack_failures import SLACK_FAILURES, failure_name

__all__ = ["Origins", "compose_note"]

log = structlog.get_logger(__name__)

_LOOKUP_SECONDS: Final = 2.0
_CACHE: Final = 1000
_NAME_LIMIT: Final = 80
_NOBODY: Final = "a Slack workflow"


def compose_note(note: str, *, asked_by: str, permalink: str | None) -> str:
    """The description Bugpilot gets: the note, then a line with who asked and where (pure)."""
    where = f"in Slack: {permalink}" if permalink else "in Slack"
    line = f"Asked by {asked_by} {where}"
    return f"{note}\n\n{line}" if note else line


class Origins:
    """Who asked and the permalink of where, looked up once per person and per message."""

    def __init__(self, client: AsyncWebClient, permalinks: Permalinks) -> None:
        self._client = client
        self._permalinks = permalinks
        self._names: OrderedDict[str, str] = OrderedDict()

    async def note(self, note: str, *, requester_id: str, channel_id: str, message_ts: str | None) -> str:
        """``note`` with the line that links the report back to this conversation."""
        name, link = await asyncio.gather(
            self._name(requester_id), self._permalinks.of(channel_id, message_ts) if message_ts else _none()
        )
        return compose_note(note, asked_by=name, permalink=link)

    async def _name(self, user_id: str) -> str:
        if not user_id:
            return _NOBODY  # a workflow step Slack names nobody for
        if user_id in self._names:
            return self._names[user_id]
        name = user_id
        try:
            async with asyncio.timeout(_LOOKUP_SECONDS):
                response = await self._client.users_info(user=user_id)
        except SLACK_FAILURES as exc:
            log.info("origin.name_unknown", error=failure_name(exc))
            return name
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        for candidate in (profile.get("real_name"), profile.get("display_name"), user.get("name")):
            if isinstance(candidate, str) and candidate.strip():
                name = " ".join(candidate.split())[:_NAME_LIMIT]
                break
        _remember(self._names, user_id, name)
        return name


async def _none() -> None:
    return None


def _remember(cache: OrderedDict[str, str], key: str, value: str) -> None:
    cache[key] = value
    if len(cache) > _CACHE:
        cache.popitem(last=False)
