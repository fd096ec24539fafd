"""Background work waits while Slack requests are being acknowledged."""

from __future__ import annotations

import asyncio

import pytest

from bot import tasks as tasks_module
from bot.tasks import BackgroundTasks


async def _let_the_loop_run() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_background_work_starts_once_no_request_is_being_acknowledged():
    """Work spawned during an acknowledgement starts only when the last one is done."""
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def work() -> None:
        started.set()

    with tasks.acknowledging():
        with tasks.acknowledging():
            tasks.spawn(work(), name="work")
            await _let_the_loop_run()
        await _let_the_loop_run()
        assert not started.is_set()
    await asyncio.wait_for(started.wait(), 2)


async def test_background_work_starts_at_once_when_nothing_is_being_acknowledged():
    """Without acknowledgements in progress nothing is held back."""
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def work() -> None:
        started.set()

    tasks.spawn(work(), name="work")
    await asyncio.wait_for(started.wait(), 2)


async def test_background_work_is_not_held_back_forever(monkeypatch: pytest.MonkeyPatch):
    """Under a steady stream of requests the work still starts after the bound."""
    monkeypatch.setattr(tasks_module, "ACK_PRIORITY_SECONDS", 0.01)
    tasks = BackgroundTasks()
    started = asyncio.Event()

    async def work() -> None:
        started.set()

    with tasks.acknowledging():
        tasks.spawn(work(), name="work")
        await asyncio.wait_for(started.wait(), 2)


async def test_draining_cancels_work_still_waiting_its_turn():
    """Shutdown cancels held-back work cleanly (the coroutine is closed, never left unawaited)."""
    tasks = BackgroundTasks()
    ran = False

    async def work() -> None:
        nonlocal ran
        ran = True

    with tasks.acknowledging():
        tasks.spawn(work(), name="work")
        await _let_the_loop_run()
        assert await tasks.drain(0) == 1
    assert not ran
    assert len(tasks) == 0
