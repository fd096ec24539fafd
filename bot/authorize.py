"""Bolt's ``authorize`` for the one workspace: one ``auth.test`` per process, shared by every request.

Bolt's built-in single-workspace authorization calls ``auth.test`` on each request until
the first answer is cached. A burst that reaches a fresh process (a deploy, then 200
commands at once) finds nothing cached, so every request makes its own call, each one
before the acknowledgement; against real Slack they also eat into the method's rate limit.
Here the first request asks, requests arriving meanwhile wait for that answer, and the
answer is kept for the life of the process. A failed call is not kept: the next request
asks again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

__all__ = ["single_workspace_authorize"]


def single_workspace_authorize(client: AsyncWebClient) -> Callable[..., Awaitable[AuthorizeResult]]:
    """An ``authorize`` function for ``AsyncApp`` built on ``client`` (which holds the bot token)."""
    lock = asyncio.Lock()
    answer: AsyncSlackResponse | None = None

    async def authorize(user_id: str | None) -> AuthorizeResult:
        nonlocal answer
        if answer is None:
            async with lock:
                if answer is None:
                    answer = await client.auth_test()
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id"),
            bot_token=client.token,
            bot_scopes=answer.headers.get("x-oauth-scopes"),
            user_id=user_id,
        )

    return authorize
