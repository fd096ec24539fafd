"""The sandbox's Session Info: served on the bot's Bugpilot origin, logged, and opening the dashboard's report page."""

from __future__ import annotations

import aiohttp
import pytest

from bot.bugpilot.session_info import SessionInfoClient
from bot.errors import ReportNotFound
from tests.sandbox_helpers import (
    Driver,
    buttons,
    driver_fixture,  # noqa: F401 - the "driver" fixture, used by name
    thread_outcome,
)


async def _session_link(driver: Driver, text: str = "/bugpilot screenshot alice@acme.com checkout") -> str:
    await driver.post("command", {"text": text})
    outcome = await driver.until(lambda state: thread_outcome(state, "requested"))
    (link,) = [button["url"] for button in buttons(outcome) if "url" in button]
    return str(link)


async def test_the_bot_may_follow_the_sandbox_link_and_finds_the_report_once_saved(driver: Driver):
    """The link is on BUGPILOT_API_URL's origin; not found until saved, then the dashboard page with the request."""
    link = await _session_link(driver)
    async with aiohttp.ClientSession() as session:
        client = SessionInfoClient.from_settings(session, driver.sandbox.settings)
        assert client.follows(link)
        with pytest.raises(ReportNotFound):
            await client.look(link)
        driver.sandbox.bugpilot.save(link.rsplit("/", 1)[-1])
        ready = await client.look(link)
    assert ready.report_url.startswith(f"{driver.sandbox.url}sandbox/bugpilot/report/")
    async with driver.http.get(ready.report_url) as response:
        assert response.status == 200
        page = await response.text()
    assert "alice@acme.com" in page
    assert "checkout" in page
    state = driver.sandbox.controls.snapshot()
    lines = [f"{line['route']} {line['text']}" for line in state["activity"]]
    assert any("GET /session-info report of upload-screenshot for alice@acme.com" in line for line in lines), lines
    assert any("HTTP 404 REPORT_NOT_FOUND" in line for line in lines), lines
    assert any("HTTP 200 OK (report of upload-screenshot" in line for line in lines), lines


async def test_a_report_page_is_there_only_once_the_report_is_saved(driver: Driver):
    """The dashboard page of a report the browser has not saved yet is a 404."""
    link = await _session_link(driver)
    session = driver.sandbox.bugpilot.sessions[link.rsplit("/", 1)[-1]]
    report_url = driver.sandbox.bugpilot.report_url(session)
    async with driver.http.get(report_url) as response:
        assert response.status == 404


async def test_the_never_saves_switch_keeps_reports_from_arriving(driver: Driver):
    """With "never saves" ticked a capture's report never becomes ready by itself."""
    await driver.post("bugpilot", {"never_saves": True})
    link = await _session_link(driver, "/bugpilot record alice@acme.com")
    assert driver.sandbox.bugpilot.sessions[link.rsplit("/", 1)[-1]].ready_at is None
    assert driver.sandbox.controls.snapshot()["bugpilot"]["never_saves"] is True
