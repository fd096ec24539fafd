"""Messages read in five seconds: one short line first, details in context, the right people, literal customers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.attempt import Attempt
from bot.blocks import Message, build_request_status, build_success, build_usage, with_invite_hint
from bot.bugpilot.codes import BY_CLASS, CODES
from bot.bugpilot.models import ActionAccepted
from bot.capture import CaptureRequest
from bot.commands import Action, parse_command
from bot.error_blocks import render_error
from bot.errors import AccessDenied, BugpilotError, UsageError, UserNotConnected
from bot.followups.blocks import (
    build_outcome,
    build_retrying,
    build_still_failing,
    build_watch_ended,
    build_watch_paused,
    build_watch_status,
    build_watch_success,
    build_watch_success_notice,
)
from bot.markup import bold, literal, local_time, unescape_mrkdwn
from bot.private_blocks import build_request_neutral, build_request_undelivered, with_private_reason
from bot.reports.blocks import build_no_report, build_report_notice, build_report_ready, build_report_stopped
from bot.workflow import CONFIGURATION_PROBLEMS
from tests.words import visible_text

EMAIL = "alice.johnson@customer-company.com"  # a long, ordinary customer email
REQUEST = CaptureRequest(
    action=Action.RECORDING,
    customer=EMAIL,
    customer_label=EMAIL,
    requester_id="U0DANA1234",
    team_id="T0ACME",
    channel_id="C0SUPPORT",
    note="checkout fails",
)
ACCEPTED = ActionAccepted.model_validate({"ok": True, "message": "sent", "ts": 1, "sessionInfoUrl": "https://x.io/s/1"})
REPORT = "https://dash.bugpilot.io/report/1"
ONE_LINE = 280  # an outcome's visible text, context lines aside
_CODE_SPAN = re.compile(r"`[^`]*`")
# Every emoji name the bot writes, each checked against Slack's standard set (unknown names show as text).
SLACK_EMOJI = frozenset(
    {
        "envelope",
        "hourglass",
        "hourglass_flowing_sand",
        "information_source",
        "lock",
        "octagonal_sign",
        "outbox_tray",
        "repeat",
        "tada",
        "warning",
        "white_check_mark",
    }
)


def _errors() -> list[BugpilotError]:
    rows = [row.error("x", status=row.status, code=code) for code, row in CODES.items()]
    return rows + [row.error("x", status=502) for row in BY_CLASS.values()]


def _outcomes() -> list[tuple[str, Message]]:
    offline = Attempt(REQUEST, error=UserNotConnected("x", status=400))
    success = Attempt(REQUEST, accepted=ACCEPTED)
    outcomes = [(f"error {type(error).__name__} {error.label}", render_error(error, REQUEST)) for error in _errors()]
    outcomes += [
        (
            f"success {action} waiting={waiting}",
            build_success(REQUEST.model_copy(update={"action": action}), ACCEPTED, waiting=waiting),
        )
        for action in Action
        for waiting in (True, False)
    ]
    outcomes += [
        ("offline with buttons", build_outcome(offline, "v")),
        ("retrying", build_retrying(REQUEST)),
        ("watch", build_watch_status(REQUEST, started_by="U0LEAD", next_at=2e9, until=2e9 + 600, value="v")),
        ("watch paused", build_watch_paused(REQUEST, started_by="U0LEAD", until=2e9, value="v")),
        ("watch stopped", build_watch_ended(build_outcome(offline, "v", brief=True), "<@U0LEAD> stopped Keep trying.")),
        ("watch success", build_watch_success(success)),
        ("watch notice", build_watch_success_notice(REQUEST, ["U0DANA1234", "U0LEAD"])),
        ("report ready", build_report_ready(REQUEST, REPORT)),
        ("report notice", build_report_notice(REQUEST, REPORT, ["U0DANA1234"])),
        ("no report", build_no_report(REQUEST, waited=600, session_url=REPORT, value="v")),
        ("report stopped", build_report_stopped(REQUEST, _errors()[0], session_url=REPORT)),
        ("undelivered", build_request_undelivered(REQUEST, "the customer isn't online")),
    ]
    statuses = ["working", "waiting", "sent", "done", "failed", "trying", "private", "interrupted"]
    outcomes += [(f"status {status}", build_request_status(REQUEST, status, "x")) for status in statuses]  # type: ignore[arg-type]
    return outcomes


@pytest.mark.parametrize(("name", "message"), _outcomes(), ids=[name for name, _ in _outcomes()])
def test_every_outcome_opens_with_one_short_line_and_valid_blocks(name: str, message: Message):
    """Each outcome's visible text (context aside) fits 280 characters; every block passes slack_sdk's checks."""
    assert len(visible_text(message)) <= ONE_LINE, (name, visible_text(message))
    assert message.text
    for block in message.blocks:
        assert Block.parse(block).to_dict() == block  # type: ignore[union-attr]


def test_the_offline_outcome_keeps_the_developer_details_out_of_its_line():
    """identify() and the WebSockets setting are behind Still failing?; the code and status in context."""
    message = build_outcome(Attempt(REQUEST, error=UserNotConnected("x", status=400)), "v")
    line = visible_text(message)
    assert line.startswith(f"*{EMAIL} isn't online in your app right now*. Try again once")
    for detail in ("identify()", "Always connect Action WebSockets", "USER_NOT_CONNECTED", "HTTP 400"):
        assert detail not in line
    assert "`USER_NOT_CONNECTED` · HTTP 400" in json.dumps(message.blocks, ensure_ascii=False)
    assert "identify()" not in json.dumps(message.blocks)
    assert buttons_of(message)["bugpilot_still_failing"] == EMAIL


def test_without_buttons_the_offline_details_stay_in_context():
    """No buttons to carry them (the note too long for a button): the checks are in the context line."""
    message = build_outcome(Attempt(REQUEST, error=UserNotConnected("x", status=400)), None)
    assert "Always connect Action WebSockets" in json.dumps(message.blocks)
    assert "Always connect Action WebSockets" not in visible_text(message)


def test_still_failing_lists_the_checks_with_the_customer_id_as_typed():
    """The private answer to Still failing? names identify() with this ID and the WebSockets setting."""
    message = build_still_failing("cust_`8812`")
    line = visible_text(message)
    assert "`Bugpilot.identify()` with exactly `cust_\u02cb8812\u02cb`" in line
    assert "*Always connect Action WebSockets*" in line
    assert "Only you can see this" in json.dumps(message.blocks)


def buttons_of(message: Message) -> dict[str, str]:
    return {
        element["action_id"]: element.get("value", "")
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def test_after_stop_the_advice_is_not_repeated_in_full():
    """A watch's end shows what happened and the buttons, not the developer details again."""
    offline = Attempt(REQUEST, error=UserNotConnected("x", status=400))
    ended = build_watch_ended(build_outcome(offline, "v", brief=True), "<@U0LEAD> stopped Keep trying.")
    everything = json.dumps(ended.blocks)
    assert "identify()" not in everything
    assert "isn't online" in everything
    assert "bugpilot_keep_trying" in everything
    assert "bugpilot_still_failing" in everything


def test_a_one_word_typo_is_answered_in_one_line_with_a_runnable_suggestion():
    """``/bugpilot screensht <mailto:…>``: at most 200 characters, the command to run in plain text."""
    with pytest.raises(UsageError) as caught:
        parse_command("screensht <mailto:bob@customer.io|bob@customer.io>")
    message = build_usage(caught.value.reason)
    assert len(visible_text(message)) <= 200
    assert "`/bugpilot screenshot bob@customer.io`" in visible_text(message)
    assert "mailto" not in json.dumps(message.blocks)
    assert "How to use" not in json.dumps(message.blocks)


def test_help_keeps_the_full_card():
    """``/bugpilot help`` still shows every example."""
    assert "*How to use /bugpilot*" in visible_text(build_usage())


@pytest.mark.parametrize("status", ["working", "waiting", "sent", "done", "failed", "lost", "interrupted"])
def test_a_line_for_a_shared_channel_names_nobody_but_the_requester(status: str):
    """What a shared channel (or any channel, for a set-up problem) sees names no customer, note or link."""
    message = build_request_neutral(REQUEST, status)
    everything = message.text + json.dumps(message.blocks)
    assert "<@U0DANA1234>" in everything
    for private in (EMAIL, "alice", "checkout fails", "http", "BUGPILOT_"):
        assert private not in everything


def test_a_configuration_problem_tells_the_channel_only_that_details_went_to_the_requester():
    """INVALID_API_KEY, NO_ACCESS…: the channel's line is one sentence; the words go privately, marked so."""
    assert build_request_neutral(REQUEST, "failed").text == (
        ":warning: Bugpilot couldn't capture — details sent to <@U0DANA1234>."
    )
    for kind in CONFIGURATION_PROBLEMS:
        private = with_private_reason(render_error(kind("x"), REQUEST), shared=False, channel_id="C0SUPPORT")
        assert "Only you can see this" in json.dumps(private.blocks)


def test_keep_trying_names_the_requester_once_when_they_started_it():
    """Started by and asked by the same person: named once; by two people: each once."""
    same = build_watch_status(REQUEST, started_by="U0DANA1234", next_at=2e9, until=2e9 + 600, value="v")
    assert json.dumps(same.blocks).count("<@U0DANA1234>") == 1
    other = build_watch_status(REQUEST, started_by="U0LEAD", next_at=2e9, until=2e9 + 600, value="v")
    assert json.dumps(other.blocks).count("<@U0DANA1234>") == 1
    assert json.dumps(other.blocks).count("<@U0LEAD>") == 1


def test_keep_trying_shows_its_times_in_the_readers_time_zone():
    """The next attempt and the deadline are Slack ``<!date>`` tokens with a UTC fallback."""
    message = build_watch_status(REQUEST, started_by="U0LEAD", next_at=2_000_000_000, until=2_000_000_600, value="v")
    line = visible_text(message)
    assert "Next attempt <!date^2000000000^at {time_secs}|at 03:33:20 UTC>" in line
    assert "I give up <!date^2000000600^at {time_secs}|at 03:43:20 UTC>" in line


def test_the_channel_request_message_says_still_trying():
    """While Keep trying runs, the request message in the channel says so."""
    assert "still trying" in build_request_status(REQUEST, "trying").text


@pytest.mark.parametrize(
    ("shape", "fallback"),
    [("{time}", "03:33 UTC"), ("{time_secs}", "03:33:20 UTC"), ("{date_short_pretty}", "2033-05-18 03:33 UTC")],
)
def test_local_time_is_a_slack_date_with_a_utc_fallback(shape: str, fallback: str):
    """``<!date^unix^shape|fallback>``: each reader sees their own time zone; the fallback is UTC."""
    assert local_time(2_000_000_000.4, shape) == f"<!date^2000000000^{shape}|{fallback}>"
    assert local_time(2_000_000_000, shape, prefix="at ") == f"<!date^2000000000^at {shape}|at {fallback}>"


@given(st.text(alphabet="ab1*_~`@.&<> ", min_size=1, max_size=40))
def test_a_customer_renders_literally_whatever_it_holds(customer: str):
    """``*``, ``_``, ``~`` or a backtick in a customer never starts formatting: it is shown in a code span."""
    shown = literal(customer, 250)
    if set("*_~`") & set(customer):
        assert shown.startswith("`")
        assert shown.endswith("`")
        assert "`" not in shown[1:-1]
        assert unescape_mrkdwn(shown[1:-1]).replace("\u02cb", "`") == customer
    else:
        assert unescape_mrkdwn(shown) == customer
    line = bold(f"{shown} isn't online in your app right now")
    outside = _CODE_SPAN.sub("", line)
    assert outside.count("*") == 2  # only the bold the bot writes, around its own words
    assert "_" not in outside
    assert "~" not in outside


def test_a_customer_with_formatting_characters_keeps_the_title_bold_around_it():
    """The customer's code span sits beside the bold words, not inside them."""
    starred = REQUEST.model_copy(update={"customer": "cust_*vip*", "customer_label": "cust_*vip*"})
    line = visible_text(render_error(UserNotConnected("x", status=400), starred))
    assert line.startswith("`cust_*vip*` *isn't online in your app right now*. ")


def test_the_invite_hint_says_why_in_plain_words():
    """``not_in_channel`` is never shown raw: the hint says the bot isn't a member."""
    hinted = with_invite_hint(build_success(REQUEST, ACCEPTED), "not_in_channel")
    everything = json.dumps(hinted.blocks)
    assert "I'm not a member of it" in everything
    assert "not_in_channel" not in everything


def test_no_message_lower_cases_bugpilot_or_reads_http_200_as_an_answer():
    """Plain words: "Bugpilot" keeps its capital, no "answered with HTTP", and the code and status appear once."""
    for _, message in _outcomes():
        everything = message.text + json.dumps(message.blocks)
        assert not re.search(r"(?<![/@`.-])bugpilot(?![-_.]|\.io)", everything.replace("/bugpilot", "")), everything
        assert "answered with HTTP" not in everything
        assert "HTTP_" not in everything


def test_every_emoji_name_the_bot_writes_is_one_slack_knows():
    """Each ``:name:`` in the bot's words is in Slack's standard set (``:octagonal_sign:``, not ``:stop_sign:``)."""
    source = "\n".join(path.read_text() for path in Path("bot").rglob("*.py"))
    names = set(re.findall(r"(?<![\w:]):([a-z0-9_+-]+):(?![\w:])", source))
    assert names
    assert names <= SLACK_EMOJI, names - SLACK_EMOJI


@pytest.mark.parametrize(
    "contact", ["<#C0123ABCD>", "<@U0123ABCD>", "<!subteam^S0123ABCD>", "<#C0123ABCD> or <@U0123ABCD>"]
)
def test_the_access_contact_forms_stay_links(contact: str):
    """``BUGPILOT_ACCESS_CONTACT`` as ``<#C…>``, ``<@U…>`` or ``<!subteam^S…>`` reaches Slack as that markup."""
    message = render_error(AccessDenied("You aren't on the list of people who may capture.", contact=contact))
    assert message.blocks[-1]["elements"][0]["text"] == f"Who can fix this: {contact}"
