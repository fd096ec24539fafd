"""End to end: the "Capture with Bugpilot" message shortcut and its modal, against the real server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.commands import MAX_NOTE_LENGTH
from bot.modals import ModalContext
from bot.surfaces import shortcut
from tests.conftest import Bot
from tests.fakes import TEAM_ID, message_shortcut_payload, view_submission_payload

TS = "1700000000.000100"
REPLY_TS = "1700000050.000200"
CUSTOMER = {"id": "U0CUST", "team_id": "T_CUSTOMER", "name": "bob", "profile": {"email": "bob@customer.io"}}


async def use_shortcut(bot: Bot, message: dict[str, Any], *, response_url: str | None = None) -> dict[str, Any]:
    """Use the shortcut on ``message``; returns the view sent with views.open."""
    payload = message_shortcut_payload(message, response_url=response_url or bot.response_url("shortcut"))
    response = await bot.interact(payload)
    assert response.status == 200
    assert await response.text() == ""
    opened = await bot.slack.next_call("views.open", timeout=3)
    assert opened.args["trigger_id"] == payload["trigger_id"]
    return dict(opened.args["view"])


async def next_update(bot: Bot) -> dict[str, Any]:
    call = await bot.slack.next_call("views.update")
    assert call.args["view_id"] == "V0001"
    return dict(call.args["view"])


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Input blocks by action_id."""
    return {block["element"]["action_id"]: block for block in view["blocks"] if block["type"] == "input"}


def prefilled(view: dict[str, Any]) -> str | None:
    value = inputs(view)["customer"]["element"].get("initial_value")
    return str(value) if value is not None else None


def choices(view: dict[str, Any]) -> list[str]:
    """The candidates offered as radio choices (none: no such block)."""
    block = inputs(view).get("candidate")
    return [option["value"] for option in block["element"]["options"]] if block else []


def hint(view: dict[str, Any]) -> str:
    return str(inputs(view)["customer"]["hint"]["text"])


def values(view: dict[str, Any], *, customer: str | None = None, note: str | None = None) -> dict[str, Any]:
    """The state Slack sends on submit: the prefill unless the user typed something else."""
    fields = inputs(view)
    customer_value = customer if customer is not None else fields["customer"]["element"].get("initial_value")
    note_value = note if note is not None else fields["note"]["element"].get("initial_value")
    selected = fields["action"]["element"]["initial_option"]
    return {
        fields["customer"]["block_id"]: {"customer": {"type": "plain_text_input", "value": customer_value}},
        fields["action"]["block_id"]: {"action": {"type": "radio_buttons", "selected_option": selected}},
        fields["note"]["block_id"]: {"note": {"type": "plain_text_input", "value": note_value}},
    }


async def submit(bot: Bot, **typed: str) -> tuple[int, str]:
    """Submit the modal as the fake Slack holds it (after any update), with what the user typed."""
    stored = bot.slack.views["V0001"]
    response = await bot.interact(view_submission_payload(stored, values(stored, **typed)))
    return response.status, await response.text()


def customer_message(text: str, **extra: Any) -> dict[str, Any]:
    return {"user": "U0CUSTOMER", "team": TEAM_ID, "text": text, "ts": TS, **extra}


async def test_email_in_text_is_prefilled_when_the_modal_opens(bot: Bot):
    """A raw email in the message is in the customer field of the view that views.open sends."""
    view = await use_shortcut(bot, customer_message("checkout does nothing for me — alice@acme.com"))
    assert prefilled(view) == "alice@acme.com"
    assert "Found in the message" in hint(view)
    assert (
        inputs(view)["note"]["element"]["initial_value"]
        == "From Slack: “checkout does nothing for me — alice@acme.com”"
    )
    assert ModalContext.decode(view["private_metadata"]).thread_ts == TS
    assert prefilled(await next_update(bot)) == "alice@acme.com"


async def test_mailto_links_are_candidates_offered_as_choices(bot: Bot):
    """Slack's <mailto:…|…> links count as emails; several candidates are radio choices, the first chosen."""
    text = "<mailto:bob@customer.io|bob@customer.io> can't pay, cc <mailto:carol@customer.io|carol@customer.io>"
    view = await use_shortcut(bot, customer_message(text))
    assert choices(view) == ["bob@customer.io", "carol@customer.io"]
    assert inputs(view)["candidate"]["element"]["initial_option"]["value"] == "bob@customer.io"
    assert prefilled(view) is None
    assert choices(await next_update(bot)) == ["bob@customer.io", "carol@customer.io"]


async def test_permalink_is_added_to_the_note_by_an_update(bot: Bot):
    """The note gets the message's permalink from chat.getPermalink, through views.update with the hash."""
    opened = await use_shortcut(bot, customer_message("alice@acme.com is stuck"))
    permalink = await bot.slack.next_call("chat.getPermalink")
    assert permalink.args == {"channel": "C_SUPPORT", "message_ts": TS}
    update = await bot.slack.next_call("views.update")
    assert update.args["hash"]
    view = update.args["view"]
    assert inputs(view)["note"]["element"]["initial_value"].endswith(
        "https://acme.slack.com/archives/C_SUPPORT/p1700000000000100"
    )
    assert inputs(view)["note"]["block_id"] != inputs(opened)["note"]["block_id"]
    assert inputs(view)["customer"]["block_id"] == inputs(opened)["customer"]["block_id"], "typing is kept"
    assert prefilled(view) == "alice@acme.com"


async def test_mentioned_member_email_fills_in_after_opening(bot: Bot):
    """A mentioned member's email comes from users.info and arrives with views.update."""
    bot.slack.users["U0CUST"] = CUSTOMER
    view = await use_shortcut(bot, customer_message("<@U0CUST|bob> says checkout fails"))
    assert prefilled(view) is None
    assert hint(view).startswith("Looking up")
    updated = await next_update(bot)
    assert prefilled(updated) == "bob@customer.io"
    assert "@bob's Slack profile" in hint(updated)
    assert [call.args["user"] for call in bot.slack.of("users.info")] == ["U0CUST"]


async def test_slack_connect_author_email_is_prefilled(bot: Bot):
    """The author from another organization is the candidate when the message names nobody."""
    bot.slack.users["U0EXT"] = {"id": "U0EXT", "name": "dana", "profile": {"email": "dana@customer.io"}}
    message = {"user": "U0EXT", "user_team": "T_CUSTOMER", "team": "T_CUSTOMER", "text": "it broke again", "ts": TS}
    await use_shortcut(bot, message)
    updated = await next_update(bot)
    assert prefilled(updated) == "dana@customer.io"
    assert "Slack Connect" in hint(updated)


async def test_colleague_author_is_not_looked_up(bot: Bot):
    """An author from the installing team is not a customer: no users.info, empty field."""
    view = await use_shortcut(bot, customer_message("the customer says it broke"))
    assert prefilled(view) is None
    updated = await next_update(bot)
    assert prefilled(updated) is None
    assert "found no email" in hint(updated)
    assert bot.slack.of("users.info") == []


async def test_bot_message_with_files_only_opens_an_empty_modal(bot: Bot):
    """No text, no author: the modal still opens, with an empty customer field and a hint."""
    message = {"bot_id": "B0OTHER", "subtype": "bot_message", "text": "", "files": [{"id": "F1"}], "ts": TS}
    view = await use_shortcut(bot, message)
    assert prefilled(view) is None
    assert "found no email" in hint(view)
    updated = await next_update(bot)
    assert inputs(updated)["note"]["element"]["initial_value"].startswith("https://acme.slack.com/")


async def test_modal_opens_while_users_info_is_slow(bot: Bot):
    """views.open doesn't wait for users.info; the lookup's result follows with views.update."""
    bot.slack.users["U0CUST"] = CUSTOMER
    bot.slack.gates["users.info"] = gate = asyncio.Event()
    try:
        view = await use_shortcut(bot, customer_message("<@U0CUST> cannot log in"))
        assert hint(view).startswith("Looking up")
        await bot.slack.next_call("users.info")
        assert bot.slack.of("views.update") == []
    finally:
        gate.set()
    assert prefilled(await next_update(bot)) == "bob@customer.io"


async def test_lookup_past_the_budget_is_left_out(bot: Bot, monkeypatch: pytest.MonkeyPatch):
    """A users.info that never answers doesn't hold the update: the modal says nothing was found."""
    monkeypatch.setattr(shortcut, "LOOKUP_BUDGET_S", 1.0)
    bot.slack.users["U0CUST"] = CUSTOMER
    bot.slack.gates["users.info"] = gate = asyncio.Event()
    try:
        await use_shortcut(bot, customer_message("<@U0CUST> cannot log in"))
        updated = await next_update(bot)
    finally:
        gate.set()
    assert prefilled(updated) is None
    assert "found no email" in hint(updated)
    assert "https://acme.slack.com/" in inputs(updated)["note"]["element"]["initial_value"]


async def test_failing_users_info_still_opens_and_updates(bot: Bot):
    """users.info failing: the modal is open and the update says nothing was found."""
    bot.slack.method_errors["users.info"] = "ratelimited"
    await use_shortcut(bot, customer_message("<@U0CUST> cannot log in"))
    updated = await next_update(bot)
    assert prefilled(updated) is None


async def test_failed_views_open_is_explained_privately(bot: Bot):
    """An expired trigger: the user hears about it in plain words through the shortcut's response_url."""
    bot.slack.method_errors["views.open"] = "trigger_expired"
    await bot.interact(message_shortcut_payload(customer_message("hi"), response_url=bot.response_url("shortcut")))
    reply = await bot.slack.next_call("respond")
    assert "didn't open the Bugpilot form" in reply.args["text"]
    assert "trigger_expired" not in reply.args["text"]
    assert reply.args["response_type"] == "ephemeral"


@pytest.mark.parametrize(
    ("typed", "block", "fragment"),
    [
        ({"customer": ""}, "customer", "Enter the customer's email"),
        ({"customer": "alice @acme.com"}, "customer", "without spaces"),
        ({"customer": "<@U0CUST>"}, "customer", "without Slack formatting"),
        ({"customer": "a@b.io", "note": "n" * (MAX_NOTE_LENGTH + 1)}, "note", "keep it to"),
    ],
)
async def test_invalid_submission_is_answered_with_errors(bot: Bot, typed, block, fragment):
    """Validation happens in the ack: response_action errors keyed by block_id; nothing is sent."""
    await use_shortcut(bot, customer_message("no address"))
    await next_update(bot)
    status, body = await submit(bot, **typed)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    [(block_id, message)] = answer["errors"].items()
    assert block_id.startswith(block)
    assert fragment in message
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.of("chat.postMessage") == []


async def test_submit_on_top_level_message_answers_in_its_thread(bot: Bot, online: set[str]):
    """A valid submit closes the modal; the outcome goes into the thread under the message."""
    online.add("alice@acme.com")
    await use_shortcut(bot, customer_message("alice@acme.com: checkout does nothing"))
    await next_update(bot)
    status, body = await submit(bot)
    assert (status, body) == (200, "")

    working = await bot.slack.next_call("chat.postMessage")
    assert (working.args["channel"], working.args["thread_ts"]) == ("C_SUPPORT", TS)
    assert "working on it" in working.args["text"]
    arrival = await bot.bugpilot.next_arrival()
    assert arrival["userId"] == "alice@acme.com"
    assert arrival["action"] == "upload-screenshot"
    assert arrival["userProvidedDescription"].startswith("From Slack: “alice@acme.com: checkout does nothing”")
    assert "https://acme.slack.com/archives/C_SUPPORT/" in arrival["userProvidedDescription"]
    outcome = await bot.slack.next_call("chat.update")
    assert outcome.args["ts"] in bot.slack.messages
    assert "Screenshot requested" in outcome.args["text"]


async def test_submit_on_a_reply_answers_in_the_parent_thread(bot: Bot, online: set[str]):
    """Used on a reply, the outcome goes into the same thread (the parent's ts), not a new one."""
    online.add("cust_8812")
    await use_shortcut(bot, customer_message("user cust_8812 is stuck", ts=REPLY_TS, thread_ts=TS))
    await next_update(bot)
    await submit(bot, customer="cust_8812")
    working = await bot.slack.next_call("chat.postMessage")
    assert working.args["thread_ts"] == TS
    assert (await bot.bugpilot.next_arrival())["userId"] == "cust_8812"
    assert "requested" in (await bot.slack.next_call("chat.update")).args["text"]


async def test_not_in_channel_outcome_comes_through_response_url(bot: Bot, online: set[str]):
    """The bot can't post there: the outcome reaches the user privately, with how to fix it."""
    online.add("alice@acme.com")
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await use_shortcut(bot, customer_message("alice@acme.com"))
    await next_update(bot)
    await submit(bot)
    await bot.bugpilot.next_arrival()
    reply = await bot.slack.next_call("respond")
    assert reply.args["key"] == "shortcut"
    assert reply.args["response_type"] == "ephemeral"
    assert "Screenshot requested" in reply.args["text"]
    assert "/invite @Bugpilot" in reply.args["blocks"][-1]["elements"][0]["text"]


async def test_not_in_channel_without_response_url_sends_a_direct_message(bot: Bot, online: set[str]):
    """No usable response_url either: a direct message names the channel and how to fix it."""
    online.add("alice@acme.com")
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    server: TestServer = bot.slack.server  # type: ignore[attr-defined]
    await use_shortcut(bot, customer_message("alice@acme.com"), response_url=str(server.make_url("/gone/1")))
    await next_update(bot)
    await submit(bot)
    await bot.bugpilot.next_arrival()
    assert (await bot.slack.next_call("chat.postMessage")).args["channel"] == "C_SUPPORT"
    direct = await bot.slack.next_call("chat.postMessage")
    assert direct.args["channel"] == "U_AGENT"
    assert "Screenshot requested" in direct.args["text"]
    hint_text = direct.args["blocks"][-1]["elements"][0]["text"]
    assert "<#C_SUPPORT>" in hint_text
    assert "/invite @Bugpilot" in hint_text
