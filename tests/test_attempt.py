"""The few words a request message's status line gives for each kind of result."""

from __future__ import annotations

import pytest

from bot.attempt import summarize
from bot.errors import (
    BotError,
    BugpilotConnectionError,
    BugpilotInternalError,
    BugpilotRejected,
    BugpilotUnexpectedResponse,
    UserNotConnected,
)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (None, ""),
        (UserNotConnected("x", status=400), "the customer isn't online"),
        (BugpilotInternalError("x", status=502), "Bugpilot is having trouble"),
        (BugpilotUnexpectedResponse("x", status=200), "Bugpilot gave an answer the bot doesn't understand"),
        (BugpilotRejected("x", status=409, code="NEW_THING"), "Bugpilot refused the request"),
        (BugpilotConnectionError("x", code="CONNECTION_BROKEN"), "the connection to Bugpilot broke"),
        (BotError("boom"), "something went wrong in the bot"),
    ],
)
def test_status_line_words_are_plain(error: BotError | None, words: str):
    """Status lines use plain words, never an internal label such as HTTP_502."""
    assert summarize(error) == words
