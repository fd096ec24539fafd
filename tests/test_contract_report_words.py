"""Pure words at the end of a report wait, and the small text helpers they lean on."""

from __future__ import annotations

import json

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from bot.capture import CaptureRequest
from bot.commands import Action
from bot.errors import BugpilotInternalError
from bot.markup import clip_mrkdwn, markup_to_text
from bot.reports.blocks import build_no_report, build_report_notice, build_report_ready, build_report_stopped
from bot.slack_failures import failure_name, network_reason, slack_error, web_api_error

REQUEST = CaptureRequest(
    action=Action.SESSION,
    customer="alice@acme.com",
    customer_label="alice@acme.com",
    requester_id="U0AGENT",
    team_id="T0ACME",
    channel_id="C0SUPPORT",
    note="checkout fails",
)
REPORT = "https://app.bugpilot.io/reports/r_1"


def _everything(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks)


def test_report_ready_has_an_open_report_button_or_says_where_to_find_it():
    """A usable link becomes Open report; an unusable one is not shown, with words instead."""
    ready = build_report_ready(REQUEST, REPORT)
    assert ready.text == "Report ready: the session replay of alice@acme.com"
    assert REPORT in _everything(ready.blocks)
    assert "Open report" in _everything(ready.blocks)
    hidden = build_report_ready(REQUEST, "javascript:alert(1)")
    assert "javascript" not in _everything(hidden.blocks)
    assert "find it in Bugpilot" in _everything(hidden.blocks)


def test_the_report_notice_mentions_each_person_once_and_links_only_safe_urls():
    """The new reply pings the people who asked once each, and never builds a link from unsafe text."""
    notice = build_report_notice(REQUEST, REPORT, ["U0AGENT", "", "U0LEAD", "U0AGENT"])
    line = notice.blocks[0]["text"]["text"]
    assert line.startswith("<@U0AGENT> <@U0LEAD> the report with the session replay of *alice@acme.com* is ready: ")
    assert line.endswith(f"<{REPORT}|Open report>")
    unsafe = build_report_notice(REQUEST, REPORT + "|evil>", []).blocks[0]["text"]["text"]
    assert unsafe.startswith("the report")
    assert unsafe.endswith("find it in Bugpilot")


@pytest.mark.parametrize(("waited", "said"), [(90, "90 seconds"), (119.5, "119.5 seconds"), (120, "2 minutes")])
def test_no_report_says_how_long_it_waited(waited: float, said: str):
    """The wait is told in seconds, from two minutes on in minutes."""
    message = build_no_report(REQUEST, waited=waited, session_url=None, value=None)
    assert f"within {said}." in message.blocks[0]["text"]["text"]
    assert not [block for block in message.blocks if block["type"] == "actions"]


def test_no_report_offers_try_again_and_the_late_link():
    """With a button value there is Try again; a safe session link is kept for a report that turns up later."""
    message = build_no_report(REQUEST, waited=600, session_url=REPORT, value="v.1")
    actions = [block for block in message.blocks if block["type"] == "actions"]
    assert [element["action_id"] for element in actions[0]["elements"]] == ["bugpilot_try_again"]
    assert f"<{REPORT}|Bugpilot's link>" in _everything(message.blocks)
    assert message.text == "No report arrived for the session replay of alice@acme.com"
    unsafe = build_no_report(REQUEST, waited=600, session_url="http://evil.example/", value=None)
    assert "Bugpilot's link" not in _everything(unsafe.blocks)


def test_a_stopped_wait_shows_the_error_and_keeps_the_link():
    """Stopping on an error says the request arrived, shows the error and keeps Open in Bugpilot."""
    error = BugpilotInternalError("x", status=502)
    stopped = build_report_stopped(REQUEST, error, session_url=REPORT)
    assert stopped.text == (
        "Stopped following the report: Bugpilot is having trouble. Nothing was captured: try again in a few minutes."
    )
    assert "reached the customer's browser" in stopped.blocks[0]["text"]["text"]
    assert "Open in Bugpilot" in _everything(stopped.blocks)
    assert stopped.blocks[-1]["type"] == "context"
    without = build_report_stopped(REQUEST, error, session_url=None)
    assert "Open in Bugpilot" not in _everything(without.blocks)


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("short", 10, "short"),
        ("a &amp; b", 5, "a …"),
        ("a &amp; b", 9, "a &amp; b"),
        ("see <https://x.io|x> now", 10, "see …"),
        ("<@U1> and more", 8, "<@U1> a…"),
    ],
)
def test_mrkdwn_is_never_cut_inside_an_entity_or_markup(text: str, limit: int, clipped: str):
    """A cut lands before an entity or a piece of markup, never inside it."""
    assert clip_mrkdwn(text, limit) == clipped


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<!subteam^S123|@support>", "@support"),
        ("<!subteam^S123>", "@S123"),
        ("<!date^1700000000^{date}|Nov 14>", "Nov 14"),
        ("<!everyone>", "@everyone"),
        ("<https://x.io>", "https://x.io"),
    ],
)
def test_slack_markup_reads_as_a_person_sees_it(markup: str, text: str):
    """Group mentions, dates, specials and bare links become what Slack shows."""
    assert markup_to_text(markup) == text


def test_slack_failures_are_named_by_code_or_by_network_reason():
    """A Web API error is its code; a page that is not the Web API's has none; a network failure is its kind."""
    refused = SlackApiError("no", {"ok": False, "error": "channel_not_found"})  # type: ignore[no-untyped-call]
    assert (slack_error(refused), failure_name(refused)) == ("channel_not_found", "channel_not_found")
    odd = SlackApiError("no", None)  # type: ignore[no-untyped-call]
    assert slack_error(odd) == "unknown_error"
    assert web_api_error(odd) is None
    assert failure_name(aiohttp.ServerDisconnectedError()) == "ServerDisconnectedError"
    assert network_reason(TimeoutError(), timeout=2.5) == "no answer within 2.5 s"
    assert network_reason(aiohttp.ServerDisconnectedError(), timeout=1) == "ServerDisconnectedError"
