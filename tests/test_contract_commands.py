"""The /bugpilot grammar's promises, word for word: help words, limits and every usage reason."""

from __future__ import annotations

from typing import Any

import pytest

from bot.commands import (
    MAX_NOTE_LENGTH,
    MAX_USER_ID_LENGTH,
    Action,
    Command,
    EmailTarget,
    HelpRequest,
    IdTarget,
    MentionTarget,
    note_too_long,
    parse_command,
    parse_target,
)
from bot.errors import UsageError
from bot.modals import NOTE, FormErrors, read_form

_NOT_A_CUSTOMER = "not a customer. Use the customer's email or user ID."
_SLACK_NAME = (
    "looks like a Slack name, not a customer. Pick the member from Slack's suggestions so it becomes a mention, "
    "or type the email or user ID."
)


@pytest.mark.parametrize("text", ["-h", "usage", "USAGE", "Help", "--HELP", "?", " \n\t "])
def test_help_words_ask_for_usage(text: str):
    """`-h`, `usage` and the other help words (any case), alone, ask for usage."""
    assert parse_command(text) == HelpRequest()


@pytest.mark.parametrize("text", ["help a@b.io", "-h a@b.io", "usage me"])
def test_a_help_word_followed_by_more_is_an_unknown_action(text: str):
    """Only a help word on its own is a request for usage."""
    with pytest.raises(UsageError, match="I don't know the action"):
        parse_command(text)


def test_a_note_of_exactly_1500_characters_is_kept():
    """The note limit is inclusive: 1500 characters are accepted as typed."""
    parsed = parse_command("screenshot a@b.io " + "n" * MAX_NOTE_LENGTH)
    assert isinstance(parsed, Command)
    assert parsed.note == "n" * 1500


def test_a_note_of_1501_characters_is_refused_in_the_one_wording():
    """One character more is refused, with the limit in the words the modal uses too."""
    with pytest.raises(UsageError) as caught:
        parse_command("screenshot a@b.io " + "n" * (MAX_NOTE_LENGTH + 1))
    assert caught.value.reason == "The note is 1501 characters long; keep it to 1500 characters or fewer."
    assert caught.value.reason == note_too_long(1501)


def _form(note: str) -> dict[str, Any]:
    return {
        "customer": {"customer": {"type": "plain_text_input", "value": "a@b.io"}},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": "upload-session"}}},
        NOTE: {NOTE: {"type": "plain_text_input", "value": note}},
    }


def test_the_modal_states_the_note_limit_in_the_same_words():
    """The capture modal accepts 1500 characters and refuses 1501 with the command's wording."""
    assert not isinstance(read_form(_form("n" * 1500)), FormErrors)
    refused = read_form(_form("n" * 1501))
    assert isinstance(refused, FormErrors)
    assert refused.errors == {NOTE: "The note is 1501 characters long; keep it to 1500 characters or fewer."}


@pytest.mark.parametrize(
    ("text", "reason", "suggestion"),
    [
        (
            "screnshot a@b.io",
            "I don't know the action `screnshot`. Did you mean `/bugpilot screenshot a@b.io`?",
            "screenshot",
        ),
        (
            "Screnshot <mailto:bob@customer.io|bob@customer.io> it &amp; fails",
            "I don't know the action `Screnshot`. Did you mean `/bugpilot screenshot bob@customer.io it &amp; fails`?",
            "screenshot",
        ),
        ("dance a@b.io", "I don't know the action `dance`: use `screenshot`, `session` or `record`.", None),
        ("a@b.io screenshot", "The action comes first: try `/bugpilot screenshot a@b.io`.", "screenshot"),
        ("a@b.io SESSION fails", "The action comes first: try `/bugpilot session a@b.io fails`.", "session"),
        (
            "<mailto:bob@customer.io|bob@customer.io> record",
            "The action comes first: try `/bugpilot record bob@customer.io`.",
            "record",
        ),
        ("screenshot", "Which customer? Add their email or user ID, like `/bugpilot screenshot alice@acme.com`.", None),
        ("SCREENSHOT", "Which customer? Add their email or user ID, like `/bugpilot screenshot alice@acme.com`.", None),
        ("record <#C1|general>", f"That's a channel, {_NOT_A_CUSTOMER}", None),
        ("record <#>", f"That's a channel, {_NOT_A_CUSTOMER}", None),
        ("record <!here>", f"That's a group mention, {_NOT_A_CUSTOMER}", None),
        ("record <!>", f"That's a group mention, {_NOT_A_CUSTOMER}", None),
        ("record <https://evil.example|x>", f"That's a link, {_NOT_A_CUSTOMER}", None),
        ("record <>", f"That's a link, {_NOT_A_CUSTOMER}", None),
        ("record @bob", f"`@bob` {_SLACK_NAME}", None),
        ("record #general", f"`#general` {_SLACK_NAME}", None),
        ("record not-an@email", "`not-an@email` is not an email address I can use.", None),
        ("record a.b@cd", "`a.b@cd` is not an email address I can use.", None),
        ("record a@.io", "`a@.io` is not an email address I can use.", None),
        ("record a@io.", "`a@io.` is not an email address I can use.", None),
        ("record a@b@c.io", "`a@b@c.io` is not an email address I can use.", None),
        ("record <mailto:nope|nope>", "`nope` is not an email address I can use.", None),
        ("record <mailto:alice@acme.com", "`&lt;mailto:alice@acme.com` is not an email address I can use.", None),
        ("record a*b", "`a*b` is not a user ID I can use: no quotes, markup or symbols like `&lt;&gt;&amp;*`.", None),
        ("record " + "x" * 201, "That user ID is 201 characters long; the limit is 200.", None),
    ],
)
def test_every_usage_reason_word_for_word(text: str, reason: str, suggestion: str | None):
    """Each unusable input gets its exact reason, and a suggestion only when one is close."""
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert caught.value.reason == reason
    assert caught.value.suggestion == suggestion


def test_a_long_unknown_word_is_shown_clipped_to_60_characters():
    """What the user typed is quoted back at most 60 characters long, ending in an ellipsis."""
    with pytest.raises(UsageError) as caught:
        parse_command("y" * 80 + " a@b.io")
    assert (
        caught.value.reason == "I don't know the action `" + "y" * 59 + "…`: use `screenshot`, `session` or `record`."
    )
    with pytest.raises(UsageError) as exact:
        parse_command("y" * 60 + " a@b.io")
    assert exact.value.reason == "I don't know the action `" + "y" * 60 + "`: use `screenshot`, `session` or `record`."


def test_a_word_shown_back_is_decoded_made_one_line_and_stripped_of_backticks():
    """Entities typed through Slack come back as typed, escaped once, with no code-span breakout."""
    with pytest.raises(UsageError) as caught:
        parse_command("`x`&amp;y a@b.io")
    assert caught.value.reason == "I don't know the action `'x'&amp;y`: use `screenshot`, `session` or `record`."


@pytest.mark.parametrize(
    ("token", "target"),
    [
        ("x@a.b", EmailTarget(email="x@a.b")),
        ("<mailto:a@b.io|a@b.io>", EmailTarget(email="a@b.io")),
        ("<mailto:a@b.io|someone else>", EmailTarget(email="a@b.io")),
        ("<mailto:a@b.io>", EmailTarget(email="a@b.io")),
        ("<@U1ABC>", MentionTarget(slack_user_id="U1ABC")),
        ("<@U1ABC|>", MentionTarget(slack_user_id="U1ABC")),
        ("<@W1ABC|bob &amp; co>", MentionTarget(slack_user_id="W1ABC", label="bob & co")),
        ("x" * MAX_USER_ID_LENGTH, IdTarget(user_id="x" * 200)),
        ("ID-42_a.b", IdTarget(user_id="ID-42_a.b")),
    ],
)
def test_targets_at_their_edges(token: str, target: object):
    """Shortest emails, mailto labels, empty mention labels and a 200-character ID are customers."""
    assert parse_target(token) == target


@pytest.mark.parametrize("token", ["a\u200bb", "a\x7fb", "tab\u2028"])
def test_an_id_with_invisible_characters_is_refused(token: str):
    """A plain-looking ID holding unprintable characters is not a user ID."""
    with pytest.raises(UsageError, match="is not a user ID I can use"):
        parse_target(token)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("screenshot a@b.io a@b.io again", "a@b.io again"),
        ("screenshot a@b.io screenshot a@b.io", "screenshot a@b.io"),
        ("  session   cust_1   one  two ", "one two"),
        ("session cust_1\nsecond line", "second line"),
        ("screenshot s note", "note"),
        ("session ses ses again", "ses again"),
    ],
)
def test_the_note_starts_after_the_customer_even_when_it_repeats_them(text: str, note: str):
    """The note is what follows the action and the customer, whatever it repeats."""
    parsed = parse_command(text)
    assert isinstance(parsed, Command)
    assert parsed.note == note
    assert parsed.action in {Action.SCREENSHOT, Action.SESSION}
