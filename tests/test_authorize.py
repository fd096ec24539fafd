"""Authorization: one auth.test per process, shared by requests that arrive together."""

from __future__ import annotations

import asyncio

from tests.conftest import Bot


async def test_a_burst_on_a_fresh_process_makes_one_auth_test_call(bot: Bot):
    """Commands that reach a fresh process together all wait for the same auth.test answer."""
    responses = await asyncio.gather(*(bot.command(f"screenshot customer{i}@acme.com") for i in range(8)))

    assert [response.status for response in responses] == [200] * 8
    assert len(bot.slack.of("auth.test")) == 1
    for _ in range(8):  # let the captures finish before the fakes stop
        await bot.slack.next_call("chat.update")


async def test_a_failed_auth_test_is_asked_again_by_the_next_request(bot: Bot):
    """A refused auth.test is not remembered: the next request asks again and goes through."""
    bot.slack.method_errors["auth.test"] = "invalid_auth"
    refused = await bot.command("help")
    assert refused.status == 200
    assert "/bugpilot" not in await refused.text()

    del bot.slack.method_errors["auth.test"]
    answered = await bot.command("help")
    assert answered.status == 200
    assert "/bugpilot" in await answered.text()
    assert len(bot.slack.of("auth.test")) == 2
