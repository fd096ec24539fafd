"""Helpers for tests that drive the sandbox: a running sandbox, its JSON API, waiting for its state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import pytest

from bot.manifest import message_shortcuts
from bot.sandbox.people import BOT_USER, SUPPORT
from bot.sandbox.server import REPORT_WAIT, Sandbox, running_sandbox

T = TypeVar("T")

TEST_SHORTCUT = {"name": "Sandbox test", "callback_id": "sandbox_test", "description": "a test listener's shortcut"}


@dataclass
class Driver:
    """A running sandbox and a session to its page API."""

    sandbox: Sandbox
    http: aiohttp.ClientSession

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.sandbox.url}sandbox/api/{path}", json=body) as response:
            data: dict[str, Any] = await response.json()
            return data

    async def until(self, predicate: Callable[[dict[str, Any]], T | None], timeout: float = 8.0) -> T:
        """Wait (on the state's version, not by sleeping) until ``predicate(state)`` is truthy; return it."""
        workspace = self.sandbox.workspace
        async with asyncio.timeout(timeout):
            while True:
                state = self.sandbox.controls.snapshot()
                result = predicate(state)
                if result:
                    return result
                await workspace.wait_for_change(state["version"], timeout)

    def replies(self, state: dict[str, Any], root_ts: str) -> list[dict[str, Any]]:
        return [m for m in state["messages"] if m.get("thread_ts") == root_ts and m["ts"] != root_ts]


@asynccontextmanager
async def driving(*, report_wait: float = REPORT_WAIT) -> AsyncIterator[Driver]:
    """A running sandbox (following reports for ``report_wait`` seconds) and a session to its API."""
    async with (
        running_sandbox(shortcuts=[*message_shortcuts(), TEST_SHORTCUT], report_wait=report_wait) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        yield Driver(sandbox=sandbox, http=http)


@pytest.fixture(name="driver")
async def driver_fixture() -> AsyncIterator[Driver]:
    """A fresh sandbox per test; import it into a test module to use ``driver``."""
    async with driving() as driver:
        yield driver


def bot_messages(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in state["messages"] if m["user"] == BOT_USER and m["channel"] == SUPPORT]


def thread_outcome(state: dict[str, Any], words: str) -> dict[str, Any] | None:
    """The first reply in any thread whose text contains ``words``."""
    messages: list[dict[str, Any]] = state["messages"]
    for message in messages:
        if message.get("thread_ts") and message["thread_ts"] != message["ts"] and words in message["text"]:
            return message
    return None


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    ]
