"""Block Kit builders: pure, checked on the dicts Slack receives."""

from __future__ import annotations

import json

import pytest

from bot.blocks import Message, build_request_status, build_success, build_usage, with_invite_hint
from bot.bugpilot.models import ActionAccepted
from bot.capture import CaptureRequest
from bot.commands import Action
from bot.error_blocks import render_error
from bot.errors import (
    BotError,
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    InvalidAction,
    InvalidApiKey,
    MissingFields,
    NoAccess,
    TargetUserError,
    UsageError,
    UserNotConnected,
)

HOSTILE = "<!channel> <@U999> <https://evil.example|click me> & co"


def _request(**changes: object) -> CaptureRequest:
    fields: dict[str, object] = {
        "action": Action.SCREENSHOT,
        "customer": "alice@acme.com",
        "customer_label": "alice@acme.com",
        "requester_id": "U_AGENT",
        "note": "checkout fails",
    }
    fields.update(changes)
    return CaptureRequest.model_validate(fields)


def _everything(message: Message) -> str:
    return message.text + json.dumps(message.blocks)


def _accepted(url: str | None = "https://app.bugpilot.io/s/1") -> ActionAccepted:
    return ActionAccepted.model_validate({"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": url})


@pytest.mark.parametrize(
    ("action", "seen"),
    [
        (Action.SCREENSHOT, "They see nothing"),
        (Action.SESSION, "last 5–10 minutes"),
        (Action.RECORDING, "recording frame and a stop button"),
    ],
)
def test_success_says_what_of_whom_and_what_the_customer_sees(action: Action, seen: str):
    """Success names the action, the customer, what they see, the link and who asked."""
    message = build_success(_request(action=action), _accepted())
    section, links, footer = message.blocks
    assert "alice@acme.com" in section["text"]["text"]
    assert seen in section["text"]["text"]
    assert links["elements"][0]["url"] == "https://app.bugpilot.io/s/1"
    assert links["elements"][0]["text"]["text"] == "Open in Bugpilot"
    assert "<@U_AGENT>" in footer["elements"][0]["text"]
    assert "checkout fails" in footer["elements"][0]["text"]
    assert message.text.startswith(("Screenshot requested", "Session replay requested", "Screen recording requested"))


@pytest.mark.parametrize("url", [None, "javascript:alert(1)", "https://x/" + "a" * 3000])
def test_success_without_a_usable_link_has_no_button(url: str | None):
    """A missing, non-web or overlong link never becomes a button."""
    message = build_success(_request(), _accepted(url))
    assert all(block["type"] != "actions" for block in message.blocks)
    assert "no link" in json.dumps(message.blocks)


def test_user_not_connected_gives_the_documented_advice():
    """The offline advice names the page, identify() with this ID, and the WebSockets setting."""
    message = render_error(UserNotConnected("x", status=400), _request(customer="cust_1", customer_label="cust_1"))
    text = json.dumps(message.blocks)
    assert "cust_1 isn't online" in message.text
    assert "page of your app open" in message.blocks[0]["text"]["text"]
    assert "identify" not in message.blocks[0]["text"]["text"]
    assert "`Bugpilot.identify()` with exactly `cust_1`" in text
    assert "*Always connect Action WebSockets*" in text
    assert "USER_NOT_CONNECTED" in text


@pytest.mark.parametrize(
    ("error", "words", "fixer"),
    [
        (InvalidApiKey("x", status=401), "BUGPILOT_API_KEY", "an admin"),
        (NoAccess("x", status=403), "BUGPILOT_WORKSPACE_ID", "an admin"),
        (MissingFields("x", status=400), "bug in this bot", "the bot's maintainers"),
        (InvalidAction("x", status=400), "`upload-screenshot`", "the bot's maintainers"),
        (BugpilotInternalError("x", status=500, code="INTERNAL_ERROR"), "internal error", "Bugpilot"),
        (BugpilotInternalError("x", status=502), "having trouble", "Bugpilot"),
        (BugpilotTimeout("no answer from Bugpilot within 10 s"), "within 10 s", "nobody on your side"),
        (BugpilotConnectionError("refused"), "Nothing was sent", "an admin"),
        (BugpilotConnectionError("broke", code="CONNECTION_BROKEN"), "may have reached", "an admin"),
        (BugpilotRejected("x", status=409, code="NEW_THING"), "NEW_THING", "the bot's maintainers"),
        (BugpilotUnexpectedResponse("x", status=200), "doesn't understand", "the bot's maintainers"),
        (TargetUserError("Bob is a bot, not a customer.", slack_user_id="U1"), "Bob is a bot", "you"),
        (BotError("boom"), "Something went wrong", "the bot's maintainers"),
    ],
)
def test_every_error_says_what_happened_and_who_can_fix_it(error: BotError, words: str, fixer: str):
    """Each error has its own words and names who can fix it."""
    message = render_error(error, _request())
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert words in text
    assert f"Who can fix this: {fixer}" in text
    assert message.text
    if isinstance(error, BugpilotError):
        context = message.blocks[1]["elements"][0]["text"]
        assert (f"`{error.label}`" if error.code else f"HTTP {error.status}") in context
        assert "HTTP_" not in text


def test_usage_error_renders_as_its_reason_in_one_line():
    """A usage error shows its reason and points to help, without the whole usage card."""
    message = render_error(UsageError("I don't know the action `dance`."))
    assert message.blocks[0]["text"]["text"] == ":warning: I don't know the action `dance`."
    assert "`/bugpilot help`" in message.blocks[1]["elements"][0]["text"]
    assert "How to use" not in json.dumps(message.blocks)


def test_usage_names_the_invocation():
    """Usage for mentions shows @Bugpilot examples."""
    message = build_usage(invocation="@Bugpilot")
    assert "`@Bugpilot screenshot alice@acme.com`" in message.blocks[0]["text"]["text"]


@pytest.mark.parametrize(
    "message",
    [
        build_success(_request(customer_label=HOSTILE, note=HOSTILE), _accepted()),
        render_error(UserNotConnected("x"), _request(customer=HOSTILE, customer_label=HOSTILE, note=HOSTILE)),
        render_error(BugpilotRejected("x", status=400, code="X", detail=HOSTILE), _request()),
        render_error(TargetUserError(HOSTILE, slack_user_id="U1")),
        build_request_status(_request(customer_label=HOSTILE, note=HOSTILE), "failed", HOSTILE),
    ],
)
def test_user_and_upstream_text_cannot_ping_or_link(message: Message):
    """Hostile text arrives escaped: no @channel, no forged mention or link."""
    everything = _everything(message)
    assert "<!channel>" not in everything
    assert "<@U999>" not in everything
    assert "<https://evil" not in everything
    assert "&lt;!channel&gt;" in everything


def test_request_status_shows_progress_then_result():
    """The visible request message moves from working to done or failed."""
    request = _request()
    assert "working on it" in build_request_status(request, "working").text
    assert "done: the report is ready" in build_request_status(request, "done").text
    assert "waiting for the report" in build_request_status(request, "waiting").text
    failed = build_request_status(request, "failed", "the customer isn't online")
    assert "didn't work: the customer isn't online" in failed.text
    assert "<@U_AGENT> asked Bugpilot for a *screenshot* of *alice@acme.com*" in failed.text
    assert "still trying" in build_request_status(request, "trying").text


def test_long_text_stays_within_slack_limits():
    """Oversized text is clipped to Slack's limits rather than rejected by Slack."""
    message = render_error(BugpilotRejected("x", status=400, code="X", detail="y" * 5000), _request(note="n" * 1500))
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert len(message.text) <= 3000


def test_private_outcome_explains_how_to_get_it_in_the_thread():
    """The private fallback says why and how to invite the bot."""
    message = with_invite_hint(build_success(_request(), _accepted()), "not_in_channel")
    hint = message.blocks[-1]["elements"][0]["text"]
    assert "I'm not a member of it" in hint
    assert "not_in_channel" not in hint
    assert "/invite @Bugpilot" in hint


def test_an_unknown_reason_for_not_posting_is_never_shown_raw():
    """A Slack error code the bot has no words for reads "Slack refused the message", hostile or not."""
    message = with_invite_hint(build_success(_request(), _accepted()), HOSTILE)
    hint = message.blocks[-1]["elements"][0]["text"]
    assert "Slack refused the message" in hint
    assert "evil" not in hint


def test_private_outcome_without_invite_advice_still_says_why():
    """For failures an invitation does not fix, the hint names the reason and leaves out /invite."""
    message = with_invite_hint(build_success(_request(), _accepted()), "Slack could not be reached", invite=False)
    hint = message.blocks[-1]["elements"][0]["text"]
    assert "couldn't post in this conversation: Slack could not be reached." in hint
    assert "/invite" not in hint
