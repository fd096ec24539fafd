"""Firing N signed slash commands at once and timing each acknowledgement."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

ACK_DEADLINE = 3.0
_GIVE_UP = 60.0


@dataclass(frozen=True)
class Ack:
    """One command's acknowledgement: seconds from sending to the whole answer, and the status (0: none)."""

    seconds: float
    status: int

    @property
    def in_time(self) -> bool:
        """What Slack would accept: a 200 within 3 seconds."""
        return self.status == 200 and self.seconds <= ACK_DEADLINE


def command_bodies(n: int, response_url_base: str) -> list[str]:
    """``n`` distinct ``/bugpilot screenshot`` commands, form-encoded as Slack sends them."""
    return [
        urllib.parse.urlencode(
            {
                "token": "deprecated",
                "team_id": "T_BENCH",
                "team_domain": "bench",
                "channel_id": "C_BENCH",
                "channel_name": "support",
                "user_id": f"U_AGENT{i % 7}",
                "user_name": "agent",
                "command": "/bugpilot",
                "text": f"screenshot customer-{i}@example.com checkout does nothing",
                "api_app_id": "A_BUGPILOT",
                "is_enterprise_install": "false",
                "response_url": f"{response_url_base}/{i}",
                "trigger_id": f"{i}.{time.time():.0f}.bench",
            }
        )
        for i in range(n)
    ]


def signed_headers(body: str, secret: str) -> dict[str, str]:
    """The headers Slack sends: content type, timestamp, v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


async def fire(urls: Sequence[str], bodies: Sequence[str], secret: str) -> list[Ack]:
    """Send every body at once, each on its own connection, as Slack would; time each answer.

    Body ``i`` goes to ``urls[i % len(urls)]``: with two processes, the commands alternate.
    """
    requests = [(urls[i % len(urls)], body, signed_headers(body, secret)) for i, body in enumerate(bodies)]
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=_GIVE_UP)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(url: str, body: str, headers: dict[str, str]) -> Ack:
            started = time.monotonic()
            try:
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            return Ack(time.monotonic() - started, status)

        return await asyncio.gather(*(one(url, body, headers) for url, body, headers in requests))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
