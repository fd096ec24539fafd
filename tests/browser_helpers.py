"""Fixtures and helpers for the browser tests: Debian's Chromium through Playwright, a fresh sandbox and page per test.

A test module imports the fixtures it uses by name and sets ``pytestmark = BROWSER_LOOP``
(one browser per module, since starting Chromium is the slow part).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from tests.sandbox_helpers import Driver, driving

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 8000
# Escapes, Slack markup and emoji shortcodes (a letter first, so times such as 10:24:57 pass).
RAW_MARKUP = re.compile(r"&lt;|&gt;|&amp;|<@U|<#C|<mailto:|<https?:|:[a-z][a-z0-9_+-]*:")


BROWSER_LOOP = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(name="browser", scope="module", loop_scope="module")
async def browser_fixture() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium before the tests")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(name="driver", loop_scope="module")
async def driver_fixture() -> AsyncIterator[Driver]:
    async with driving() as driver:
        yield driver


@pytest.fixture(name="problems")
def problems_fixture() -> list[str]:
    """Errors the page reported (uncaught exceptions, console errors); none may be left at the end of a test."""
    return []


@pytest_asyncio.fixture(name="page", loop_scope="module")
async def page_fixture(browser: Browser, driver: Driver, problems: list[str]) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, reduced_motion="reduce")
    try:
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
        await page.goto(driver.sandbox.url)
        await expect(page.locator(".message").first).to_contain_text("Checkout does nothing")
        yield page
        assert problems == []
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> None:
    """Save a screenshot for the README when ``SANDBOX_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("SANDBOX_SCREENSHOTS")
    if folder:
        await page.mouse.move(0, 0)
        await page.screenshot(path=str(Path(folder) / name))


async def run(page: Page, text: str) -> None:
    """Type ``text`` in the channel's composer and send it."""
    composer = page.get_by_label("Message #support")
    await composer.fill(text)
    await composer.press("Enter")


def channel_message(page: Page, text: str) -> Locator:
    """Messages in the open conversation containing ``text``."""
    return page.locator("#messages .message", has_text=text)


async def message_menu(page: Page, text: str, item: str) -> None:
    """Hover a channel message, open its ⋯ menu and choose ``item``."""
    message = channel_message(page, text)
    await message.hover()
    await message.get_by_role("button", name="More actions").click()
    await page.get_by_role("menuitem", name=item).click()


async def open_thread(page: Page, root_text: str) -> Locator:
    """Open the thread of the last message containing ``root_text``; the thread pane."""
    await channel_message(page, root_text).last.get_by_role("button", name=re.compile(r"\d+ repl")).click()
    return page.locator("#thread")


async def no_raw_markup(page: Page) -> None:
    """What Slack would draw (channel, thread, modal) shows no markup; the wire log keeps it on purpose."""
    for part in await page.locator(".channel, .thread, #modal-root").all():
        text = await part.inner_text()
        raw = RAW_MARKUP.search(text)
        assert raw is None, f"{raw[0]!r} drawn as text in: {text}"
