"""The servers under test: how each is started, and how its memory is read.

Each target runs as its own process (or process tree, or two processes on one database) started
from its real entry point, with the same environment: the fake Slack and Bugpilot of
``benchmarks.upstreams``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp

from benchmarks.upstreams import API_KEY, WORKSPACE_ID

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "bench_signing_secret_0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token-not-real"
HEALTHY_WITHIN = 30.0


@dataclass(frozen=True)
class Target:
    """One server under test."""

    key: str
    name: str
    config: str
    does_work: bool
    argv: tuple[str, ...]
    # How many copies run side by side (the load alternates between them), each with its own port.
    processes: int = 1
    # ``sqlite``: a file of its own per process, in a temporary folder; ``postgresql``: one database for all copies.
    database: str = "sqlite"
    # Commands fired at once, as a multiple of ``-n``.
    load: int = 1
    # Runs until every accepted capture's report is linked in Slack (the bot follows them through Session Info).
    follows_reports: bool = False


def all_targets(*, workers: int, threads: int) -> list[Target]:
    """The floor, the bot, two bots on PostgreSQL and the synchronous Bolt app, in the order measured."""
    python = sys.executable
    return [
        Target(
            key="floor",
            name="floor",
            config="one aiohttp handler: check the signature (slack_sdk's `SignatureVerifier`, as Bolt), answer 200",
            does_work=False,
            argv=(python, "-m", "benchmarks.floor"),
        ),
        Target(
            key="bot",
            name="bot",
            config=(
                "`python -m bot serve`: one process, aiohttp and Bolt `AsyncApp`, default settings "
                "(following every accepted capture to its report, `BUGPILOT_REPORT_WAIT` 300 s)"
            ),
            does_work=True,
            argv=(python, "-m", "bot", "serve"),
            follows_reports=True,
        ),
        Target(
            key="bot_pg2",
            name="bot x2 on PostgreSQL",
            config=(
                "two `python -m bot serve` processes, one PostgreSQL database (`DATABASE_URL=postgresql://…`), "
                "commands alternated between their ports, twice the commands"
            ),
            does_work=True,
            argv=(python, "-m", "bot", "serve"),
            processes=2,
            database="postgresql",
            load=2,
        ),
        Target(
            key="bolt_sync",
            name="Bolt sync + gunicorn",
            config=(
                "Bolt `App` as its docs write it (`ack()`, `requests.post` to Bugpilot, `respond()`; "
                "Bolt's default listener pool of 5 threads per process), "
                f"gunicorn `--worker-class gthread --workers {workers} --threads {threads}`"
            ),
            does_work=True,
            argv=(
                python,
                "-m",
                "gunicorn",
                "--worker-class=gthread",
                f"--workers={workers}",
                f"--threads={threads}",
                "--log-level=warning",
                "--bind=127.0.0.1:{port}",
                "benchmarks.sync_bolt:application",
            ),
        ),
    ]


def environment(port: int, upstream_port: int, database_url: str) -> dict[str, str]:
    """The environment every target gets: this machine's, without Slack or Bugpilot settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUGPILOT_", "LOG_"))}
    base = f"http://127.0.0.1:{upstream_port}"
    env.update(
        PORT=str(port),
        PYTHONPATH=str(ROOT),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=f"{base}/slack/api/",
        BUGPILOT_API_KEY=API_KEY,
        BUGPILOT_WORKSPACE_ID=WORKSPACE_ID,
        BUGPILOT_API_URL=f"{base}/bugpilot/api/v1",
        DATABASE_URL=database_url,
    )
    return env


class Running:
    """A started target: its process, its port, and when it became healthy."""

    def __init__(self, target: Target, port: int, upstream_port: int, log: IO[bytes], database_url: str) -> None:
        self.target = target
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        argv = [arg.replace("{port}", str(port)) for arg in target.argv]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=environment(port, upstream_port, database_url), stdout=log, stderr=subprocess.STDOUT
        )

    async def wait_healthy(self) -> float:
        """Seconds from process start to the first 200 from ``GET /healthz``."""
        deadline = self.started + HEALTHY_WITHIN
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.target.key} exited with {self.process.returncode} before it was healthy")
                try:
                    async with session.get(f"{self.url}/healthz", timeout=aiohttp.ClientTimeout(total=1)) as answer:
                        if answer.status == 200:
                            return time.monotonic() - self.started
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.005)
        raise RuntimeError(f"{self.target.key} was not healthy within {HEALTHY_WITHIN:g} s")

    def memory_mb(self, field: str) -> float:
        """``VmRSS`` or ``VmHWM`` of the process and its children, added up, in MB."""
        return sum(_status_kb(pid, field) for pid in _tree(self.process.pid)) / 1024

    def largest_process_mb(self, field: str) -> float:
        """``VmRSS`` or ``VmHWM`` of the largest single process in the tree, in MB."""
        return max(_status_kb(pid, field) for pid in _tree(self.process.pid)) / 1024

    def stop(self) -> None:
        """SIGTERM, then wait for a clean exit (SIGKILL after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, from ``/proc`` (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0
