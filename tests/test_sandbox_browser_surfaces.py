"""The app's Home tab, global shortcut, Workflow Builder step and unfurls in the sandbox page, against the real bot.

Set ``SANDBOX_SCREENSHOTS=docs`` to save the README's screenshot of each while the tests run.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from bot.sandbox.features import app_features
from tests.browser_helpers import (
    BROWSER_LOOP,
    browser_fixture,  # noqa: F401 - fixtures, used by name
    channel_message,
    driver_fixture,  # noqa: F401
    no_raw_markup,
    open_thread,
    page_fixture,  # noqa: F401
    problems_fixture,  # noqa: F401
    run,
    screenshot,
)
from tests.sandbox_helpers import Driver

pytestmark = BROWSER_LOOP
# The sandbox saves a screenshot's report 2 s after acceptance; the bot's looks come 2 s and 5 s after it.
REPORT_MS = 15_000
HELD_S = 3600.0
MODAL_TITLE = "Capture with Bugpilot"


def _global_shortcut_name() -> str:
    shortcuts = app_features().global_shortcuts
    assert shortcuts, "the manifest declares no global shortcut"
    return shortcuts[0]["name"]


async def test_home_tab_shows_your_captures_and_new_capture_opens_the_modal(page: Page, driver: Driver):
    """Apps → Bugpilot opens its Home (app_home_opened → views.publish): the capture just made, and New capture."""
    driver.sandbox.bugpilot.report_delays["upload-screenshot"] = HELD_S
    await run(page, "/bugpilot screenshot alice@acme.com checkout button does nothing")
    await expect(channel_message(page, "alice@acme.com").last).to_be_visible()

    await page.get_by_role("button", name="Bugpilot app").click()
    home = page.get_by_role("region", name="Bugpilot Home")
    await expect(home).to_be_visible()
    await expect(page.locator("main.channel")).to_be_hidden()
    await expect(home).to_contain_text("Your recent captures")
    await expect(home).to_contain_text("alice@acme.com")
    await expect(home.get_by_role("button", name="New capture")).to_be_visible()
    await no_raw_markup(page)
    await screenshot(page, "sandbox-home.png")

    await home.get_by_role("button", name="New capture").click()
    dialog = page.get_by_role("dialog", name=MODAL_TITLE)
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)
    await page.get_by_role("button", name="#support").click()
    await expect(page.locator("main.channel")).to_be_visible()
    await expect(home).to_be_hidden()


async def test_global_shortcut_from_the_composer_opens_the_modal_and_the_outcome_goes_where_you_chose(
    page: Page, driver: Driver
):
    """⚡ → the global shortcut → the capture modal; #support chosen → the request there, the outcome in its thread."""
    driver.sandbox.bugpilot.report_delays["upload-session"] = HELD_S
    name = _global_shortcut_name()
    await page.get_by_role("button", name="Shortcuts").click()
    await expect(page.get_by_role("menu").get_by_role("menuitem", name=name)).to_be_visible()
    await page.get_by_role("menu").get_by_role("menuitem", name=name).click()
    dialog = page.get_by_role("dialog", name=MODAL_TITLE)
    await dialog.get_by_label("Customer (email or user ID)").fill("alice@acme.com")
    await dialog.get_by_role("radio", name=re.compile("Session", re.IGNORECASE)).check()
    await expect(dialog.get_by_label("Where the outcome goes")).to_be_visible()
    await screenshot(page, "sandbox-global-shortcut.png")
    await dialog.get_by_label("Where the outcome goes").select_option(label="#support")
    await dialog.get_by_role("button", name="Capture").click()
    await expect(dialog).to_have_count(0)

    thread = await open_thread(page, "alice@acme.com")
    await expect(thread.locator(".message", has_text="Session replay requested")).to_be_visible()
    await no_raw_markup(page)

    # The sidebar lists the same shortcut.
    await page.locator("#global-shortcuts").get_by_role("menuitem", name=name).click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_have_count(0)


async def test_workflow_step_completes_with_the_report_link_or_fails_with_a_plain_reason(page: Page, driver: Driver):
    """Workflows → Run sends function_executed; the bot completes the step with its outputs, or fails it."""
    workflow = page.get_by_role("form", name="Run a workflow")
    await workflow.get_by_label("Customer").fill("alice@acme.com")
    await workflow.get_by_label("Action").fill("screenshot")
    await workflow.get_by_label("Note (optional)").fill("checkout button does nothing")
    await workflow.get_by_role("button", name="Run").click()
    runs = page.get_by_role("list", name="Workflow runs")
    done = runs.locator(".run").first
    await expect(done).to_contain_text("Running…")
    await expect(done).to_contain_text("Completed", timeout=REPORT_MS)
    await expect(done.locator('dd[data-output="outcome"]')).to_have_text("ready")
    report = done.locator('dd[data-output="report_url"] a')
    await expect(report).to_have_attribute("href", re.compile(r"/sandbox/bugpilot/report/\w+$"))
    await page.locator("#workflows-panel").scroll_into_view_if_needed()
    await screenshot(page, "sandbox-workflow.png")

    await workflow.get_by_label("Customer").fill("carol@acme.com")
    await workflow.get_by_role("button", name="Run").click()
    await expect(runs.locator(".run")).to_have_count(2)
    failed = runs.locator(".run").first
    await expect(failed).to_contain_text("Failed")
    await expect(failed.locator(".run-error")).to_contain_text("online")

    calls = len(driver.sandbox.bugpilot.sessions)
    await workflow.get_by_label("Action").fill("photo")
    await workflow.get_by_role("button", name="Run").click()
    await expect(runs.locator(".run")).to_have_count(3)
    refused = runs.locator(".run").first
    await expect(refused).to_contain_text("Failed")
    await expect(refused.locator(".run-error")).not_to_be_empty()
    run_states = [r["state"] for r in driver.sandbox.controls.snapshot()["runs"]]
    assert run_states == ["completed", "failed", "failed"]
    assert len(driver.sandbox.bugpilot.sessions) == calls  # a bad action never reaches Bugpilot


async def test_a_posted_report_link_unfurls_into_a_card_under_the_message(page: Page, driver: Driver):
    """A report link the bot knows, posted in #support: link_shared → chat.unfurl → the card under the message."""
    await run(page, "/bugpilot screenshot alice@acme.com checkout button does nothing")
    thread = await open_thread(page, "alice@acme.com")
    await expect(thread.locator(".message", has_text="Report ready")).to_be_visible(timeout=REPORT_MS)
    sim = driver.sandbox.bugpilot
    url = next(sim.report_url(session) for session in sim.sessions.values())
    await page.get_by_role("button", name="Close thread").click()

    await run(page, f"Here is what Alice saw: {url}")
    message = channel_message(page, "Here is what Alice saw")
    card = message.locator(".unfurl")
    await expect(card).to_contain_text("alice@acme.com")
    await expect(card).to_contain_text("checkout button does nothing")
    await no_raw_markup(page)
    await screenshot(page, "sandbox-unfurl.png")

    # The Home tab offers the same report.
    await page.get_by_role("button", name="Bugpilot app").click()
    home = page.get_by_role("region", name="Bugpilot Home")
    await expect(home.get_by_role("button", name="Open report").first).to_have_attribute("href", url)


async def test_global_shortcut_with_no_conversation_chosen_sends_the_outcome_as_a_direct_message(
    page: Page, driver: Driver
):
    """Where the outcome goes left empty: the request and its outcome come in the bot's direct messages."""
    driver.sandbox.bugpilot.report_delays["upload-screenshot"] = HELD_S
    await page.locator("#global-shortcuts").get_by_role("menuitem", name=_global_shortcut_name()).click()
    dialog = page.get_by_role("dialog", name=MODAL_TITLE)
    await dialog.get_by_label("Customer (email or user ID)").fill("alice@acme.com")
    await dialog.get_by_role("button", name="Capture").click()
    await expect(dialog).to_have_count(0)
    await page.locator("#conversations").get_by_role("button", name=re.compile("^Bugpilot")).click()
    await expect(page.locator("#channel-title")).to_have_text("Bugpilot")
    await expect(page.locator("#messages .message", has_text="alice@acme.com").first).to_be_visible()
    await no_raw_markup(page)
