"""What Slack refuses, checked without a server: blocks, views and scopes (bot/sandbox/strict.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.blocks import build_usage
from bot.manifest import bot_scopes
from bot.sandbox.strict import (
    MAX_MESSAGE_BLOCKS,
    MAX_VIEW_BLOCKS,
    METHOD_SCOPES,
    Refusal,
    block_problems,
    check_message_blocks,
    check_unfurls,
    check_view,
    missing_scope,
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str, *, value: str = "v", kind: str = "plain_text") -> dict[str, Any]:
    return {"type": "actions", "elements": [{"type": "button", "text": {"type": kind, "text": text}, "value": value}]}


def _modal(blocks: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Capture"}, "blocks": blocks, **fields}


_INPUT = {
    "type": "input",
    "block_id": "who",
    "label": {"type": "plain_text", "text": "Customer"},
    "element": {"type": "users_select", "action_id": "member"},
}


@pytest.mark.parametrize(
    ("block", "pointer", "words"),
    [
        (_section("x" * 3001), "/blocks/0", "cannot exceed 3000"),
        (_section(""), "/blocks/0/text/text", "more than 0 characters"),
        ({"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}, "/blocks/0", "cannot exceed 150"),
        (_button("b" * 76), "/blocks/0", "cannot exceed 75"),
        (_button("Go", value="v" * 2001), "/blocks/0", "cannot exceed 2000"),
        (_button("Go", kind="mrkdwn"), "/blocks/0/elements/0/text", "plain_text"),
        ({"type": "context", "elements": [{"type": "mrkdwn", "text": "a"}] * 11}, "/blocks/0", "cannot exceed 10"),
        ({"type": "sparkle", "text": "hi"}, "/blocks/0/type", "unsupported block type"),
        ({**_section("hi"), "colour": "red"}, "/blocks/0/colour", "unsupported property"),
        ({"type": "section", "text": "a bare string"}, "/blocks/0/text", "different type"),
        ({"type": "actions", "elements": [{"type": "sparkle_button"}]}, "/blocks/0/elements", "allowed schemas"),
    ],
)
def test_a_block_slack_refuses_is_named_with_its_json_pointer(block: dict[str, Any], pointer: str, words: str):
    """Each refused block says why and where, as Slack's ``[json-pointer:…]`` messages do."""
    problems = block_problems([_section("fine"), block])
    assert len(problems) == 1
    assert words in problems[0]
    assert f"[json-pointer:{pointer.replace('/blocks/0', '/blocks/1', 1)}" in problems[0]


def test_blocks_the_bot_writes_pass():
    """A real builder's blocks (the help card) are accepted unchanged."""
    assert block_problems(build_usage("Unknown action").blocks) == []
    assert check_message_blocks(build_usage().blocks) is None


def test_a_message_holds_50_blocks_and_no_more():
    """Slack's limit per message: 50 blocks."""
    assert check_message_blocks([_section("a")] * MAX_MESSAGE_BLOCKS) is None
    refusal = check_message_blocks([_section("a")] * (MAX_MESSAGE_BLOCKS + 1))
    assert refusal is not None
    assert refusal.error == "invalid_blocks"
    assert "at most 50 blocks" in refusal.messages[0]


def test_no_blocks_is_not_a_refusal():
    """A text-only message has nothing to check."""
    assert check_message_blocks(None) is None
    assert check_message_blocks([]) is None


def test_refused_blocks_answer_as_chat_post_message_does():
    """``invalid_blocks`` with ``errors`` and ``response_metadata.messages`` prefixed ``[ERROR]``."""
    refusal = check_message_blocks([_section("x" * 3001)])
    assert refusal is not None
    answer = refusal.answer()
    assert answer["ok"] is False
    assert answer["error"] == "invalid_blocks"
    assert answer["errors"] == list(refusal.messages)
    assert answer["response_metadata"]["messages"] == [f"[ERROR] {message}" for message in refusal.messages]


def test_a_view_holds_100_blocks_and_no_more():
    """Slack's limit per modal or Home tab: 100 blocks (twice a message's)."""
    assert check_view(_modal([_section("a")] * MAX_VIEW_BLOCKS)) is None
    refusal = check_view(_modal([_section("a")] * (MAX_VIEW_BLOCKS + 1)))
    assert refusal is not None
    assert refusal.error == "invalid_arguments"
    assert any("at most 100 blocks" in message for message in refusal.messages)


@pytest.mark.parametrize(
    ("view", "words"),
    [
        (_modal([_section("a")], title={"type": "plain_text", "text": "t" * 25}), "title must be between 1 and 24"),
        ({**_modal([_section("a")]), "title": None}, "title is required"),
        (_modal([_INPUT]), "submit is required"),
        (_modal([_section("a")], private_metadata="m" * 3001), "private_metadata cannot exceed 3000"),
        (_modal([_section("x" * 3001)]), "json-pointer:/view/blocks/0"),
        ({"type": "sheet", "blocks": []}, "type must be modal or home"),
    ],
)
def test_a_view_slack_refuses_answers_invalid_arguments(view: dict[str, Any], words: str):
    """views.open/update/push/publish refuse a bad view as ``invalid_arguments``, saying what is wrong."""
    refusal = check_view(view)
    assert refusal is not None
    assert refusal.error == "invalid_arguments"
    assert any(words in message for message in refusal.messages), refusal.messages
    assert "errors" not in refusal.answer()


def test_a_modal_with_a_member_picker_and_submit_passes():
    """An input block (users_select) with a submit button is a valid modal."""
    submit = {"type": "plain_text", "text": "Capture"}
    assert check_view(_modal([_INPUT], submit=submit, callback_id="capture", private_metadata="{}")) is None


def test_a_method_outside_the_granted_scopes_answers_missing_scope():
    """``missing_scope`` with the scopes the method needs and the ones the token has, as Slack answers."""
    answer = missing_scope("chat.unfurl", {"chat:write", "commands"})
    assert answer == {"ok": False, "error": "missing_scope", "needed": "links:write", "provided": "chat:write,commands"}
    assert missing_scope("chat.unfurl", {"links:write"}) is None


def test_methods_without_a_scope_are_never_refused():
    """auth.test, views.*, functions.* and chat.getPermalink need no scope."""
    for method in ("auth.test", "views.open", "views.publish", "functions.completeSuccess", "chat.getPermalink"):
        assert missing_scope(method, set()) is None


def test_the_manifest_grants_every_scope_the_bot_uses():
    """The methods the bot calls are all covered by bot/manifest.yml's bot scopes."""
    used = ("chat.postMessage", "chat.postEphemeral", "chat.update", "conversations.info", "users.info")
    assert [method for method in (*used, "usergroups.users.list") if missing_scope(method, bot_scopes())] == []
    assert set(used) <= set(METHOD_SCOPES)


def test_a_refusal_without_messages_is_a_bare_error():
    """Some refusals carry only their code."""
    assert Refusal("invalid_arguments").answer() == {"ok": False, "error": "invalid_arguments"}


def test_an_unfurl_is_checked_as_a_message():
    """chat.unfurl's blocks per URL: refused with a pointer into ``unfurls``; a bad shape is its own error."""
    url = "https://acme.dev/x"
    assert check_unfurls({url: {"blocks": [_section("Acme issue 12")]}}) is None
    refusal = check_unfurls({url: {"blocks": [_section("x" * 3001)]}})
    assert refusal is not None
    assert refusal.error == "invalid_blocks"
    assert f"json-pointer:/unfurls/{url}/blocks/0" in refusal.messages[0]
    assert check_unfurls([]) == Refusal("invalid_unfurls_format")
