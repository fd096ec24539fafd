"""End to end: a pasted report link unfurls into a card, over signed link_shared events, only where it may."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from bot.app import STORE
from bot.capture import CaptureRequest, Surface
from bot.commands import Action
from bot.settings import Settings
from bot.store.captures import CaptureLog
from tests.conftest import Bot
from tests.fakes import TEAM_ID, link_shared_body
from tests.logwatch import LogWatch, watch_logs
from tests.test_followup_clicks import _with_settings

CUSTOMER = "alice@acme.com"
NOTE = "checkout fails"
UNKNOWN = "https://dash.bugpilot.io/report/not-ours"
_ids = itertools.count(1)


async def _share(bot: Bot, urls: list[str], *, event_id: str | None = None, **fields: Any) -> int:
    """Post a signed link_shared event; its HTTP status."""
    body = link_shared_body(urls, event_id=event_id or f"EvU{next(_ids):06d}", **fields)
    response = await bot.post_signed(body, headers={"Content-Type": "application/json"})
    return response.status


async def _decided(bot: Bot, logs: LogWatch, urls: list[str], **fields: Any) -> dict[str, Any]:
    """Share ``urls`` and wait for the event's audit line; the bot's work for it is then done."""
    assert await _share(bot, urls, **fields) == 200
    audit = await logs.next("audit.unfurl", timeout=10)
    await bot.settle()
    return audit


async def _ready_capture(bot: Bot) -> tuple[str, str]:
    """A command for an online customer followed through fake Bugpilot to its report: (report URL, thread ts)."""
    bot.bugpilot.sim.online.add(CUSTOMER)
    await bot.command(f"screenshot {CUSTOMER} {NOTE}")
    request = await bot.slack.next_call("chat.postMessage")
    log = CaptureLog(bot.client.app[STORE], owner="reader")
    deadline = time.monotonic() + 20
    while not (records := await log.recent(TEAM_ID)) or records[0].report_url is None:
        assert time.monotonic() < deadline, records
        await asyncio.sleep(0.05)  # polled with a deadline: the record is written after the last Slack call
    await bot.settle()
    return records[0].report_url, bot.slack.ts_of(request)


async def _record(bot: Bot, url: str, *, team_id: str = TEAM_ID, note: str = NOTE) -> None:
    """A capture record whose report is ready at ``url``, written through the bot's own store."""
    log = CaptureLog(bot.client.app[STORE], owner="writer")
    request = CaptureRequest(
        action=Action.SESSION,
        customer=CUSTOMER,
        customer_label=CUSTOMER,
        note=note,
        requester_id="U_AGENT",
        team_id=team_id,
        channel_id="C_SUPPORT",
        surface=Surface.MENTION,
    )
    capture_id = await log.begin(request, status_ts=None, thread_ts="1700000000.000200")
    await log.record_report(capture_id, outcome="ready", report_url=url)


def _cards(call_args: dict[str, Any]) -> dict[str, Any]:
    unfurls = call_args["unfurls"]
    cards: dict[str, Any] = json.loads(unfurls) if isinstance(unfurls, str) else unfurls
    return cards


def _unfurl_logs(logs: LogWatch) -> list[dict[str, Any]]:
    return [entry for entry in logs.entries if entry["event"].startswith(("unfurl.", "audit.unfurl"))]


async def test_a_report_link_from_a_real_capture_unfurls_into_the_card(bot: Bot):
    """Pasted in another internal channel: chat.unfurl on that message with what, whom, who, when, note and thread."""
    report_url, thread_ts = await _ready_capture(bot)
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [UNKNOWN, report_url], channel="C_OTHER", message_ts="1700000500.000100")
    (call,) = bot.slack.of("chat.unfurl")
    assert (call.args["channel"], call.args["ts"]) == ("C_OTHER", "1700000500.000100")
    assert "unfurl_id" not in call.args
    cards = _cards(call.args)
    assert list(cards) == [report_url]
    text = json.dumps(cards[report_url], ensure_ascii=False)
    assert "*Bugpilot screenshot* of *alice@acme.com*" in text
    assert f"Note: {NOTE}" in text
    assert "Asked by <@U_AGENT> <!date^" in text
    permalink = f"https://acme.slack.com/archives/C_SUPPORT/p{thread_ts.replace('.', '')}"
    assert f"<{permalink}|Open the thread in Slack>" in text
    assert [c.args["channel"] for c in bot.slack.of("conversations.info")][-1] == "C_OTHER"
    assert {key: audit[key] for key in ("team_id", "user_id", "channel_id", "links", "known", "outcome")} == {
        "team_id": TEAM_ID,
        "user_id": "U_AGENT",
        "channel_id": "C_OTHER",
        "links": 2,
        "known": 1,
        "outcome": "unfurled",
    }
    logged = json.dumps(_unfurl_logs(logs), default=str)
    assert CUSTOMER not in logged
    assert NOTE not in logged


async def test_a_link_the_bot_does_not_know_gets_no_call_at_all(bot: Bot):
    """No record has this report: no chat.unfurl, and not even a channel lookup."""
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [UNKNOWN])
    assert (audit["known"], audit["outcome"]) == (0, "none_known")
    assert bot.slack.of("chat.unfurl") == []
    assert bot.slack.of("conversations.info") == []


async def test_a_known_link_in_a_channel_shared_with_another_organization_is_not_unfurled(bot: Bot):
    """Slack Connect: the customer could read the card, so no chat.unfurl."""
    url = "https://dash.bugpilot.io/report/shared-1"
    await _record(bot, url)
    bot.slack.shared_channels.add("C_CUSTOMER")
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url], channel="C_CUSTOMER")
    assert (audit["known"], audit["outcome"]) == (1, "shared_channel")
    assert [call.args["channel"] for call in bot.slack.of("conversations.info")] == ["C_CUSTOMER"]
    assert bot.slack.of("chat.unfurl") == []


@pytest.mark.parametrize("failure", ["missing_scope", "channel_not_found", "html_page"])
async def test_when_slack_cannot_describe_the_channel_nothing_is_unfurled(bot: Bot, failure: str):
    """conversations.info refused (a missing scope, a private channel) or down: the channel counts as shared."""
    url = "https://dash.bugpilot.io/report/unknown-channel"
    await _record(bot, url)
    if failure == "html_page":
        bot.slack.html_pages.add("conversations.info")
    else:
        bot.slack.method_errors["conversations.info"] = failure
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url], channel="C_PRIVATE")
    assert audit["outcome"] == "shared_channel"
    assert logs.of("slack.channel_lookup_failed")
    assert bot.slack.of("chat.unfurl") == []


async def test_a_record_of_another_team_is_not_unfurled(bot: Bot):
    """The same report URL recorded by another workspace's install: its card never shows here."""
    url = "https://dash.bugpilot.io/report/theirs"
    await _record(bot, url, team_id="T_OTHER")
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url])
    assert (audit["known"], audit["outcome"]) == (0, "none_known")
    assert logs.of("unfurl.other_team")[0]["links"] == 1
    assert bot.slack.of("chat.unfurl") == []


async def test_an_event_slack_delivers_again_unfurls_once(bot: Bot):
    """A redelivery (same event_id, X-Slack-Retry-Num) is acknowledged and does nothing more."""
    url = "https://dash.bugpilot.io/report/retried"
    await _record(bot, url)
    body = link_shared_body([url], event_id="EvRETRIED1")
    with watch_logs() as logs:
        first = await bot.post_signed(body, headers={"Content-Type": "application/json"})
        await logs.next("audit.unfurl")
        retry = {"Content-Type": "application/json", "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        again = await bot.post_signed(body, headers=retry)
        duplicate = await logs.next("unfurl.duplicate")
        await bot.settle()
    assert (first.status, again.status) == (200, 200)
    assert duplicate["retry"] == "1"
    assert len(bot.slack.of("chat.unfurl")) == 1
    assert len(logs.of("audit.unfurl")) == 1


async def test_with_the_store_down_nothing_is_unfurled_and_nothing_crashes(bot: Bot, tmp_path: Path):
    """The captures table can't be read: the event is acknowledged, logged, audited, and no call is made."""
    url = "https://dash.bugpilot.io/report/store-down"
    await _record(bot, url)
    with sqlite3.connect(tmp_path / "bot.db") as db:
        db.execute("ALTER TABLE captures RENAME TO captures_away")
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url])
    assert (audit["known"], audit["outcome"]) == (None, "store_unavailable")
    assert logs.of("unfurl.store_unavailable")
    assert not logs.of("listener.crashed")
    assert bot.slack.of("chat.unfurl") == []


@pytest.mark.parametrize("error", ["cannot_unfurl_url", "cannot_find_message", "missing_scope", "ratelimited"])
async def test_a_refused_unfurl_is_logged_by_name_and_survived(bot: Bot, error: str):
    """chat.unfurl refused (or rate limited past its retries): one warning naming the error, the bot goes on."""
    url = "https://dash.bugpilot.io/report/refused"
    await _record(bot, url)
    if error == "ratelimited":
        bot.slack.rate_limited["chat.unfurl"] = 10
    else:
        bot.slack.method_errors["chat.unfurl"] = error
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url])
    assert audit["outcome"] == error
    (refused,) = logs.of("unfurl.refused")
    assert (refused["error"], refused["log_level"]) == (error, "warning")
    assert not logs.of("listener.crashed")
    response = await bot.client.get("/healthz")
    assert response.status == 200


async def test_a_link_in_the_composer_is_left_for_the_posted_message(bot: Bot):
    """Slack's composer event names no channel ("COMPOSER"): nothing to check, so no lookup and no unfurl."""
    url = "https://dash.bugpilot.io/report/composer"
    await _record(bot, url)
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url], channel="COMPOSER", source="composer")
        posted = await _decided(bot, logs, [url], channel="C_SUPPORT")
    assert (audit["channel_id"], audit["known"], audit["outcome"]) == ("COMPOSER", 1, "composer")
    assert [call.args["channel"] for call in bot.slack.of("conversations.info")] == ["C_SUPPORT"]
    (call,) = bot.slack.of("chat.unfurl")
    assert posted["outcome"] == "unfurled"
    assert call.args["channel"] == "C_SUPPORT"


async def test_a_composer_event_that_names_an_internal_channel_unfurls_by_unfurl_id(bot: Bot):
    """Should Slack name the composer's channel, it is checked like any other and unfurled by unfurl_id."""
    url = "https://dash.bugpilot.io/report/composer-channel"
    await _record(bot, url)
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url], channel="C_SUPPORT", source="composer")
    assert audit["outcome"] == "unfurled"
    (call,) = bot.slack.of("chat.unfurl")
    assert call.args["source"] == "composer"
    assert call.args["unfurl_id"].endswith("-composer")
    assert "channel" not in call.args
    assert list(_cards(call.args)) == [url]


async def test_without_a_permalink_the_card_has_no_thread_link(bot: Bot):
    """chat.getPermalink refused: the card still comes, without the link."""
    url = "https://dash.bugpilot.io/report/no-permalink"
    await _record(bot, url)
    bot.slack.method_errors["chat.getPermalink"] = "message_not_found"
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [url])
    assert audit["outcome"] == "unfurled"
    (call,) = bot.slack.of("chat.unfurl")
    text = json.dumps(_cards(call.args)[url])
    assert "*Bugpilot session replay*" in text
    assert "Open the thread" not in text


async def test_several_known_links_share_one_call_and_one_permalink_lookup(bot: Bot):
    """Two reports of one thread in one message: one chat.unfurl with both cards; the permalink is asked once."""
    first, second = "https://dash.bugpilot.io/report/a", "https://dash.bugpilot.io/report/b"
    await _record(bot, first)
    await _record(bot, second, note="")
    with watch_logs() as logs:
        await _decided(bot, logs, [first, second])
        await _decided(bot, logs, [second])
    calls = bot.slack.of("chat.unfurl")
    assert [list(_cards(call.args)) for call in calls] == [[first, second], [second]]
    assert "Note:" not in json.dumps(_cards(calls[0].args)[second])
    assert len(bot.slack.of("chat.getPermalink")) == 1


async def test_a_person_the_access_policy_refuses_gets_no_unfurl(bot: Bot, aiohttp_client: Any, settings: Settings):
    """With an allow-list that leaves the poster out, the access check stops the event before any lookup."""
    url = "https://dash.bugpilot.io/report/refused-person"
    await _with_settings(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({"U_LEAD"}))
    await _record(bot, url)
    with watch_logs() as logs:
        assert await _share(bot, [url]) == 200
        refused = await logs.next("audit.refused")
        await bot.settle()
    assert refused["kind"] == "event:link_shared"
    assert not logs.of("audit.unfurl")
    assert bot.slack.of("chat.unfurl") == []


async def test_only_the_first_links_of_a_message_are_looked_up(bot: Bot):
    """A message with many links: the first ten are looked up; a known report after them stays a plain link."""
    url = "https://dash.bugpilot.io/report/eleventh"
    await _record(bot, url)
    others = [f"https://dash.bugpilot.io/report/other-{n}" for n in range(10)]
    with watch_logs() as logs:
        audit = await _decided(bot, logs, [*others, url])
    assert (audit["links"], audit["known"], audit["outcome"]) == (11, 0, "none_known")
    assert bot.slack.of("chat.unfurl") == []


async def test_an_event_without_its_channel_is_acknowledged_and_logged(bot: Bot):
    """Unreadable (no channel): Slack gets its 200 so it doesn't redeliver, the crash is logged, nothing is sent."""
    body = json.loads(link_shared_body(["https://dash.bugpilot.io/report/x"], event_id="EvNOCHANNEL"))
    del body["event"]["channel"]
    with watch_logs() as logs:
        response = await bot.post_signed(json.dumps(body), headers={"Content-Type": "application/json"})
        assert response.status == 200
        crash = await logs.next("listener.crashed")
        await bot.settle()
    assert crash["kind"] == "event_callback"
    assert [call.method for call in bot.slack.calls if call.method != "auth.test"] == []


async def test_the_event_is_acknowledged_before_slack_is_asked_anything(bot: Bot):
    """While conversations.info hangs the event already has its 200; the unfurl follows once Slack answers."""
    url = "https://dash.bugpilot.io/report/slow-slack"
    await _record(bot, url)
    gate = bot.slack.gates["conversations.info"] = asyncio.Event()
    with watch_logs() as logs:
        async with asyncio.timeout(2):
            assert await _share(bot, [url]) == 200
        await bot.slack.next_call("conversations.info")
        assert bot.slack.of("chat.unfurl") == []
        gate.set()
        audit = await logs.next("audit.unfurl")
    assert audit["outcome"] == "unfurled"
