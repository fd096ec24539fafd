"""The unfurl card of a known report link, and the link_shared payload it answers: pure, no servers."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.capture import Surface
from bot.commands import Action
from bot.errors import UnreadablePayload
from bot.payloads.links import LinkShared, UnfurlTarget
from bot.store.captures import CaptureRecord
from bot.unfurl_blocks import NOTE_SHOWN, build_unfurl

HOSTILE = "<!channel> <@U999> <https://evil.example|click me> & co"
# What the pure modules must not load (as in test_pure_modules).
IO = ("aiohttp", "slack_bolt", "sqlalchemy.ext.asyncio", "bot.delivery", "bot.store.store", "bot.store.captures")
THREAD = "https://acme.slack.com/archives/C_SUPPORT/p1700000000000100"


def _record(**changes: Any) -> CaptureRecord:
    fields: dict[str, Any] = {
        "id": "c1",
        "team_id": "T_ACME",
        "requester_id": "U_AGENT",
        "channel_id": "C_SUPPORT",
        "status_ts": "1700000000.000100",
        "thread_ts": "1700000000.000100",
        "customer": "alice@acme.com",
        "action": Action.SCREENSHOT,
        "surface": Surface.COMMAND,
        "note": "checkout fails",
        "outcome": "ready",
        "session_info_url": "https://api.bugpilot.io/session-info/ws/tok",
        "report_url": "https://dash.bugpilot.io/report/r1",
        "created_at": 1_700_000_000.0,
        "updated_at": 1_700_000_060.0,
    }
    return CaptureRecord(**{**fields, **changes})


def _texts(card: dict[str, Any]) -> list[str]:
    """Every text of the card, in order (sections and context elements)."""
    found: list[str] = []
    for block in card["blocks"]:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def test_the_card_names_action_customer_who_asked_when_the_note_and_links_the_thread():
    """A ready screenshot: what of whom, the note, who asked with a <!date>, and the thread's permalink."""
    card = build_unfurl(_record(), thread_link=THREAD)
    head, note, asked = _texts(card)
    assert head == "📸 *Bugpilot screenshot* of *alice@acme.com*"
    assert note == "Note: checkout fails"
    assert asked == (
        "Asked by <@U_AGENT> <!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>"
        f" · <{THREAD}|Open the thread in Slack>"
    )
    assert set(card) == {"blocks"}
    assert all(Block.parse(block) is not None for block in card["blocks"])


@pytest.mark.parametrize(
    ("action", "name"),
    [(Action.SCREENSHOT, "screenshot"), (Action.SESSION, "session replay"), (Action.RECORDING, "screen recording")],
)
def test_each_action_is_named_in_words(action: Action, name: str):
    """The card says which kind of capture the report holds."""
    (head, *_) = _texts(build_unfurl(_record(action=action), thread_link=None))
    assert f"*Bugpilot {name}*" in head


def test_a_long_note_is_clipped_and_never_cut_inside_an_entity():
    """A note longer than the card shows ends in an ellipsis; escaping happens after clipping."""
    note = "&" * 1000
    (_, shown, _) = _texts(build_unfurl(_record(note=note), thread_link=THREAD))
    body = shown.removeprefix("Note: ")
    assert body.endswith("…")
    assert body[:-1] == "&amp;" * (NOTE_SHOWN - 1)


def test_a_customer_and_note_with_markup_show_literally_and_ping_nobody():
    """Markup characters in the customer and the note are escaped once, in verbatim text: no mention, no link."""
    card = build_unfurl(_record(customer=HOSTILE, note=f"{HOSTILE} &amp;"), thread_link=None)
    head, note, _ = _texts(card)
    escaped = "&lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click me&gt; &amp; co"
    assert head == f"📸 *Bugpilot screenshot* of *{escaped}*"
    assert note == f"Note: {escaped} &amp;amp;"
    assert all(element.get("verbatim") for element in _text_objects(card))


def test_without_a_thread_link_the_card_has_no_link():
    """When Slack gave no permalink, the context line says who and when, and links nothing."""
    (_, _, asked) = _texts(build_unfurl(_record(), thread_link=None))
    assert "Open the thread" not in asked
    assert "https://" not in asked


@pytest.mark.parametrize(
    "link",
    [
        "http://acme.slack.com/archives/C1/p1",
        "https://acme.slack.com/archives/C1/p1|forged",
        "https://acme.slack.com/archives/C1/p1> <!channel",
        "https://acme.slack.com/archives/C1 p1",
        "https://acme.slack.com/" + "a" * 3000,
    ],
)
def test_a_permalink_that_cannot_sit_in_a_link_is_left_out(link: str):
    """A link that isn't https, holds markup or whitespace, or is too long is never put in the card."""
    card = build_unfurl(_record(), thread_link=link)
    assert "Open the thread" not in json.dumps(card)
    assert "forged" not in json.dumps(card)


def test_without_a_note_the_card_has_no_note_line():
    """No note (or only blanks): two blocks, what and who."""
    for note in (None, "", "   "):
        texts = _texts(build_unfurl(_record(note=note), thread_link=THREAD))
        assert len(texts) == 2
        assert not any(text.startswith("Note:") for text in texts)


def test_the_card_has_no_interactive_elements():
    """Slack allows no buttons or other interactive elements in an unfurl."""
    card = build_unfurl(_record(), thread_link=THREAD)
    assert {block["type"] for block in card["blocks"]} <= {"section", "context"}
    assert all("accessory" not in block for block in card["blocks"])


def test_the_builder_imports_no_io_module():
    """Importing the card builder in a fresh interpreter loads no HTTP client, Slack client or database engine."""
    script = f"import sys, bot.unfurl_blocks\nprint(sorted(m for m in sys.modules if m.startswith({IO!r})))\n"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.strip() == "[]"


def _text_objects(card: dict[str, Any]) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for block in card["blocks"]:
        if "text" in block:
            objects.append(block["text"])
        objects.extend(block.get("elements", []))
    return objects


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "link_shared",
        "channel": "C123ABC456",
        "is_bot_user_member": True,
        "user": "U123ABC456",
        "message_ts": "123456789.9875",
        "unfurl_id": "C123456.123456789.987501.1b90fa1278528ce6",
        "thread_ts": "123456621.1855",
        "source": "conversations_history",
        "links": [
            {"domain": "dash.bugpilot.io", "url": "https://dash.bugpilot.io/report/1"},
            {"domain": "dash.bugpilot.io", "url": "https://dash.bugpilot.io/report/2"},
            {"domain": "dash.bugpilot.io", "url": "https://dash.bugpilot.io/report/1"},
        ],
    }
    return {"team_id": "T123ABC456", "event_id": "Ev123ABC456", "type": "event_callback", "event": {**event, **changes}}


def test_a_posted_message_is_unfurled_by_channel_and_ts():
    """Slack's documented posted-message event: its links once each, in order, and the message to unfurl in."""
    shared = LinkShared.parse(_event())
    assert shared.urls == ("https://dash.bugpilot.io/report/1", "https://dash.bugpilot.io/report/2")
    assert shared.conversation == "C123ABC456"
    assert not shared.in_composer
    assert shared.unfurl_target() == UnfurlTarget(channel="C123ABC456", ts="123456789.9875")
    assert (shared.team_id, shared.event_id, shared.event.user) == ("T123ABC456", "Ev123ABC456", "U123ABC456")


def test_a_composer_event_names_no_conversation_and_unfurls_by_unfurl_id():
    """Slack's composer event ("COMPOSER", no real ts): no conversation to check; chat.unfurl would take unfurl_id."""
    composer_id = "Uxxxxxxx-909b5454-75f8-4ac4-b325-1b40e230bbd8"
    shared = LinkShared.parse(
        _event(channel="COMPOSER", source="composer", message_ts=composer_id, unfurl_id=composer_id)
    )
    assert shared.in_composer
    assert shared.conversation is None
    assert shared.unfurl_target() == UnfurlTarget(unfurl_id=composer_id, source="composer")


def test_a_composer_event_without_unfurl_id_has_nowhere_to_unfurl():
    """Without unfurl_id a composer's links can't be unfurled at all."""
    shared = LinkShared.parse(_event(channel="COMPOSER", source="composer", unfurl_id=None))
    assert shared.unfurl_target() is None


def test_links_that_are_not_objects_with_a_url_are_dropped():
    """Odd entries in ``links`` are skipped, never an error; a missing ``links`` is no links."""
    shared = LinkShared.parse(
        _event(links=[{"domain": "x"}, "https://a", {"url": ""}, {"url": 3}, {"url": "https://b"}])
    )
    assert shared.urls == ("https://b",)
    assert LinkShared.parse(_event(links=None)).urls == ()


@pytest.mark.parametrize("channel", [None, "", 7])
def test_an_event_without_a_channel_is_unreadable(channel: object):
    """Slack always names a channel (or "COMPOSER"): without one the event is unreadable, naming the field."""
    with pytest.raises(UnreadablePayload, match=r"event\.channel"):
        LinkShared.parse(_event(channel=channel))
