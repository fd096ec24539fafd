"""The App Home view: pure builder tests on ``to_dict()`` (Slack's limits checked by slack_sdk)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from bot.capture import Surface
from bot.commands import Action
from bot.home_blocks import ACTION_NEW_CAPTURE, MAX_SHOWN, HomeState, build_home, outcome_words, setup_line, slack_date
from bot.store.captures import CaptureRecord

WHEN = 1_764_700_000.0  # 2025-12-02 18:26:40 UTC


def Record(**fields: Any) -> CaptureRecord:  # noqa: N802 - reads like the record it makes
    """A capture record as the store gives it, with defaults for what a test does not care about."""
    defaults: dict[str, Any] = {
        "id": "c1",
        "team_id": "T_ACME",
        "requester_id": "U_AGENT",
        "channel_id": "C_SUPPORT",
        "status_ts": "1.1",
        "thread_ts": "1.1",
        "customer": "alice@acme.com",
        "action": Action.SCREENSHOT,
        "surface": Surface.COMMAND,
        "note": None,
        "outcome": "sent",
        "session_info_url": None,
        "report_url": None,
        "created_at": WHEN,
        "updated_at": WHEN + 5,
    }
    return CaptureRecord(**{**defaults, **fields})


def home(**fields: Any) -> dict[str, Any]:
    state = {"user_id": "U_AGENT", "own": [], "team": [], **fields}
    return build_home(HomeState(**state)).to_dict()


def texts(view: dict[str, Any]) -> list[str]:
    """Every mrkdwn or plain text in the view, in order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"}:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view)
    return found


def sections_after(view: dict[str, Any], header: str) -> list[dict[str, Any]]:
    """The blocks between the header ``header`` and the next divider."""
    blocks: list[dict[str, Any]] = view["blocks"]
    start = next(i for i, block in enumerate(blocks) if block.get("text", {}).get("text") == header)
    rest = blocks[start + 1 :]
    end = next((i for i, block in enumerate(rest) if block["type"] == "divider"), len(rest))
    return rest[:end]


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block["accessory"] for block in view["blocks"] if "accessory" in block]
    for block in view["blocks"]:
        if block["type"] == "actions":
            found += block["elements"]
    return found


def test_empty_home_has_new_capture_and_says_no_capture_yet():
    """No records: a New capture button without a value, and plain lines saying nothing happened yet."""
    view = home()
    assert view["type"] == "home"
    new = [button for button in buttons(view) if button["action_id"] == ACTION_NEW_CAPTURE]
    assert len(new) == 1
    assert "value" not in new[0]
    assert new[0]["text"]["text"] == "New capture"
    shown = "\n".join(texts(view))
    assert "No capture yet" in shown
    assert "No captures yet. Press *New capture*" in shown
    assert "No captures in this workspace yet." in shown


def test_own_captures_are_listed_newest_first_up_to_ten():
    """Twelve records: the first ten, in the order the store gave them (newest first)."""
    records = [Record(id=f"c{i}", customer=f"cust_{i}@acme.com", created_at=WHEN - i) for i in range(12)]
    view = home(own=records, team=records)
    own = sections_after(view, "Your recent captures")
    assert len(own) == MAX_SHOWN
    assert [f"cust_{i}@acme.com" in block["text"]["text"] for i, block in enumerate(own)] == [True] * MAX_SHOWN
    assert len(sections_after(view, "Your team's recent captures")) == MAX_SHOWN
    assert len(view["blocks"]) <= 100


def test_a_capture_shows_action_customer_slack_date_and_outcome():
    """One line of what of whom and when (``<!date>``), then the outcome in words."""
    record = Record(action=Action.RECORDING, customer="bob@customer.io", outcome="waiting")
    text = sections_after(home(own=[record]), "Your recent captures")[0]["text"]["text"]
    assert text.startswith(f"*Screen recording* of *bob@customer.io* · {slack_date(WHEN)}")
    assert "waiting for the report" in text
    assert "asked by" not in text  # your own list does not say it was you


def test_slack_date_formats_in_the_readers_time_zone_with_a_utc_fallback():
    """``<!date^…^{date_short_pretty} {time}|…>``, whole seconds, UTC fallback."""
    assert slack_date(WHEN + 0.9) == "<!date^1764700000^{date_short_pretty} {time}|2025-12-02 18:26 UTC>"


def test_ready_capture_has_an_open_report_link_button():
    """A ready report: an **Open report** url button (the acknowledged link action)."""
    url = "https://dash.bugpilot.io/report/r_123"
    view = home(own=[Record(outcome="ready", report_url=url)])
    [button] = [button for button in buttons(view) if button["text"]["text"] == "Open report"]
    assert button["url"] == url
    assert button["action_id"] == "open_session"


@pytest.mark.parametrize(
    ("outcome", "url"),
    [
        ("waiting", "https://dash.bugpilot.io/report/r_1"),
        ("ready", None),
        ("ready", "javascript:alert(1)"),
        ("ready", "https://dash.bugpilot.io/report/" + "x" * 3000),
    ],
)
def test_no_open_report_button_unless_ready_with_a_usable_link(outcome, url):
    """Not ready, or a link that can't be a button: no Open report."""
    view = home(own=[Record(outcome=outcome, report_url=url)])
    assert not [button for button in buttons(view) if button["text"]["text"] == "Open report"]


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (None, "Working on it…"),
        ("sent", "the report will be in Bugpilot"),
        ("waiting", "waiting for the report"),
        ("ready", "Report ready"),
        ("no_report", "No report arrived"),
        ("interrupted", "The bot restarted before this finished"),
        ("USER_NOT_CONNECTED", "Didn't work: the customer isn't online"),
        ("INVALID_API_KEY", "Didn't work: Bugpilot rejected the API key"),
        ("NO_ACCESS", "Didn't work: Bugpilot refused access"),
        ("TIMEOUT", "Didn't work: Bugpilot did not answer in time"),
        ("NETWORK_ERROR", "Didn't work: Bugpilot could not be reached"),
        ("RATE_LIMITED", "Didn't work: Bugpilot asked to slow down"),
        ("REPORT_NOT_FOUND", "Didn't work: no report arrived"),
        ("HTTP_502", "Bugpilot answered with an error (HTTP 502)"),
        ("SOMETHING_NEW", "Didn't work (`SOMETHING_NEW`)"),
        ("<!channel>", "Didn't work (`&lt;!channel&gt;`)"),
    ],
)
def test_each_outcome_reads_in_plain_words(outcome, words):
    """The bot's own states and Bugpilot's codes (codes.py's words) as a short line."""
    assert words in outcome_words(outcome)
    assert words in "\n".join(texts(home(own=[Record(outcome=outcome)])))


@pytest.mark.parametrize(
    ("team", "line"),
    [
        ([], "No capture yet"),
        (None, "Setup unknown: the captures can't be read right now."),
        ([Record(outcome=None)], "The first capture is under way"),
        ([Record(outcome="INVALID_API_KEY")], "Bugpilot refused the API key (`BUGPILOT_API_KEY`) · last call <!date^"),
        ([Record(outcome="NO_ACCESS")], "Bugpilot refused access to the workspace"),
        ([Record(outcome="TIMEOUT")], "Bugpilot couldn't be reached at the last call, <!date^"),
        ([Record(outcome="NETWORK_ERROR")], "Bugpilot couldn't be reached"),
        ([Record(outcome="CONNECTION_FAILED")], "Bugpilot couldn't be reached"),
        ([Record(outcome="USER_NOT_CONNECTED")], "Bugpilot reachable, key accepted · last call <!date^1764700005^"),
        ([Record(outcome="ready")], "Bugpilot reachable, key accepted"),
        ([Record(outcome="HTTP_502")], "Bugpilot's last answer was `HTTP_502`"),
        ([Record(outcome=None), Record(outcome="INVALID_API_KEY")], "Bugpilot refused the API key"),
        ([Record(outcome="sent"), Record(outcome="INVALID_API_KEY")], "Bugpilot reachable, key accepted"),
    ],
)
def test_setup_line_comes_from_the_newest_finished_capture(team, line):
    """The last real call decides: refused key, unreachable, accepted, or nothing to go on yet."""
    assert line in setup_line(team)
    assert line in "\n".join(texts(home(team=team)))


def test_setup_line_falls_back_to_when_the_capture_was_made():
    """A record with no update time dates its call by when it was made."""
    assert slack_date(WHEN) in setup_line([Record(outcome="sent", updated_at=None)])


def test_team_section_names_who_asked():
    """The team list says who asked each capture."""
    view = home(team=[Record(requester_id="U_LEE", customer="cust_9")])
    [block] = sections_after(view, "Your team's recent captures")
    assert "asked by <@U_LEE>" in block["text"]["text"]


def test_refused_person_sees_their_own_section_and_one_line_why():
    """Not allowed to capture: own captures, no team captures, the reason, no New capture button."""
    reason = "You're not among the people allowed to capture customers' screens with Bugpilot."
    view = home(own=[Record(customer="mine@acme.com")], team=[Record(customer="secret@customer.io")], refusal=reason)
    dumped = json.dumps(view)
    assert "mine@acme.com" in dumped
    assert "secret@customer.io" not in dumped
    [line] = sections_after(view, "Your team's recent captures")
    assert line["type"] == "context"
    assert line["elements"][0]["text"] == f"Shown only to people who may capture with Bugpilot. {reason}"
    assert not [button for button in buttons(view) if button["action_id"] == ACTION_NEW_CAPTURE]
    assert "Bugpilot reachable" in dumped  # a member still sees the setup line


def test_guest_sees_no_setup_line():
    """A Slack Connect guest: no word about the deployment's Bugpilot set-up."""
    view = home(team=None, refusal="Only members.", guest=True)
    assert not [text for text in texts(view) if "Setup" in text or "Bugpilot reachable" in text]


def test_refused_person_is_not_told_how_to_capture():
    """An empty own list for someone who may not capture: no advice to press New capture."""
    [line] = sections_after(home(refusal="No."), "Your recent captures")
    assert line["text"]["text"] == "No captures yet."


def test_store_down_shows_a_plain_line_in_each_section():
    """Records that can't be read: one plain line in place of each list."""
    view = home(own=None, team=None)
    line = ":warning: I can't read the captures right now (the database isn't answering)."
    assert sections_after(view, "Your recent captures")[0]["text"]["text"] == line
    assert sections_after(view, "Your team's recent captures")[0]["text"]["text"] == line


def test_long_customer_and_note_stay_within_limits_escaped_once():
    """A 5000-character customer and note: clipped, escaped once, the section within 3000 characters."""
    record = Record(customer="a&b<c>" * 900, note="<!channel> & <@U_BOSS> " * 250, outcome="ready")
    view = home(own=[record] * MAX_SHOWN, team=[record] * MAX_SHOWN)
    for block in view["blocks"]:
        if block["type"] == "section":
            text = block["text"]["text"]
            assert len(text) <= 3000
            assert "&amp;amp;" not in text
            assert "<!channel>" not in text
            assert "<@U_BOSS>" not in text
            assert "a&amp;b&lt;c&gt;" in text
    assert len(view["blocks"]) <= 100


def test_note_is_shown_as_plain_text():
    """The requester's note, escaped (a mention in it doesn't ping)."""
    text = sections_after(home(own=[Record(note="see <@U1> & co")]), "Your recent captures")[0]["text"]["text"]
    assert text.endswith("Note: see &lt;@U1&gt; &amp; co")


def test_every_view_is_valid_for_slack_sdk():
    """Each combination builds through slack_sdk's models (``to_dict`` raises on a broken block)."""
    records = [replace(Record(), outcome=outcome) for outcome in (None, "ready", "TIMEOUT", "x" * 500)]
    for own in (None, [], records):
        for refusal in (None, "No."):
            view = home(own=own, team=records, refusal=refusal)
            assert 0 < len(view["blocks"]) <= 100


def test_the_home_builder_loads_no_io_module():
    """Importing the builder in a fresh interpreter loads no HTTP client, Slack client or database engine."""
    io = ("aiohttp", "slack_bolt", "sqlalchemy.ext.asyncio", "bot.delivery", "bot.store.store", "bot.store.captures")
    script = f"import sys, bot.home_blocks\nprint(sorted(m for m in sys.modules if m.startswith({io!r})))\n"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.strip() == "[]"
