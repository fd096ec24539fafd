"""The error words, word for word: what happened, what to do, who can fix it, the code and the HTTP status."""

from __future__ import annotations

import json

import pytest

from bot.blocks import Message
from bot.bugpilot.codes import BY_CLASS, CODES, meaning_of, summary_of
from bot.capture import CaptureRequest
from bot.commands import Action
from bot.error_blocks import render_error
from bot.errors import (
    AccessDenied,
    BotError,
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
    FollowUpRefused,
    InvalidAction,
    InvalidButton,
    TargetUserError,
    UsageError,
    UserNotConnected,
)

REQUEST = CaptureRequest(
    action=Action.RECORDING,
    customer="alice@acme.com",
    customer_label="alice@acme.com",
    requester_id="U0AGENT",
    team_id="T0ACME",
    channel_id="C0SUPPORT",
    note="checkout fails",
)
MAINTAINERS = "the bot's maintainers (please report it)"


def _section(message: Message) -> str:
    return str(message.blocks[0]["text"]["text"])


def _contexts(message: Message) -> list[str]:
    return [block["elements"][0]["text"] for block in message.blocks if block["type"] == "context"]


OFFLINE_DETAILS = (
    "Online and still failing? Your app must call `Bugpilot.identify()` with exactly `alice@acme.com`, and "
    "*Always connect Action WebSockets* must be on in Bugpilot's API settings (from their next page load)."
)


@pytest.mark.parametrize(
    ("error", "facts"),
    [
        (
            UserNotConnected("x", status=400),
            f"{OFFLINE_DETAILS} · Who can fix this: you, once the customer is online · `USER_NOT_CONNECTED` · HTTP 400",
        ),
        (
            BugpilotInternalError("x", status=502),
            (
                "The answer was an error page, not a Bugpilot reply: the service or a proxy in front of it is failing. "
                "· Who can fix this: Bugpilot · HTTP 502"
            ),
        ),
        (BugpilotRejected("x", status=418, code="TEAPOT"), f"Who can fix this: {MAINTAINERS} · `TEAPOT` · HTTP 418"),
        (
            BugpilotTimeout("no answer"),
            "No answer. · Who can fix this: nobody on your side; Bugpilot may be slow right now · `TIMEOUT`",
        ),
        (BugpilotUnexpectedResponse("x"), f"Who can fix this: {MAINTAINERS} · `BugpilotUnexpectedResponse`"),
    ],
)
def test_the_context_line_holds_the_details_who_fixes_it_the_code_and_the_http_status(error: BugpilotError, facts: str):
    """Details, who can fix it, the code and the HTTP status (once: never ``HTTP_502 · HTTP 502``) in context."""
    message = render_error(error, REQUEST)
    assert _contexts(message) == [facts, "Asked by <@U0AGENT> · note: checkout fails"]


@pytest.mark.parametrize(
    ("code", "status"), [(code, row.status) for code, row in CODES.items() if row.status is not None]
)
def test_every_documented_code_shows_its_code_and_status_in_context_only(code: str, status: int):
    """Each row of the table, as Bugpilot sends it, shows its code, status and fixer in context, not in the line."""
    row = CODES[code]
    error = row.error("x", status=status, code=code)
    message = render_error(error, REQUEST)
    assert _contexts(message)[0].endswith(f"Who can fix this: {row.fixer} · `{code}` · HTTP {status}")
    assert code not in _section(message)
    assert "HTTP" not in _section(message)
    assert meaning_of(error) is row
    assert summary_of(error) == row.summary


@pytest.mark.parametrize(
    ("wait", "when"),
    [
        (None, "in a moment"),
        (0.2, "in about 1 s"),
        (7.2, "in about 8 s"),
        (3600.0, "in about 3600 s"),
        (3601.0, "later"),
    ],
)
def test_a_rate_limit_says_when_to_try_again(wait: float | None, when: str):
    """Bugpilot's wait, rounded up, becomes when to try again; over an hour it is "later"."""
    message = render_error(BugpilotRateLimited("x", status=429, retry_after=wait), REQUEST)
    assert _section(message) == f"*Bugpilot is busy right now*. Nothing was sent to the customer: try again {when}."
    assert message.text == f"Bugpilot is busy right now. Nothing was sent to the customer: try again {when}."


def test_the_words_name_the_customer_the_action_and_the_status():
    """The table's placeholders are filled from the request and the error; no code or status in the line."""
    offline = _section(render_error(UserNotConnected("x", status=400), REQUEST))
    assert offline == (
        "*alice@acme.com isn't online in your app right now*. Try again once they have a page of your app open."
    )
    action = render_error(InvalidAction("x", status=400), REQUEST)
    assert message_title(action) == "Bugpilot did not accept `show-recording-ui`"
    page = render_error(BugpilotInternalError("x", status=503), REQUEST)
    assert message_title(page) == "Bugpilot is having trouble"
    unknown = render_error(BugpilotUnexpectedResponse("x"), REQUEST)
    assert message_title(unknown) == "Bugpilot gave an answer this bot doesn't understand"
    refused = render_error(BugpilotRejected("x", status=400, code="SOMETHING_NEW"), REQUEST)
    assert message_title(refused) == "Bugpilot refused the request"
    assert "`SOMETHING_NEW` · HTTP 400" in _contexts(refused)[0]


def message_title(message: Message) -> str:
    return _section(message).replace("*", "").split(". ", 1)[0]


def test_without_a_request_the_words_stay_general():
    """An error shown with no request says "The customer", "this email or ID" and "the action"."""
    offline = render_error(UserNotConnected("x", status=400))
    assert message_title(offline) == "The customer isn't online in your app right now"
    assert "with exactly this email or ID," in _contexts(offline)[0]
    assert message_title(render_error(InvalidAction("x", status=400))) == "Bugpilot did not accept the action"
    assert len(_contexts(offline)) == 1


def test_a_timeout_gives_its_own_sentence_in_context_with_bugpilot_capitalised():
    """The timeout's own sentence, its first letter capitalised (the rest as it was) and escaped, is a detail."""
    message = render_error(BugpilotTimeout("no answer from Bugpilot within 10 s <now>"), REQUEST)
    assert _section(message) == (
        "*Bugpilot did not answer in time*. It may still have reached the customer: "
        "check Bugpilot for a new report before you try again."
    )
    assert _contexts(message)[0].startswith("No answer from Bugpilot within 10 s &lt;now&gt;. · ")


def test_bugpilots_own_words_are_quoted_on_one_line_and_clipped():
    """What Bugpilot said is shown once in context, whitespace collapsed, escaped, at most 500 characters."""
    said = render_error(BugpilotRejected("x", status=400, code="X", detail="  short  and\nstout <@U1> "), REQUEST)
    assert _contexts(said)[0].startswith("Bugpilot said: short and stout &lt;@U1&gt; · ")
    long = _contexts(render_error(BugpilotRejected("x", status=400, code="X", detail="w" * 600), REQUEST))[0]
    assert long.startswith("Bugpilot said: " + "w" * 499 + "… · ")
    assert "Bugpilot said" not in json.dumps(
        render_error(BugpilotRejected("x", status=400, code="X", detail="")).blocks
    )


def test_a_long_unknown_code_is_clipped_in_the_context_line():
    """An unknown code is shown at most 100 characters long, and only in context."""
    message = render_error(BugpilotRejected("x", status=400, code="C" * 150), REQUEST)
    assert message_title(message) == "Bugpilot refused the request"
    assert _contexts(message)[0] == f"Who can fix this: {MAINTAINERS} · `{'C' * 99}…` · HTTP 400"


@pytest.mark.parametrize(
    ("error", "title", "advice", "facts"),
    [
        (
            TargetUserError("That member has no email <here>.", slack_user_id="U9"),
            "I can't capture that member",
            "That member has no email &lt;here&gt;.",
            ["Who can fix this: you: name the customer by email or ID"],
        ),
        (
            AccessDenied("Not you.", contact="#it-help"),
            "You can't capture with Bugpilot here",
            "Not you.",
            ["Who can fix this: #it-help"],
        ),
        (
            InvalidButton("bad_signature"),
            "That button doesn't check out",
            "Its data was changed on the way, so I did nothing: run the command again.",
            ["Who can fix this: you: run the command again"],
        ),
        (FollowUpRefused("Someone else is trying again."), "Not right now", "Someone else is trying again.", []),
        (
            BotError("boom"),
            "Something went wrong inside the bot",
            "Trying again may work; the error is logged for whoever runs the bot.",
            [f"Who can fix this: {MAINTAINERS}"],
        ),
    ],
)
def test_the_bots_own_errors_say_what_happened_and_who_can_fix_it(
    error: BotError, title: str, advice: str, facts: list[str]
):
    """Errors that are not Bugpilot's carry no code or status; a refusal to act names nobody to fix it."""
    message = render_error(error)
    assert _section(message) == f"*{title}*. {advice}"
    assert message.text == f"{title}. {advice}"
    assert _contexts(message) == facts


def test_a_usage_error_is_shown_as_its_reason_and_a_pointer_to_help():
    """A usage error is its reason in one line; `/bugpilot help` has the rest."""
    message = render_error(UsageError("Which customer?"), REQUEST)
    assert _section(message) == ":warning: Which customer?"
    assert _contexts(message) == ["`/bugpilot help` shows every action, with examples."]


def test_the_message_text_shows_the_customer_as_typed():
    """The notification text has the customer as typed, not in the code span the blocks use for ``*``."""
    starred = REQUEST.model_copy(update={"customer": "a*b", "customer_label": "a*b"})
    message = render_error(UserNotConnected("x", status=400), starred)
    assert message.text.startswith("a*b isn't online in your app right now. ")
    assert _section(message).startswith("`a*b` *isn't online in your app right now*. ")


@pytest.mark.parametrize(
    ("error", "summary"),
    [
        (BugpilotInternalError("x", status=502), "Bugpilot is having trouble"),
        (BugpilotInternalError("x", status=200), "Bugpilot is having trouble"),
        (BugpilotRejected("x", status=418, code="TEAPOT"), "Bugpilot refused the request"),
        (BugpilotUnexpectedResponse("x", status=200), "Bugpilot gave an answer the bot doesn't understand"),
        (BugpilotConnectionError("x", code="CONNECTION_BROKEN"), "the connection to Bugpilot broke"),
        (BugpilotConnectionError("x"), "Bugpilot could not be reached"),
    ],
)
def test_the_status_line_says_what_happened_in_plain_words(error: BugpilotError, summary: str):
    """The request message's status line carries no code and no HTTP status (never "answered with HTTP 200")."""
    assert summary_of(error) == summary


def test_a_known_code_on_the_wrong_class_is_read_by_its_class():
    """A code only counts when the error is of the row's class; otherwise the class's row answers."""
    odd = BugpilotRejected("x", status=400, code="USER_NOT_CONNECTED")
    assert meaning_of(odd) is BY_CLASS[BugpilotRejected]
    assert meaning_of(BugpilotUnexpectedResponse("x", code="TIMEOUT")) is BY_CLASS[BugpilotError]


def test_a_long_customer_id_is_clipped_to_250_characters_in_the_details():
    """The ID the app must pass to identify() is quoted at most 250 characters long."""
    long = REQUEST.model_copy(update={"customer": "c" * 300, "customer_label": "c" * 300})
    details = _contexts(render_error(UserNotConnected("x", status=400), long))[0]
    assert "with exactly `" + "c" * 249 + "…`," in details
    exact = REQUEST.model_copy(update={"customer": "c" * 250, "customer_label": "c" * 250})
    assert "with exactly `" + "c" * 250 + "`," in _contexts(render_error(UserNotConnected("x", status=400), exact))[0]
