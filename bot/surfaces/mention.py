"""``@Bugpilot <action> <user> [note]`` in a channel or thread: the slash command's grammar, in the thread.

Slack redelivers an event it thinks timed out, so each mention is handled once:
keyed by ``event_id`` and by the message itself (``Services.dedupe``). The bot's own
messages, other bots' messages, edits and people from other organizations (Slack
Connect) are ignored.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_sdk.errors import SlackApiError

from bot.blocks import Message, build_usage
from bot.capture import Surface
from bot.commands import Command, HelpRequest, parse_command
from bot.dedupe import key_of
from bot.error_blocks import render_error
from bot.errors import TargetUserError, UsageError
from bot.payloads.mention import AppMention
from bot.privately import send_privately
from bot.services import Services
from bot.slack_failures import slack_error
from bot.tasks import BackgroundTasks
from bot.workflow import Place, is_shared, resolve_request, run_capture

__all__ = ["INVOCATION", "register", "without_bot_mention"]

INVOCATION = "@Bugpilot"

log = structlog.get_logger(__name__)


def register(bolt: AsyncApp, services: Services, tasks: BackgroundTasks) -> None:
    """Wire the ``app_mention`` listener."""

    async def on_mention(body: dict[str, Any], context: AsyncBoltContext, request: AsyncBoltRequest) -> None:
        mention = AppMention.parse(body)  # unreadable: the error handler logs it and acknowledges the event
        event = mention.event
        ignored = _ignored_because(mention, context)
        if ignored:
            log.info("mention.ignored", reason=ignored)
            return
        channel, ts = event.channel, event.ts
        if not await services.dedupe.first_time(key_of("event", mention.event_id), key_of("message", channel, ts)):
            log.info("mention.duplicate", retry=_first(request.headers.get("x-slack-retry-num")))
            return
        thread_ts = mention.thread_ts
        requester = event.user or ""  # there is one: a mention without a user is ignored

        def reply(message: Message) -> None:
            # Tracked like the captures, so a reply under way at shutdown is still sent.
            tasks.spawn(_reply(services, channel, thread_ts, requester, message), name="mention:reply")

        if _is_external(mention, context):
            reply(Message(text="Only members of the workspace that installed Bugpilot can use it."))
            log.info("command.handled", surface="mention", outcome="external_user")
            return
        try:
            parsed = parse_command(without_bot_mention(event.text, context.bot_user_id))
        except UsageError as exc:
            reply(build_usage(exc.reason, invocation=INVOCATION))
            log.info("command.handled", surface="mention", outcome="usage_error")
            return
        if isinstance(parsed, HelpRequest):
            reply(build_usage(invocation=INVOCATION))
            log.info("command.handled", surface="mention", outcome="help")
            return
        if tasks.closed:
            reply(Message(text=":hourglass: Bugpilot is restarting; mention me again in a few seconds."))
            return
        team = mention.team_id or event.team or ""
        place = Place(channel_id=channel, thread_ts=thread_ts)
        tasks.spawn(_capture(services, parsed, place, requester=requester, team=team), name="capture:mention")

    bolt.event("app_mention")(on_mention)


def without_bot_mention(text: str, bot_user_id: str | None) -> str:
    """The command text of a mention: what follows the bot's mention (or precedes it, if nothing follows).

    Other mentions of the bot are dropped, so the bot itself is never the target user.
    """
    if not bot_user_id:
        return text.strip()
    mention = re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>")
    first = mention.search(text)
    if first is None:
        return text.strip()
    after = text[first.end() :]
    rest = after if after.strip() else text[: first.start()]
    return mention.sub(" ", rest).strip()


def _ignored_because(mention: AppMention, context: AsyncBoltContext) -> str | None:
    event = mention.event
    if event.subtype in {"message_changed", "message_deleted"} or event.edited:
        return "edit"
    bot_user = context.bot_user_id
    if (bot_user and event.user == bot_user) or (context.bot_id and event.bot_id == context.bot_id):
        return "own_message"
    if event.bot_id or event.bot_profile or event.subtype == "bot_message":
        # Another app's message: bots don't ask for captures, and two bots must not answer each other.
        return "bot"
    if not event.user:
        return "no_user"
    return None


def _is_external(mention: AppMention, context: AsyncBoltContext) -> bool:
    """A Slack Connect member from another organization (their team differs from the installing one)."""
    result = context.authorize_result
    installing = (result.team_id if result is not None else None) or mention.team_id
    author_team = mention.author_team
    return bool(installing and author_team and author_team != installing)


async def _capture(services: Services, parsed: Command, place: Place, *, requester: str, team: str) -> None:
    try:
        request = await resolve_request(
            services, parsed, place, requester=requester, team=team, surface=Surface.MENTION
        )
    except TargetUserError as exc:
        if await is_shared(services, place.channel_id):
            # It names the member; in a Slack Connect channel only the requester sees that.
            await send_privately(
                services.delivery,
                render_error(exc),
                user_id=requester,
                channel_id=place.channel_id,
                thread_ts=place.thread_ts,
            )
        else:
            await _reply(services, place.channel_id, place.thread_ts or "", requester, render_error(exc))
        log.info("command.handled", surface="mention", outcome="unusable_member")
        return
    await run_capture(services, request, place)


async def _reply(services: Services, channel: str, thread_ts: str, requester: str, message: Message) -> None:
    """Answer in the thread; if the bot can't post there, as a direct message."""
    try:
        await services.delivery.post(channel, message, thread_ts=thread_ts)
    except SlackApiError as exc:
        log.info("slack.post_failed", method="chat.postMessage", error=slack_error(exc))
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("slack.post_failed", method="chat.postMessage", error=type(exc).__name__)
    else:
        return
    await services.delivery.direct(requester, message)


def _first(values: object) -> str | None:
    if isinstance(values, list | tuple):
        return str(values[0]) if values else None
    return str(values) if values is not None else None
