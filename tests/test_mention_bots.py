"""Mentions written by other apps start nothing: no capture, no reply."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Bot
from tests.fakes import BOT_USER_ID
from tests.logwatch import watch_logs
from tests.test_e2e_mention import PARENT_TS, deliver, mention


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B_OTHER", "user": "U_OTHER_BOT"},
        {"subtype": "bot_message", "user": "U_OTHER_BOT"},
        {"bot_profile": {"id": "B_OTHER", "name": "echo"}, "user": "U_OTHER_BOT"},
    ],
    ids=["bot_id", "bot_message", "bot_profile"],
)
async def test_a_mention_from_another_bot_is_ignored(bot: Bot, online: set[str], extra: dict[str, Any]):
    """Another app mentioning Bugpilot makes no Bugpilot call and gets no answer in the thread."""
    online.add("alice@acme.com")
    event = mention(f"<@{BOT_USER_ID}> screenshot alice@acme.com", thread_ts=PARENT_TS) | extra
    with watch_logs() as logs:
        await deliver(bot, event)
        ignored = await logs.next("mention.ignored")
    assert ignored["reason"] == "bot"
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert not bot.slack.of("chat.postMessage")
