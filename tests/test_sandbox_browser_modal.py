"""Modals in the sandbox page, drawn from whatever view JSON the bot sends, and submitted as Slack does."""

from __future__ import annotations

import copy
from typing import Any

from playwright.async_api import Page, expect
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import BOLT
from tests.browser_helpers import (
    BROWSER_LOOP,
    browser_fixture,  # noqa: F401 - fixtures, used by name
    driver_fixture,  # noqa: F401
    message_menu,
    page_fixture,  # noqa: F401
    problems_fixture,  # noqa: F401
)
from tests.sandbox_helpers import Driver

pytestmark = BROWSER_LOOP


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
            "elements": [{"type": "mrkdwn", "text": "From <https://acme.dev/x|the message> by <@U0BOB00001>"}],
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

    await message_menu(page, "Checkout does nothing", "Sandbox test")
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

    await message_menu(page, "Checkout does nothing", "Sandbox test")
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
