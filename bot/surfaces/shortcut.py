"""The message shortcut "Capture with Bugpilot": a modal at once, the outcome in the message's thread.

Slack's trigger expires 3 s after the click, so the listener acknowledges and calls
``views.open`` before anything slow. What needs a lookup (mentioned members' and a
Slack Connect author's emails, the message's permalink) is filled in afterwards
with one ``views.update``, within a time budget. The submission is validated in the
ack; a valid one closes the modal and the capture runs in the background, once
per submission (``trigger_id`` and view id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.capture import CaptureRequest
from bot.dedupe import key_of
from bot.modals import (
    ACTION_BLOCK,
    CUSTOMER,
    NOTE,
    VIEW_CALLBACK_ID,
    FormErrors,
    ModalContext,
    ModalPrefill,
    build_capture_modal,
    read_form,
    text_prefill,
)
from bot.payloads.shortcut import MessageShortcut, ViewSubmission
from bot.postable import ChannelCheck
from bot.prefill import (
    Candidate,
    MessageFacts,
    build_note,
    candidates_in_order,
    member_email,
    member_name,
    read_message,
)
from bot.seal import Seal
from bot.services import Services
from bot.slack_failures import SLACK_FAILURES, failure_name, slack_error
from bot.surfaces.modal_checks import check_channel, customer_of
from bot.tasks import BackgroundTasks
from bot.workflow import Place, run_capture

__all__ = ["CALLBACK_ID", "LOOKUP_BUDGET_S", "register"]

CALLBACK_ID = "bugpilot_capture"
LOOKUP_BUDGET_S = 2.5

log = structlog.get_logger(__name__)


def register(bolt: AsyncApp, services: Services, tasks: BackgroundTasks) -> None:
    """Wire the message shortcut and its modal's submission."""

    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        shortcut = MessageShortcut.parse(body)  # unreadable: the error handler apologizes through response_url
        # Memory only: the modal must open within the trigger's 3 s, and Slack's trigger is single-use anyway.
        if not services.dedupe.here(key_of("trigger", shortcut.trigger_id)):
            log.warning("shortcut.duplicate")
            return
        skip = frozenset(user for user in (shortcut.requester_id, context.bot_user_id) if user)
        facts = read_message(shortcut, installing_team=_installing_team(context, shortcut), skip_users=skip)
        where = ModalContext(channel_id=facts.channel_id, thread_ts=facts.thread_ts, response_url=shortcut.response_url)
        first = ModalPrefill(
            candidates=tuple(Candidate(email, "in the message") for email in facts.emails),
            note=build_note(facts.text, None),
            looking_up=facts.lookups,
        )
        view = await _open(services, shortcut, build_capture_modal(first, context=where, seal=_seal(services)))
        if view is None:
            return
        log.info("shortcut.modal_opened", candidates=len(first.candidates), lookups=facts.lookups)
        tasks.spawn(_enrich(services, facts, first, where, view), name="shortcut:enrich")

    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        submission = ViewSubmission.parse(body)  # unreadable: the error handler's 500 keeps the modal open
        form = read_form(submission.values)
        if isinstance(form, FormErrors):
            await ack(response_action="errors", errors=form.errors)
            log.info("command.handled", surface="shortcut", outcome="invalid_form", fields=sorted(form.errors))
            return
        try:
            where = ModalContext.decode(submission.view.private_metadata, _seal(services))
        except ValueError as exc:
            problem = "This form lost track of its message. Close it and use the shortcut again."
            await ack(response_action="errors", errors={ACTION_BLOCK: problem})
            log.warning("shortcut.bad_metadata", reason=str(exc))
            return
        structlog.contextvars.bind_contextvars(channel_id=where.channel_id)
        if tasks.closed:
            problem = "Bugpilot is restarting; submit again in a few seconds."
            await ack(response_action="errors", errors={ACTION_BLOCK: problem})
            return
        customer = await customer_of(services.delivery.client, form)
        if isinstance(customer, FormErrors):
            await ack(response_action="errors", errors=customer.errors)
            log.info("command.handled", surface="shortcut", outcome="unusable_member")
            return
        replay = key_of("trigger", submission.trigger_id), key_of("view", submission.view.id)
        if not services.dedupe.here(*replay):
            # A submitted modal closes; the same submission again is a replay, and made its capture.
            await ack()
            log.warning("command.duplicate", surface="shortcut")
            return
        await ack()
        request = form.request(
            customer, requester_id=submission.user.id, team_id=submission.team_id, channel_id=where.channel_id
        )
        place = Place(channel_id=where.channel_id, response_url=where.response_url, thread_ts=where.thread_ts)
        tasks.spawn(_capture(services, request, place, replay), name="capture:shortcut")

    bolt.message_shortcut(CALLBACK_ID)(on_shortcut)
    bolt.view_submission(VIEW_CALLBACK_ID)(on_submit)


async def _capture(services: Services, request: CaptureRequest, place: Place, replay: tuple[str, ...]) -> None:
    """Run the capture unless another process had this submission already (asked after the ack)."""
    if not await services.dedupe.everywhere(*replay):
        log.warning("command.duplicate", surface="shortcut")
        return
    await run_capture(services, request, place)


def _installing_team(context: AsyncBoltContext, shortcut: MessageShortcut) -> str | None:
    """The workspace that installed the app (auth.test), else the one the shortcut came from."""
    result = context.authorize_result
    if result is not None and result.team_id:
        return str(result.team_id)
    return shortcut.team_id


async def _open(services: Services, shortcut: MessageShortcut, view: dict[str, Any]) -> Mapping[str, Any] | None:
    """``views.open`` with the trigger; on failure, tell the user privately. Returns the opened view."""
    try:
        trigger = shortcut.trigger_id or ""
        response = await services.delivery.client.views_open(trigger_id=trigger, view=view)
    except SLACK_FAILURES as exc:
        error = failure_name(exc)
    else:
        opened = response.get("view")
        return opened if isinstance(opened, Mapping) else {}
    log.warning("shortcut.open_failed", error=error)
    text = ":warning: Slack didn't open the Bugpilot form. Use the shortcut again in a moment."
    await services.delivery.respond(shortcut.response_url, Message(text=text))
    return None


def _seal(services: Services) -> Seal:
    """What seals the modal's private_metadata."""
    return services.buttons.metadata


async def _enrich(
    services: Services,
    facts: MessageFacts,
    first: ModalPrefill,
    where: ModalContext,
    opened: Mapping[str, Any],
) -> None:
    """Look up what the open modal lacks, within the budget, and update it once."""
    client = services.delivery.client
    lookups: dict[str, Awaitable[object]] = {
        "permalink": _permalink(client, facts),
        "channel": check_channel(client, facts.channel_id, budget=LOOKUP_BUDGET_S),
    }
    for user_id in dict.fromkeys([*(user for user, _ in facts.mentions), *facts.named]):
        lookups[f"member:{user_id}"] = _member(client, user_id)
    if facts.author_is_external and facts.author_id:
        lookups[f"member:{facts.author_id}"] = _member(client, facts.author_id)
    found = await _within_budget(lookups)
    members = {key.removeprefix("member:"): value for key, value in found.items() if isinstance(value, _Member)}

    mentioned = [
        Candidate(email, f"on @{label}'s Slack profile" if label else "on a mentioned member's Slack profile")
        for user_id, label in facts.mentions
        if (email := _email_of(members, user_id))
    ]
    author_email = _email_of(members, facts.author_id) if facts.author_is_external else None
    author = [Candidate(author_email, "on the author's Slack profile (Slack Connect)")] if author_email else []
    names = {user_id: member.name for user_id, member in members.items() if member.name}
    permalink = found.get("permalink")
    channel = found.get("channel")
    final = ModalPrefill(
        candidates=candidates_in_order([first.candidates, mentioned, author]),
        note=build_note(facts.text, permalink if isinstance(permalink, str) else None, names),
        channel=channel if isinstance(channel, ChannelCheck) else None,
    )
    if final == first:
        return
    # Slack keeps what is in an input whose block_id is unchanged; a new id shows the new prefill.
    view = build_capture_modal(
        final,
        context=where,
        customer_block=CUSTOMER if text_prefill(final) == text_prefill(first) else f"{CUSTOMER}_1",
        note_block=NOTE if final.note == first.note else f"{NOTE}_1",
        seal=_seal(services),
    )
    try:
        await client.views_update(view_id=str(opened.get("id") or ""), hash=opened.get("hash"), view=view)
    except SlackApiError as exc:
        # hash_conflict / not_found: the user already submitted or closed the modal.
        log.info("shortcut.update_skipped", error=slack_error(exc))
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("shortcut.update_failed", error=type(exc).__name__)
    else:
        log.info("shortcut.modal_updated", candidates=len(final.candidates), lookups=len(found))


async def _within_budget(lookups: Mapping[str, Awaitable[object]]) -> dict[str, object]:
    """Run lookups together; keep what finished within ``LOOKUP_BUDGET_S``, cancel the rest."""
    running = {key: asyncio.ensure_future(lookup) for key, lookup in lookups.items()}
    _, late = await asyncio.wait(running.values(), timeout=LOOKUP_BUDGET_S)
    for task in late:
        task.cancel()
    if late:
        log.info("shortcut.lookups_late", late=len(late))
    found: dict[str, object] = {}
    for key, task in running.items():
        if task in late or task.cancelled():
            continue
        if task.exception() is not None:
            log.warning("shortcut.lookup_crashed", lookup=key.partition(":")[0], exc_info=task.exception())
            continue
        if value := task.result():
            found[key] = value
    return found


@dataclass(frozen=True)
class _Member:
    """A member from ``users.info``: how to name them in the note, and their email as a customer (if usable)."""

    name: str | None
    email: str | None


def _email_of(members: Mapping[str, _Member], user_id: str | None) -> str | None:
    member = members.get(user_id or "")
    return member.email if member is not None else None


async def _member(client: AsyncWebClient, user_id: str) -> _Member | None:
    try:
        response = await client.users_info(user=user_id)
    except SLACK_FAILURES as exc:
        log.info("shortcut.member_lookup_failed", error=failure_name(exc))
        return None
    user = response.get("user")
    if not isinstance(user, Mapping):
        return None
    email = member_email(user)
    if email is None:
        log.info("shortcut.no_email", slack_user=user_id)
    return _Member(name=member_name(user), email=email)


async def _permalink(client: AsyncWebClient, facts: MessageFacts) -> str | None:
    if not facts.channel_id or not facts.ts:
        return None
    try:
        response = await client.chat_getPermalink(channel=facts.channel_id, message_ts=facts.ts)
    except SlackApiError as exc:
        log.info("shortcut.no_permalink", error=slack_error(exc))
        return None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("shortcut.no_permalink", error=type(exc).__name__)
        return None
    link = response.get("permalink")
    return link if isinstance(link, str) and link.startswith("https://") else None
