"""The sandbox page in a real browser: Playwright driving Debian's Chromium against the real bot.

Set ``SANDBOX_SCREENSHOTS=docs`` to save the README's screenshots while the tests run.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, async_playwright, expect
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
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


# One browser for the module (starting Chromium is the slow part); a fresh sandbox and page per test.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(name="browser", scope="module", loop_scope="module")
async def _browser() -> AsyncIterator[Browser]:
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
async def _driver() -> AsyncIterator[Driver]:
    async with driving() as driver:
        yield driver


@pytest.fixture(name="problems")
def _problems() -> list[str]:
    """Errors the page reported (uncaught exceptions, console errors); none may be left at the end of a test."""
    return []


@pytest_asyncio.fixture(name="page", loop_scope="module")
async def _page(browser: Browser, driver: Driver, problems: list[str]) -> AsyncIterator[Page]:
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


async def _screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("SANDBOX_SCREENSHOTS")
    if folder:
        await page.mouse.move(0, 0)
        await page.screenshot(path=str(Path(folder) / name))


async def _run(page: Page, text: str) -> None:
    composer = page.get_by_label("Message #support")
    await composer.fill(text)
    await composer.press("Enter")


def _channel_message(page: Page, text: str) -> Locator:
    return page.locator("#messages .message", has_text=text)


async def _message_menu(page: Page, text: str, item: str) -> None:
    """Hover a channel message, open its ⋯ menu and choose ``item``."""
    message = _channel_message(page, text)
    await message.hover()
    await message.get_by_role("button", name="More actions").click()
    await page.get_by_role("menuitem", name=item).click()


async def _open_thread(page: Page, root_text: str) -> Locator:
    await _channel_message(page, root_text).last.get_by_role("button", name=re.compile(r"\d+ repl")).click()
    return page.locator("#thread")


async def _no_raw_markup(page: Page) -> None:
    """What Slack would draw (channel, thread, modal) shows no markup; the wire log keeps it on purpose."""
    for part in await page.locator(".channel, .thread, #modal-root").all():
        text = await part.inner_text()
        raw = RAW_MARKUP.search(text)
        assert raw is None, f"{raw[0]!r} drawn as text in: {text}"


async def test_slash_command_success_with_link_then_advice_when_the_customer_is_offline(page: Page, driver: Driver):
    """Typed command → request in the channel, success with its session link in the thread; offline → advice."""
    await _run(page, "/bugpilot screenshot alice@acme.com checkout button does nothing")
    thread = await _open_thread(page, "done, see the thread")
    outcome = thread.locator(".message", has_text="Screenshot requested")
    await expect(outcome).to_contain_text("They see nothing")
    link = outcome.get_by_role("button", name="Open in Bugpilot")
    await expect(link).to_have_attribute(
        "href", re.compile(re.escape(f"{driver.sandbox.url}sandbox/bugpilot/sessions/"))
    )
    await expect(outcome.locator("strong", has_text="Screenshot requested")).to_be_visible()
    await _no_raw_markup(page)
    await _screenshot(page, "sandbox-command.png")

    await page.get_by_role("switch", name="alice@acme.com online").uncheck()
    await expect(page.locator('[data-customer="alice@acme.com"] .presence')).to_have_text("offline")
    await _run(page, "/bugpilot record alice@acme.com")
    thread = await _open_thread(page, "didn't work")
    advice = thread.locator(".message", has_text="isn't online in your app right now")
    await expect(advice).to_contain_text("Always connect Action WebSockets")
    await expect(advice.locator("code", has_text="alice@acme.com")).to_be_visible()
    await _no_raw_markup(page)
    await _screenshot(page, "sandbox-offline.png")


async def test_what_you_send_scrolls_into_view_with_the_thread_open(page: Page):
    """As in Slack: your new message and its answer show at the bottom, even after a thread narrowed the channel."""
    await page.set_viewport_size({"width": 1024, "height": 600})
    note = "checkout spins " * 30
    for customer in ("alice@acme.com", "cust_8812", "bob@customer.io"):
        await _run(page, f"/bugpilot screenshot {customer} {note}")
        await expect(_channel_message(page, f"of {customer} — done")).to_be_visible()
    await _open_thread(page, "of alice@acme.com — done")
    await _run(page, "/bugpilot session alice@acme.com last one")
    await expect(_channel_message(page, "session replay of alice@acme.com — done")).to_be_in_viewport()


async def test_a_request_the_sandbox_never_answers_says_so_without_a_page_error(page: Page, problems: list[str]):
    """The server unreachable for a command: the offline line shows; no uncaught error on the page."""
    await page.route("**/sandbox/api/command", lambda route: route.abort())
    await _run(page, "/bugpilot screenshot alice@acme.com")
    await expect(page.locator("#offline")).to_be_visible()
    # Chromium logs the aborted request itself; anything else (an uncaught "Failed to fetch") stays a problem.
    problems.remove("console: Failed to load resource: net::ERR_FAILED")


async def test_nothing_is_rendered_as_raw_markup_or_html(page: Page):
    """Markup in a note shows as text: no element made from it, no script run, no @channel."""
    await _run(page, '/bugpilot session cust_8812 <img src=x onerror="window.owned=1"> & <!channel> <b>bold</b>')
    thread = await _open_thread(page, "done, see the thread")
    await expect(thread.locator(".message", has_text="Session replay requested")).to_contain_text(
        '<img src=x onerror="window.owned=1"> & <!channel> <b>bold</b>'
    )
    assert await page.evaluate("window.owned") is None
    assert await page.locator(".messages img, .messages b").count() == 0
    assert await page.locator(".mention.broadcast").count() == 0
    await _no_raw_markup(page)


async def test_try_again_after_the_customer_comes_online(page: Page):
    """Offline → advice with Try again; customer back online, Try again updates the outcome in place."""
    await page.get_by_role("switch", name="cust_8812 online").uncheck()
    await _run(page, "/bugpilot screenshot cust_8812")
    thread = await _open_thread(page, "didn't work")
    advice = thread.locator(".message", has_text="isn't online in your app right now")
    await expect(advice).to_be_visible()
    try_again = advice.get_by_role("button", name="Try again")
    ts = await advice.get_attribute("data-ts")
    await page.get_by_role("switch", name="cust_8812 online").check()
    await try_again.click()
    updated = thread.locator(f'.message[data-ts="{ts}"]')
    await expect(updated).to_contain_text("Screenshot requested")
    await _no_raw_markup(page)


async def test_shortcut_modal_captures_into_the_customers_thread(page: Page):
    """Capture with Bugpilot: the bot's modal, prefilled; empty or unusable customers refused; submit → its thread."""
    await _message_menu(page, "Checkout does nothing", "Capture with Bugpilot")
    dialog = page.get_by_role("dialog", name="Capture with Bugpilot")
    customer = dialog.get_by_label("Customer")
    await expect(customer).to_have_value("bob@customer.io")
    await _screenshot(page, "sandbox-modal.png")
    submit = dialog.get_by_role("button", name="Capture")

    await customer.fill("")
    await submit.click()
    await expect(dialog.get_by_text("Please complete this required field.")).to_be_visible()
    await customer.fill("bob and alice")
    await submit.click()
    await expect(dialog.get_by_role("alert").filter(has_text="without spaces")).to_be_visible()

    await customer.fill("bob@customer.io")
    await submit.click()
    await expect(dialog).to_have_count(0)
    thread = await _open_thread(page, "Checkout does nothing")
    await expect(thread.locator(".message", has_text="requested")).to_contain_text("bob@customer.io")
    await _no_raw_markup(page)


async def test_keep_trying_can_be_stopped_and_captures_once_the_customer_is_online(page: Page):
    """Keep trying shows its progress and Stop; Stop ends it; with the customer online, Keep trying captures."""
    await _run(page, "/bugpilot screenshot carol@acme.com")
    thread = await _open_thread(page, "didn't work")
    advice = thread.locator(".message", has_text="isn't online in your app right now")
    outcome = thread.locator(f'.message[data-ts="{await advice.get_attribute("data-ts")}"]')
    await outcome.get_by_role("button", name="Keep trying").click()
    await expect(outcome).to_contain_text("Still trying")
    await outcome.get_by_role("button", name="Stop").click()
    await expect(outcome).to_contain_text("stopped Keep trying")
    await _no_raw_markup(page)

    await page.get_by_role("switch", name="carol@acme.com online").check()
    await outcome.get_by_role("button", name="Keep trying").click()
    await expect(outcome).to_contain_text("came online")
    await expect(outcome.get_by_role("button", name="Open in Bugpilot")).to_be_visible()
    await _no_raw_markup(page)


async def test_mention_in_a_thread_answers_in_that_thread(page: Page, driver: Driver):
    """@Bugpilot in the customer's thread: the outcome lands in that thread."""
    await _message_menu(page, "Checkout does nothing", "Reply in thread")
    reply = page.get_by_label("Reply in thread")
    await reply.fill("@Bugpilot session bob@customer.io")
    await reply.press("Enter")
    thread = page.locator("#thread")
    await expect(thread.locator(".message", has_text="@Bugpilot session")).to_be_visible()
    assert "HTTP 200" in await _activity_line(driver, "app_mention")
    await expect(thread.locator(".message", has_text="Session replay requested")).to_be_visible()
    await _no_raw_markup(page)


async def test_a_mention_where_the_bot_may_not_post_answers_in_a_direct_message(page: Page):
    """Bot not in the channel: the outcome comes as a direct message from the app, marked unread until opened."""
    await page.get_by_label("Bugpilot may post in #support").uncheck()
    await _message_menu(page, "Checkout does nothing", "Reply in thread")
    reply = page.get_by_label("Reply in thread")
    await reply.fill("@Bugpilot screenshot alice@acme.com")
    await reply.press("Enter")
    await page.get_by_role("button", name="Bugpilot, new messages").click()
    await expect(page.locator("#channel-title")).to_have_text("Bugpilot")
    await expect(_channel_message(page, "Screenshot requested")).to_contain_text("/invite @Bugpilot")
    await expect(page.get_by_role("button", name="Bugpilot", exact=True)).to_be_visible()
    await _no_raw_markup(page)


async def _activity_line(driver: Driver, words: str) -> str:
    def found(state: dict[str, object]) -> str | None:
        lines = state["activity"]
        assert isinstance(lines, list)
        return next((line["text"] for line in lines if words in line["text"]), None)

    return await driver.until(found)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


TEST_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "sandbox_test_view",
    "title": {"type": "plain_text", "text": "Test modal"},
    "submit": {"type": "plain_text", "text": "Send it"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Customer"},
            "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "bob@customer.io"},
        },
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "Action"},
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "initial_option": _option("Screenshot", "upload-screenshot"),
                "options": [_option("Screenshot", "upload-screenshot"), _option("Session replay", "upload-session")],
            },
        },
        {
            "type": "input",
            "block_id": "how",
            "label": {"type": "plain_text", "text": "Speed"},
            "element": {"type": "static_select", "action_id": "value", "options": [_option("Now", "now")]},
        },
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "From <https://acme.dev/x|the message> by <@U_BOB>"}],
        },
    ],
}


async def test_modal_is_drawn_from_the_view_json_and_submitted_as_slack_does(page: Page, driver: Driver):
    """Whatever view the bot opens: inputs drawn, required ones enforced, errors shown, values sent back."""
    submitted: list[dict[str, Any]] = []
    bolt = driver.sandbox.app[BOLT]

    @bolt.shortcut("sandbox_test")
    async def on_shortcut(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=TEST_VIEW)

    @bolt.view("sandbox_test_view")
    async def on_submit(ack: Any, view: dict[str, Any]) -> None:
        submitted.append(view["state"]["values"])
        if len(submitted) == 1:
            await ack(response_action="errors", errors={"who": "Use the customer's email"})
        else:
            await ack()

    await _message_menu(page, "Checkout does nothing", "Sandbox test")
    dialog = page.get_by_role("dialog", name="Test modal")
    await expect(dialog.get_by_label("Customer")).to_have_value("bob@customer.io")
    await expect(dialog.get_by_role("radio", name="Screenshot")).to_be_checked()
    await expect(dialog.get_by_role("link", name="the message")).to_have_attribute("href", "https://acme.dev/x")
    await expect(dialog.locator(".mention")).to_have_text("@bob")

    await dialog.get_by_role("button", name="Send it").click()
    await expect(dialog.get_by_text("Please complete this required field.")).to_be_visible()
    assert submitted == []
    await dialog.get_by_label("Speed").select_option(label="Now")
    await dialog.get_by_role("radio", name="Session replay").check()
    await dialog.get_by_role("button", name="Send it").click()
    await expect(dialog.get_by_text("Use the customer's email")).to_be_visible()
    assert submitted[0]["what"]["value"]["selected_option"]["value"] == "upload-session"
    assert submitted[0]["how"]["value"]["selected_option"] == _option("Now", "now")
    assert submitted[0]["note"]["value"] == {"type": "plain_text_input", "value": None}

    await dialog.get_by_label("Note").fill("<b>hi</b>")
    await dialog.get_by_role("button", name="Send it").click()
    await expect(dialog).to_have_count(0)
    assert submitted[1]["note"]["value"]["value"] == "<b>hi</b>"


async def test_what_you_type_in_a_modal_survives_the_bots_update_as_in_slack(page: Page, driver: Driver):
    """views.update keeps entered values where block_id and action_id stay; a new block_id shows its prefill.

    Slack's client-side "required" errors stay while anything else on the page changes.
    """
    bolt = driver.sandbox.app[BOLT]

    @bolt.shortcut("sandbox_test")
    async def on_shortcut(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=TEST_VIEW)

    await _message_menu(page, "Checkout does nothing", "Sandbox test")
    dialog = page.get_by_role("dialog", name="Test modal")
    await dialog.get_by_label("Customer").fill("typed@acme.com")
    await dialog.get_by_role("radio", name="Session replay").check()
    await dialog.get_by_role("button", name="Send it").click()
    required = dialog.get_by_text("Please complete this required field.")
    await expect(required).to_be_visible()
    await driver.post("customers", {"id": "alice@acme.com", "online": False})
    await expect(page.locator('[data-customer="alice@acme.com"] .presence')).to_have_text("offline")
    await expect(required).to_be_visible()

    updated = copy.deepcopy(TEST_VIEW)
    note = updated["blocks"][3]
    note["block_id"] = "note_1"
    note["element"]["initial_value"] = "from the bot"
    settings = driver.sandbox.settings
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    await client.views_update(view_id=driver.sandbox.workspace.views[-1]["id"], view=updated)
    await expect(dialog.get_by_label("Note")).to_have_value("from the bot")
    await expect(dialog.get_by_label("Customer")).to_have_value("typed@acme.com")
    await expect(dialog.get_by_role("radio", name="Session replay")).to_be_checked()
