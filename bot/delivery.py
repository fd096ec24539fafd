"""Getting messages to people: into a channel or thread, or privately through ``response_url``."""

from __future__ import annotations

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.blocks import Message

__all__ = ["CANNOT_POST", "SLACK_FAILURES", "Delivery", "failure_name", "slack_error"]

log = structlog.get_logger(__name__)

# chat.postMessage errors that mean "the bot can't post here": the outcome, sent privately instead,
# advises inviting the bot. Other failures (Slack unreachable or busy) are answered privately without that advice.
CANNOT_POST = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "no_permission",
        "access_denied",
        "cannot_reply_to_message",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "restricted_action_thread_locked",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)


# How a Slack call fails: Slack answered with an error, or it could not be reached in time.
SLACK_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError)


def slack_error(exc: SlackApiError) -> str:
    """The Web API error code of a failed call."""
    try:
        return str(exc.response.get("error") or "unknown_error")
    except (AttributeError, TypeError):
        return "unknown_error"


def failure_name(exc: BaseException) -> str:
    """What went wrong with a Slack call: the Web API error code, else the name of the network failure."""
    return slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


class Delivery:
    """Posts, updates and responds, over the process's shared Slack session."""

    def __init__(self, client: AsyncWebClient, session: aiohttp.ClientSession) -> None:
        self.client = client
        self._session = session

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        """Post a message; returns its ``ts``. Raises ``SlackApiError`` for the caller to handle."""
        response = await self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks or None,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    async def direct(self, user_id: str, message: Message) -> bool:
        """Send a direct message (the app's Messages tab); False when Slack refused it."""
        if not user_id:
            return False
        try:
            await self.post(user_id, message)
        except SLACK_FAILURES as exc:
            log.warning("slack.direct_failed", method="chat.postMessage", error=failure_name(exc))
            return False
        return True

    async def update(self, channel: str, ts: str, message: Message) -> bool:
        """Edit a message in place; a failure is logged, never raised."""
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except SLACK_FAILURES as exc:
            log.warning("slack.update_failed", method="chat.update", error=failure_name(exc))
            return False
        return True

    async def respond(self, response_url: str | None, message: Message, *, replace_original: bool = False) -> bool:
        """Answer privately through the interaction's ``response_url``; False when that failed."""
        if not response_url:
            return False
        webhook = AsyncWebhookClient(url=response_url, session=self._session, timeout=10)
        try:
            response = await webhook.send(
                text=message.text,
                blocks=message.blocks or None,
                response_type="ephemeral",
                replace_original=replace_original,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack.respond_failed", error=type(exc).__name__)
            return False
        if response.status_code != 200:
            log.warning("slack.respond_failed", status=response.status_code)
            return False
        return True
