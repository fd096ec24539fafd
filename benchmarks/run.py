"""``python -m benchmarks.run``: the bot, the floor and a synchronous Bolt app under the same burst.

For each target in turn: start it from its real entry point, time start to healthy, read idle
memory, fire N signed slash commands at once, wait for every outcome (and, for the bot, for every
report's link in Slack: the fake Bugpilot saves each report ``--report-after`` seconds after
acceptance), read peak memory, stop it.
The fake Slack and Bugpilot run in a process of their own (``benchmarks.upstreams``) so neither
the driver's event loop nor the fakes' shares a loop with the target. The two-process target gets
a throwaway PostgreSQL server (``benchmarks.postgres``) and a fresh database each round; without
PostgreSQL's binaries it is skipped, with the reason printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.fakes import Upstreams, free_ports, upstreams_process
from benchmarks.follow import report_numbers, wait_for_reports
from benchmarks.load import command_bodies, fire, percentile
from benchmarks.postgres import PostgresServer, missing, throwaway_server
from benchmarks.report import Measurement, render
from benchmarks.targets import ROOT, SIGNING_SECRET, Running, Target, all_targets
from benchmarks.upstreams import REPORT_READY_AFTER

RESULTS = ROOT / "benchmarks" / "results"
TARGET_KEYS = ("floor", "bot", "bot_pg2", "bolt_sync")
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
    report_after: float = REPORT_READY_AFTER


async def measure(
    target: Target, options: Options, upstreams: Upstreams, log: Path, database_url: str | None = None
) -> Measurement:
    """Run one target through the whole sequence; its processes are stopped whatever happens.

    ``database_url`` is the database all its processes share; without one, each gets a SQLite file
    of its own in a temporary folder, deleted afterwards.
    """
    n = options.n * target.load
    await upstreams.reset(options.latency, options.report_after)
    with contextlib.ExitStack() as stack:
        logs = [log] if target.processes == 1 else [log.with_suffix(f".{i}.log") for i in range(target.processes)]
        outputs = [stack.enter_context(path.open("wb")) for path in logs]
        state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bugpilot-bench-")))
        running: list[Running] = []
        try:
            for port, output in zip(free_ports(target.processes), outputs, strict=True):
                url = database_url or f"sqlite:///{state / f'bot-{port}.db'}"
                running.append(Running(target, port, upstreams.port, output, url))
            healthy_after = max(await asyncio.gather(*(each.wait_healthy() for each in running)))
            await asyncio.sleep(options.settle)
            idle_rss = sum(each.memory_mb("VmRSS") for each in running)
            largest_idle_rss = max(each.largest_process_mb("VmRSS") for each in running)
            bodies = command_bodies(n, f"{upstreams.base}/slack/respond")
            fired = time.monotonic()
            acks = await fire([f"{each.url}/slack/events" for each in running], bodies, SIGNING_SECRET)
            stats = (
                await _wait_for_outcomes(upstreams, n, options.latency) if target.does_work else await upstreams.stats()
            )
            if target.follows_reports:
                stats = await wait_for_reports(upstreams.stats, len(stats["reports"]))
            peak_rss = sum(each.memory_mb("VmHWM") for each in running)
        finally:
            for each in running:
                each.stop()
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
    if target.follows_reports:
        work.update(report_numbers(stats))
    return Measurement(
        key=target.key,
        name=target.name,
        config=target.config,
        commands=n,
        processes=target.processes,
        start_to_healthy_s=healthy_after,
        idle_rss_mb=idle_rss,
        largest_idle_rss_mb=largest_idle_rss,
        peak_rss_mb=peak_rss,
        ack_p50_ms=percentile(latencies_ms, 50),
        ack_p99_ms=percentile(latencies_ms, 99),
        ack_max_ms=max(latencies_ms),
        acks_over_3s=sum(not ack.in_time for ack in acks),
        acks_not_200=sum(ack.status != 200 for ack in acks),
        slack_calls=stats["slack_calls"],
        **work,
    )


async def _wait_for_outcomes(upstreams: Upstreams, n: int, latency: float) -> dict[str, Any]:
    """Until every one of ``n`` commands has an outcome, or nothing new has happened for a while."""
    progress: tuple[int, int] = (-1, -1)
    last_change = time.monotonic()
    while True:
        stats = await upstreams.stats()
        if stats["distinct_outcomes"] >= n and stats["in_flight"] == 0:
            return stats
        now_seen = (stats["distinct_outcomes"], stats["bugpilot_calls"])
        if now_seen != progress:
            progress, last_change = now_seen, time.monotonic()
        elif time.monotonic() - last_change > latency + _STALL_S:
            return stats
        await asyncio.sleep(_POLL_S)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} before the run, Python {platform.python_version()}"


def chosen_targets(options: Options) -> list[Target]:
    return [t for t in all_targets(workers=options.workers, threads=options.threads) if t.key in options.targets]


async def run(
    options: Options, upstream_port: int, logs: Path, postgres: PostgresServer | None = None
) -> list[list[Measurement]]:
    """Every round measures every chosen target once, in order; one list per target.

    Targets on PostgreSQL run only with ``postgres``, on a fresh database each round.
    """
    chosen = [t for t in chosen_targets(options) if postgres is not None or t.database != "postgresql"]
    rounds: dict[str, list[Measurement]] = {t.key: [] for t in chosen}
    async with aiohttp.ClientSession() as session:
        upstreams = Upstreams(upstream_port, session)
        for round_no in range(1, options.rounds + 1):
            for target in chosen:
                print(f"round {round_no}/{options.rounds}: {target.name} …", file=sys.stderr, flush=True)
                log = logs / f"{target.key}-{round_no}.log"
                database_url = (
                    postgres.new_database() if postgres is not None and target.database == "postgresql" else None
                )
                rounds[target.key].append(await measure(target, options, upstreams, log, database_url))
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
        "--targets", default=",".join(TARGET_KEYS), help=f"comma-separated subset of {','.join(TARGET_KEYS)}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and logs go")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every target this many times; report medians (default 1)"
    )
    parser.add_argument(
        "--report-after",
        type=float,
        default=REPORT_READY_AFTER,
        help=f"seconds after acceptance each report is saved (default {REPORT_READY_AFTER:g})",
    )
    parser.add_argument(
        "--settle", type=float, default=SETTLE_S, help="seconds between healthy and reading idle memory (default 1)"
    )
    args = parser.parse_args(argv)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    unknown = set(targets) - set(TARGET_KEYS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    return Options(
        args.commands,
        args.latency,
        args.workers,
        args.threads,
        targets,
        args.out,
        args.settle,
        max(1, args.rounds),
        args.report_after,
    )


def _skipped(options: Options) -> dict[str, str]:
    """Target name to why it cannot run on this machine (PostgreSQL's binaries missing)."""
    reason = missing()
    if reason is None:
        return {}
    return {t.name: reason for t in chosen_targets(options) if t.database == "postgresql"}


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    logs = options.out / f"logs-{stamp}"
    logs.mkdir(parents=True, exist_ok=True)
    where = machine()
    skipped = _skipped(options)
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}", file=sys.stderr, flush=True)
    with contextlib.ExitStack() as stack:
        postgres = None
        if any(t.database == "postgresql" for t in chosen_targets(options)) and not skipped:
            postgres = stack.enter_context(throwaway_server())
        upstream_port = stack.enter_context(upstreams_process(options.latency, logs / "upstreams.log"))
        per_target = asyncio.run(run(options, upstream_port, logs, postgres))
    measurements = [median(rounds) for rounds in per_target]
    text = render(
        measurements,
        n=options.n,
        latency=options.latency,
        machine=where,
        rounds=options.rounds,
        skipped=skipped,
        report_after=options.report_after,
    )
    result = {
        "when": stamp,
        "commands": options.n,
        "bugpilot_latency_s": options.latency,
        "report_after_s": options.report_after,
        "machine": where,
        "rounds": options.rounds,
        "targets": [dataclasses.asdict(m) for m in measurements],
        "skipped": skipped,
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
