"""Getting messages to people: into a channel or thread, or privately through ``response_url``.

Also how every call to Slack is made: the shared session with explicit timeouts (slack_sdk
applies its own ``timeout`` only to sessions it creates) and the retry policy of
``bot.slack_retry``.
"""

from __future__ import annotations

import json
import math
from typing import Final

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.blocks import Message
from bot.slack_failures import BLOCKS_REFUSED, SLACK_FAILURES, failure_name, slack_error
from bot.slack_retry import slack_retry_handlers

__all__ = ["SLACK_TIMEOUT", "Delivery", "slack_client", "slack_session"]

log = structlog.get_logger(__name__)

# Every Slack call (Web API and response_url) is bounded: connecting, and the whole exchange.
SLACK_TIMEOUT: Final = aiohttp.ClientTimeout(total=10, sock_connect=5)
_POOL_LIMIT: Final = 512
_PLAIN_LIMIT: Final = 3000


def slack_session(timeout: aiohttp.ClientTimeout | None = None) -> aiohttp.ClientSession:
    """The process's session for Slack, every request bounded by ``timeout`` (``SLACK_TIMEOUT``)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=_POOL_LIMIT), timeout=timeout or SLACK_TIMEOUT)


def slack_client(session: aiohttp.ClientSession, *, token: str, base_url: str) -> AsyncWebClient:
    """The Web API client over ``session``, with the bot's retry policy."""
    timeout = session.timeout.total or SLACK_TIMEOUT.total or 10
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=math.ceil(timeout),
        user_agent_prefix="bugpilot-slack",
        retry_handlers=slack_retry_handlers(),
    )


def _plain(message: Message) -> Message:
    """The message as text alone, short enough for any Slack limit, never cut inside an entity."""
    text = message.text
    if len(text) > _PLAIN_LIMIT:
        cut = text[: _PLAIN_LIMIT - 1]
        amp = cut.rfind("&")
        if amp != -1 and ";" not in cut[amp:] and len(cut) - amp <= 8:
            cut = cut[:amp]
        text = cut + "…"
    return Message(text=text or "(no text)")


def _refusal(status: int, body: str) -> str | None:
    """The error code a failed ``response_url`` answer names, if it refused the blocks."""
    if status == 200:
        return None
    text = body.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        text = data["error"]
    return text if text in BLOCKS_REFUSED else None


class Delivery:
    """Posts, updates and responds, over the process's shared Slack session.

    Each of ``post``, ``update`` and ``respond`` sends a message whose blocks Slack refuses
    (``BLOCKS_REFUSED``) once more as plain text, so the words arrive even when the layout can't.
    """

    def __init__(self, client: AsyncWebClient, session: aiohttp.ClientSession) -> None:
        self.client = client
        self._session = session

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        """Post a message; returns its ``ts``. Raises ``SlackApiError`` for the caller to handle."""
        return (await self.post_where(channel, message, thread_ts=thread_ts))[1]

    async def post_where(self, channel: str, message: Message, *, thread_ts: str | None = None) -> tuple[str, str]:
        """Post a message; returns the conversation it went to (a ``D…`` one for a user ID) and its ``ts``."""
        try:
            return await self._post(channel, message, thread_ts=thread_ts)
        except SlackApiError as exc:
            if not message.blocks or slack_error(exc) not in BLOCKS_REFUSED:
                raise
            log.warning("slack.blocks_refused", method="chat.postMessage", error=slack_error(exc))
        return await self._post(channel, _plain(message), thread_ts=thread_ts)

    async def _post(self, channel: str, message: Message, *, thread_ts: str | None) -> tuple[str, str]:
        response = await self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks or None,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response.get("channel") or channel), str(response["ts"])

    async def direct(self, user_id: str, message: Message) -> tuple[str, str] | None:
        """Send a direct message (the app's Messages tab): where it went, or None when Slack refused it."""
        if not user_id:
            return None
        try:
            return await self.post_where(user_id, message)
        except SLACK_FAILURES as exc:
            log.warning("slack.direct_failed", method="chat.postMessage", error=failure_name(exc))
            return None

    async def update(self, channel: str, ts: str, message: Message) -> bool:
        """Edit a message in place; a failure is logged, never raised."""
        try:
            try:
                await self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
            except SlackApiError as exc:
                if not message.blocks or slack_error(exc) not in BLOCKS_REFUSED:
                    raise
                log.warning("slack.blocks_refused", method="chat.update", error=slack_error(exc))
                plain = _plain(message)
                await self.client.chat_update(channel=channel, ts=ts, text=plain.text, blocks=[])
        except SLACK_FAILURES as exc:
            log.warning("slack.update_failed", method="chat.update", error=failure_name(exc))
            return False
        return True

    async def respond(self, response_url: str | None, message: Message, *, replace_original: bool = False) -> bool:
        """Answer privately through the interaction's ``response_url``; False when that failed."""
        if not response_url:
            return False
        webhook = AsyncWebhookClient(
            url=response_url,
            session=self._session,
            timeout=math.ceil(self._session.timeout.total or 10),
            retry_handlers=slack_retry_handlers(),
        )
        try:
            response = await webhook.send(
                text=message.text,
                blocks=message.blocks or None,
                response_type="ephemeral",
                replace_original=replace_original,
            )
            refused = _refusal(response.status_code, response.body or "")
            if refused is not None and message.blocks:
                log.warning("slack.blocks_refused", method="respond", error=refused)
                response = await webhook.send(
                    text=_plain(message).text, response_type="ephemeral", replace_original=replace_original
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack.respond_failed", error=type(exc).__name__)
            return False
        if response.status_code != 200:
            log.warning("slack.respond_failed", status=response.status_code)
            return False
        return True
