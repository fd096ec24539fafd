"""End to end: Try again and Keep trying buttons, clicked through signed requests to the real server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import STORE, WATCHES, create_app
from bot.settings import Settings
from bot.store.schema import captures
from tests.conftest import Bot
from tests.fakes import Call
from tests.interactions import blocks_of, buttons, click, mention_event
from tests.logwatch import watch_logs

CUSTOMER = "alice@acme.com"


async def _offline_outcome(bot: Bot, text: str = f"screenshot {CUSTOMER} checkout fails") -> tuple[Call, str]:
    """Run a command while the customer is offline; the outcome message in the thread and its ts."""
    await bot.command(text)
    await bot.slack.next_call("chat.postMessage")
    outcome = await bot.slack.next_call("chat.postMessage")
    await bot.slack.next_call("chat.update")
    await bot.bugpilot.next_arrival()
    return outcome, bot.slack.ts_of(outcome)


async def _update_of(bot: Bot, ts: str, containing: str) -> Call:
    """The next chat.update of message ``ts`` whose text contains ``containing``."""
    while True:
        call = await bot.slack.next_call("chat.update")
        if call.args["ts"] == ts and containing in call.args["text"]:
            return call


async def _with_settings(bot: Bot, aiohttp_client: Any, settings: Settings, **changes: Any) -> Bot:
    bot.client = await aiohttp_client(create_app(settings.model_copy(update=changes)))
    return bot


async def test_try_again_repeats_the_capture_and_updates_the_outcome_in_place(bot: Bot, online: set[str]):
    """Try again sends the same action, customer and note, and shows attempt 2's result in the same message."""
    outcome, ts = await _offline_outcome(bot)
    assert set(buttons(outcome.args)) == {"bugpilot_try_again", "bugpilot_keep_trying", "bugpilot_still_failing"}
    online.add(CUSTOMER)

    response = await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
    assert response.status == 200
    working = await _update_of(bot, ts, "Trying again (attempt 2)")
    assert buttons(working.args) == {}
    arrival = await bot.bugpilot.next_arrival()
    assert arrival == {
        "workspaceId": "ws_acme",
        "userId": CUSTOMER,
        "action": "upload-screenshot",
        "userProvidedDescription": arrival["userProvidedDescription"],
    }
    assert arrival["userProvidedDescription"].startswith("checkout fails\n\nAsked by Dana Agent in Slack: https://")
    done = await _update_of(bot, ts, "Screenshot requested")
    assert "attempt 2" in json.dumps(blocks_of(done.args))
    assert "bugpilot_try_again" not in buttons(done.args)
    status = bot.slack.of("chat.update")[-2]
    assert "waiting for the report" in status.args["text"]
    assert status.args["ts"] == outcome.args["thread_ts"]


async def test_try_again_that_fails_again_offers_the_buttons_again(bot: Bot):
    """A second failure shows attempt 2 with fresh buttons that lead to attempt 3."""
    outcome, ts = await _offline_outcome(bot)
    with watch_logs() as logs:
        await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
        again = await _update_of(bot, ts, "isn't online")
        await logs.next("followup.handled")
    assert "attempt 2" in json.dumps(blocks_of(again.args))
    await bot.interact(click(again.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
    third = await _update_of(bot, ts, "isn't online")
    assert "attempt 3" in json.dumps(blocks_of(third.args))
    assert len(bot.bugpilot.sim.received) == 3


async def test_a_late_click_on_an_old_copy_of_the_button_makes_no_call(bot: Bot):
    """Once attempt 2 was made from a message, a click carrying attempt 1's button again is refused."""
    outcome, ts = await _offline_outcome(bot)
    with watch_logs() as logs:
        await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
        await _update_of(bot, ts, "isn't online")
        await logs.next("followup.handled")
    await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url("late")))
    told = await bot.slack.next_call("respond")
    assert "already did it" in json.dumps(told.args)
    await bot.settle()
    assert len(bot.bugpilot.sim.received) == 2


async def test_two_simultaneous_clicks_make_one_call(bot: Bot, online: set[str]):
    """A double click, or two people at once: one Bugpilot call; the other click is told it is running."""
    outcome, ts = await _offline_outcome(bot)
    online.add(CUSTOMER)
    bot.bugpilot.gate = asyncio.Event()
    first = click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url("one"), user_id="U_ONE")
    second = click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url("two"), user_id="U_TWO")
    # A double click is two interactions, each with its own trigger_id.
    double = {**first, "trigger_id": f"{first['trigger_id']}.2"}

    responses = await asyncio.gather(bot.interact(first), bot.interact(second), bot.interact(double))
    assert [r.status for r in responses] == [200, 200, 200]
    await bot.bugpilot.next_arrival()
    told = [await bot.slack.next_call("respond"), await bot.slack.next_call("respond")]
    assert all("already on it" in json.dumps(call.args) for call in told)
    bot.bugpilot.gate.set()
    await _update_of(bot, ts, "Screenshot requested")
    assert len(bot.bugpilot.sim.received) == 2
    assert bot.bugpilot.arrived.empty()


def _tamper(value: str) -> str:
    signature, body = value.split(".", 1)
    return f"{signature}.{body.replace('alice', 'mallory')}"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_tamper, id="edited-customer"),
        pytest.param(lambda v: v[:-5], id="truncated"),
        pytest.param(lambda _: "garbage", id="garbage"),
        pytest.param(lambda _: "", id="empty"),
        pytest.param(lambda _: "x" * 3000, id="too-long"),
        pytest.param(lambda v: v.split(".", 1)[0] + '.j{"a":"upload-screenshot"}', id="made-up"),
    ],
)
async def test_tampered_button_value_gets_a_clear_message_and_no_call(bot: Bot, change: Any):
    """A value that isn't exactly what the bot signed is refused privately; Bugpilot is not called."""
    outcome, ts = await _offline_outcome(bot)
    value = change(buttons(outcome.args)["bugpilot_try_again"])
    payload = click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url("t"), value=value)
    assert (await bot.interact(payload)).status == 200
    reply = await bot.slack.next_call("respond")
    assert "That button doesn't check out" in reply.args["text"]
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args.get("replace_original") is False
    await bot.settle()
    assert bot.bugpilot.arrived.empty()
    assert len(bot.bugpilot.sim.received) == 1
    assert not bot.slack.of("chat.update")[1:]


async def test_button_value_from_another_conversation_is_refused(bot: Bot):
    """A genuine value replayed in another channel does not run."""
    outcome, ts = await _offline_outcome(bot)
    payload = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url(), channel_id="C_OTHER")
    await bot.interact(payload)
    reply = await bot.slack.next_call("respond")
    assert "doesn't check out" in reply.args["text"]
    await bot.settle()
    assert len(bot.bugpilot.sim.received) == 1


async def test_only_outcomes_where_trying_again_helps_get_buttons(bot: Bot):
    """A wrong API key gets no Try again; a Bugpilot 5xx gets Try again but not Keep trying."""
    bot.bugpilot.sim.failure = "INVALID_API_KEY"
    await bot.command(f"screenshot {CUSTOMER}")
    await bot.slack.next_call("chat.postMessage")
    refused = await bot.slack.next_call("respond")  # a set-up problem goes to the requester only
    assert buttons(refused.args) == {}

    bot.bugpilot.sim.failure = "HTML_502"
    await bot.command(f"screenshot {CUSTOMER}")
    await bot.slack.next_call("chat.postMessage")
    failing = await bot.slack.next_call("chat.postMessage")
    assert set(buttons(failing.args)) == {"bugpilot_try_again"}


async def test_try_again_on_a_private_outcome_replaces_it_through_response_url(bot: Bot, online: set[str]):
    """An outcome sent privately (the bot can't post) is replaced through the click's response_url."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await bot.command(f"record {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    assert "bugpilot_try_again" in buttons(private.args)
    online.add(CUSTOMER)
    payload = click(
        private.args, "bugpilot_try_again", ts="1700000000.000009", response_url=bot.response_url("p"), ephemeral=True
    )
    await bot.interact(payload)
    working = await bot.slack.next_call("respond")
    assert working.args["replace_original"] is True
    assert "Trying again" in working.args["text"]
    done = await bot.slack.next_call("respond")
    assert done.args["replace_original"] is True
    assert "Screen recording requested" in done.args["text"]
    assert not bot.slack.of("chat.update")


async def test_a_private_outcome_whose_response_url_is_spent_comes_as_a_direct_message(bot: Bot, online: set[str]):
    """Try again on a private outcome after its response_url ran out: the result reaches the person directly."""
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await bot.command(f"record {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    online.add(CUSTOMER)
    bot.slack.spent_response_urls.add("spent")
    payload = click(
        private.args,
        "bugpilot_try_again",
        ts="1700000000.000009",
        response_url=bot.response_url("spent"),
        ephemeral=True,
    )
    await bot.interact(payload)
    direct = await bot.slack.next_call("chat.postMessage")
    assert direct.args["channel"] == "U_AGENT"
    assert "Screen recording requested" in direct.args["text"]
    await bot.settle()
    direct_messages = [call for call in bot.slack.of("chat.postMessage") if call.args["channel"] == "U_AGENT"]
    assert len(direct_messages) == 2  # the result, then the notice that its report is ready
    assert "Report ready" in direct_messages[1].args["text"]


async def test_keep_trying_captures_when_the_customer_comes_online(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """Keep trying retries on the schedule; when the customer is online it captures and notifies both people once."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=0.05)
    outcome, ts = await _offline_outcome(bot)
    payload = click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url(), user_id="U_HELPER")
    await bot.interact(payload)
    await bot.bugpilot.next_arrival()
    watching = await _update_of(bot, ts, "Still trying")
    assert set(buttons(watching.args)) == {"bugpilot_stop"}
    assert "<@U_HELPER>" in json.dumps(blocks_of(watching.args))

    with watch_logs() as logs:
        online.add(CUSTOMER)
        done = await _update_of(bot, ts, "Screenshot requested")
        head = json.dumps(blocks_of(done.args)[0])
        assert "<@U_AGENT>" not in head  # an edited message notifies nobody: the notice does
        assert "came online" in head
        notice = await bot.slack.next_call("chat.postMessage")
        assert notice.args["thread_ts"] == outcome.args["thread_ts"]
        told = json.dumps(blocks_of(notice.args))
        assert told.count("<@U_AGENT>") == 1
        assert told.count("<@U_HELPER>") == 1
        assert (await logs.next("watch.ended"))["end"] == "success"
    health = await (await bot.client.get("/healthz")).json()
    assert health["watches"] == 0


async def test_stop_ends_keep_trying_and_offers_the_buttons_again(bot: Bot, aiohttp_client: Any, settings: Settings):
    """Stop ends the watch at once: the message says who stopped it, and no further call is made."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=30)
    outcome, ts = await _offline_outcome(bot)
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    watching = await _update_of(bot, ts, "Still trying")
    assert (await (await bot.client.get("/healthz")).json())["watches"] == 1

    with watch_logs() as logs:
        stop = click(watching.args, "bugpilot_stop", ts=ts, response_url=bot.response_url(), user_id="U_LEAD")
        await bot.interact(stop)
        stopped = await _update_of(bot, ts, "stopped Keep trying after 1 more attempt")
        assert (await logs.next("watch.ended"))["end"] == "stopped"
    assert "<@U_LEAD>" in json.dumps(blocks_of(stopped.args))
    assert set(buttons(stopped.args)) == {"bugpilot_try_again", "bugpilot_keep_trying", "bugpilot_still_failing"}
    assert len(bot.bugpilot.sim.received) == 2
    assert (await (await bot.client.get("/healthz")).json())["watches"] == 0

    late = click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url("late"))
    await bot.interact(late)
    told = await bot.slack.next_call("respond")
    assert "already did it" in json.dumps(told.args)
    await bot.settle()
    assert len(bot.bugpilot.sim.received) == 2


async def test_shutdown_hands_keep_trying_to_the_next_process(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """On shutdown a watch's message says it goes on after the restart; another process takes it over and finishes."""
    first = bot.client  # still serving on the same store: the process that carries on
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=30)
    outcome, ts = await _offline_outcome(bot)
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    await _update_of(bot, ts, "Still trying")

    online.add(CUSTOMER)  # the customer comes online while the bot restarts
    async with asyncio.timeout(5):
        await bot.client.close()
    paused = await _update_of(bot, ts, "Bugpilot is restarting")
    assert set(buttons(paused.args)) == {"bugpilot_stop"}
    assert len(bot.bugpilot.sim.received) == 2
    assert first.app[WATCHES] is not None

    done = await _update_of(bot, ts, "requested from")
    assert "came online: captured on attempt 3" in json.dumps(blocks_of(done.args))
    assert len(bot.bugpilot.sim.received) == 3


async def test_keep_trying_gives_up_when_time_is_up(bot: Bot, aiohttp_client: Any, settings: Settings):
    """After BUGPILOT_KEEP_TRYING_FOR the watch ends and says the customer never came online."""
    bot = await _with_settings(
        bot, aiohttp_client, settings, bugpilot_keep_trying_every=0.02, bugpilot_keep_trying_for=0.1
    )
    outcome, ts = await _offline_outcome(bot)
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    ended = await _update_of(bot, ts, "never came online")
    assert set(buttons(ended.args)) == {"bugpilot_try_again", "bugpilot_keep_trying", "bugpilot_still_failing"}
    assert 2 <= len(bot.bugpilot.sim.received) <= 7


async def test_keep_trying_stops_on_another_error(bot: Bot, aiohttp_client: Any, settings: Settings):
    """A different error ends the watch with that error's outcome."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=0.05)
    outcome, ts = await _offline_outcome(bot)
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    await _update_of(bot, ts, "Still trying")
    bot.bugpilot.sim.failure = "INVALID_API_KEY"
    ended = await _update_of(bot, ts, "a different problem came up")
    assert "BUGPILOT_API_KEY" in json.dumps(blocks_of(ended.args))
    assert buttons(ended.args) == {}


async def test_watches_are_limited_per_person_and_per_process(bot: Bot, aiohttp_client: Any, settings: Settings):
    """Beyond the limits, Keep trying is refused with a clear private message and nothing runs."""
    bot = await _with_settings(
        bot,
        aiohttp_client,
        settings,
        bugpilot_keep_trying_every=30,
        bugpilot_keep_trying_max=2,
        bugpilot_keep_trying_max_per_user=1,
    )
    outcomes = [await _offline_outcome(bot, f"screenshot cust_{n}") for n in range(3)]

    def keep(n: int, user: str) -> dict[str, Any]:
        call, ts = outcomes[n]
        return click(call.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url(user), user_id=user)

    await bot.interact(keep(0, "U_ONE"))
    await _update_of(bot, outcomes[0][1], "Still trying")
    await bot.interact(keep(1, "U_ONE"))
    per_person = await bot.slack.next_call("respond")
    assert "the most per person" in json.dumps(per_person.args)

    await bot.interact(keep(1, "U_TWO"))
    await _update_of(bot, outcomes[1][1], "Still trying")
    await bot.interact(keep(2, "U_THREE"))
    per_process = await bot.slack.next_call("respond")
    assert "the most this bot allows" in json.dumps(per_process.args)
    assert len(bot.bugpilot.sim.received) == 5


async def test_stop_when_nothing_runs_restores_the_buttons(bot: Bot):
    """Stop on a message whose watch is gone (say, after a crash) puts Try again and Keep trying back."""
    outcome, ts = await _offline_outcome(bot)
    stale = click(outcome.args, "bugpilot_stop", ts=ts, response_url=bot.response_url())
    stale["actions"][0]["value"] = buttons(outcome.args)["bugpilot_try_again"]
    await bot.interact(stale)
    restored = await _update_of(bot, ts, "no longer running")
    assert set(buttons(restored.args)) == {"bugpilot_try_again", "bugpilot_keep_trying", "bugpilot_still_failing"}
    assert len(bot.bugpilot.sim.received) == 1


async def test_try_again_works_on_an_outcome_of_a_mention_in_a_thread(bot: Bot, online: set[str]):
    """Outcomes from other surfaces get the same buttons; the thread reply is updated in place."""
    event = mention_event(user_id="U_AGENT", channel_id="C_SUPPORT")
    await bot.post_signed(json.dumps(event), headers={"Content-Type": "application/json"})
    working = await bot.slack.next_call("chat.postMessage")
    assert working.args["thread_ts"] == "1700000000.000200"
    ts = bot.slack.ts_of(working)
    outcome = await _update_of(bot, ts, "isn't online")
    await bot.bugpilot.next_arrival()
    online.add("bob@customer.io")
    await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
    done = await _update_of(bot, ts, "Screenshot requested")
    assert "attempt 2" in json.dumps(blocks_of(done.args))
    assert len(bot.bugpilot.sim.received) == 2


async def test_try_again_works_on_an_outcome_sent_by_direct_message(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """When the outcome had to come as a DM, its buttons work there, and count as the original channel."""
    restricted = {"bugpilot_allowed_channels": frozenset({"C_SUPPORT"})}
    bot = await _with_settings(bot, aiohttp_client, settings, **restricted)
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    event = mention_event(user_id="U_AGENT", channel_id="C_SUPPORT")
    await bot.post_signed(json.dumps(event), headers={"Content-Type": "application/json"})
    direct = await bot.slack.next_call("chat.postMessage")
    while direct.args["channel"] != "U_AGENT":
        direct = await bot.slack.next_call("chat.postMessage")
    assert "bugpilot_try_again" in buttons(direct.args)
    await bot.bugpilot.next_arrival()
    online.add("bob@customer.io")
    payload = click(
        direct.args, "bugpilot_try_again", ts=bot.slack.ts_of(direct), response_url="", channel_id="D0AGENTDM"
    )
    await bot.interact(payload)
    done = await _update_of(bot, payload["container"]["message_ts"], "requested")
    assert done.args["channel"] == "D0AGENTDM"
    assert len(bot.bugpilot.sim.received) == 2


async def test_a_try_again_in_flight_is_written_down_with_its_message(bot: Bot):
    """While Try again waits on Bugpilot its capture is a row naming the outcome message, so a crash is told there."""
    outcome, ts = await _offline_outcome(bot)
    bot.bugpilot.gate = asyncio.Event()
    await bot.interact(click(outcome.args, "bugpilot_try_again", ts=ts, response_url=bot.response_url()))
    await bot.bugpilot.next_arrival()
    store = bot.client.app[STORE]
    async with store.transaction() as conn:
        rows = (await conn.execute(select(captures.c.state, captures.c.status_ts, captures.c.surface))).all()
    assert ("working", ts, "retry") in [tuple(row) for row in rows]
    bot.bugpilot.gate.set()
    await _update_of(bot, ts, "isn't online")
    await bot.settle()
    async with store.transaction() as conn:
        states = (await conn.execute(select(captures.c.state).where(captures.c.status_ts == ts))).scalars().all()
    assert states == ["finished"]


async def test_keep_trying_says_still_trying_in_the_channel_while_it_tries(
    bot: Bot, aiohttp_client: Any, settings: Settings
):
    """The request message in the channel says "still trying" while Keep trying runs."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=30)
    outcome, ts = await _offline_outcome(bot)
    await bot.interact(click(outcome.args, "bugpilot_keep_trying", ts=ts, response_url=bot.response_url()))
    line = await _update_of(bot, outcome.args["thread_ts"], "still trying")
    assert line.args["channel"] == outcome.args["channel"]
    watching = await _update_of(bot, ts, "Still trying")
    await bot.interact(click(watching.args, "bugpilot_stop", ts=ts, response_url=bot.response_url()))
    await _update_of(bot, outcome.args["thread_ts"], "didn't work")


async def test_a_private_watchs_success_is_announced_in_a_new_private_message(
    bot: Bot, aiohttp_client: Any, settings: Settings, online: set[str]
):
    """Keep trying on an outcome sent privately: its success replaces it and a new private message tells them."""
    bot = await _with_settings(bot, aiohttp_client, settings, bugpilot_keep_trying_every=0.05, bugpilot_report_wait=0)
    bot.slack.post_errors["C_SUPPORT"] = "not_in_channel"
    await bot.command(f"screenshot {CUSTOMER}")
    private = await bot.slack.next_call("respond")
    await bot.bugpilot.next_arrival()
    payload = click(
        private.args, "bugpilot_keep_trying", ts="1700000000.000009", response_url=bot.response_url("p"), ephemeral=True
    )
    await bot.interact(payload)
    await bot.bugpilot.next_arrival()
    online.add(CUSTOMER)
    while "Screenshot requested" not in (done := await bot.slack.next_call("respond")).args["text"]:
        pass
    assert done.args["replace_original"] is True
    notice = await bot.slack.next_call("respond")
    assert notice.args["replace_original"] is False
    assert notice.args["response_type"] == "ephemeral"
    assert "came online" in notice.args["text"]
    assert json.dumps(blocks_of(notice.args)).count("<@U_AGENT>") == 1
