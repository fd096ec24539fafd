"""Blocks Slack refuses (invalid_blocks, msg_too_long...) are sent once more as plain text: the words arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bot.blocks import Message
from bot.delivery import Delivery, slack_client, slack_session
from tests.conftest import Bot
from tests.fakes import BOT_TOKEN, FakeSlack
from tests.logwatch import watch_logs

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Screenshot requested*"}}]
MESSAGE = Message(text="Screenshot requested", blocks=BLOCKS)


@pytest.fixture(name="delivery")
async def _delivery(fake_slack: FakeSlack) -> AsyncIterator[Delivery]:
    server: TestServer = fake_slack.server  # type: ignore[attr-defined]
    async with slack_session() as session:
        yield Delivery(slack_client(session, token=BOT_TOKEN, base_url=str(server.make_url("/api/"))), session)


def _respond_url(fake: FakeSlack) -> str:
    server: TestServer = fake.server  # type: ignore[attr-defined]
    return str(server.make_url("/respond/x"))


@pytest.mark.parametrize(
    "error", ["invalid_blocks", "invalid_arguments", "msg_too_long", "invalid_blocks_format", "msg_blocks_too_long"]
)
async def test_a_post_with_refused_blocks_is_sent_again_as_plain_text(
    delivery: Delivery, fake_slack: FakeSlack, error: str
):
    fake_slack.refuse_blocks["chat.postMessage"] = error
    with watch_logs() as logs:
        ts = await delivery.post("C_SUPPORT", MESSAGE, thread_ts="1.000001")
    refused, plain = fake_slack.of("chat.postMessage")
    assert refused.args["blocks"]
    assert "blocks" not in plain.args
    assert plain.args["text"] == "Screenshot requested"
    assert plain.args["thread_ts"] == "1.000001"
    assert fake_slack.messages[ts] is plain.args
    assert [e["error"] for e in logs.of("slack.blocks_refused")] == [error]


async def test_plain_text_is_tried_once_only(delivery: Delivery, fake_slack: FakeSlack):
    """A refusal that isn't about the blocks (or a second one) goes to the caller as before."""
    fake_slack.post_errors["C_GONE"] = "channel_not_found"
    with pytest.raises(Exception, match="channel_not_found"):
        await delivery.post("C_GONE", MESSAGE)
    assert len(fake_slack.of("chat.postMessage")) == 1


async def test_the_plain_text_fallback_is_clipped_and_never_cut_inside_an_entity(
    delivery: Delivery, fake_slack: FakeSlack
):
    fake_slack.refuse_blocks["chat.postMessage"] = "msg_too_long"
    text = "a" * 2996 + "&amp;" + "b" * 5000
    await delivery.post("C_SUPPORT", Message(text=text, blocks=BLOCKS))
    plain = fake_slack.of("chat.postMessage")[-1].args["text"]
    assert len(plain) <= 3000
    assert plain == "a" * 2996 + "…"


async def test_an_update_with_refused_blocks_becomes_plain_text(delivery: Delivery, fake_slack: FakeSlack):
    fake_slack.refuse_blocks["chat.update"] = "invalid_blocks"
    assert await delivery.update("C_SUPPORT", "1.000001", MESSAGE) is True
    refused, plain = fake_slack.of("chat.update")
    assert refused.args["blocks"]
    assert plain.args["blocks"] == []  # the old blocks are replaced, not kept
    assert plain.args["text"] == "Screenshot requested"


async def test_a_response_url_answer_with_refused_blocks_becomes_plain_text(delivery: Delivery, fake_slack: FakeSlack):
    fake_slack.refuse_blocks["respond"] = "invalid_blocks"
    assert await delivery.respond(_respond_url(fake_slack), MESSAGE) is True
    refused, plain = fake_slack.of("respond")
    assert refused.args["blocks"]
    assert "blocks" not in plain.args
    assert plain.args["text"] == "Screenshot requested"
    assert plain.args["response_type"] == "ephemeral"


async def test_a_capture_whose_blocks_slack_refuses_still_shows_its_outcome_in_the_thread(bot: Bot, online: set[str]):
    """Before, the same blocks were resent privately, refused again, and the outcome was lost."""
    online.add("alice@acme.com")
    bot.slack.refuse_blocks["chat.postMessage"] = "invalid_blocks"
    bot.slack.refuse_blocks["respond"] = "invalid_blocks"
    with watch_logs() as logs:
        await bot.command("screenshot alice@acme.com")
        handled = await logs.next("command.handled")
    assert handled["delivered"] == "thread"
    accepted = [call for call in bot.slack.of("chat.postMessage") if "blocks" not in call.args]
    assert len(accepted) == 2
    request_message, outcome = accepted
    assert "working on it" in request_message.args["text"]
    assert "Screenshot requested" in outcome.args["text"]
    status = bot.slack.of("chat.update")[-1]
    assert outcome.args["thread_ts"] == status.args["ts"]
    assert "working" not in status.args["text"]
