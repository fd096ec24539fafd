"""Background work is tracked until it ends, and shutdown drains it within a bound."""

from __future__ import annotations

import asyncio

from bot.tasks import BackgroundTasks
from tests.logwatch import watch_logs


async def test_work_started_while_draining_is_waited_for_then_cancelled():
    """Work spawned after draining began counts too: drain does not return while it runs, and cancels it at the end."""
    tasks = BackgroundTasks()
    release_first, never = asyncio.Event(), asyncio.Event()
    late_started = asyncio.Event()

    async def late() -> None:
        late_started.set()
        await never.wait()

    async def first() -> None:
        await release_first.wait()
        tasks.spawn(late(), name="late")  # say, a listener that finished just after its ack

    tasks.spawn(first(), name="first")
    with watch_logs() as logs:
        draining = asyncio.create_task(tasks.drain(0.3))
        assert (await logs.next("shutdown.draining"))["tasks"] == 1
        release_first.set()
        await asyncio.wait_for(late_started.wait(), 2)
        assert await asyncio.wait_for(draining, 5) == 1
    assert len(tasks) == 0


async def test_drain_returns_at_once_when_nothing_runs():
    """No work: nothing to wait for, nothing cancelled, and new work is refused from then on."""
    tasks = BackgroundTasks()
    assert await tasks.drain(30) == 0
    assert tasks.closed
