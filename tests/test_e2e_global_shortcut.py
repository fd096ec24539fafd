"""End to end: the global shortcut "Capture a customer's screen" and App Home's New capture, against the real server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.app import create_app
from bot.modals import build_global_modal
from bot.settings import Settings
from tests.conftest import Bot
from tests.fakes import (
    direct_channel,
    global_shortcut_payload,
    home_click_payload,
    view_submission_payload,
)

BOB = {"id": "U0BOB", "name": "bob", "profile": {"display_name": "bob", "email": "bob@customer.io"}}


async def open_modal(bot: Bot, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Use the global shortcut (or send ``payload``); returns the view sent with views.open."""
    payload = payload or global_shortcut_payload()
    response = await bot.interact(payload)
    assert response.status == 200
    assert await response.text() == ""
    opened = await bot.slack.next_call("views.open", timeout=3)
    assert opened.args["trigger_id"] == payload["trigger_id"]
    view = opened.args["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def state(
    *,
    customer: str | None = None,
    member: str | None = None,
    conversation: str | None = None,
    action: str = "upload-screenshot",
    note: str | None = None,
) -> dict[str, Any]:
    """What Slack sends as the modal's state on submit."""
    return {
        "customer": {"customer": {"type": "plain_text_input", "value": customer}},
        "member": {"member": {"type": "users_select", "selected_user": member}},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": action}}},
        "note": {"note": {"type": "plain_text_input", "value": note}},
        "destination": {"destination": {"type": "conversations_select", "selected_conversation": conversation}},
    }


async def submit(bot: Bot, **typed: Any) -> tuple[int, str]:
    """Submit the modal the fake Slack holds, with ``typed`` as its state."""
    stored = bot.slack.views["V0001"]
    response = await bot.interact(view_submission_payload(stored, state(**typed)))
    return response.status, await response.text()


def field_errors(body: str) -> dict[str, str]:
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    return dict(answer["errors"])


async def nothing_sent(bot: Bot) -> None:
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert bot.slack.of("chat.postMessage") == []


async def test_global_shortcut_opens_the_modal_with_a_conversation_picker(bot: Bot):
    """views.open at once: customer, member picker, action, note, and where the outcome goes (empty: a DM)."""
    view = await open_modal(bot)
    assert view["callback_id"] == "bugpilot_capture_global_modal"
    elements = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert elements["destination"]["type"] == "conversations_select"
    assert "default_to_current_conversation" not in elements["destination"]
    assert elements["member"]["type"] == "users_select"
    assert bot.slack.of("chat.postMessage") == []


async def test_new_capture_on_app_home_opens_the_same_modal(bot: Bot):
    """App Home's New capture button (home_new_capture, no value) opens the global shortcut's modal."""
    from_home = await open_modal(bot, home_click_payload("home_new_capture"))
    from_shortcut = await open_modal(bot)
    assert {k: v for k, v in from_home.items() if k not in {"id", "hash"}} == {
        k: v for k, v in from_shortcut.items() if k not in {"id", "hash"}
    }


async def test_submit_with_a_channel_posts_the_request_there_and_the_outcome_in_its_thread(bot: Bot, online: set[str]):
    """As for a command: a visible request message in the chosen channel, the outcome in its thread."""
    online.add("alice@acme.com")
    await open_modal(bot)
    assert await submit(bot, customer="alice@acme.com", conversation="C0OUTCOME", note="checkout") == (200, "")
    request = await bot.slack.next_call("chat.postMessage")
    assert request.args["channel"] == "C0OUTCOME"
    assert "thread_ts" not in request.args
    assert "working on it" in request.args["text"]
    arrival = await bot.bugpilot.next_arrival()
    assert (arrival["userId"], arrival["action"]) == ("alice@acme.com", "upload-screenshot")
    assert arrival["userProvidedDescription"].startswith("checkout")
    outcome = await bot.slack.next_call("chat.postMessage")
    assert (outcome.args["channel"], outcome.args["thread_ts"]) == ("C0OUTCOME", bot.slack.ts_of(request))
    assert "Screenshot requested" in outcome.args["text"]
    assert bot.slack.of("conversations.open") == []


async def test_submit_without_a_channel_captures_in_a_direct_message_from_the_bot(bot: Bot, online: set[str]):
    """No conversation chosen: conversations.open with the requester, the request and its outcome there."""
    online.add("cust_8812")
    await open_modal(bot)
    assert await submit(bot, customer="cust_8812") == (200, "")
    opened = await bot.slack.next_call("conversations.open")
    assert opened.args["users"] == "U_AGENT"
    request = await bot.slack.next_call("chat.postMessage")
    assert request.args["channel"] == direct_channel("U_AGENT")
    assert (await bot.bugpilot.next_arrival())["userId"] == "cust_8812"
    outcome = await bot.slack.next_call("chat.postMessage")
    assert (outcome.args["channel"], outcome.args["thread_ts"]) == (direct_channel("U_AGENT"), bot.slack.ts_of(request))


async def test_a_picked_member_is_resolved_to_their_email(bot: Bot, online: set[str]):
    """The users_select member is looked up (users.info) like @member in the command; Bugpilot gets the email."""
    bot.slack.users["U0BOB"] = BOB
    online.add("bob@customer.io")
    await open_modal(bot)
    assert await submit(bot, member="U0BOB", conversation="C0OUTCOME") == (200, "")
    assert (await bot.bugpilot.next_arrival())["userId"] == "bob@customer.io"
    assert bot.slack.of("users.info")[0].args["user"] == "U0BOB"  # before the ack
    request = bot.slack.of("chat.postMessage")[0]
    assert "bob@customer.io" in request.args["text"]


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        ({"id": "U0HIDDEN", "name": "hidden", "profile": {}}, "has no email I can see"),
        ({"id": "U0HELPER", "name": "helper", "is_bot": True, "profile": {"email": "b@x.io"}}, "is a bot"),
        (None, "couldn't find that Slack member"),
    ],
)
async def test_a_member_who_cannot_stand_for_a_customer_is_answered_on_the_field(bot: Bot, member, fragment):
    """No visible email, a bot, nobody: the member field's error, the modal stays open, nothing is sent."""
    user_id = member["id"] if member else "U0NOBODY"
    if member:
        bot.slack.users[user_id] = member
    await open_modal(bot)
    status, body = await submit(bot, member=user_id, conversation="C0OUTCOME")
    assert status == 200
    errors = field_errors(body)
    assert list(errors) == ["member"]
    assert fragment in errors["member"]
    await nothing_sent(bot)


async def test_typing_a_customer_and_picking_a_member_is_refused_in_the_modal(bot: Bot):
    """Both given: one error, on the field that can be cleared."""
    await open_modal(bot)
    _, body = await submit(bot, customer="alice@acme.com", member="U0BOB")
    assert list(field_errors(body)) == ["customer"]
    await nothing_sent(bot)


async def test_a_private_channel_without_the_bot_is_answered_in_the_modal(bot: Bot):
    """The bot can't post there: the conversation field says so and how to fix it; the user picks again."""
    bot.slack.channel_info["G0SECRET"] = {"is_private": True, "is_member": False}
    await open_modal(bot)
    _, body = await submit(bot, customer="alice@acme.com", conversation="G0SECRET")
    errors = field_errors(body)
    assert list(errors) == ["destination"]
    assert "/invite @Bugpilot" in errors["destination"]
    assert "none for a direct message" in errors["destination"]
    await nothing_sent(bot)


async def test_the_same_modal_can_be_submitted_again_after_an_error(bot: Bot, online: set[str]):
    """A refused submission is not a replay: fixed and sent again, it captures."""
    online.add("alice@acme.com")
    bot.slack.channel_info["G0SECRET"] = {"is_private": True, "is_member": False}
    await open_modal(bot)
    await submit(bot, customer="alice@acme.com", conversation="G0SECRET")
    assert await submit(bot, customer="alice@acme.com", conversation="C0OUTCOME") == (200, "")
    assert (await bot.bugpilot.next_arrival())["userId"] == "alice@acme.com"


async def test_a_channel_that_refuses_the_post_anyway_gets_the_outcome_privately(bot: Bot, online: set[str]):
    """Slack said the channel was fine but refuses the post: the outcome comes as a direct message, as today."""
    online.add("alice@acme.com")
    bot.slack.post_errors["C0OUTCOME"] = "not_in_channel"
    await open_modal(bot)
    assert await submit(bot, customer="alice@acme.com", conversation="C0OUTCOME") == (200, "")
    await bot.bugpilot.next_arrival()
    assert (await bot.slack.next_call("chat.postMessage")).args["channel"] == "C0OUTCOME"
    direct = await bot.slack.next_call("chat.postMessage")
    assert direct.args["channel"] == "U_AGENT"
    assert "Screenshot requested" in direct.args["text"]
    assert "/invite @Bugpilot" in json.dumps(direct.args["blocks"])


async def test_a_direct_message_that_cannot_be_opened_is_answered_in_the_modal(bot: Bot):
    """conversations.open refused (the app lacks im:write, say): pick a channel instead."""
    bot.slack.method_errors["conversations.open"] = "missing_scope"
    await open_modal(bot)
    _, body = await submit(bot, customer="alice@acme.com")
    errors = field_errors(body)
    assert "missing_scope" in errors["destination"]
    await nothing_sent(bot)


async def test_an_invalid_customer_is_answered_before_anything_else(bot: Bot):
    """The form's own errors come first: no users.info, no conversations.open."""
    await open_modal(bot)
    _, body = await submit(bot, customer="alice @acme.com")
    assert "without spaces" in field_errors(body)["customer"]
    assert bot.slack.of("conversations.open") == []
    await nothing_sent(bot)


async def _restricted(bot: Bot, aiohttp_client: Any, settings: Settings, **lists: Any) -> Bot:
    bot.client = await aiohttp_client(create_app(settings.model_copy(update=lists)))
    return bot


@pytest.mark.parametrize("conversation", ["C0ELSEWHERE", None])
async def test_the_channel_allow_list_applies_to_the_chosen_conversation(
    bot: Bot, aiohttp_client: Any, settings: Settings, conversation: str | None
):
    """A channel outside BUGPILOT_ALLOWED_CHANNELS, or a DM, is refused on the field with an audit line."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_channels=frozenset({"C0SUPPORT"}))
    bot.slack.views["V0001"] = {"id": "V0001", "hash": "1", **_global_view()}
    with capture_logs() as logs:
        _, body = await submit(bot, customer="alice@acme.com", conversation=conversation)
    assert "channels your Slack admins chose" in field_errors(body)["destination"]
    refused = [entry for entry in logs if entry["event"] == "audit.refused"]
    assert [(entry["user_id"], entry["channel_id"], entry["kind"]) for entry in refused] == [
        ("U_AGENT", conversation, "view_submission")
    ]
    await nothing_sent(bot)


async def test_an_allowed_channel_captures(bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]):
    """The chosen conversation on the allow-list: the capture goes ahead there."""
    online.add("alice@acme.com")
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_channels=frozenset({"C0SUPPORT"}))
    bot.slack.views["V0001"] = {"id": "V0001", "hash": "1", **_global_view()}
    assert await submit(bot, customer="alice@acme.com", conversation="C0SUPPORT") == (200, "")
    assert (await bot.slack.next_call("chat.postMessage")).args["channel"] == "C0SUPPORT"


async def test_an_unlisted_person_is_refused_when_opening_the_shortcut(
    bot: Bot, aiohttp_client: Any, settings: Settings
):
    """BUGPILOT_ALLOWED_USERS without them: the access check answers with its own modal, no capture form."""
    bot = await _restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({"U0SOMEONE"}))
    with capture_logs() as logs:
        view = await open_modal(bot)
    assert view.get("callback_id") != "bugpilot_capture_global_modal"
    assert "not among the people allowed" in json.dumps(view)
    assert [entry["kind"] for entry in logs if entry["event"] == "audit.refused"] == ["shortcut"]


def _global_view() -> dict[str, Any]:
    """The modal as the bot builds it (its opening is refused by the allow-list, which has no channel then)."""
    return build_global_modal()
