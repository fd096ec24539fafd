"""The sandbox page as strict as Slack, in a browser: the help's own examples, dates, ephemeral messages, the wire."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import Browser, Page, expect
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import build_usage
from bot.sandbox.people import ME, SUPPORT
from tests.browser_helpers import (
    BROWSER_LOOP,
    browser_fixture,  # noqa: F401 - fixtures, used by name
    channel_message,
    driver_fixture,  # noqa: F401
    no_raw_markup,
    page_fixture,  # noqa: F401
    problems_fixture,  # noqa: F401
    run,
)
from tests.sandbox_helpers import Driver

pytestmark = BROWSER_LOOP
# 2023-11-14 22:13:20 UTC: 07:13 on 15 November in Tokyo, 17:13 on 14 November in New York.
MOMENT = 1_700_000_000


def _help_examples() -> list[str]:
    """Every runnable example the help card gives, read from the help builder itself."""
    examples = re.findall(r"`(/bugpilot [^`]+)`", json.dumps(build_usage().blocks))
    assert examples, "the help card gives no examples"
    return [example for example in examples if example.split()[1] != "help"]


def _client(driver: Driver) -> AsyncWebClient:
    settings = driver.sandbox.settings
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)


async def test_every_example_the_help_gives_captures_from_the_customer(page: Page, driver: Driver):
    """Each example of ``/bugpilot help``, typed as is, gets a capture request in the channel, not a usage error."""
    await page.get_by_label("Customer Inc shows Bob's email to Acme (users.info)").check()
    await driver.until(lambda state: state["slack"]["guest_email_visible"])
    for example in _help_examples():
        customer = example.split()[2].removeprefix("@")
        before = await page.locator("#messages .message.bot:not(.ephemeral)").count()
        await run(page, example)
        request = page.locator("#messages .message.bot:not(.ephemeral)", has_text=customer)
        await expect(request.last).to_be_visible()
        assert await page.locator("#messages .message.bot:not(.ephemeral)").count() > before, example
        await expect(page.locator("#messages .message.bot.ephemeral", has_text="/bugpilot help")).to_have_count(0)
    await no_raw_markup(page)


async def test_a_guest_without_a_visible_email_is_explained_not_a_usage_error(page: Page, driver: Driver):
    """``/bugpilot record @bob`` while Customer Inc hides Bob's email: a private explanation, not the usage card."""
    member_example = next(example for example in _help_examples() if example.split()[2].startswith("@"))
    await run(page, member_example)
    answer = page.locator("#messages .message.bot.ephemeral")
    await expect(answer.last).to_be_visible()
    assert "/bugpilot screenshot" not in await answer.last.inner_text()
    assert driver.sandbox.workspace.calls.get("users.info", 0) >= 1


async def test_a_date_is_drawn_in_the_readers_time_zone(browser: Browser, driver: Driver):
    """``<!date^…^{date_short} at {time}|…>`` shows the time where the browser is, not the fallback."""
    await _client(driver).chat_postMessage(
        channel=SUPPORT, text=f"Next attempt <!date^{MOMENT}^{{date_short}} at {{time}}|at 22:13 UTC>."
    )
    for zone, shown in (("Asia/Tokyo", "Nov 15, 2023 at 7:13 AM"), ("America/New_York", "Nov 14, 2023 at 5:13 PM")):
        context = await browser.new_context(timezone_id=zone)
        try:
            page = await context.new_page()
            await page.goto(driver.sandbox.url)
            date = channel_message(page, "Next attempt").locator("time.slack-date")
            await expect(date).to_have_text(shown)
            await expect(date).to_have_attribute("datetime", "2023-11-14T22:13:20.000Z")
        finally:
            await context.close()


async def test_ephemeral_messages_are_gone_after_a_reload(page: Page, driver: Driver):
    """Only you see an ephemeral message, and only until you reload, as in Slack; posted messages stay."""
    client = _client(driver)
    await client.chat_postEphemeral(channel=SUPPORT, user=ME, text="Only visible to you for now")
    await client.chat_postMessage(channel=SUPPORT, text="Posted for everyone")
    await expect(channel_message(page, "Only visible to you for now")).to_be_visible()
    await page.reload()
    await expect(channel_message(page, "Posted for everyone")).to_be_visible()
    await expect(channel_message(page, "Only visible to you for now")).to_have_count(0)


async def test_the_wire_panel_shows_times_and_the_whole_request_on_a_click(page: Page, driver: Driver):
    """Each line has its time; a click opens the request the bot sent and Slack's refusal; Clear empties it."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as refused:
        await _client(driver).chat_postMessage(channel=SUPPORT, text="too long", blocks=blocks)
    assert refused.value.response["error"] == "invalid_blocks"
    line = page.locator("#activity li", has_text="chat.postMessage")
    await expect(line).to_contain_text("invalid_blocks")
    await expect(line.locator("time.at")).to_have_text(re.compile(r"\d{1,2}:\d{2}:\d{2}"))
    body = line.locator("pre.wire-body")
    await expect(body).to_be_hidden()
    await line.locator("summary").click()
    await expect(body).to_contain_text('"error": "invalid_blocks"')
    await expect(body).to_contain_text("json-pointer:/blocks/0")
    await page.get_by_role("button", name="Clear the channel").click()
    await expect(page.locator("#activity li", has_text="chat.postMessage")).to_have_count(0)
