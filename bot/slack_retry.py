"""When a Slack call is tried again: a bounded rate-limit wait, and never a repeat that could act twice.

slack_sdk's defaults repeat a call whose connection broke after Slack read it (a message
posted twice) and read ``Retry-After`` with ``int()`` (``0.5`` or a date raises), waiting
as long as asked. These handlers replace them for every Web API and ``response_url`` call.
"""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp
import structlog
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.retry_after import parse_retry_after

__all__ = ["RATE_LIMIT_BUDGET", "NothingSentRetryHandler", "RateLimitRetryHandler", "slack_retry_handlers"]

log = structlog.get_logger(__name__)

# The longest a call waits out Slack's rate limits in all, and how often it tries again.
RATE_LIMIT_BUDGET: Final = 30.0
RATE_LIMIT_RETRIES: Final = 2
_DEFAULT_WAIT: Final = 1.0

# Web API methods that change nothing, or that give the same result when repeated: safe to repeat
# after a connection broke mid-call. Anything else (chat.postMessage, views.open...) could happen twice.
_REPEATABLE: Final = frozenset(
    {
        "auth.test",
        "users.info",
        "usergroups.users.list",
        "conversations.info",
        "chat.getPermalink",
        "chat.update",
    }
)
# Failures before the request went out (refused, unknown host, no connection in time): nothing reached Slack.
_NOTHING_SENT: Final = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_CONNECTION_BROKE: Final = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


def _method(request: HttpRequest) -> str:
    """The Web API method a request calls (the last path segment), or "respond" for a response_url."""
    path = request.url.split("?", 1)[0].rstrip("/")
    name = path.rsplit("/", 1)[-1]
    return name if "/api/" in path else "respond"


class RateLimitRetryHandler(AsyncRetryHandler):
    """Waits out a 429 as ``Retry-After`` asks, within ``budget`` seconds per call, else gives up.

    slack_sdk's own handler does ``int(Retry-After)`` (``0.5`` or a date raises) and waits as long
    as asked. Giving up hands the 429 back to the caller, which falls back as for any refusal.
    """

    def __init__(self, *, max_retry_count: int = RATE_LIMIT_RETRIES, budget: float = RATE_LIMIT_BUDGET) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.budget = budget

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,  # noqa: ARG002
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = state.custom_values if state.custom_values is not None else {}
        state.custom_values = values
        waited = float(values.get("rate_limit_waited", 0.0))
        asked = parse_retry_after(_header(response, "retry-after"))
        wait = _DEFAULT_WAIT if asked is None else asked
        if waited + wait > self.budget:
            log.warning("slack.rate_limited", method=_method(request), retry_after=asked, gave_up=True)
            return False
        values["rate_limit_wait"] = wait
        log.info("slack.rate_limited", method=_method(request), retry_after=asked, gave_up=False)
        return True

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,  # noqa: ARG002
        response: HttpResponse | None = None,  # noqa: ARG002
        error: Exception | None = None,  # noqa: ARG002
    ) -> None:
        """Sleep for the wait ``_can_retry_async`` accepted, and count it against the budget."""
        values = state.custom_values if state.custom_values is not None else {}
        wait = float(values.pop("rate_limit_wait", _DEFAULT_WAIT))
        values["rate_limit_waited"] = float(values.get("rate_limit_waited", 0.0)) + wait
        state.custom_values = values
        state.next_attempt_requested = True
        await asyncio.sleep(wait)
        state.increment_current_attempt()


class NothingSentRetryHandler(AsyncRetryHandler):
    """Tries a call again only when it cannot have reached Slack, or when repeating it is harmless.

    slack_sdk's default handler also repeats a call whose connection broke after Slack read it,
    which can post a message twice.
    """

    async def _can_retry_async(
        self,
        *,
        state: RetryState,  # noqa: ARG002
        request: HttpRequest,
        response: HttpResponse | None = None,  # noqa: ARG002
        error: Exception | None = None,
    ) -> bool:
        if error is None:
            return False
        if isinstance(error, _NOTHING_SENT):
            return True
        return isinstance(error, _CONNECTION_BROKE) and _method(request) in _REPEATABLE


def _header(response: HttpResponse, name: str) -> str | None:
    for key, values in response.headers.items():
        if key.lower() == name:
            return values[0] if values else None
    return None


def slack_retry_handlers() -> list[AsyncRetryHandler]:
    """The retry policy for every Slack call (replaces slack_sdk's default)."""
    return [NothingSentRetryHandler(max_retry_count=1), RateLimitRetryHandler()]
