"""End to end: the App Home tab, as signed ``app_home_opened`` events to the real server."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import STORE, create_app
from bot.home_blocks import ACTION_NEW_CAPTURE
from bot.settings import Settings
from bot.surfaces.home import GUEST_REASON
from tests.conftest import Bot
from tests.fakes import TEAM_ID, Call, event_body
from tests.logwatch import watch_logs

CUSTOMER = "alice@acme.com"
_ids = itertools.count(1)


def opened(user: str = "U_AGENT", *, tab: str = "home", **extra: Any) -> dict[str, Any]:
    """An ``app_home_opened`` event as Slack sends it."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D_{user}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
        **extra,
    }


async def deliver(bot: Bot, event: dict[str, Any]) -> float:
    """Deliver ``event`` signed; returns how long the acknowledgement took (seconds)."""
    started = time.monotonic()
    body = event_body(event, event_id=f"EvH{next(_ids):08d}")
    response = await bot.post_signed(body, headers={"Content-Type": "application/json"})
    assert response.status == 200
    return time.monotonic() - started


async def published(bot: Bot, user: str = "U_AGENT") -> dict[str, Any]:
    """The next Home view published for ``user``."""
    while True:
        call = await bot.slack.next_call("views.publish")
        if call.args["user_id"] == user:
            view = call.args["view"]
            found: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
            return found


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def team_part(view: dict[str, Any]) -> str:
    """The blocks after the team header."""
    blocks = view["blocks"]
    start = next(i for i, block in enumerate(blocks) if "team's recent captures" in json.dumps(block))
    return json.dumps(blocks[start:], ensure_ascii=False)


async def captured(bot: Bot, user: str = "U_AGENT", customer: str = CUSTOMER) -> None:
    """A real capture through the fake Bugpilot, followed to its report."""
    bot.bugpilot.sim.online.add(customer)
    with watch_logs() as logs:
        await bot.command(f"screenshot {customer} checkout fails", user_id=user)
        await logs.next("audit.report", timeout=20)
    await bot.settle()


async def restricted(bot: Bot, aiohttp_client: Any, settings: Settings, **changes: Any) -> Bot:
    bot.client = await aiohttp_client(create_app(settings.model_copy(update=changes)))
    return bot


async def test_own_capture_is_listed_with_its_report_after_a_real_capture(bot: Bot):
    """A capture ran through the fake Bugpilot: the Home lists it, Report ready, Open report, setup accepted."""
    await captured(bot)
    await deliver(bot, opened())
    view = await published(bot)
    assert view["type"] == "home"
    blocks = shown(view)
    assert "*Screenshot* of *alice@acme.com*" in blocks
    assert "Report ready" in blocks
    assert "Note: checkout fails" in blocks
    assert "Bugpilot reachable, key accepted · last call <!date^" in blocks
    (session,) = bot.bugpilot.sim.sessions.values()
    assert bot.bugpilot.sim.report_url(session) in blocks
    assert ACTION_NEW_CAPTURE in blocks
    assert len(bot.bugpilot.sim.received) == 1  # opening the Home called Bugpilot for nothing


async def test_acknowledges_at_once_while_the_publish_is_under_way(bot: Bot):
    """The event is acknowledged before views.publish answers."""
    bot.slack.gates["views.publish"] = asyncio.Event()
    waited = await deliver(bot, opened())
    await bot.slack.next_call("views.publish")
    assert waited < 3
    bot.slack.gates["views.publish"].set()


async def test_messages_tab_is_left_alone(bot: Bot):
    """Opening the Messages tab publishes nothing."""
    with watch_logs() as logs:
        await deliver(bot, opened(tab="messages"))
        await logs.next("home.ignored")
    await bot.settle()
    assert not bot.slack.of("views.publish")


async def test_a_repeated_event_within_a_second_publishes_once(bot: Bot):
    """Two opens in a row by one person: one views.publish."""
    with watch_logs() as logs:
        await deliver(bot, opened())
        await deliver(bot, opened())
        await logs.next("home.repeated")
        await logs.next("home.published")
    await bot.settle()
    assert len(bot.slack.of("views.publish")) == 1


async def test_allowed_people_see_the_team_and_refused_ones_only_their_own(
    bot: Bot, aiohttp_client: Any, settings: Settings
):
    """With an allow-list: a listed person sees the team's captures; another sees their own and why not."""
    bot = await restricted(bot, aiohttp_client, settings, bugpilot_allowed_users=frozenset({"U_AGENT"}))
    await captured(bot)
    with watch_logs() as logs:
        await deliver(bot, opened("U_AGENT"))
        allowed = await published(bot, "U_AGENT")
        await deliver(bot, opened("U_OTHER"))
        refused = await published(bot, "U_OTHER")
        await logs.next("audit.home")
        await logs.next("audit.home")
    assert "alice@acme.com" in team_part(allowed)
    assert "asked by <@U_AGENT>" in team_part(allowed)
    assert "alice@acme.com" not in shown(refused)
    assert "You're not among the people allowed to capture" in team_part(refused)
    assert ACTION_NEW_CAPTURE not in shown(refused)
    assert not bot.slack.of("chat.postEphemeral")  # the Home itself says why; no refusal message
    audits = {entry["user_id"]: entry for entry in logs.of("audit.home")}
    assert audits["U_AGENT"]["team_shown"] is True
    assert audits["U_OTHER"]["team_shown"] is False


async def test_a_channel_allow_list_does_not_hide_the_team_from_people_who_may_capture(
    bot: Bot, aiohttp_client: Any, settings: Settings
):
    """Channels limit where captures are asked, not who sees them: the Home's DM is no refusal."""
    bot = await restricted(bot, aiohttp_client, settings, bugpilot_allowed_channels=frozenset({"C_SUPPORT"}))
    await captured(bot)
    await deliver(bot, opened())
    assert "alice@acme.com" in team_part(await published(bot))


@pytest.mark.parametrize(
    "extra",
    [
        {"user_team": "T_CUSTOMER"},
        {"view": {"id": "V0HOME", "type": "home", "team_id": "T_CUSTOMER"}},
    ],
)
async def test_a_slack_connect_guest_sees_no_team_captures(bot: Bot, extra: dict[str, Any]):
    """A user of another workspace: their own section, the reason, no team captures, no setup line."""
    await captured(bot)
    await deliver(bot, opened("U_GUEST", **extra))
    view = await published(bot, "U_GUEST")
    assert "alice@acme.com" not in shown(view)
    assert GUEST_REASON in shown(view)
    assert "Bugpilot reachable" not in shown(view)


async def test_a_member_of_the_installed_workspace_is_no_guest(bot: Bot):
    """The payload naming the installed workspace everywhere: the team's captures are shown."""
    await captured(bot)
    await deliver(bot, opened(user_team=TEAM_ID, view={"id": "V0HOME", "type": "home", "team_id": TEAM_ID}))
    assert "alice@acme.com" in team_part(await published(bot))


async def test_store_down_still_publishes_a_home_with_a_plain_line(bot: Bot):
    """The records can't be read: the Home says so, and is published anyway."""
    async with bot.client.app[STORE].transaction() as conn:
        await conn.execute(text("ALTER TABLE captures RENAME TO captures_away"))
    with watch_logs() as logs:
        await deliver(bot, opened())
        view = await published(bot)
        await logs.next("home.store_unavailable")
    assert "I can't read the captures right now" in shown(view)
    assert "Setup unknown" in shown(view)


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        ({"method_errors": {"views.publish": "not_enabled"}}, "not_enabled"),
        ({"html_pages": {"views.publish"}}, None),
        ({"rate_limited": {"views.publish": 10}}, "ratelimited"),
    ],
)
async def test_slack_refusing_the_publish_is_logged_by_name_and_survived(
    bot: Bot, breakage: dict[str, Any], error: str | None
):
    """Home tab off, Slack down, rate limited: one warning naming it, and the bot goes on serving."""
    for name, value in breakage.items():
        setattr(bot.slack, name, value)
    with watch_logs() as logs:
        await deliver(bot, opened())
        failed = await logs.next("home.publish_failed", timeout=10)
    assert failed["method"] == "views.publish"
    assert failed["error"] == (error or failed["error"])
    assert failed["error"]
    assert failed["log_level"] == "warning"
    assert not logs.of("audit.home")
    response = await bot.client.get("/healthz")
    assert response.status == 200


def _publish_of(calls: list[Call], user: str) -> list[Call]:
    return [call for call in calls if call.args.get("user_id") == user]


async def test_each_person_gets_their_own_home(bot: Bot):
    """Two people: each views.publish names its user, and each lists only that person's captures as theirs."""
    await captured(bot, "U_AGENT", "alice@acme.com")
    await deliver(bot, opened("U_LEE"))
    view = await published(bot, "U_LEE")
    own = json.dumps(view["blocks"][: next(i for i, b in enumerate(view["blocks"]) if "team's" in json.dumps(b))])
    assert "alice@acme.com" not in own
    assert "No captures yet" in own
    assert "alice@acme.com" in team_part(view)
    assert len(_publish_of(bot.slack.of("views.publish"), "U_LEE")) == 1


async def test_open_report_from_the_home_is_acknowledged(bot: Bot):
    """A click on the Home's Open report link: acknowledged at once (Slack opens the link), nothing sent."""
    await captured(bot)
    await deliver(bot, opened())
    view = await published(bot)
    button = next(block["accessory"] for block in view["blocks"] if block.get("accessory", {}).get("url"))
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U_AGENT", "team_id": TEAM_ID},
        "api_app_id": "A_BUGPILOT",
        "container": {"type": "view", "view_id": "VHU_AGENT"},
        "trigger_id": f"{time.time()}.trigger",
        "view": {"id": "VHU_AGENT", "type": "home", "team_id": TEAM_ID},
        "actions": [{"action_id": button["action_id"], "type": "button", "action_ts": f"{time.time():.6f}"}],
    }
    calls = len(bot.slack.calls)
    response = await bot.interact(payload)
    assert response.status == 200
    await bot.settle()
    assert bot.slack.calls[calls:] == []


async def test_showing_the_home_logs_no_note_and_no_customer(bot: Bot):
    """The Home's log lines (and its audit line) carry neither the note nor the customer."""
    await captured(bot)
    with watch_logs() as logs:
        await deliver(bot, opened())
        await published(bot)
        await logs.next("audit.home")
        await bot.settle()
    dumped = json.dumps(logs.entries, default=str)
    assert "checkout fails" not in dumped
    assert CUSTOMER not in dumped


async def test_the_home_is_refreshed_when_the_requesters_capture_ends(bot: Bot):
    """Home open, then a capture: its outcome and then its ready report are published again unasked."""
    await deliver(bot, opened())
    assert "No captures yet" in shown(await published(bot))
    bot.bugpilot.sim.online.add(CUSTOMER)
    await bot.command(f"screenshot {CUSTOMER}")
    while "Report ready" not in shown(view := await published(bot)):
        assert "alice@acme.com" in shown(view)
    opens = [call for call in bot.slack.calls if call.method == "views.publish"]
    assert len(opens) >= 2


async def test_nobody_elses_home_is_refreshed(bot: Bot):
    """A Home shown to someone else is not published again when another person's capture ends."""
    await deliver(bot, opened("U_LEE"))
    await published(bot, "U_LEE")
    await captured(bot)
    assert len(bot.slack.of("views.publish")) == 1
