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


@pytest.mark.parametrize(
    ("error", "facts"),
    [
        (
            UserNotConnected("x", status=400),
            "Who can fix this: you, once the customer is online · Code: `USER_NOT_CONNECTED` · HTTP 400",
        ),
        (BugpilotInternalError("x", status=502), "Who can fix this: Bugpilot · Code: `HTTP_502` · HTTP 502"),
        (
            BugpilotRejected("x", status=418, code="TEAPOT"),
            f"Who can fix this: {MAINTAINERS} · Code: `TEAPOT` · HTTP 418",
        ),
        (
            BugpilotTimeout("no answer"),
            "Who can fix this: nobody on your side; Bugpilot may be slow right now · Code: `TIMEOUT`",
        ),
        (
            BugpilotUnexpectedResponse("x"),
            f"Who can fix this: {MAINTAINERS} · Code: `BugpilotUnexpectedResponse`",
        ),
    ],
)
def test_the_facts_line_names_who_fixes_it_the_code_and_the_http_status(error: BugpilotError, facts: str):
    """README's promise: who can fix it, the code, and the HTTP status when an answer came."""
    message = render_error(error, REQUEST)
    assert _contexts(message) == [facts, "Asked by <@U0AGENT> · note: checkout fails"]


@pytest.mark.parametrize(
    ("code", "status"), [(code, row.status) for code, row in CODES.items() if row.status is not None]
)
def test_every_documented_code_shows_its_code_and_status(code: str, status: int):
    """Each row of the table, as Bugpilot sends it, shows its own code, its status and its fixer."""
    row = CODES[code]
    error = row.error("x", status=status, code=code)
    message = render_error(error, REQUEST)
    assert _contexts(message)[0] == f"Who can fix this: {row.fixer} · Code: `{code}` · HTTP {status}"
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
    assert _section(message) == (
        "*Bugpilot is busy right now*\n"
        f"It asked this bot to slow down, so nothing was sent to the customer. Try again {when}."
    )
    assert message.text == "Bugpilot is busy right now"


def test_the_words_name_the_customer_the_action_and_the_status():
    """The table's placeholders are filled from the request and the error."""
    offline = _section(render_error(UserNotConnected("x", status=400), REQUEST))
    assert offline.startswith("*alice@acme.com isn't online in your app right now*\n")
    assert "• your app calls `Bugpilot.identify()` with exactly `alice@acme.com`\n" in offline
    action = render_error(InvalidAction("x", status=400), REQUEST)
    assert message_title(action) == "Bugpilot did not accept `show-recording-ui`"
    page = render_error(BugpilotInternalError("x", status=503), REQUEST)
    assert message_title(page) == "Bugpilot is having trouble (HTTP 503)"
    unknown = render_error(BugpilotUnexpectedResponse("x"), REQUEST)
    assert message_title(unknown) == "Bugpilot gave an answer this bot doesn't understand (no status)"
    refused = render_error(BugpilotRejected("x", status=400, code="SOMETHING_NEW"), REQUEST)
    assert message_title(refused) == "Bugpilot refused the request (SOMETHING_NEW)"


def message_title(message: Message) -> str:
    return _section(message).split("\n", 1)[0].strip("*")


def test_without_a_request_the_words_stay_general():
    """An error shown with no request says "The customer", "this email or ID" and "the action"."""
    offline = render_error(UserNotConnected("x", status=400))
    assert message_title(offline) == "The customer isn't online in your app right now"
    assert "with exactly this email or ID\n" in _section(offline)
    assert message_title(render_error(InvalidAction("x", status=400))) == "Bugpilot did not accept the action"
    assert len(_contexts(offline)) == 1


def test_a_timeout_starts_its_advice_with_its_own_sentence():
    """The timeout's own sentence, capitalised and escaped, leads the advice."""
    message = render_error(BugpilotTimeout("no answer from Bugpilot within 10 s <now>"), REQUEST)
    assert _section(message) == (
        "*Bugpilot did not answer in time*\n"
        "No answer from bugpilot within 10 s &lt;now&gt;. The request may still have reached the customer's "
        "browser: check Bugpilot for a new report before you try again."
    )


def test_bugpilots_own_words_are_quoted_on_one_line_and_clipped():
    """What Bugpilot said is shown once, whitespace collapsed, escaped, at most 500 characters."""
    said = render_error(BugpilotRejected("x", status=400, code="X", detail="  short  and\nstout <@U1> "), REQUEST)
    assert _section(said).endswith("\n>Bugpilot said: short and stout &lt;@U1&gt;")
    long = _section(render_error(BugpilotRejected("x", status=400, code="X", detail="w" * 600), REQUEST))
    assert long.endswith(">Bugpilot said: " + "w" * 499 + "…")
    assert "Bugpilot said" not in _section(render_error(BugpilotRejected("x", status=400, code="X", detail="")))


def test_a_long_unknown_code_is_clipped_in_the_title_and_the_facts():
    """An unknown code is shown at most 100 characters long."""
    message = render_error(BugpilotRejected("x", status=400, code="C" * 150), REQUEST)
    assert message_title(message) == "Bugpilot refused the request (" + "C" * 99 + "…)"
    assert _contexts(message)[0] == f"Who can fix this: {MAINTAINERS} · Code: `{'C' * 99}…` · HTTP 400"


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
            "Its data was changed or damaged on the way, so I did nothing. Run the command again to capture.",
            ["Who can fix this: you: run the command again"],
        ),
        (FollowUpRefused("Someone else is trying again."), "Not right now", "Someone else is trying again.", []),
        (
            BotError("boom"),
            "Something went wrong inside the bot",
            "The error is logged for whoever runs the bot. Trying again may work.",
            [f"Who can fix this: {MAINTAINERS}"],
        ),
    ],
)
def test_the_bots_own_errors_say_what_happened_and_who_can_fix_it(
    error: BotError, title: str, advice: str, facts: list[str]
):
    """Errors that are not Bugpilot's carry no code or status; a refusal to act names nobody to fix it."""
    message = render_error(error)
    assert _section(message) == f"*{title}*\n{advice}"
    assert message.text == title
    assert _contexts(message) == facts


def test_a_usage_error_is_shown_as_usage_with_its_reason():
    """A usage error is the usage message, led by the reason."""
    message = render_error(UsageError("Which customer?"), REQUEST)
    assert "Which customer?" in json.dumps(message.blocks)
    assert "/bugpilot" in json.dumps(message.blocks)


def test_the_message_text_drops_the_bold_marks_of_the_title():
    """The notification text is the title without mrkdwn bold marks."""
    starred = REQUEST.model_copy(update={"customer": "a*b", "customer_label": "a*b"})
    message = render_error(UserNotConnected("x", status=400), starred)
    assert message.text == "ab isn't online in your app right now"


@pytest.mark.parametrize(
    ("error", "summary"),
    [
        (BugpilotInternalError("x", status=502), "Bugpilot answered with HTTP 502"),
        (BugpilotRejected("x", status=418, code="TEAPOT"), "Bugpilot answered TEAPOT"),
        (BugpilotUnexpectedResponse("x"), "Bugpilot answered BugpilotUnexpectedResponse"),
        (BugpilotConnectionError("x", code="CONNECTION_BROKEN"), "the connection to Bugpilot broke"),
        (BugpilotConnectionError("x"), "Bugpilot could not be reached"),
    ],
)
def test_the_status_line_says_what_bugpilot_answered(error: BugpilotError, summary: str):
    """The request message's status line gives the status alone when there is no code, else the label."""
    assert summary_of(error) == summary


def test_a_known_code_on_the_wrong_class_is_read_by_its_class():
    """A code only counts when the error is of the row's class; otherwise the class's row answers."""
    odd = BugpilotRejected("x", status=400, code="USER_NOT_CONNECTED")
    assert meaning_of(odd) is BY_CLASS[BugpilotRejected]
    assert meaning_of(BugpilotUnexpectedResponse("x", code="TIMEOUT")) is BY_CLASS[BugpilotError]


def test_a_long_customer_id_is_clipped_to_250_characters_in_the_advice():
    """The ID the app must pass to identify() is quoted at most 250 characters long."""
    long = REQUEST.model_copy(update={"customer": "c" * 300, "customer_label": "c" * 300})
    advice = _section(render_error(UserNotConnected("x", status=400), long))
    assert "with exactly `" + "c" * 249 + "…`\n" in advice
    exact = REQUEST.model_copy(update={"customer": "c" * 250, "customer_label": "c" * 250})
    assert "with exactly `" + "c" * 250 + "`\n" in _section(render_error(UserNotConnected("x", status=400), exact))
