"""``make attack``: the real bot (``python -m bot serve``) against local fakes, attacked on purpose.

Loopback only, bounded counts and time; it stops by itself. One line per attack, PASS or
FAIL, and exit status 1 when any failed:

- forged: unsigned requests (timestamp not a number, empty, signed "+", an hour old, missing;
  a wrong signature) naming a ``response_url`` on the fake: every one 401, no outbound call at all;
- malformed: bodies the bot can't read (``{``, ``[1,2]``, ``payload=notjson``, not UTF-8,
  absurd nesting), signed and not: every one a 4xx;
- slowloris: clients dribbling request bodies while a signed command runs: its outcome comes
  no later than ``SLOWLORIS_MARGIN_S`` after it does without them;
- replay: the same signed slash command twice: one Bugpilot call;
- big-shortcut: a message shortcut on a 40,000-character message with 10 commands: every ack in 3 s.

``python -m benchmarks.attack --only forged,slowloris`` runs some of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.fakes import Upstreams, free_ports, upstreams_process
from benchmarks.load import ACK_DEADLINE, command_bodies, signed_headers
from benchmarks.targets import SIGNING_SECRET, Running, all_targets

LATENCY_S = 0.05
SETTLE_S = 1.0
SLOWLORIS_MARGIN_S = 0.5
OUTCOME_WITHIN_S = 10.0
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Verdict:
    """What one attack found."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name:<13} {self.detail}"


@dataclass
class Arena:
    """The bot under attack, the fakes it talks to, and a client session."""

    url: str
    upstreams: Upstreams
    session: aiohttp.ClientSession
    dribblers: int

    @property
    def events(self) -> str:
        return f"{self.url}/slack/events"

    def respond_url(self, key: str) -> str:
        return f"{self.upstreams.base}/slack/respond/{key}"

    async def post(self, body: bytes | str, headers: dict[str, str]) -> tuple[int, float]:
        started = time.monotonic()
        async with self.session.post(self.events, data=body, headers=headers) as answer:
            await answer.read()
            return answer.status, time.monotonic() - started

    async def outcomes(self, at_least: int) -> dict[str, Any]:
        """The fakes' counts once ``at_least`` outcomes have arrived (or the bound has passed)."""
        deadline = time.monotonic() + OUTCOME_WITHIN_S
        while True:
            stats = await self.upstreams.stats()
            if stats["outcomes"] >= at_least or time.monotonic() >= deadline:
                return stats
            await asyncio.sleep(0.02)


def _sign(body: bytes, timestamp: str) -> str:
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def _signed(body: bytes, content_type: str = FORM) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": _sign(body, timestamp),
    }


def _forgeries(body: bytes) -> list[dict[str, str]]:
    now = int(time.time())
    return [
        {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": _sign(body, "")},
        {"X-Slack-Request-Timestamp": f"+{now}", "X-Slack-Signature": _sign(body, f"+{now}")},
        {"X-Slack-Request-Timestamp": str(now - 3600), "X-Slack-Signature": _sign(body, str(now - 3600))},
        {"X-Slack-Signature": _sign(body, str(now))},
        {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64},
    ]


async def forged(arena: Arena) -> Verdict:
    await arena.upstreams.reset(LATENCY_S)
    action = {
        "type": "block_actions",
        "team": {"id": "T_BENCH"},
        "user": {"id": "U_AGENT"},
        "response_url": arena.respond_url("forged"),
        "actions": [{"action_id": "bugpilot_retry", "value": "x"}],
    }
    bodies = [
        command_bodies(1, arena.respond_url("forged"))[0].encode(),
        urllib.parse.urlencode({"payload": json.dumps(action)}).encode(),
    ]
    sent = [
        (body, {"Content-Type": FORM, **headers}) for _ in range(5) for body in bodies for headers in _forgeries(body)
    ]
    statuses = [status for status, _ in await asyncio.gather(*(arena.post(body, headers) for body, headers in sent))]
    await asyncio.sleep(SETTLE_S)  # let anything the bot started reach the fakes
    stats = await arena.upstreams.stats()
    outbound = sum(stats["slack_calls"].values()) + stats["bugpilot_calls"]
    not_401 = sum(status != 401 for status in statuses)
    return Verdict(
        "forged",
        not_401 == 0 and outbound == 0,
        f"{len(sent)} unsigned requests: {not_401} not answered 401, {outbound} outbound calls (want 0 and 0)",
    )


async def malformed(arena: Arena) -> Verdict:
    signed = [
        (b"{", "application/json"),
        (b"[1,2]", "application/json"),
        (b"payload=notjson", FORM),
        (b"payload=%5B1%2C2%5D", FORM),
        (b"command=/bugpilot&text=\xff\xfe", FORM),
        (b"[" * 100_000, "application/json"),
    ]
    sent = [(body, _signed(body, kind)) for body, kind in signed]
    sent += [(b"{", {"Content-Type": "application/json"}), (b"\xff\xfe", {"Content-Type": FORM})]
    statuses = [status for status, _ in await asyncio.gather(*(arena.post(body, headers) for body, headers in sent))]
    wrong = [status for status in statuses if not 400 <= status < 500]
    return Verdict(
        "malformed", not wrong, f"{len(sent)} unreadable bodies: statuses {sorted(set(statuses))} (want 4xx)"
    )


async def _outcome_seconds(arena: Arena, customer: int) -> float:
    """Seconds from sending a signed command to its outcome reaching the fake Slack."""
    await arena.upstreams.reset(LATENCY_S)
    body = command_bodies(customer + 1, arena.respond_url("slow"))[customer]
    started = time.monotonic()
    status, _ = await arena.post(body, signed_headers(body, SIGNING_SECRET))
    stats = await arena.outcomes(1)
    if status != 200 or stats["first_outcome"] is None:
        return float("inf")
    return float(stats["first_outcome"]) - started


async def _dribble(arena: Arena) -> asyncio.StreamWriter:
    """A connection whose headers (signed) have arrived and whose body never finishes."""
    host, port = arena.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    headers = signed_headers("token=never-finished", SIGNING_SECRET)
    head = [
        "POST /slack/events HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Length: 5000",
        "Expect: 100-continue",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    async with asyncio.timeout(5):
        await reader.readuntil(b"\r\n\r\n")  # "100 Continue": the request reached the handler
    writer.write(b"token=")
    await writer.drain()
    return writer


async def slowloris(arena: Arena) -> Verdict:
    baseline = await _outcome_seconds(arena, 1)
    writers = await asyncio.gather(*(_dribble(arena) for _ in range(arena.dribblers)))
    try:
        attacked = await _outcome_seconds(arena, 2)
    finally:
        for writer in writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    return Verdict(
        "slowloris",
        math.isfinite(attacked) and attacked <= baseline + SLOWLORIS_MARGIN_S,
        f"{arena.dribblers} dribbling connections: outcome after {attacked:.2f} s, "
        f"{baseline:.2f} s without them (want at most {SLOWLORIS_MARGIN_S:g} s more)",
    )


async def replay(arena: Arena) -> Verdict:
    await arena.upstreams.reset(LATENCY_S)
    body = command_bodies(1, arena.respond_url("replay"))[0]
    headers = signed_headers(body, SIGNING_SECRET)
    statuses = [(await arena.post(body, headers))[0] for _ in range(2)]
    await arena.outcomes(1)
    await asyncio.sleep(SETTLE_S)  # a second capture, if any, has had its chance
    calls = (await arena.upstreams.stats())["bugpilot_calls"]
    return Verdict(
        "replay", calls == 1, f"one signed command sent twice (acks {statuses}): {calls} Bugpilot calls (want 1)"
    )


async def big_shortcut(arena: Arena) -> Verdict:
    await arena.upstreams.reset(LATENCY_S)
    message = {"type": "message", "user": "U_CUSTOMER", "ts": f"{time.time():.6f}", "text": "a" * 40_000}
    payload = {
        "type": "message_action",
        "callback_id": "bugpilot_capture",
        "trigger_id": f"{time.time():.6f}.attack",
        "team": {"id": "T_BENCH", "domain": "bench"},
        "user": {"id": "U_AGENT", "username": "agent", "team_id": "T_BENCH"},
        "channel": {"id": "C_BENCH", "name": "support"},
        "response_url": arena.respond_url("shortcut"),
        "message_ts": message["ts"],
        "message": message,
    }
    shortcut = urllib.parse.urlencode({"payload": json.dumps(payload)})
    bodies = [shortcut, *command_bodies(10, arena.respond_url("cmd"))]
    acks = await asyncio.gather(*(arena.post(body, signed_headers(body, SIGNING_SECRET)) for body in bodies))
    late = [seconds for status, seconds in acks if status != 200 or seconds > ACK_DEADLINE]
    slowest = max(seconds for _, seconds in acks)
    await arena.outcomes(10)
    return Verdict(
        "big-shortcut",
        not late,
        f"a shortcut on a 40,000-character message and 10 commands: slowest ack {slowest:.2f} s (want all 200 in 3 s)",
    )


ATTACKS: dict[str, Callable[[Arena], Awaitable[Verdict]]] = {
    "forged": forged,
    "malformed": malformed,
    "slowloris": slowloris,
    "replay": replay,
    "big-shortcut": big_shortcut,
}


async def attack(names: Sequence[str], upstream_port: int, logs: Path, dribblers: int) -> list[Verdict]:
    bot = next(target for target in all_targets(workers=1, threads=1) if target.key == "bot")
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        upstreams = Upstreams(upstream_port, session)
        with (logs / "bot.log").open("wb") as output:
            running = Running(bot, free_ports(1)[0], upstream_port, output, f"sqlite:///{logs / 'bot.db'}")
            try:
                await running.wait_healthy()
                arena = Arena(running.url, upstreams, session, dribblers)
                verdicts = []
                for name in names:
                    verdict = await ATTACKS[name](arena)
                    print(verdict.line(), flush=True)
                    verdicts.append(verdict)
                return verdicts
            finally:
                running.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default=",".join(ATTACKS), help=f"comma-separated, of: {', '.join(ATTACKS)}")
    parser.add_argument("--dribblers", type=int, default=50, help="slowloris connections (default 50)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in ATTACKS]
    if unknown:
        parser.error(f"unknown attack: {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="bugpilot-attack-") as folder:
        logs = Path(folder)
        with upstreams_process(LATENCY_S, logs / "upstreams.log") as upstream_port:
            verdicts = asyncio.run(attack(names, upstream_port, logs, args.dribblers))
    failed = [verdict.name for verdict in verdicts if not verdict.passed]
    print(
        f"{len(verdicts) - len(failed)} of {len(verdicts)} attacks held"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
