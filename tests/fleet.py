"""Real bot processes (``python -m bot serve``) sharing one store, against in-process fake Slack and Bugpilot."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestServer

from tests.fakes import API_KEY, BOT_TOKEN, SIGNING_SECRET, WORKSPACE_ID, Call, FakeBugpilot, FakeSlack
from tests.test_process import Process, _base_env, _free_port


@dataclass
class Fleet:
    """The processes started so far, the fakes they talk to, and the environment they share."""

    env: dict[str, str]
    slack: FakeSlack
    bugpilot: FakeBugpilot
    processes: list[Process] = field(default_factory=list)

    def response_url(self, key: str = "cmd") -> str:
        server: TestServer = self.slack.server  # type: ignore[attr-defined]
        return str(server.make_url(f"/respond/{key}"))

    async def start(self) -> Process:
        """One more bot process on the shared store; returns once it listens."""
        port = _free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            env=self.env | {"PORT": str(port)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        process = Process(proc, port)
        self.processes.append(process)
        await process.wait_for_log("app.listening")
        return process

    async def update_of(self, ts: str, containing: str, timeout: float = 20.0) -> Call:
        """The next ``chat.update`` of message ``ts`` whose text contains ``containing``."""
        async with asyncio.timeout(timeout):
            while True:
                call = await self.slack.next_call("chat.update", timeout=timeout)
                if call.args["ts"] == ts and containing in call.args["text"]:
                    return call

    async def close(self) -> None:
        for process in self.processes:
            if process.proc.returncode is None:
                process.proc.kill()
                await process.proc.wait()


async def make_fleet(aiohttp_server: Any, database_url: str) -> Fleet:
    """Fakes on port 0 and the environment for bot processes on ``database_url``."""
    slack, bugpilot = FakeSlack(), FakeBugpilot()
    slack_server: TestServer = await aiohttp_server(slack.app())
    bugpilot_server: TestServer = await aiohttp_server(bugpilot.app())
    slack.server = slack_server  # type: ignore[attr-defined]
    env = _base_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": str(slack_server.make_url("/api/")),
        "BUGPILOT_API_KEY": API_KEY,
        "BUGPILOT_WORKSPACE_ID": WORKSPACE_ID,
        "BUGPILOT_API_URL": str(bugpilot_server.make_url("/api/v1")),
        "BUGPILOT_KEEP_TRYING_EVERY": "5",
        "DATABASE_URL": database_url,
    }
    return Fleet(env=env, slack=slack, bugpilot=bugpilot)
