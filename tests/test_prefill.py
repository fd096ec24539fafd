"""The pure reading of a message for the modal's prefill."""

from __future__ import annotations

from typing import Any

import pytest

from bot.prefill import (
    EXCERPT_LENGTH,
    Candidate,
    build_note,
    candidates_in_order,
    find_emails,
    find_mentions,
    member_email,
    member_name,
    read_message,
)


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("checkout does nothing for me — bob@customer.io", ["bob@customer.io"]),
        ("<mailto:bob@customer.io|bob@customer.io> can't pay", ["bob@customer.io"]),
        ("write to <mailto:ann@x.io|Ann> please", ["ann@x.io"]),
        ("a@x.io or <mailto:b@y.io|b@y.io>, then A@X.io again", ["a@x.io", "b@y.io"]),
        ("mail me at carol@customer.io.", ["carol@customer.io"]),
        ("(dave@shop.co.uk)", ["dave@shop.co.uk"]),
        ("&lt;erin@acme.com&gt; wrote", ["erin@acme.com"]),
        ("see <https://app.example.com/u/frank@x.io|profile>", []),
        ("no address here, just @bob and #general", []),
        ("", []),
    ],
)
def test_emails_are_found_raw_and_as_mailto_links_once_each(text, emails):
    """Raw and mailto emails in order of appearance, case-insensitively once; links are not read."""
    assert find_emails(text) == emails


def test_mentions_are_found_in_order_with_labels():
    """Member mentions with or without a label; channels and groups are not members."""
    text = "<@U1|bob> and <@W2> in <#C1|general> <!here> and <@U1> again"
    assert find_mentions(text) == [("U1", "bob"), ("W2", None)]


def _payload(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "message_action",
        "channel": {"id": "C1"},
        "message_ts": message.get("ts"),
        "message": message,
        **extra,
    }


def test_top_level_message_is_its_own_thread():
    """A message that is not a reply starts the thread the outcome goes into."""
    facts = read_message(_payload({"ts": "10.1", "user": "U9", "text": "hi"}), installing_team="T1")
    assert (facts.channel_id, facts.ts, facts.thread_ts) == ("C1", "10.1", "10.1")


def test_reply_uses_its_parent_thread():
    """A reply's outcome goes into its parent's thread."""
    facts = read_message(_payload({"ts": "10.2", "thread_ts": "10.1", "text": "hi"}), installing_team="T1")
    assert facts.thread_ts == "10.1"


@pytest.mark.parametrize(
    ("message", "external"),
    [
        ({"ts": "1.1", "user": "U_EXT", "user_team": "T_CUST", "team": "T_CUST"}, True),
        ({"ts": "1.1", "user": "U_EXT", "team": "T_CUST"}, True),
        ({"ts": "1.1", "user": "U_IN", "user_team": "T1", "team": "T1"}, False),
        ({"ts": "1.1", "user": "U_IN"}, False),
        ({"ts": "1.1", "bot_id": "B1", "subtype": "bot_message", "team": "T_CUST", "user": "U_B"}, False),
        ({"ts": "1.1", "user": "U_AGENT", "team": "T_CUST"}, False),
    ],
)
def test_only_a_connect_author_from_another_team_is_looked_up(message, external):
    """The author is a candidate only when a person from another organization wrote the message."""
    facts = read_message(_payload(message), installing_team="T1", skip_users=frozenset({"U_AGENT"}))
    assert facts.author_is_external is external


def test_bot_message_with_files_only_reads_as_empty():
    """No text, no user: nothing to prefill, nothing to look up, no crash."""
    message = {"ts": "1.1", "bot_id": "B1", "subtype": "bot_message", "files": [{"id": "F1"}]}
    facts = read_message(_payload(message), installing_team="T1")
    assert (facts.text, facts.emails, facts.mentions, facts.lookups) == ("", (), (), False)


def test_the_bot_and_the_requester_are_never_looked_up():
    """Mentions of the bot or of the person using the shortcut are not the customer."""
    message = {"ts": "1.1", "text": "<@U0BOT> <@U0AGENT> <@U0CUST> help", "user": "U9"}
    facts = read_message(_payload(message), installing_team="T1", skip_users=frozenset({"U0BOT", "U0AGENT"}))
    assert facts.mentions == (("U0CUST", None),)


def test_note_quotes_a_short_excerpt_and_the_permalink():
    """The note is the message as plain text, clipped, then the permalink."""
    note = build_note("<@U1|bob> says   checkout\nfails &amp; more", "https://acme.slack.com/archives/C1/p1")
    assert note == "From Slack: “@bob says checkout fails & more”\nhttps://acme.slack.com/archives/C1/p1"
    long = build_note("word " * 200, None)
    assert len(long) <= EXCERPT_LENGTH + len("From Slack: “”")
    assert long.endswith("…”")
    assert build_note("", None) == ""


def test_candidates_keep_priority_order_without_repeats():
    """Text emails first, then mentions, then the author; an email found twice shows once."""
    text, mention, author = Candidate("a@x.io", "t"), Candidate("A@x.io", "m"), Candidate("c@x.io", "a")
    assert candidates_in_order([[text], [mention], [author]]) == (text, author)


def test_note_names_mentioned_members_and_never_shows_their_raw_ids():
    """Unlabeled mentions take the names looked up; a member not looked up is "@member", not an ID."""
    text = "<@U0CUST> and <@U0OTHER> say checkout fails, cc <@U0LABEL|carol>"
    note = build_note(text, None, {"U0CUST": "bob <the buyer>"})
    assert note == "From Slack: “@bob <the buyer> and @member say checkout fails, cc @carol”"
    assert "U0" not in note


def test_every_unlabeled_mention_is_named_even_the_bot_and_the_requester():
    """Names are looked up for the note's unlabeled mentions (candidates first), each once."""
    message = {"ts": "1.1", "text": "<@U0BOT> <@U0CUST> <@U0CUST> <@U0LAB|lab> help", "user": "U9"}
    facts = read_message(_payload(message), installing_team="T1", skip_users=frozenset({"U0BOT"}))
    assert facts.named == ("U0CUST", "U0BOT")


@pytest.mark.parametrize(
    ("user", "name", "email"),
    [
        ({"name": "bob", "profile": {"display_name": "Bob", "email": "bob@x.io"}}, "Bob", "bob@x.io"),
        ({"name": "bob", "profile": {"display_name": " ", "real_name": "Bob B"}}, "Bob B", None),
        ({"name": "helper", "is_bot": True, "profile": {"email": "bot@x.io"}}, "helper", None),
        ({"name": "gone", "deleted": True, "profile": {"email": "gone@x.io"}}, "gone", None),
        ({"name": "odd", "profile": {"email": "not-an-email"}}, "odd", None),
        ({"profile": "unreadable"}, None, None),
    ],
)
def test_a_member_is_named_and_stands_for_a_customer_only_with_a_usable_email(user, name, email):
    """users.info's member: display name first; bots, deactivated members and bad emails are no customer."""
    assert (member_name(user), member_email(user)) == (name, email)
