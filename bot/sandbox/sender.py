"""Sends the bot what Slack would: signed requests to ``/slack/events``, with Slack's 3-second patience."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web

__all__ = ["Answer", "SlackSender"]

SLACK_PATIENCE = 3.0


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer to one request; ``status`` is None when it did not answer in time."""

    status: int | None
    body: str
    content_type: str
    ms: int

    @property
    def ok(self) -> bool:
        """A 2xx answer within Slack's 3 seconds."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def failure(self) -> str:
        """How Slack words the failure to a user: ``operation_timeout`` or ``dispatch_failed``."""
        return "operation_timeout" if self.status is None else "dispatch_failed"


class SlackSender:
    """Signs bodies with the app's signing secret and posts them to the bot."""

    def __init__(self, *, events_url: str, signing_secret: str) -> None:
        self._url = events_url
        self._secret = signing_secret.encode()
        self._session: aiohttp.ClientSession | None = None

    async def lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        """``cleanup_ctx`` hook: one session for the life of the sandbox."""
        async with aiohttp.ClientSession() as session:
            self._session = session
            yield
            self._session = None

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """Slack's ``v0`` signature headers for ``body``."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new(self._secret, f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    async def send_form(self, body: str) -> Answer:
        """A form-encoded request (slash commands, interactivity)."""
        return await self._send(body, "application/x-www-form-urlencoded", {})

    async def send_json(self, body: str, headers: dict[str, str] | None = None) -> Answer:
        """A JSON request (Events API), with extra headers such as ``X-Slack-Retry-Num``."""
        return await self._send(body, "application/json", headers or {})

    async def _send(self, body: str, content_type: str, extra: dict[str, str]) -> Answer:
        if self._session is None:  # pragma: no cover - only before start-up
            raise RuntimeError("the sandbox is not running")
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        headers.update(self.sign(body))
        headers.update(extra)
        started = time.perf_counter()
        try:
            async with self._session.post(
                self._url, data=body.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=SLACK_PATIENCE)
            ) as response:
                text = await response.text()
                return Answer(response.status, text, response.content_type, _ms(started))
        except (TimeoutError, aiohttp.ClientError):
            return Answer(None, "", "", _ms(started))


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
