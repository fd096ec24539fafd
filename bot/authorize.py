"""Bolt's ``authorize`` for the one workspace: one ``auth.test`` per process, shared by every request.

Bolt's built-in single-workspace authorization calls ``auth.test`` on each request until
the first answer is cached. A burst that reaches a fresh process (a deploy, then 200
commands at once) finds nothing cached, so every request makes its own call, each one
before the acknowledgement; against real Slack they also eat into the method's rate limit.
Here the first request asks, requests arriving meanwhile wait for that same call (and
share its failure), and a good answer is kept for the life of the process. A failure is
not kept: the next request, or ``GET /healthz``, asks again.

A failed ``auth.test`` raises ``SlackUnavailable`` (Slack could not be reached in time,
or refused the token), which the error handler answers with what is wrong instead of a
crash apology; ``SlackAuth.state`` is what ``/healthz`` reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final, Literal

import aiohttp
import structlog
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.errors import SlackUnavailable
from bot.slack_failures import failure_name

__all__ = ["AUTH_TEST_SECONDS", "SlackAuth", "SlackState"]

log = structlog.get_logger(__name__)

# auth.test runs before the first acknowledgement: it must leave time to ack within Slack's 3 s.
AUTH_TEST_SECONDS: Final = 2.0

SlackState = Literal["unknown", "ok", "unreachable", "refused"]


class SlackAuth:
    """The bot's ``auth.test`` answer, asked for once and shared; ``authorize`` is for Bolt's ``authorize=``."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._answer: AsyncSlackResponse | None = None
        self._attempt: asyncio.Task[AsyncSlackResponse] | None = None
        self.state: SlackState = "unknown"

        async def authorize(user_id: str | None) -> AuthorizeResult:
            return await self._authorize(user_id)

        # Bolt reads the argument names of ``authorize``: a plain function, not a bound method.
        self.authorize: Callable[..., Awaitable[AuthorizeResult]] = authorize

    async def answer(self) -> AsyncSlackResponse:
        """The ``auth.test`` answer: kept, else from the call in flight, else from a new call."""
        if self._answer is not None:
            return self._answer
        if self._attempt is None:
            self._attempt = asyncio.create_task(self._ask(), name="slack:auth.test")
            self._attempt.add_done_callback(_retrieve)
        return await asyncio.shield(self._attempt)

    async def check(self, wait: float) -> SlackState:
        """Ask Slack when no good answer is kept, waiting at most ``wait`` seconds; then the state."""
        if self._answer is None:
            try:
                async with asyncio.timeout(wait):
                    await self.answer()
            except (SlackUnavailable, TimeoutError):
                pass
        return self.state

    async def _authorize(self, user_id: str | None) -> AuthorizeResult:
        """Bolt's ``authorize``: every request gets the bot token and the kept answer."""
        answer = await self.answer()
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id"),
            bot_token=self.client.token,
            bot_scopes=answer.headers.get("x-oauth-scopes"),
            user_id=user_id,
        )

    async def _ask(self) -> AsyncSlackResponse:
        try:
            async with asyncio.timeout(AUTH_TEST_SECONDS):
                answer = await self.client.auth_test()
        except SlackApiError as exc:
            raise self._failed("refused", failure_name(exc)) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._failed("unreachable", failure_name(exc)) from None
        finally:
            self._attempt = None
        self._answer = answer
        if self.state != "ok":
            log.info("slack.authorized", team_id=answer.get("team_id"))
        self.state = "ok"
        return answer

    def _failed(self, state: Literal["unreachable", "refused"], error: str) -> SlackUnavailable:
        self.state = state
        log.warning("slack.auth_failed", state=state, error=error)
        return SlackUnavailable(state, error)


def _retrieve(task: asyncio.Task[AsyncSlackResponse]) -> None:
    """Mark the attempt's failure as seen: every waiter gets it, and none may be left (a health check gave up)."""
    if not task.cancelled():
        task.exception()


def single_workspace_authorize(client: AsyncWebClient) -> Callable[..., Awaitable[AuthorizeResult]]:
    """An ``authorize`` function for ``AsyncApp`` built on ``client`` (which holds the bot token)."""
    return SlackAuth(client).authorize
