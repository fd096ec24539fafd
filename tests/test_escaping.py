"""User and upstream text: decoded once, clipped, escaped once, in verbatim mrkdwn; links checked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks import NOTE_SHOWN, build_request_status, build_success, button_url
from bot.bugpilot.models import ActionAccepted
from bot.capture import CaptureRequest
from bot.commands import Action, MentionTarget, parse_command, parse_target
from bot.error_blocks import render_error
from bot.errors import UsageError, UserNotConnected
from bot.markup import clip, clip_mrkdwn, escape_mrkdwn, shown, unescape_mrkdwn
from bot.modals import FormErrors, read_form
from tests.conftest import Bot

# The markup the bot writes itself: member and channel mentions, dates, a quote's ">".
_OURS = re.compile(r"<@[A-Z0-9_]+>|<#[A-Z0-9_]+>|<!date\^[^<>|]*\|[^<>]*>|^>", re.MULTILINE)
_BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def _mrkdwn(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for value in node.values():
            yield from _mrkdwn(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn(item)


def _assert_safe(text: str) -> None:
    """Outside our own markup: no raw control character, and every ``&`` starts a whole entity."""
    rest = _OURS.sub("", text)
    assert "<" not in rest, text
    assert ">" not in rest, text
    assert not _BROKEN_ENTITY.search(rest), text


def _request(note: str = "", label: str = "alice@acme.com") -> CaptureRequest:
    return CaptureRequest(
        action=Action.SCREENSHOT, customer="alice@acme.com", customer_label=label, note=note, requester_id="U_AGENT"
    )


@given(st.text(), st.integers(min_value=2, max_value=300))
def test_shown_text_decodes_to_the_clipped_original(text: str, limit: int):
    """Any text, shown: no raw ``<>&``, no broken entity, and decoding gives back ``clip(text)``."""
    result = shown(text, limit)
    _assert_safe(result)
    assert unescape_mrkdwn(result) == clip(text, limit)


@given(st.text(alphabet="&<>a;", max_size=60), st.integers(min_value=2, max_value=40))
def test_clipping_mrkdwn_never_cuts_an_entity(text: str, limit: int):
    """An escaped text clipped to a limit keeps every entity whole and stays within the limit."""
    escaped = escape_mrkdwn(text)
    result = clip_mrkdwn(escaped, limit)
    assert len(result) <= limit
    _assert_safe(result)
    assert escaped.startswith(result.removesuffix("…"))


@given(st.text(max_size=NOTE_SHOWN), st.text(max_size=250))
def test_notes_and_labels_render_escaped_once_in_verbatim_mrkdwn(note: str, label: str):
    """Request, outcome and error messages: verbatim mrkdwn, nothing raw, nothing double-escaped."""
    request = _request(note=note, label=label or "x")
    accepted = ActionAccepted.model_validate({"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": None})
    messages = [
        build_request_status(request, "working"),
        build_request_status(request, "failed", summary=note),
        build_success(request, accepted),
        render_error(UserNotConnected(note, status=400, detail=note), request),
    ]
    for message in messages:
        objects = list(_mrkdwn(message.blocks))
        assert objects
        for text_object in objects:
            assert text_object.get("verbatim") is True
            _assert_safe(text_object["text"])
    footer = json.loads(json.dumps(messages[2].blocks[-1]))["elements"][0]["text"]
    if len(footer) < 2000:  # Slack's limit for a context line
        assert unescape_mrkdwn(footer.partition(" · note: ")[2]) == note


def test_a_note_of_ampersands_is_clipped_between_entities():
    """1,500 ``&`` escape to 7,500 characters; the context line is cut before an entity, not inside."""
    footer = build_success(_request(note="&" * 1500), _accepted()).blocks[-1]["elements"][0]["text"]
    assert footer.endswith("&amp;…")
    _assert_safe(footer)


def _accepted(url: str | None = None) -> ActionAccepted:
    return ActionAccepted.model_validate({"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": url})


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("&lt;!channel&gt;", "`&lt;!channel&gt;`"),
        ("a&amp;b", "`a&amp;b`"),
        ("screenshot &lt;b&gt;", "`&lt;b&gt;`"),
        ("alice@acme.com screenshot", "`/bugpilot screenshot alice@acme.com`"),
    ],
)
def test_usage_errors_quote_what_was_typed_escaped_once(text: str, quoted: str):
    """Slack's ``&lt;`` comes back as ``&lt;`` (shows as ``<``), never as ``&amp;lt;``."""
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert quoted in caught.value.reason
    assert "&amp;lt;" not in caught.value.reason
    assert "&amp;amp;" not in caught.value.reason


@given(st.text(alphabet="ab&<>;` ", min_size=1, max_size=80))
def test_a_quoted_word_decodes_to_what_was_typed(typed: str):
    """Whatever was typed, the quoted action word decodes back to it (one line, within 60 characters)."""
    word = " ".join(typed.split()).replace("`", "'")
    if not word or " " in word or word.lower() in {"help", "?", "usage"}:
        return
    with pytest.raises(UsageError) as caught:
        parse_command(escape_mrkdwn(typed.replace(" ", "")))
    _assert_safe(caught.value.reason.replace("`&lt;&gt;&amp;*`", ""))
    assert clip(word, 60) in unescape_mrkdwn(caught.value.reason)


def test_a_mention_label_is_decoded_once():
    """``<@U1|a&amp;b>`` is the member "a&b"; the label is escaped where it is shown."""
    target = parse_target("<@U012AB3CD|a&amp;b &lt;x&gt;>")
    assert target == MentionTarget(slack_user_id="U012AB3CD", label="a&b <x>")


async def test_a_typed_group_mention_in_the_note_is_shown_as_typed(bot: Bot, online: set[str]):
    """``/bugpilot screenshot alice@acme.com &lt;!channel&gt; &amp; co`` shows the note as typed, pinging nobody."""
    online.add("alice@acme.com")
    await bot.command("screenshot alice@acme.com &lt;!channel&gt; &amp; co")
    request_msg = await bot.slack.next_call("chat.postMessage")
    texts = [t["text"] for t in _mrkdwn(request_msg.args["blocks"])]
    assert "Note: &lt;!channel&gt; &amp; co" in texts
    assert all(t["verbatim"] is True for t in _mrkdwn(request_msg.args["blocks"]))
    assert "&amp;lt;" not in json.dumps(request_msg.args["blocks"])
    await bot.settle()


@pytest.mark.parametrize(
    ("url", "usable"),
    [
        ("https://app.bugpilot.io/sessions/1", True),
        ("http://127.0.0.1:8080/sessions/1", True),
        ("http://localhost/sessions/1", True),
        ("http://[::1]:9/s", True),
        ("http://app.bugpilot.io/sessions/1", False),
        ("https://app.bugpilot.io/sessions/1 2", False),
        ("https://app.bugpilot.io/sessions/\n1", False),
        ("https://app.bugpilot.io/\x00", False),
        ("https://user:pw@app.bugpilot.io/", False),
        ("https://app.bugpilot.io:99999/", False),
        ("https://[::1/", False),
        ("https:///sessions/1", False),
        ("javascript:alert(1)", False),
        ("ftp://app.bugpilot.io/x", False),
        ("https://app.bugpilot.io/" + "a" * 2980, False),
    ],
)
def test_only_a_well_formed_web_link_becomes_a_button(url: str, usable: bool):  # noqa: FBT001
    """Parsed, no whitespace or control characters, https (http on loopback), ≤ 3000: else no button."""
    assert button_url(url) is usable
    message = build_success(_request(), _accepted(url))
    buttons = [b for b in message.blocks if b["type"] == "actions"]
    assert bool(buttons) is usable
    if buttons:
        assert buttons[0]["elements"][0]["url"] == url
    else:
        assert "no link" in json.dumps(message.blocks)


@pytest.mark.parametrize("typed", ["x&amp;y", "x&y", "a&lt;b"])
def test_a_modal_error_quotes_the_customer_as_typed(typed: str):
    """Modal input is plain text, not entity-encoded: the error shows exactly what was typed."""
    values: dict[str, dict[str, Any]] = {
        "customer": {"customer": {"value": typed}},
        "action": {"action": {"selected_option": {"value": "upload-screenshot"}}},
    }
    errors = read_form(values)
    assert isinstance(errors, FormErrors)
    assert f'"{typed}" is not a user ID' in errors.errors["customer"]
