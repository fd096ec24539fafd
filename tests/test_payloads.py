"""Slack payloads become typed models at the handler edge, with one clear error for what a listener can't use."""

from __future__ import annotations

import copy
import subprocess
import sys
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import Action
from bot.errors import BotError, InvalidButton, UnreadablePayload
from bot.modals import CaptureForm, read_form
from bot.outcomes import OutcomeRef
from bot.payloads.buttons import BlockActions
from bot.payloads.command import SlashCommand
from bot.payloads.envelope import Envelope
from bot.payloads.mention import AppMention
from bot.payloads.shortcut import InputState, MessageShortcut, ViewSubmission, form_inputs
from bot.prefill import read_message
from bot.sandbox import payloads as sandbox
from tests.fakes import TEAM_ID, command_body, message_shortcut_payload, view_submission_payload
from tests.interactions import click, mention_event, message_shortcut

# Slack's own examples (docs.slack.dev reference pages), trimmed to the fields around the ones we read.
DOCS_COMMAND = (
    "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001"
    "&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697"
    "&user_name=Steve&command=/weather&text=94070&response_url=https://hooks.slack.com/commands/1234/5678"
    "&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456"
)
DOCS_SHORTCUT: dict[str, Any] = {
    "callback_id": "gratitude",
    "type": "message_action",
    "trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
    "response_url": "https://hooks.slack.com/app-actions/T0MJR11A4/21974584944/yk1S9ndf35Q1flupVG5JbpM6",
    "team": {"id": "T0MJRM1A7", "domain": "pandamonium"},
    "channel": {"id": "D0LFFBKLZ", "name": "cats"},
    "user": {"id": "U0D15K92L", "name": "dr_maomao"},
    "message": {
        "type": "message",
        "user": "U0MJRG1AL",
        "ts": "1516229207.000133",
        "text": "World's smallest big cat! <https://youtube.com/watch?v=W86cTIoMv2U>",
    },
}
DOCS_CLICK: dict[str, Any] = {
    "type": "block_actions",
    "team": {"id": "T9TK3CUKW", "domain": "example"},
    "user": {"id": "UA8RXUSPL", "username": "jtorrance", "team_id": "T9TK3CUKW"},
    "api_app_id": "AABA1ABCD",
    "token": "9s8d9as89d8as9d8as989",
    "container": {
        "type": "message_attachment",
        "message_ts": "1548261231.000200",
        "attachment_id": 1,
        "channel_id": "CBR2V3XEX",
        "is_ephemeral": False,
        "is_app_unfurl": False,
    },
    "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
    "channel": {"id": "CBR2V3XEX", "name": "review-updates"},
    "message": {
        "bot_id": "BAH5CA16Z",
        "type": "message",
        "text": "This content can't be displayed.",
        "user": "UAJ2RU415",
    },
    "response_url": "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
    "actions": [
        {
            "action_id": "WaXA",
            "block_id": "=qXel",
            "text": {"type": "plain_text", "text": "View", "emoji": True},
            "value": "click_me_123",
            "type": "button",
            "action_ts": "1548426417.840180",
        }
    ],
}
DOCS_SUBMISSION: dict[str, Any] = {
    "type": "view_submission",
    "team": {"id": "T0MJRM1A7", "domain": "pandamonium"},
    "user": {"id": "U0D15K92L", "name": "dr_maomao"},
    "view": {
        "id": "VNHU13V36",
        "type": "modal",
        "private_metadata": "shhh-its-secret",
        "callback_id": "modal-with-inputs",
        "state": {"values": {"multi-line": {"ml-value": {"type": "plain_text_input", "value": "This is my example"}}}},
        "hash": "156663117.cd33ad1f",
    },
    "response_urls": [],
}
DOCS_MENTION: dict[str, Any] = {
    "token": "ZZZZZZWSxiZZZ2yIvs3peJ",
    "team_id": "T123ABC456",
    "api_app_id": "A123ABC456",
    "type": "event_callback",
    "event_id": "Ev123ABC456",
    "event_time": 1515449522,
    "event": {
        "type": "app_mention",
        "user": "U061F7AUR",
        "text": "<@U0LAN0Z89> is it everything a river should be?",
        "ts": "1515449522.000016",
        "channel": "C123ABC456",
        "event_ts": "1515449522000016",
    },
}


def _form(body: str) -> dict[str, str]:
    """A form body as Bolt hands it to a listener: each field's first value."""
    return dict(urllib.parse.parse_qsl(body))


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    del target[last]
    return changed


def _with(body: dict[str, Any], value: object, *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


def test_a_slash_command_is_read_as_slack_form_encodes_it():
    """Slack's documented command and ours: who, where, which workspace, the text and the reply routes."""
    command = SlashCommand.parse(_form(DOCS_COMMAND))
    assert (command.user_id, command.channel_id, command.team_id, command.text) == (
        "U2147483697",
        "C2147483705",
        "T0001",
        "94070",
    )
    assert command.response_url == "https://hooks.slack.com/commands/1234/5678"
    ours = SlashCommand.parse(_form(command_body("", response_url="http://127.0.0.1/respond")))
    assert (ours.text, ours.team_id, ours.trigger_id is not None) == ("", TEAM_ID, True)


@pytest.mark.parametrize("field", ["user_id", "channel_id", "team_id"])
def test_a_command_without_who_where_or_workspace_is_unreadable(field):
    """Each of the three is needed: missing or empty, one UnreadablePayload naming the field."""
    body = _form(command_body("screenshot a@b.io", response_url="http://127.0.0.1/respond"))
    for broken in (_without(body, field), {**body, field: ""}, {**body, field: 7}):
        with pytest.raises(UnreadablePayload) as caught:
            SlashCommand.parse(broken)
        assert (caught.value.kind, caught.value.field) == ("slash command", field)


def test_an_error_names_the_field_and_never_its_value():
    """The error (and so any log of it) says which field, not what the body held."""
    body = _form(command_body("screenshot secret@customer.io my note", response_url="http://127.0.0.1/r"))
    with pytest.raises(UnreadablePayload) as caught:
        SlashCommand.parse({**body, "channel_id": ["C1"]})
    assert str(caught.value) == "the slash command has no usable channel_id"
    assert "secret" not in repr(caught.value.args)


def test_optional_fields_of_the_wrong_type_read_as_absent():
    """Slack's optional fields are lenient: a text, trigger or response_url that is not a string is simply not there."""
    body = _form(command_body("x", response_url="http://127.0.0.1/r"))
    command = SlashCommand.parse({**body, "text": 5, "trigger_id": None, "response_url": {"url": "x"}})
    assert (command.text, command.trigger_id, command.response_url) == ("", None, None)


@pytest.mark.parametrize(
    "payload",
    [
        DOCS_SHORTCUT,
        message_shortcut(user_id="U_AGENT", channel_id="C_SUPPORT", response_url="http://127.0.0.1/r"),
        message_shortcut_payload({"ts": "1.1", "user": "U_C", "text": "hi"}, response_url="http://127.0.0.1/r"),
    ],
)
def test_a_message_shortcut_gives_the_message_where_it_is_and_who_asked(payload):
    """Documented and test-shaped shortcuts read alike: channel, the message's ts and text, the requester."""
    shortcut = MessageShortcut.parse(payload)
    assert shortcut.channel.id == payload["channel"]["id"]
    assert shortcut.ts == payload["message"]["ts"]
    assert shortcut.message.text == payload["message"]["text"]
    assert shortcut.requester_id == payload["user"]["id"]
    assert shortcut.team_id == payload["team"]["id"]


def test_a_shortcut_message_ts_may_come_from_the_payload():
    """The message's own ts first, else the payload's message_ts; with neither the shortcut is unreadable."""
    payload = {**_without(DOCS_SHORTCUT, "message", "ts"), "message_ts": "9.9"}
    assert MessageShortcut.parse(payload).ts == "9.9"
    with pytest.raises(UnreadablePayload, match="message shortcut"):
        MessageShortcut.parse(_without(payload, "message_ts"))


@pytest.mark.parametrize(
    ("path", "value"),
    [(("channel",), "C_SUPPORT"), (("channel", "id"), ""), (("message",), None), (("message",), ["hi"])],
)
def test_a_shortcut_without_its_channel_or_message_is_unreadable(path, value):
    """Where the outcome goes is needed: a channel that is not an object with an ID, or no message object."""
    with pytest.raises(UnreadablePayload) as caught:
        MessageShortcut.parse(_with(DOCS_SHORTCUT, value, *path))
    assert caught.value.field.startswith(path[0])


def test_a_shortcut_can_do_without_its_requester_and_trigger():
    """No user or trigger_id: still read (the modal then fails to open, and the person is told)."""
    shortcut = MessageShortcut.parse(_with(_without(_without(DOCS_SHORTCUT, "trigger_id"), "team"), "U1", "user"))
    assert (shortcut.requester_id, shortcut.team_id, shortcut.trigger_id) == (None, None, None)


def test_read_message_takes_the_parsed_shortcut_or_the_raw_payload():
    """The prefill reads the same facts from the model as from the payload Slack sent."""
    parsed = read_message(MessageShortcut.parse(DOCS_SHORTCUT), installing_team="T0MJRM1A7")
    assert parsed == read_message(DOCS_SHORTCUT, installing_team="T0MJRM1A7")
    assert (parsed.channel_id, parsed.thread_ts) == ("D0LFFBKLZ", "1516229207.000133")


def test_a_view_submission_gives_the_inputs_the_metadata_and_the_submitter():
    """Slack's documented submission: state values by block and action, the private_metadata string, the user."""
    submission = ViewSubmission.parse(DOCS_SUBMISSION)
    assert (submission.user.id, submission.team_id) == ("U0D15K92L", "T0MJRM1A7")
    assert submission.view.private_metadata == "shhh-its-secret"
    assert submission.view.id == "VNHU13V36"
    assert submission.values == {"multi-line": {"ml-value": InputState(value="This is my example")}}


def test_a_submission_without_state_or_metadata_reads_as_empty():
    """Missing state or metadata are no error here: the form check and the seal check refuse them with words."""
    submission = ViewSubmission.parse(_with(DOCS_SUBMISSION, {"id": "V1", "state": "x"}, "view"))
    assert (submission.values, submission.view.private_metadata) == ({}, "")
    assert ViewSubmission.parse(_with(DOCS_SUBMISSION, ["not", "values"], "view", "state", "values")).values == {}


@pytest.mark.parametrize(("path", "value"), [(("user",), None), (("user", "id"), 5), (("view",), "V1")])
def test_a_submission_without_its_user_or_view_is_unreadable(path, value):
    """Who submitted and the view itself are needed."""
    with pytest.raises(UnreadablePayload, match="modal submission"):
        ViewSubmission.parse(_with(DOCS_SUBMISSION, value, *path))


def test_the_form_reads_the_same_from_parsed_inputs_as_from_raw_values():
    """read_form takes view.state.values either way; inputs that are not objects are left out."""
    raw: dict[str, Any] = {
        "customer": {"customer": {"type": "plain_text_input", "value": " a@x.io "}, "junk": 5},
        "action": {"action": {"type": "radio_buttons", "selected_option": {"value": "upload-session"}}},
        "note": "not an object",
    }
    inputs = form_inputs(raw)
    assert set(inputs) == {"customer", "action"}
    assert set(inputs["customer"]) == {"customer"}
    assert read_form(inputs) == read_form(raw) == CaptureForm(action=Action.SESSION, customer="a@x.io", note="")
    submission = ViewSubmission.parse(view_submission_payload({"id": "V1", "private_metadata": "{}"}, raw))
    assert read_form(submission.values) == read_form(raw)


def test_a_click_gives_the_message_clicked_as_an_outcome_reference():
    """Slack's documented click: the container's channel and ts, the response_url, the button's value."""
    clicked = BlockActions.parse(DOCS_CLICK)
    assert clicked.outcome_ref() == OutcomeRef(
        channel_id="CBR2V3XEX",
        ts="1548261231.000200",
        ephemeral=False,
        response_url="https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
    )
    assert (clicked.user.id, clicked.value, clicked.thread_ts) == ("UA8RXUSPL", "click_me_123", None)


def test_a_click_reads_its_thread_from_the_container_else_the_message():
    """The container's thread_ts first, then the message's; an empty one is no thread."""
    payload = click({"channel": "C1", "thread_ts": "1.0"}, "bugpilot_try_again", ts="2.0", response_url="http://r")
    assert BlockActions.parse(payload).thread_ts == "1.0"
    assert BlockActions.parse(_with(payload, "0.5", "container", "thread_ts")).thread_ts == "0.5"
    assert BlockActions.parse(_with(payload, "", "message", "thread_ts")).thread_ts is None


def test_an_ephemeral_click_falls_back_to_the_payload_channel():
    """A container without channel_id uses the payload's channel; is_ephemeral makes the reference private."""
    payload = click({}, "bugpilot_keep_trying", ts="3.0", response_url="http://r", ephemeral=True)
    ref = BlockActions.parse(_without(payload, "container", "channel_id")).outcome_ref()
    assert (ref.channel_id, ref.ts, ref.ephemeral, ref.response_url) == ("C_SUPPORT", "3.0", True, "http://r")


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("container",), None, "which message"),
        (("container", "message_ts"), "", "which message"),
        (("container", "channel_id"), None, "which message"),
        (("user",), "UA8RXUSPL", "user"),
        (("actions",), [], "actions"),
    ],
)
def test_a_click_that_does_not_say_enough_is_an_invalid_button(path, value, reason):
    """A click without its message, its user or its action is InvalidButton (what a bad click already is)."""
    payload = _with(DOCS_CLICK, value, *path)
    if path == ("container", "channel_id"):
        payload = _without(payload, "channel")
    with pytest.raises(InvalidButton, match=reason):
        BlockActions.parse(payload)


@pytest.mark.parametrize("body", [DOCS_MENTION, mention_event(user_id="U_AGENT", channel_id="C_SUPPORT")])
def test_a_mention_gives_its_author_place_thread_and_text(body):
    """Documented and test-shaped mentions: the thread is the mention's own when it starts none."""
    mention = AppMention.parse(body)
    event = body["event"]
    assert (mention.event.user, mention.event.channel, mention.event.text) == (
        event["user"],
        event["channel"],
        event["text"],
    )
    assert mention.thread_ts == event.get("thread_ts", event["ts"])
    assert mention.team_id == body["team_id"]


def test_a_mention_knows_bots_edits_and_other_workspaces():
    """bot_id / app_id / subtype, an edit (an object) and the author's workspace are read, all optional."""
    event = {
        **DOCS_MENTION["event"],
        "bot_id": "B1",
        "app_id": "A1",
        "subtype": "bot_message",
        "edited": {"user": "U1", "ts": "1.0"},
        "bot_profile": {"id": "B1"},
        "team": "T_OTHER",
    }
    mention = AppMention.parse({**DOCS_MENTION, "event": event})
    assert (mention.event.bot_id, mention.event.app_id, mention.event.subtype) == ("B1", "A1", "bot_message")
    assert (mention.event.edited, mention.event.bot_profile, mention.author_team) == (True, True, "T_OTHER")
    assert AppMention.parse({**DOCS_MENTION, "event": {**event, "user_team": "T_EXT"}}).author_team == "T_EXT"


@pytest.mark.parametrize(("path", "value"), [(("event",), None), (("event", "channel"), 1), (("event", "ts"), "")])
def test_a_mention_without_its_channel_or_ts_is_unreadable(path, value):
    """With no channel or ts there is nowhere to answer."""
    with pytest.raises(UnreadablePayload, match="mention event"):
        AppMention.parse(_with(DOCS_MENTION, value, *path))


def test_the_envelope_reads_what_the_middlewares_need_from_any_request():
    """Kind, callback, trigger, response_url, the user's workspace, the clicked actions, the event and view."""
    envelope = Envelope.parse(DOCS_CLICK)
    assert (envelope.type, envelope.command, envelope.trigger_id) == ("block_actions", None, DOCS_CLICK["trigger_id"])
    assert envelope.user is not None
    assert envelope.user.team_id == "T9TK3CUKW"
    assert [(a.action_id, a.value) for a in envelope.actions] == [("WaXA", "click_me_123")]
    assert Envelope.parse(_form(DOCS_COMMAND)).command == "/weather"
    assert Envelope.parse(DOCS_MENTION).event is not None
    submitted = Envelope.parse(DOCS_SUBMISSION).view
    assert submitted is not None
    assert submitted.private_metadata == "shhh-its-secret"


def test_the_envelope_keeps_every_action_so_one_odd_action_is_not_passed_over():
    """An action that is not an object stays, without an ID: the access check can't be talked past."""
    envelope = Envelope.parse({**DOCS_CLICK, "actions": [{"action_id": "bugpilot_open_session"}, 5]})
    assert [a.action_id for a in envelope.actions] == ["bugpilot_open_session", None]


def test_an_unreadable_user_team_still_counts_as_a_team():
    """The workspace check fails closed: a team_id of the wrong type is some other team, not no team."""
    envelope = Envelope.parse(_with(DOCS_CLICK, {"id": "T1"}, "user", "team_id"))
    assert envelope.user is not None
    assert envelope.user.team_id not in {None, "T9TK3CUKW"}


@pytest.mark.parametrize("body", [None, [], "payload", 3, {"user": "U1", "actions": {}, "event": []}])
def test_the_envelope_never_refuses_a_body(body):
    """Whatever the body, the middlewares get an envelope (of what could be read)."""
    assert Envelope.parse(body).actions == ()


def _field_names(schema: object) -> set[str]:
    """Every property name in a JSON schema, nested definitions included."""
    if isinstance(schema, dict):
        names = set(schema.get("properties", {}))
        return names.union(*(_field_names(inner) for inner in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_field_names(inner) for inner in schema))
    return set()


_MODELS = (SlashCommand, MessageShortcut, ViewSubmission, BlockActions, AppMention, Envelope)
# Arbitrary JSON, with the keys the models read, so that the models' own paths are reached too.
_SLACK_KEYS = sorted(set().union(*(_field_names(model.model_json_schema()) for model in _MODELS)))
_KEYS = st.sampled_from(_SLACK_KEYS) | st.text(max_size=4)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=6),
    max_leaves=30,
)
_PARSERS: list[tuple[Any, type[BotError]]] = [
    (SlashCommand.parse, UnreadablePayload),
    (MessageShortcut.parse, UnreadablePayload),
    (ViewSubmission.parse, UnreadablePayload),
    (BlockActions.parse, InvalidButton),
    (AppMention.parse, UnreadablePayload),
    (lambda body: read_message(body, installing_team="T1"), UnreadablePayload),
]
_REAL: list[dict[str, Any]] = [
    _form(DOCS_COMMAND),
    DOCS_SHORTCUT,
    DOCS_SUBMISSION,
    DOCS_CLICK,
    DOCS_MENTION,
    sandbox.block_actions(
        action={"action_id": "bugpilot_try_again", "value": "v"},
        trigger_id="1.t",
        message={"ts": "2.0", "channel": "C1", "ephemeral": False, "thread_ts": "1.0", "user": "U_BOT", "text": "x"},
        response_url="http://r",
    ),
]


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place in a JSON value, the value itself first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replaced(body: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    changed = copy.deepcopy(body)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def _reads_or_refuses_clearly(body: object) -> None:
    for parse, error in _PARSERS:
        try:
            parsed = parse(body)
        except error:
            continue
        if isinstance(parsed, BlockActions):
            ref = parsed.outcome_ref()
            assert ref.channel_id
            assert ref.ts
    assert isinstance(Envelope.parse(body), Envelope)
    if isinstance(body, dict):
        read_form(body)


@given(_JSON)
def test_arbitrary_json_is_read_or_refused_with_the_one_error(body):
    """Any JSON value: each model reads it or raises its own error (never a KeyError, TypeError…); envelopes always."""
    _reads_or_refuses_clearly(body)


@given(st.sampled_from(_REAL).flatmap(lambda body: st.tuples(st.just(body), st.sampled_from(_paths(body)))), _JSON)
def test_a_real_body_with_any_part_replaced_is_read_or_refused_with_the_one_error(real, value):
    """A real-shaped body with one field (or object) replaced by arbitrary JSON: still only the one error."""
    body, path = real
    _reads_or_refuses_clearly(_replaced(body, path, value))


def test_the_pure_readers_import_no_io_module():
    """The prefill, the form and the payloads they read import neither Slack's async client, aiohttp nor delivery."""
    program = (
        "import sys, bot.prefill, bot.modals, bot.payloads.shortcut, bot.payloads.command, bot.payloads.mention, "
        "bot.payloads.envelope; "
        "print(sorted({'aiohttp', 'bot.delivery', 'bot.outcomes', 'slack_sdk.web.async_client'} & set(sys.modules)))"
    )
    command = [sys.executable, "-c", program]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603 - a fixed program
    assert done.stdout.strip() == "[]"
