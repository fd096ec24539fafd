"""The one vocabulary of Slack failures: how a call fails, and what its error codes mean to the bot.

Used by every Slack call (``bot.delivery``, the surfaces, the recovery loop) and by the doctor.
"""

from __future__ import annotations

import os

import aiohttp
from slack_sdk.errors import SlackApiError

__all__ = [
    "BLOCKS_REFUSED",
    "CANNOT_POST",
    "SLACK_FAILURES",
    "failure_name",
    "network_reason",
    "slack_error",
    "web_api_error",
]

# Errors that mean Slack refused the blocks (or their size), not the message: sent again as plain text.
BLOCKS_REFUSED = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "invalid_arguments", "msg_too_long", "msg_blocks_too_long"}
)

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
    """The Web API error code of a failed call ("unknown_error" when it gave none)."""
    try:
        return str(exc.response.get("error") or "unknown_error")
    except (AttributeError, TypeError):
        return "unknown_error"


def failure_name(exc: BaseException) -> str:
    """What went wrong with a Slack call: the Web API error code, else the name of the network failure."""
    return slack_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__


def web_api_error(exc: SlackApiError) -> str | None:
    """The Web API's error code; None when the answer was not the Web API's JSON (a proxy's page, a wrong URL)."""
    data = getattr(exc.response, "data", None)
    if not isinstance(data, dict):
        return None
    return str(data.get("error") or "unknown_error")


def network_reason(exc: BaseException, *, timeout: float) -> str:
    """Why a connection failed, in the operating system's words where there are some."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, aiohttp.ClientConnectorError):
        number = exc.os_error.errno
        if isinstance(number, int) and number > 0:
            return os.strerror(number)
        return exc.strerror or type(exc).__name__
    return type(exc).__name__
