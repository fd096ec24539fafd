"""``link_shared``: a report link the bot knows, pasted in a channel of its team, unfurls into a card.

The card names the customer, so it appears only where the customer can't read it: the link must be
a report from one of this team's capture records, and the channel must be internal
(``conversations.info``, through ``Services.channels``; a channel Slack can't describe counts as
shared). Links the bot doesn't know get no unfurl, and with none known there is no call at all. A
link still in the message composer (Slack names no channel, only "COMPOSER") is left alone: the
posted message's event unfurls it. Slack's redeliveries are handled once (``Services.dedupe``, by
``event_id``). Each event ends in one ``audit.unfurl`` line.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_sdk.errors import SlackApiError

from bot.audit import record_unfurl
from bot.dedupe import key_of
from bot.errors import StoreUnavailable
from bot.payloads.links import LinkShared
from bot.permalinks import Permalinks
from bot.services import Services
from bot.slack_failures import SLACK_FAILURES, failure_name, slack_error
from bot.store.captures import CaptureRecord
from bot.tasks import BackgroundTasks
from bot.unfurl_blocks import build_unfurl

__all__ = ["MAX_LINKS", "register"]

# Links looked up per event (each is one read of the store); Slack lists the message's links in order.
MAX_LINKS: Final = 10

log = structlog.get_logger(__name__)


def register(bolt: AsyncApp, services: Services, tasks: BackgroundTasks) -> None:
    """Wire the ``link_shared`` listener (Bolt acknowledges the event before it runs)."""
    permalinks = services.permalinks

    async def on_link_shared(body: dict[str, Any], context: AsyncBoltContext, request: AsyncBoltRequest) -> None:
        shared = LinkShared.parse(body)  # unreadable: the error handler logs it and acknowledges the event
        if not await services.dedupe.first_time(key_of("event", shared.event_id)):
            log.info("unfurl.duplicate", retry=_first(request.headers.get("x-slack-retry-num")))
            return
        team = shared.team_id or context.team_id or ""
        tasks.spawn(_unfurl(services, permalinks, shared, team=team), name="unfurl")

    bolt.event("link_shared")(on_link_shared)


async def _unfurl(services: Services, permalinks: Permalinks, shared: LinkShared, *, team: str) -> None:
    event = shared.event
    urls = shared.urls

    def audit(outcome: str, known: int | None) -> None:
        record_unfurl(
            team_id=team, user_id=event.user, channel_id=event.channel, links=len(urls), known=known, outcome=outcome
        )

    try:
        found = await _known(services, urls[:MAX_LINKS], team=team)
    except StoreUnavailable:
        log.warning("unfurl.store_unavailable")
        audit("store_unavailable", None)
        return
    if not found:
        audit("none_known", 0)
        return
    where = shared.unfurl_target()
    channel = shared.conversation
    if where is None or channel is None:
        # In the composer Slack names no conversation yet: which channel the link lands in is unknown.
        audit("composer" if shared.in_composer else "no_message", len(found))
        return
    if await services.channels.is_shared(channel):
        audit("shared_channel", len(found))
        return
    threads = list(dict.fromkeys(_thread_of(record) for record in found.values()))
    permalinks_found = await asyncio.gather(*(_permalink(permalinks, thread) for thread in threads))
    links = dict(zip(threads, permalinks_found, strict=True))
    unfurls = {url: build_unfurl(record, thread_link=links[_thread_of(record)]) for url, record in found.items()}
    try:
        await services.delivery.client.chat_unfurl(
            channel=where.channel, ts=where.ts, unfurl_id=where.unfurl_id, source=where.source, unfurls=unfurls
        )
    except SlackApiError as exc:
        log.warning("unfurl.refused", method="chat.unfurl", error=slack_error(exc))
        audit(slack_error(exc), len(found))
        return
    except SLACK_FAILURES as exc:
        log.warning("unfurl.failed", method="chat.unfurl", error=failure_name(exc))
        audit(failure_name(exc), len(found))
        return
    audit("unfurled", len(found))


async def _known(services: Services, urls: tuple[str, ...], *, team: str) -> dict[str, CaptureRecord]:
    """Each URL that is the report of one of this team's captures, with its record (``StoreUnavailable``)."""
    found: dict[str, CaptureRecord] = {}
    for url in urls if team else ():
        record = await services.captures.find_report(url, team_id=team)
        if record is not None:
            found[url] = record
    return found


def _thread_of(record: CaptureRecord) -> tuple[str, str | None]:
    """The capture's thread (else its request message): channel and ts."""
    return record.channel_id, record.thread_ts or record.status_ts


async def _permalink(permalinks: Permalinks, thread: tuple[str, str | None]) -> str | None:
    """The thread's permalink; None when there is no message to link or Slack gives none."""
    channel, ts = thread
    return await permalinks.of(channel, ts) if ts else None


def _first(values: object) -> str | None:
    if isinstance(values, list | tuple):
        return str(values[0]) if values else None
    return str(values) if values is not None else None
