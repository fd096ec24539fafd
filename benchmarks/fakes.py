"""The fake upstreams' process (``benchmarks.upstreams``) from the driver's side: starting it, its controls, ports."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.targets import ROOT
from benchmarks.upstreams import REPORT_READY_AFTER

__all__ = ["Upstreams", "free_ports", "upstreams_process"]


class Upstreams:
    """The fakes' process, and a client for its control routes."""

    def __init__(self, port: int, session: aiohttp.ClientSession) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._session = session

    async def reset(self, latency: float, report_after: float = REPORT_READY_AFTER) -> None:
        settings = {"latency": latency, "report_after": report_after}
        async with self._session.post(f"{self.base}/_bench/reset", json=settings) as answer:
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


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports of 127.0.0.1 (each socket held until all are chosen)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
