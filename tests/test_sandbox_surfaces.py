"""The sandbox Slack's Home tab, global shortcuts, workflow runs and unfurls: what it sends, how its methods answer."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
from bot.sandbox.features import AppFeatures, app_features, as_function, on_domains
from bot.sandbox.people import ME, SUPPORT
from bot.sandbox.surface_payloads import links_in
from bot.sandbox.surfaces import Surfaces
from bot.sandbox.workspace import SlackError, Workspace
from tests.sandbox_helpers import (
    Driver,
    driver_fixture,  # noqa: F401 - the "driver" fixture, used by name
)

MANIFEST = """
features:
  app_home: {home_tab_enabled: true}
  shortcuts:
    - {name: Capture a customer's screen, type: global, callback_id: cap_global, description: Capture}
    - {name: Capture with Bugpilot, type: message, callback_id: cap_message, description: Capture}
  unfurl_domains: [dash.bugpilot.io]
functions:
  cap_step:
    title: Capture with Bugpilot
    description: Capture
    input_parameters:
      properties:
        customer: {type: string, title: Customer}
        note: {type: string, title: Note}
      required: [customer]
    output_parameters:
      properties:
        report_url: {type: string, title: Report}
        outcome: {type: string, title: Outcome}
      required: [outcome]
settings:
  event_subscriptions:
    bot_events: [app_home_opened, link_shared]
"""
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Your recent captures*"}}


def _surfaces(manifest: str = MANIFEST) -> Surfaces:
    return Surfaces(Workspace(), app_features(manifest))


def _call(surfaces: Surfaces, method: str, **args: Any) -> dict[str, Any]:
    answer: dict[str, Any] = surfaces.methods()[method](args)
    return answer


def _error(surfaces: Surfaces, method: str, **args: Any) -> str:
    with pytest.raises(SlackError) as raised:
        _call(surfaces, method, **args)
    return raised.value.code


def test_app_features_are_what_the_manifest_declares():
    """Home tab, global shortcuts only, the step's parameters in order, unfurl domains, subscribed events."""
    features = app_features(MANIFEST)
    assert features.home_tab
    assert [s["callback_id"] for s in features.global_shortcuts] == ["cap_global"]
    step = features.step("cap_step")
    assert step is not None
    assert [(p.name, p.required) for p in step.inputs] == [("customer", True), ("note", False)]
    assert as_function(step, function_id="Fn1", app_id="A1")["output_parameters"][1]["name"] == "outcome"
    assert features.unfurl_domains == ("dash.bugpilot.io",)
    assert features.bot_events == frozenset({"app_home_opened", "link_shared"})
    assert app_features("features: {}") == AppFeatures()


def test_unfurl_domains_match_the_host_and_its_subdomains_only():
    """dash.bugpilot.io and its subdomains; not a look-alike host or a path that mentions it."""
    domains = ("dash.bugpilot.io",)
    assert on_domains("https://dash.bugpilot.io/report/1", domains)
    assert on_domains("https://eu.dash.bugpilot.io/report/1", domains)
    assert not on_domains("https://dash.bugpilot.io.evil.com/report/1", domains)
    assert not on_domains("https://evil.com/dash.bugpilot.io/report/1", domains)
    assert links_in("a <https://x.io/1> b <https://y.io/2|y> <https://x.io/1>") == ["https://x.io/1", "https://y.io/2"]


def test_views_publish_keeps_one_home_view_per_user_and_refuses_what_slack_refuses():
    """A home view for a member, updated in place; not a modal, no user, unknown user, stale hash."""
    surfaces = _surfaces()
    first = _call(surfaces, "views.publish", user_id=ME, view={"type": "home", "blocks": [SECTION]})["view"]
    again = _call(surfaces, "views.publish", user_id=ME, view={"type": "home", "blocks": [SECTION]}, hash=first["hash"])
    assert again["view"]["id"] == first["id"]
    assert surfaces.snapshot(ME)["home"]["view"]["hash"] == again["view"]["hash"]
    assert _error(surfaces, "views.publish", user_id=ME, view={"type": "modal", "blocks": [SECTION]}) == (
        "invalid_arguments"
    )
    assert _error(surfaces, "views.publish", view={"type": "home", "blocks": [SECTION]}) == "invalid_arguments"
    assert _error(surfaces, "views.publish", user_id="U0NOBODY", view={"type": "home", "blocks": [SECTION]}) == (
        "user_not_found"
    )
    stale = {"user_id": ME, "view": {"type": "home", "blocks": [SECTION]}, "hash": first["hash"]}
    assert _error(surfaces, "views.publish", **stale) == "hash_conflict"
    off = _surfaces("features: {app_home: {home_tab_enabled: false}}")
    assert _error(off, "views.publish", user_id=ME, view={"type": "home", "blocks": [SECTION]}) == "not_enabled"


def test_a_step_run_completes_once_with_the_declared_outputs_and_its_token_then_lapses():
    """completeSuccess checks outputs against the manifest; a second completion and unknown runs are refused."""
    surfaces = _surfaces()
    step = surfaces.features.step("cap_step")
    assert step is not None
    run = surfaces.start_run(step, {"customer": "alice@acme.com"})
    assert surfaces.authorizes("chat.postMessage", run["token"])
    assert _error(surfaces, "functions.completeSuccess", function_execution_id=run["id"], outputs={"x": "1"}) == (
        "parameter_validation_failed"
    )
    assert _error(surfaces, "functions.completeSuccess", function_execution_id=run["id"], outputs={}) == (
        "parameter_validation_failed"
    )
    outputs = '{"outcome": "ready", "report_url": "https://dash.bugpilot.io/report/r1"}'
    assert _call(surfaces, "functions.completeSuccess", function_execution_id=run["id"], outputs=outputs)["ok"]
    shown = surfaces.snapshot(ME)["runs"][0]
    assert (shown["state"], shown["outputs"]["outcome"], "token" in shown) == ("completed", "ready", False)
    assert _error(surfaces, "functions.completeError", function_execution_id=run["id"], error="late") == (
        "execution_not_in_running_state"
    )
    assert not surfaces.authorizes("chat.postMessage", run["token"])
    assert _error(surfaces, "functions.completeError", function_execution_id="Fx0", error="x") == (
        "function_execution_not_found"
    )
    failing = surfaces.start_run(step, {"customer": "carol@acme.com"})
    assert _error(surfaces, "functions.completeError", function_execution_id=failing["id"], error=" ") == (
        "invalid_arguments"
    )
    _call(surfaces, "functions.completeError", function_execution_id=failing["id"], error="They aren't online.")
    assert surfaces.snapshot(ME)["runs"][1]["error"] == "They aren't online."


def test_chat_unfurl_attaches_cards_only_under_links_the_app_was_told_about():
    """channel+ts or unfurl_id+source; each of Slack's argument errors; the card is kept on the message."""
    surfaces = _surfaces()
    ws = surfaces.workspace
    url = "https://dash.bugpilot.io/report/r1"
    message = ws.post(SUPPORT, ME, f"look <{url}> and <https://dash.bugpilot.io/report/r2>")
    unfurl_id = surfaces.announce(message, [url])
    card = {url: {"blocks": [SECTION]}}
    where = {"channel": SUPPORT, "ts": message["ts"]}
    assert _error(surfaces, "chat.unfurl", unfurls=card) == "missing_channel"
    assert _error(surfaces, "chat.unfurl", channel=SUPPORT, unfurls=card) == "missing_ts"
    assert _error(surfaces, "chat.unfurl", **where) == "missing_unfurls"
    assert _error(surfaces, "chat.unfurl", **where, unfurls="[1]") == "invalid_unfurls_format"
    assert _error(surfaces, "chat.unfurl", channel="C0NOWHERE", ts=message["ts"], unfurls=card) == (
        "cannot_find_channel"
    )
    assert _error(surfaces, "chat.unfurl", channel=SUPPORT, ts="1.2", unfurls=card) == "cannot_find_message"
    other = {"https://dash.bugpilot.io/report/r9": {"blocks": [SECTION]}}
    assert _error(surfaces, "chat.unfurl", **where, unfurls=other) == "cannot_unfurl_message"
    unannounced = {"https://dash.bugpilot.io/report/r2": {"blocks": [SECTION]}}
    assert _error(surfaces, "chat.unfurl", **where, unfurls=unannounced) == "cannot_unfurl_url"
    assert _error(surfaces, "chat.unfurl", **where, unfurls={url: {"blocks": "{"}}) == "cannot_parse_attachment"
    assert _error(surfaces, "chat.unfurl", unfurl_id=unfurl_id, unfurls=card) == "invalid_arguments"
    assert _call(surfaces, "chat.unfurl", unfurl_id=unfurl_id, source="conversations_history", unfurls=card)["ok"]
    assert ws.find(SUPPORT, message["ts"])["unfurls"][url]["blocks"][0]["text"] == SECTION["text"]


def _recorder(driver: Driver, seen: list[dict[str, Any]]) -> None:
    """A Bolt middleware that records what the bot receives and answers events itself."""

    async def record(body: dict[str, Any], next: Any) -> Any:  # noqa: A002 - Bolt's name
        seen.append(body)
        if body.get("type") == "event_callback":
            return BoltResponse(status=200, body="")
        return await next()

    driver.sandbox.app[BOLT].middleware(record)


async def test_a_posted_report_link_becomes_link_shared_and_other_links_do_not(driver: Driver):
    """Links on the manifest's unfurl domain, or the sandbox's own dashboard standing in for it; not others."""
    seen: list[dict[str, Any]] = []
    _recorder(driver, seen)
    dash = f"{driver.sandbox.url}sandbox/bugpilot/report/r1"
    await driver.post("message", {"text": "see https://example.com/x"})
    await driver.post("message", {"text": f"see https://dash.bugpilot.io/report/r0 and {dash}"})
    events = [body["event"] for body in seen if body.get("event", {}).get("type") == "link_shared"]
    assert len(events) == 1
    event = events[0]
    assert [link["url"] for link in event["links"]] == ["https://dash.bugpilot.io/report/r0", dash]
    assert event["links"][0]["domain"] == "dash.bugpilot.io"
    assert (event["channel"], event["source"], event["user"]) == (SUPPORT, "conversations_history", ME)
    assert event["unfurl_id"]
    assert driver.sandbox.workspace.find(SUPPORT, event["message_ts"])


async def test_home_shortcut_and_step_send_what_slack_sends(driver: Driver):
    """app_home_opened (tab home), a global shortcut with a trigger and no channel, function_executed with a token."""
    seen: list[dict[str, Any]] = []
    _recorder(driver, seen)
    await driver.post("home/open", {})
    await driver.post("shortcut/global", {"callback_id": "bugpilot_capture_global"})
    started = await driver.post("workflow/run", {"callback_id": "bugpilot_capture_step", "inputs": {"customer": "x"}})
    assert started["result"] == "missing_inputs"
    inputs = {"customer": "alice@acme.com", "action": "screenshot", "note": ""}
    started = await driver.post("workflow/run", {"callback_id": "bugpilot_capture_step", "inputs": inputs})
    home, shortcut, step = seen
    assert (home["event"]["type"], home["event"]["tab"], home["event"]["user"]) == ("app_home_opened", "home", ME)
    assert (shortcut["type"], shortcut["callback_id"], "channel" in shortcut) == (
        "shortcut",
        "bugpilot_capture_global",
        False,
    )
    assert shortcut["trigger_id"]
    event = step["event"]
    assert (event["type"], event["function"]["callback_id"]) == ("function_executed", "bugpilot_capture_step")
    assert event["inputs"] == {"customer": "alice@acme.com", "action": "screenshot"}
    assert event["function_execution_id"] == started["run"]
    client = AsyncWebClient(token=event["bot_access_token"], base_url=driver.sandbox.settings.slack_api_url)
    await client.functions_completeError(function_execution_id=event["function_execution_id"], error="no")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=SUPPORT, text="after the run ended")
    assert refused.value.response["error"] == "invalid_auth"


def test_step_parameters_are_read_in_the_manifest_schemas_form_too():
    """Slack's manifest form: a map of name to parameter with ``is_required`` on each."""
    manifest = """
functions:
  cap_step:
    title: Capture
    input_parameters:
      customer: {type: string, name: customer, title: Customer, is_required: true}
      note: {type: string, name: note, title: Note, is_required: false}
    output_parameters:
      outcome: {type: string, name: outcome, title: Outcome, is_required: true}
"""
    step = app_features(manifest).step("cap_step")
    assert step is not None
    assert [(p.name, p.title, p.required) for p in step.inputs] == [
        ("customer", "Customer", True),
        ("note", "Note", False),
    ]
    assert [p.name for p in step.outputs if p.required] == ["outcome"]


async def test_events_of_these_surfaces_are_delivered_again_when_the_sandbox_says_so(driver: Driver):
    """With "Deliver each event twice" on, link_shared comes again with Slack's retry headers, as app_mention does."""
    driver.sandbox.workspace.duplicate_events = True
    await driver.post("message", {"text": "see https://dash.bugpilot.io/report/r0"})
    lines = [line.text for line in driver.sandbox.workspace.activity if line.text.startswith("link_shared event")]
    assert len(lines) == 2
    assert "again, retry 1" in lines[1]
