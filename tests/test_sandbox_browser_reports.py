"""The sandbox page in a real browser, following a report that never comes: a short wait, then "No report arrived".

The bot's ``BUGPILOT_REPORT_WAIT`` is shortened for this module's sandboxes (the page's default is 300 s).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Page, expect

from tests.browser_helpers import (
    BROWSER_LOOP,
    browser_fixture,  # noqa: F401 - fixtures, used by name
    channel_message,
    no_raw_markup,
    open_thread,
    page_fixture,  # noqa: F401
    problems_fixture,  # noqa: F401
    run,
)
from tests.sandbox_helpers import Driver, driving

pytestmark = BROWSER_LOOP
REPORT_WAIT = 3.0


@pytest_asyncio.fixture(name="driver", loop_scope="module")
async def short_wait_driver_fixture() -> AsyncIterator[Driver]:
    """A sandbox whose bot gives up on a report after ``REPORT_WAIT`` seconds."""
    async with driving(report_wait=REPORT_WAIT) as driver:
        yield driver


async def test_a_report_the_browser_never_saves_ends_in_no_report_arrived_with_try_again(page: Page):
    """With "never saves" on: waiting, then in place "No report arrived" with Try again; the request: didn't work."""
    never_saves = page.get_by_label("Customer's browser never saves the report")
    await never_saves.check()
    await expect(page.locator("#activity").get_by_text("never saves reports").last).to_be_visible()
    await run(page, "/bugpilot session cust_8812 cart empties")
    request = channel_message(page, "a session replay of cust_8812")
    await expect(request).to_contain_text("waiting for the report")
    thread = await open_thread(page, "a session replay of cust_8812")
    outcome = thread.locator(".message", has_text="Session replay requested")
    await expect(outcome).to_contain_text("waiting for the report")
    ts = await outcome.get_attribute("data-ts")

    ended = thread.locator(f'.message[data-ts="{ts}"]')
    await expect(ended).to_contain_text("No report arrived", timeout=(REPORT_WAIT + 5) * 1000)
    await expect(ended).to_contain_text("within 3 seconds")
    await expect(ended.get_by_role("button", name="Try again")).to_be_visible()
    await expect(request).to_contain_text("didn't work: no report arrived")
    await no_raw_markup(page)
