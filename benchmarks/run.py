"""``python -m benchmarks.run``: the bot, the floor and a synchronous Bolt app under the same burst.

For each target in turn: start it from its real entry point, time start to healthy, read idle
memory, fire N signed slash commands at once, wait for every outcome, read peak memory, stop it.
The fake Slack and Bugpilot run in a process of their own (``benchmarks.upstreams``) so neither
the driver's event loop nor the fakes' shares a loop with the target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.load import command_bodies, fire, percentile
from benchmarks.report import Measurement, render
from benchmarks.targets import ROOT, SIGNING_SECRET, Running, Target, all_targets

RESULTS = ROOT / "benchmarks" / "results"
SETTLE_S = 1.0
_POLL_S = 0.05
_STALL_S = 10.0


@dataclasses.dataclass(frozen=True)
class Options:
    n: int
    latency: float
    workers: int
    threads: int
    targets: tuple[str, ...]
    out: Path
    settle: float = SETTLE_S
    rounds: int = 1


class Upstreams:
    """The fakes' process, and a client for its control routes."""

    def __init__(self, port: int, session: aiohttp.ClientSession) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._session = session

    async def reset(self, latency: float) -> None:
        async with self._session.post(f"{self.base}/_bench/reset", json={"latency": latency}) as answer:
            answer.raise_for_status()

    async def stats(self) -> dict[str, Any]:
        async with self._session.get(f"{self.base}/_bench/stats") as answer:
            answer.raise_for_status()
            stats: dict[str, Any] = await answer.json()
            return stats


@contextlib.contextmanager
def upstreams_process(latency: float, log: Path) -> Iterator[int]:
    """Start ``benchmarks.upstreams``; yields the port it listens on."""
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.upstreams", "--latency", str(latency)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the fake upstreams did not start; see {log}")
            yield int(json.loads(line)["port"])
        finally:
            process.terminate()
            process.wait(10)
            if process.stdout is not None:
                process.stdout.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def measure(target: Target, options: Options, upstreams: Upstreams, log: Path) -> Measurement:
    """Run one target through the whole sequence; the process is stopped whatever happens."""
    await upstreams.reset(options.latency)
    with log.open("wb") as output:
        running = Running(target, free_port(), upstreams.port, output)
        try:
            healthy_after = await running.wait_healthy()
            await asyncio.sleep(options.settle)
            idle_rss = running.memory_mb("VmRSS")
            bodies = command_bodies(options.n, f"{upstreams.base}/slack/respond")
            fired = time.monotonic()
            acks = await fire(f"{running.url}/slack/events", bodies, SIGNING_SECRET)
            stats = await _wait_for_outcomes(upstreams, options) if target.does_work else await upstreams.stats()
            peak_rss = running.memory_mb("VmHWM")
        finally:
            running.stop()
    latencies_ms = [ack.seconds * 1000 for ack in acks]
    work: dict[str, Any] = {}
    if target.does_work:
        last = stats["last_outcome"]
        work = {
            "bugpilot_calls": stats["bugpilot_calls"],
            "outcomes": stats["distinct_outcomes"],
            "duplicate_outcomes": stats["outcomes"] - stats["distinct_outcomes"],
            "last_outcome_s": None if last is None else last - fired,
            "peak_concurrent_bugpilot": stats["peak_in_flight"],
        }
    return Measurement(
        key=target.key,
        name=target.name,
        config=target.config,
        start_to_healthy_s=healthy_after,
        idle_rss_mb=idle_rss,
        peak_rss_mb=peak_rss,
        ack_p50_ms=percentile(latencies_ms, 50),
        ack_p99_ms=percentile(latencies_ms, 99),
        ack_max_ms=max(latencies_ms),
        acks_over_3s=sum(not ack.in_time for ack in acks),
        acks_not_200=sum(ack.status != 200 for ack in acks),
        slack_calls=stats["slack_calls"],
        **work,
    )


async def _wait_for_outcomes(upstreams: Upstreams, options: Options) -> dict[str, Any]:
    """Until every command has an outcome, or nothing new has happened for a while."""
    progress: tuple[int, int] = (-1, -1)
    last_change = time.monotonic()
    while True:
        stats = await upstreams.stats()
        if stats["distinct_outcomes"] >= options.n and stats["in_flight"] == 0:
            return stats
        now_seen = (stats["distinct_outcomes"], stats["bugpilot_calls"])
        if now_seen != progress:
            progress, last_change = now_seen, time.monotonic()
        elif time.monotonic() - last_change > options.latency + _STALL_S:
            return stats
        await asyncio.sleep(_POLL_S)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} before the run, Python {platform.python_version()}"


async def run(options: Options, upstream_port: int, logs: Path) -> list[list[Measurement]]:
    """Every round measures every chosen target once, in order; one list per target."""
    chosen = [t for t in all_targets(workers=options.workers, threads=options.threads) if t.key in options.targets]
    rounds: dict[str, list[Measurement]] = {t.key: [] for t in chosen}
    async with aiohttp.ClientSession() as session:
        upstreams = Upstreams(upstream_port, session)
        for round_no in range(1, options.rounds + 1):
            for target in chosen:
                print(f"round {round_no}/{options.rounds}: {target.name} …", file=sys.stderr, flush=True)
                log = logs / f"{target.key}-{round_no}.log"
                rounds[target.key].append(await measure(target, options, upstreams, log))
    return list(rounds.values())


def median(measurements: Sequence[Measurement]) -> Measurement:
    """Each number the median over rounds (the lower middle one: a value that was measured)."""
    first = measurements[0]
    if len(measurements) == 1:
        return first
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(Measurement):
        seen = [getattr(m, spec.name) for m in measurements]
        if all(isinstance(v, int | float) for v in seen):
            values[spec.name] = statistics.median_low(seen)
        else:
            values[spec.name] = getattr(first, spec.name)
    return Measurement(**values)


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--commands", type=int, default=200, help="commands fired at once (default 200)")
    parser.add_argument("--latency", type=float, default=2.0, help="seconds Bugpilot takes per call (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the Bolt app (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (default 8)")
    parser.add_argument(
        "--targets", default="floor,bot,bolt_sync", help="comma-separated subset of floor,bot,bolt_sync"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and logs go")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every target this many times; report medians (default 1)"
    )
    parser.add_argument(
        "--settle", type=float, default=SETTLE_S, help="seconds between healthy and reading idle memory (default 1)"
    )
    args = parser.parse_args(argv)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    unknown = set(targets) - {"floor", "bot", "bolt_sync"}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    return Options(
        args.commands, args.latency, args.workers, args.threads, targets, args.out, args.settle, max(1, args.rounds)
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = options.out / f"logs-{stamp}"
    logs.mkdir(parents=True, exist_ok=True)
    where = machine()
    with upstreams_process(options.latency, logs / "upstreams.log") as upstream_port:
        per_target = asyncio.run(run(options, upstream_port, logs))
    measurements = [median(rounds) for rounds in per_target]
    text = render(measurements, n=options.n, latency=options.latency, machine=where, rounds=options.rounds)
    result = {
        "when": stamp,
        "commands": options.n,
        "bugpilot_latency_s": options.latency,
        "machine": where,
        "rounds": options.rounds,
        "targets": [dataclasses.asdict(m) for m in measurements],
        "every_round": {rounds[0].key: [dataclasses.asdict(m) for m in rounds] for rounds in per_target},
        "table": text,
    }
    path = options.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(text)
    print(f"\nJSON: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
