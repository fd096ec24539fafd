"""The modal's private_metadata is signed, and button values are bound to the thread they sit in."""

from __future__ import annotations

import json

import pytest

from bot.modals import MAX_METADATA_LENGTH, ModalContext
from bot.seal import Seal
from tests.conftest import Bot
from tests.fakes import view_submission_payload
from tests.interactions import buttons, click
from tests.test_e2e_shortcut import customer_message, next_update, use_shortcut, values

CUSTOMER = "alice@acme.com"
SEAL = Seal("a-secret", purpose="modal")
CONTEXT = ModalContext(channel_id="C1", thread_ts="10.1", response_url="https://hooks.slack.com/actions/T/1/x")


def test_sealed_metadata_round_trips_and_fits():
    """Signed context comes back as it went out, within Slack's 3000 characters."""
    assert ModalContext.decode(CONTEXT.encode(SEAL), SEAL) == CONTEXT
    huge = ModalContext(channel_id="C1", thread_ts="10.1", response_url="https://x/" + "a" * 4000)
    encoded = huge.encode(SEAL)
    assert len(encoded) <= MAX_METADATA_LENGTH
    assert ModalContext.decode(encoded, SEAL) == ModalContext(channel_id="C1", thread_ts="10.1")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: {**d, "channel_id": "C_OTHER"}, id="other-channel"),
        pytest.param(lambda d: {**d, "response_url": "https://evil.example/x"}, id="other-response-url"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "sig"}, id="unsigned"),
        pytest.param(lambda d: {**d, "sig": 7}, id="odd-signature"),
    ],
)
def test_changed_or_unsigned_metadata_is_refused(change):
    """Anything but what the bot signed is a ValueError; so is a seal made for another purpose."""
    raw = json.dumps(change(json.loads(CONTEXT.encode(SEAL))))
    with pytest.raises(ValueError, match="private_metadata"):
        ModalContext.decode(raw, SEAL)
    with pytest.raises(ValueError, match="private_metadata"):
        ModalContext.decode(CONTEXT.encode(SEAL), Seal("a-secret", purpose="other"))


async def test_a_submission_with_edited_metadata_gets_a_modal_error_and_no_call(bot: Bot, online: set[str]):
    """The view's private_metadata pointed at another channel: a modal error, no capture, no post."""
    online.add(CUSTOMER)
    opened = await use_shortcut(bot, customer_message(f"{CUSTOMER}: checkout does nothing"))
    await next_update(bot)
    metadata = json.loads(opened["private_metadata"])
    assert "sig" in metadata
    stored = {**bot.slack.views["V0001"], "private_metadata": json.dumps({**metadata, "channel_id": "C_OTHER"})}
    response = await bot.interact(view_submission_payload(stored, values(stored)))
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert "lost track of its message" in answer["errors"]["action"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert not bot.slack.of("chat.postMessage")


async def test_a_button_value_replayed_onto_another_captures_message_is_refused(bot: Bot):
    """Two captures in one channel: capture A's Try again value on capture B's message makes no call."""
    outcomes = []
    for customer in ("alice@acme.com", "bob@acme.com"):
        await bot.command(f"screenshot {customer}")
        await bot.slack.next_call("chat.postMessage")
        outcomes.append(await bot.slack.next_call("chat.postMessage"))
        await bot.bugpilot.next_arrival()
    first, second = outcomes
    assert first.args["thread_ts"] != second.args["thread_ts"]
    value = buttons(first.args)["bugpilot_try_again"]
    payload = click(
        second.args, "bugpilot_try_again", ts=bot.slack.ts_of(second), response_url=bot.response_url(), value=value
    )
    await bot.interact(payload)
    reply = await bot.slack.next_call("respond")
    assert "doesn't check out" in reply.args["text"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert len(bot.bugpilot.sim.received) == 2


async def test_a_button_value_clicked_on_its_own_message_still_works(bot: Bot, online: set[str]):
    """The binding lets the genuine click through: Try again on its own outcome calls Bugpilot again."""
    await bot.command(f"screenshot {CUSTOMER}")
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.bugpilot.next_arrival()
    online.add(CUSTOMER)
    payload = click(outcome.args, "bugpilot_try_again", ts=bot.slack.ts_of(outcome), response_url=bot.response_url())
    await bot.interact(payload)
    assert (await bot.bugpilot.next_arrival())["userId"] == CUSTOMER


async def test_a_private_outcomes_value_is_refused_on_a_channel_message(bot: Bot):
    """A value made for an outcome sent privately (no thread) does not run from a message in the channel."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await bot.command(f"screenshot {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    await bot.bugpilot.next_arrival()
    value = buttons(private.args)["bugpilot_try_again"]
    message = {"channel": "C_SUPPORT", "text": "a message of the bot's", "blocks": private.args["blocks"]}
    payload = click(message, "bugpilot_try_again", ts="1700000000.000042", response_url=bot.response_url(), value=value)
    await bot.interact(payload)
    reply = await bot.slack.next_call("respond")
    assert "doesn't check out" in reply.args["text"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
