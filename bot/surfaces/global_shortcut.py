"""The global shortcut "Capture a customer's screen", and App Home's New capture button: the capture modal anywhere.

Neither has a channel, so the modal asks where the outcome goes (a ``conversations_select``);
left empty, the outcome comes as a direct message from the bot (``conversations.open``). On
submit the capture runs as a command's does: a request message there, the outcome in its
thread, the report followed. What would make that fail is answered in the modal while it is
still open: a channel outside the allow-list, one the bot can't post in, a Slack member without
a usable email. When Slack can't say in time whether the bot may post, the capture goes ahead
and its outcome falls back privately, as everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.audit import record_refusal
from bot.blocks import ACTION_NEW_CAPTURE, Message
from bot.capture import CaptureRequest
from bot.dedupe import key_of
from bot.markup import escape_mrkdwn
from bot.modals import (
    ACTION_BLOCK,
    DESTINATION,
    GLOBAL_VIEW_CALLBACK_ID,
    CaptureForm,
    FormErrors,
    build_global_modal,
    read_form,
)
from bot.payloads.shortcut import GlobalShortcut, ViewSubmission
from bot.services import Services
from bot.slack_failures import SLACK_FAILURES, failure_name
from bot.surfaces.modal_checks import check_channel, customer_of
from bot.tasks import BackgroundTasks
from bot.workflow import Place, run_capture

__all__ = ["CALLBACK_ID", "DESTINATION_BUDGET_S", "register"]

CALLBACK_ID = "bugpilot_capture_global"
# Checking the chosen conversation (or opening the DM) happens before the ack, within Slack's 3 s.
DESTINATION_BUDGET_S = 1.5

_NOT_ALLOWED = (
    "Bugpilot captures only from the channels your Slack admins chose, and this isn't one of them. "
    "Pick one of those channels."
)

log = structlog.get_logger(__name__)


def register(
    bolt: AsyncApp, services: Services, tasks: BackgroundTasks, *, allowed_channels: frozenset[str] = frozenset()
) -> None:
    """Wire the global shortcut, App Home's New capture button, and their modal's submission.

    ``allowed_channels`` is the access policy's channel allow-list (empty: any channel), applied
    to the conversation chosen for the outcome.
    """

    async def on_open(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        opened_from = "home" if body.get("type") == "block_actions" else "shortcut"
        trigger = GlobalShortcut.parse(body)  # unreadable: the error handler apologizes
        if not services.dedupe.here(key_of("trigger", trigger.trigger_id)):
            log.warning("global_shortcut.duplicate")
            return
        view = build_global_modal()
        try:
            await services.delivery.client.views_open(trigger_id=trigger.trigger_id, view=view)
        except SLACK_FAILURES as exc:
            error = failure_name(exc)
            log.warning("global_shortcut.open_failed", error=error, opened_from=opened_from)
            text = f":warning: I couldn't open the Bugpilot form ({escape_mrkdwn(error)}). Try again."
            await services.delivery.direct(trigger.user.id, Message(text=text))
            return
        log.info("global_shortcut.modal_opened", opened_from=opened_from)

    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        submission = ViewSubmission.parse(body)  # unreadable: the error handler's 500 keeps the modal open
        form = read_form(submission.values)
        if isinstance(form, FormErrors):
            await _refuse(ack, form, "invalid_form")
            return
        if tasks.closed:
            problem = "Bugpilot is restarting; submit again in a few seconds."
            await ack(response_action="errors", errors={ACTION_BLOCK: problem})
            return
        if allowed_channels and form.conversation_id not in allowed_channels:
            record_refusal(
                team_id=submission.team_id,
                user_id=submission.user.id,
                channel_id=form.conversation_id,
                kind="view_submission",
                reason="channel not in BUGPILOT_ALLOWED_CHANNELS",
            )
            await _refuse(ack, FormErrors({DESTINATION: _NOT_ALLOWED}), "refused_channel")
            return
        customer, destination = await asyncio.gather(
            customer_of(services.delivery.client, form), _destination(services, form, submission.user.id)
        )
        problems = {
            **(customer.errors if isinstance(customer, FormErrors) else {}),
            **(destination.errors if isinstance(destination, FormErrors) else {}),
        }
        if isinstance(customer, FormErrors) or isinstance(destination, FormErrors):
            await _refuse(ack, FormErrors(problems), "unusable_choice")
            return
        replay = key_of("trigger", submission.trigger_id), key_of("view", submission.view.id)
        if not services.dedupe.here(*replay):
            await ack()  # the same submission again: it made its capture
            log.warning("command.duplicate", surface="global_shortcut")
            return
        await ack()
        structlog.contextvars.bind_contextvars(channel_id=destination)
        request = form.request(
            customer, requester_id=submission.user.id, team_id=submission.team_id, channel_id=destination
        )
        tasks.spawn(_capture(services, request, Place(channel_id=destination), replay), name="capture:global")

    bolt.global_shortcut(CALLBACK_ID)(on_open)
    bolt.action(ACTION_NEW_CAPTURE)(on_open)
    bolt.view_submission(GLOBAL_VIEW_CALLBACK_ID)(on_submit)


async def _refuse(ack: AsyncAck, errors: FormErrors, outcome: str) -> None:
    await ack(response_action="errors", errors=errors.errors)
    log.info("command.handled", surface="global_shortcut", outcome=outcome, fields=sorted(errors.errors))


async def _destination(services: Services, form: CaptureForm, user_id: str) -> str | FormErrors:
    """The conversation the outcome goes to: the one chosen, if the bot can post there, else the requester's DM."""
    client = services.delivery.client
    if form.conversation_id is not None:
        check = await check_channel(client, form.conversation_id, budget=DESTINATION_BUDGET_S)
        if check.can_post is False:
            problem = f"I can't post there ({check.reason}). Pick another, or none for a direct message from me."
            return FormErrors({DESTINATION: problem})
        return form.conversation_id
    try:
        async with asyncio.timeout(DESTINATION_BUDGET_S):
            response = await client.conversations_open(users=user_id)
    except SLACK_FAILURES as exc:
        error = failure_name(exc)
        log.warning("slack.dm_open_failed", method="conversations.open", error=error)
        return FormErrors({DESTINATION: f"I couldn't open a direct message with you ({error}). Pick a channel."})
    channel = response.get("channel")
    channel_id = channel.get("id") if isinstance(channel, Mapping) else None
    if not isinstance(channel_id, str) or not channel_id:
        log.warning("slack.dm_open_failed", method="conversations.open", error="no_channel")
        return FormErrors({DESTINATION: "I couldn't open a direct message with you. Pick a channel."})
    return channel_id


async def _capture(services: Services, request: CaptureRequest, place: Place, replay: tuple[str, ...]) -> None:
    """Run the capture unless another process had this submission already (asked after the ack)."""
    if not await services.dedupe.everywhere(*replay):
        log.warning("command.duplicate", surface="global_shortcut")
        return
    await run_capture(services, request, place)
