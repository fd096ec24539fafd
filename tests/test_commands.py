"""The /bugpilot grammar: pure, table-driven."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import (
    MAX_NOTE_LENGTH,
    Action,
    Command,
    EmailTarget,
    HelpRequest,
    IdTarget,
    MentionTarget,
    parse_command,
)
from bot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("screenshot a@b.io", Action.SCREENSHOT),
        ("SCREENSHOT a@b.io", Action.SCREENSHOT),
        ("upload-screenshot a@b.io", Action.SCREENSHOT),
        ("session a@b.io", Action.SESSION),
        ("Replay a@b.io", Action.SESSION),
        ("upload-session a@b.io", Action.SESSION),
        ("record a@b.io", Action.RECORDING),
        ("recording a@b.io", Action.RECORDING),
        ("show-recording-ui a@b.io", Action.RECORDING),
    ],
)
def test_every_action_word_and_alias_is_understood(text: str, action: Action):
    """Each documented word maps to its action, case-insensitively."""
    parsed = parse_command(text)
    assert isinstance(parsed, Command)
    assert parsed.action is action


@pytest.mark.parametrize(
    ("token", "target"),
    [
        ("alice@acme.com", EmailTarget(email="alice@acme.com")),
        ("<mailto:alice@acme.com|alice@acme.com>", EmailTarget(email="alice@acme.com")),
        ("<mailto:alice@acme.com>", EmailTarget(email="alice@acme.com")),
        ("cust_8812", IdTarget(user_id="cust_8812")),
        ("42", IdTarget(user_id="42")),
        ("<@U123ABC>", MentionTarget(slack_user_id="U123ABC")),
        ("<@U123ABC|bob>", MentionTarget(slack_user_id="U123ABC", label="bob")),
        ("<@W0ENTERPRISE|eve>", MentionTarget(slack_user_id="W0ENTERPRISE", label="eve")),
    ],
)
def test_customer_forms(token: str, target: object):
    """Emails raw or escaped, plain IDs and mentions are all customers."""
    parsed = parse_command(f"screenshot {token}")
    assert isinstance(parsed, Command)
    assert parsed.target == target


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "--help", "?"])
def test_help_and_empty_text_ask_for_usage(text: str):
    """Nothing, or help, is a request for usage."""
    assert parse_command(text) == HelpRequest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("screenshot a@b.io checkout is broken", "checkout is broken"),
        ("screenshot a@b.io   spaced    out\nlines", "spaced out lines"),
        ("session a@b.io see <https://acme.com/x|the page>", "see the page (https://acme.com/x)"),
        ("session a@b.io ask <@U1|bob> in <#C9|support>", "ask @bob in #support"),
        ("session a@b.io <!channel> 1 &lt; 2 &amp;&amp; 3 &gt; 2", "@channel 1 < 2 && 3 > 2"),
        ("session a@b.io mail <mailto:x@y.io|x@y.io>", "mail x@y.io"),
        ("session a@b.io", ""),
    ],
)
def test_note_is_the_rest_as_readable_text(text: str, expected: str):
    """The note loses Slack markup and keeps what a person reads."""
    parsed = parse_command(text)
    assert isinstance(parsed, Command)
    assert parsed.note == expected


@pytest.mark.parametrize(
    ("text", "reason_part", "suggestion"),
    [
        ("screnshot a@b.io", "Did you mean `/bugpilot screenshot a@b.io`", "screenshot"),
        ("replai a@b.io", "Did you mean `/bugpilot replay a@b.io`", "replay"),
        ("dance a@b.io", "I don't know the action `dance`", None),
        ("a@b.io screenshot", "The action comes first", "screenshot"),
        ("screenshot", "Which customer?", None),
        ("record <#C1|general>", "That's a channel", None),
        ("record <!here>", "group mention", None),
        ("record <https://evil.example|x>", "That's a link", None),
        ("record @bob", "looks like a Slack name", None),
        ("record not-an@email", "not an email address", None),
        ("record <mailto:nope|nope>", "not an email address", None),
        ("record <mailto:alice@acme.com", "`&lt;mailto:alice@acme.com` is not an email address", None),
        ("record a*b", "not a user ID", None),
        ("record " + "x" * 201, "the limit is 200", None),
    ],
)
def test_unusable_input_explains_why(text: str, reason_part: str, suggestion: str | None):
    """Bad input raises the one usage error with a short reason (and a suggestion when close)."""
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert reason_part in caught.value.reason
    assert caught.value.suggestion == suggestion


def test_overlong_note_is_refused():
    """A note over the limit is a usage error, not a truncated report."""
    with pytest.raises(UsageError, match="note is"):
        parse_command("screenshot a@b.io " + "x" * (MAX_NOTE_LENGTH + 1))


def test_user_text_in_reasons_is_escaped():
    """What the user typed comes back escaped, so it cannot ping or link."""
    with pytest.raises(UsageError) as caught:
        parse_command("<!channel>x a@b.io")
    assert "<!channel>" not in caught.value.reason
    assert "&lt;!channel&gt;" in caught.value.reason


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_usage_error(text: str):
    """For any text the parser returns a command or help, or raises UsageError: nothing else."""
    with contextlib.suppress(UsageError):
        assert isinstance(parse_command(text), Command | HelpRequest)


@given(
    st.sampled_from(["screenshot", "session", "record"]),
    st.from_regex(r"[a-z0-9._+-]{1,20}@[a-z0-9-]{1,20}\.[a-z]{2,6}", fullmatch=True),
    st.text(max_size=200),
)
def test_any_email_with_any_note_round_trips(word: str, email: str, note: str):
    """A valid email always reaches the command, whatever note follows it."""
    parsed = parse_command(f"{word} {email} {note}")
    assert isinstance(parsed, Command)
    assert parsed.target == EmailTarget(email=email)
    assert len(parsed.note) <= len(note)
