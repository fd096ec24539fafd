"""End to end: the message modal picks members, offers candidates, names members, and tells where it posts."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Bot
from tests.fakes import view_submission_payload
from tests.test_e2e_shortcut import CUSTOMER, TS, customer_message, inputs, next_update, prefilled, use_shortcut

BOT_MEMBER = {"id": "U0HELPER", "name": "helper", "is_bot": True, "profile": {"email": "helper@acme.com"}}


def where(view: dict[str, Any]) -> str:
    """The modal's line on where the outcome goes."""
    return str(view["blocks"][-1]["elements"][0]["text"])


async def submit_state(bot: Bot, **chosen: Any) -> tuple[int, str]:
    """Submit the stored modal with its prefill, plus ``member`` / ``candidate`` / ``customer`` as given."""
    stored = bot.slack.views["V0001"]
    fields = inputs(stored)
    values: dict[str, Any] = {
        fields["customer"]["block_id"]: {
            "customer": {
                "type": "plain_text_input",
                "value": chosen.get("customer", fields["customer"]["element"].get("initial_value")),
            }
        },
        "member": {"member": {"type": "users_select", "selected_user": chosen.get("member")}},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": "upload-session"}}},
        fields["note"]["block_id"]: {"note": {"type": "plain_text_input", "value": "a note"}},
    }
    if "candidate" in fields:
        option = {"value": chosen.get("candidate", fields["candidate"]["element"]["initial_option"]["value"])}
        values["candidate"] = {"candidate": {"type": "radio_buttons", "selected_option": option}}
    response = await bot.interact(view_submission_payload(stored, values))
    return response.status, await response.text()


async def test_a_member_picked_in_the_message_modal_is_captured_by_their_email(bot: Bot, online: set[str]):
    """The users_select member, resolved through users.info, is the customer; the outcome goes to the thread."""
    bot.slack.users["U0CUST"] = CUSTOMER
    online.add("bob@customer.io")
    await use_shortcut(bot, customer_message("someone can't pay"))
    await next_update(bot)
    assert await submit_state(bot, member="U0CUST") == (200, "")
    arrival = await bot.bugpilot.next_arrival()
    assert (arrival["userId"], arrival["action"]) == ("bob@customer.io", "upload-session")
    working = bot.slack.of("chat.postMessage")[0]
    assert working.args["thread_ts"] == TS


async def test_a_bot_picked_in_the_message_modal_is_answered_on_the_member_field(bot: Bot):
    """A bot is no customer: the modal says so on the member field and nothing is sent."""
    bot.slack.users["U0HELPER"] = BOT_MEMBER
    await use_shortcut(bot, customer_message("someone can't pay"))
    await next_update(bot)
    status, body = await submit_state(bot, member="U0HELPER", customer="")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "is a bot" in answer["errors"]["member"]
    await bot.settle()
    assert bot.bugpilot.arrived.empty()


async def test_the_chosen_candidate_is_captured(bot: Bot, online: set[str]):
    """Several emails in the message: the one chosen among the radio buttons is the customer."""
    online.add("carol@customer.io")
    await use_shortcut(bot, customer_message("bob@customer.io or carol@customer.io, not sure"))
    await next_update(bot)
    assert await submit_state(bot, candidate="carol@customer.io") == (200, "")
    assert (await bot.bugpilot.next_arrival())["userId"] == "carol@customer.io"


async def test_the_note_names_the_mentioned_members(bot: Bot):
    """The note quotes the message with @names from users.info, never a raw <@U…> or ID."""
    bot.slack.users["U0CUST"] = CUSTOMER
    opened = await use_shortcut(bot, customer_message("<@U0CUST> says checkout fails, cc <@U_BOT>"))
    first_note = inputs(opened)["note"]["element"]["initial_value"]
    assert "U0CUST" not in first_note
    assert "<@" not in first_note
    updated = await next_update(bot)
    note = inputs(updated)["note"]["element"]["initial_value"]
    assert note.startswith("From Slack: “@bob says checkout fails, cc @")
    assert "U0CUST" not in note
    assert "U_BOT" not in note
    assert prefilled(updated) == "bob@customer.io"


async def test_the_modal_promises_the_thread_only_where_the_bot_can_post(bot: Bot):
    """A private channel without the bot: the updated modal says the outcome comes privately, not to the thread."""
    bot.slack.channel_info["C_SUPPORT"] = {"is_private": True, "is_member": False}
    opened = await use_shortcut(bot, customer_message("alice@acme.com is stuck"))
    assert "or privately to you if I can't post there" in where(opened)
    updated = await next_update(bot)
    assert "I can't post in <#C_SUPPORT>" in where(updated)
    assert "/invite @Bugpilot" in where(updated)
    assert "thread" not in where(updated)


async def test_the_modal_promises_the_thread_in_a_channel_the_bot_posts_in(bot: Bot):
    """A public channel: the updated modal says the outcome goes into the message's thread."""
    await use_shortcut(bot, customer_message("alice@acme.com is stuck"))
    assert where(await next_update(bot)) == "The outcome goes into this message's thread in <#C_SUPPORT>."


async def test_the_modal_says_a_shared_channel_gets_the_outcome_privately(bot: Bot):
    """A Slack Connect channel: the outcome goes to the requester only, and the modal says so."""
    bot.slack.shared_channels.add("C_SUPPORT")
    await use_shortcut(bot, customer_message("alice@acme.com is stuck"))
    assert "shared with another organization" in where(await next_update(bot))
