"""The one table of Bugpilot answers: every code and every error class has its words."""

from __future__ import annotations

from typing import TypeVar

import pytest

from bot import errors
from bot.attempt import summarize
from bot.bugpilot.client import _interpret
from bot.bugpilot.codes import ACTION_CODES, BY_CLASS, CODES, SESSION_INFO_CODES, meaning_of
from bot.bugpilot.session_info import _interpret as interpret_session_info
from bot.error_blocks import render_error
from bot.errors import BugpilotError

_E = TypeVar("_E", bound=BaseException)

# Bugpilot's documented error codes and their statuses (shared/product.md, "The upstream API").
DOCUMENTED = {
    "MISSING_FIELDS": 400,
    "INVALID_ACTION": 400,
    "USER_NOT_CONNECTED": 400,
    "INVALID_API_KEY": 401,
    "NO_ACCESS": 403,
    "INTERNAL_ERROR": 500,
}
# ... and Session Info's ("Session Info").
DOCUMENTED_SESSION_INFO = {"INVALID_SESSION_TOKEN": 400, "REPORT_NOT_FOUND": 404}


def _subclasses(kind: type[_E]) -> list[type[_E]]:
    found: list[type[_E]] = []
    for sub in kind.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


@pytest.mark.parametrize("code", sorted(DOCUMENTED))
def test_every_documented_code_has_a_row_with_its_status(code: str):
    """A documented code is read from a body, with the status Bugpilot documents."""
    row = CODES[code]
    assert "action" in row.sent_by
    assert row.status == DOCUMENTED[code]
    assert ACTION_CODES[code] is row.error


@pytest.mark.parametrize("code", sorted(DOCUMENTED))
def test_a_documented_answer_becomes_its_class_and_its_words(code: str):
    """The client, the status line and the message all read the same row."""
    body = f'{{"error": "{code}", "error_message": "words", "ts": 1}}'.encode()
    with pytest.raises(BugpilotError) as caught:
        _interpret(DOCUMENTED[code], body)
    error = caught.value
    assert type(error) is CODES[code].error
    assert meaning_of(error) is CODES[code]
    assert summarize(error) == CODES[code].summary
    assert error.retryable is CODES[code].retryable


@pytest.mark.parametrize("code", sorted(DOCUMENTED_SESSION_INFO))
def test_every_documented_session_info_code_has_a_row(code: str):
    """Session Info's codes are read from its bodies, with their documented statuses."""
    row = CODES[code]
    assert row.sent_by == {"session_info"}
    assert row.status == DOCUMENTED_SESSION_INFO[code]
    assert SESSION_INFO_CODES[code] is row.error
    assert code not in ACTION_CODES


@pytest.mark.parametrize("code", sorted(DOCUMENTED_SESSION_INFO))
def test_a_documented_session_info_answer_becomes_its_class(code: str):
    """The Session Info client reads the same row as the words do."""
    body = f'{{"error": "{code}", "error_message": "words", "ts": 1}}'.encode()
    with pytest.raises(BugpilotError) as caught:
        interpret_session_info(DOCUMENTED_SESSION_INFO[code], body)
    assert type(caught.value) is CODES[code].error
    assert meaning_of(caught.value) is CODES[code]


@pytest.mark.parametrize("kind", _subclasses(BugpilotError))
def test_every_bugpilot_error_class_has_words(kind: type[BugpilotError]):
    """Each class in the tree is explained: by its own code, or by its class."""
    error = kind("a summary", status=None)
    row = meaning_of(error)
    assert isinstance(error, row.error)
    assert row in CODES.values() or row in BY_CLASS.values()
    text = render_error(error).text
    assert text
    assert "{" not in text


def test_every_row_names_who_can_fix_it_and_a_status_line():
    """No row leaves the fixer or the status line empty, or promises a retry its class doesn't."""
    for row in [*CODES.values(), *BY_CLASS.values()]:
        assert row.fixer
        assert row.summary
        assert row.title


def test_every_error_class_is_in_the_tree_docstring():
    """The tree drawn in bot.errors names every class in it."""
    for kind in _subclasses(errors.BotError):
        assert kind.__name__ in (errors.__doc__ or "")
