"""One capture from request to outcome: post the request, call Bugpilot, deliver the result.

Exactly one Bugpilot call and one outcome per request. When the bot cannot post in
the conversation, the outcome goes privately to the requester instead: through the
``response_url``, else as a direct message. Whatever happens, the visible request
message does not stay "working…": when the outcome could go nowhere, it says so.

In a channel shared with another organization (Slack Connect), and for set-up
problems (API key, access, a request Bugpilot can't read) anywhere, the outcome
goes only to the requester and the channel sees a line that names nobody else.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace

import aiohttp
import structlog
from pydantic import ValidationError
from slack_sdk.errors import SlackApiError

from bot.attempt import Attempt, attempt_capture, summarize
from bot.blocks import Message, RequestStatus, build_request_status, with_invite_hint
from bot.capture import CaptureRequest, Surface
from bot.commands import Command
from bot.delivery import Delivery
from bot.errors import InvalidAction, InvalidApiKey, MissingFields, NoAccess, StoreUnavailable
from bot.followups.blocks import build_outcome
from bot.followups.button import FollowUp
from bot.members import resolve_customer
from bot.outcomes import OutcomeRef
from bot.private_blocks import build_request_neutral, build_request_undelivered, with_private_reason
from bot.privately import send_privately
from bot.services import Services
from bot.slack_failures import CANNOT_POST, SLACK_FAILURES, failure_name, slack_error

__all__ = [
    "CONFIGURATION_PROBLEMS",
    "Place",
    "capture_once",
    "is_shared",
    "record_end",
    "record_start",
    "recorded_outcome",
    "resolve_request",
    "run_capture",
    "success_status",
]

# Bugpilot's answers that are about the deployment's set-up: shown only to the requester, anywhere.
CONFIGURATION_PROBLEMS = (InvalidApiKey, NoAccess, MissingFields, InvalidAction)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a request came from and where its outcome belongs.

    ``thread_ts`` set: the outcome goes into that thread. Not set (slash commands):
    a visible request message is posted and the outcome goes into its thread.
    """

    channel_id: str
    response_url: str | None = None
    thread_ts: str | None = None


async def resolve_request(
    services: Services, parsed: Command, place: Place, *, requester: str, team: str, surface: Surface
) -> CaptureRequest:
    """The capture a parsed command asks for, its customer resolved (a member through ``users.info``).

    Raises ``TargetUserError`` when a mentioned member cannot stand for a customer.
    """
    customer, label = await resolve_customer(services.delivery.client, parsed.target)
    return CaptureRequest(
        action=parsed.action,
        customer=customer,
        customer_label=label,
        note=parsed.note,
        requester_id=requester,
        team_id=team,
        channel_id=place.channel_id,
        surface=surface,
    )


async def run_capture(services: Services, request: CaptureRequest, place: Place) -> OutcomeRef | None:
    """Carry one capture request through to exactly one delivered outcome; returns where it is (None: lost)."""
    started = time.perf_counter()
    delivery = services.delivery
    shared = await is_shared(services, place.channel_id)
    status_ts, cannot_post = await _post_request_message(delivery, request, place, shared=shared)

    # The outcome lives in the thread it was asked in, else in the request message's thread.
    thread_ts = place.thread_ts or status_ts
    recorded = await record_start(services, request, status_ts=status_ts, thread_ts=thread_ts)
    attempt = await capture_once(services, request, thread_ts=thread_ts)
    outcome_code = attempt.code
    # In a shared channel, and for set-up problems anywhere, the outcome goes to the requester only.
    private = shared or isinstance(attempt.error, CONFIGURATION_PROBLEMS)
    own_parent = status_ts if place.thread_ts is None and not private else None
    value = (
        services.buttons.value_for(request, channel_id=place.channel_id, thread_ts=thread_ts, status_ts=own_parent)
        if attempt.retryable
        else None
    )
    outcome = build_outcome(attempt, value)

    if private:
        outcome = with_private_reason(outcome, shared=shared, channel_id=place.channel_id)
        delivered, ref = await _deliver_privately(delivery, request, place, status_ts, outcome, attempt=attempt)
    else:
        delivered, ref = await _deliver(delivery, request, place, status_ts, cannot_post, outcome, attempt)
    await record_end(services, recorded, attempt)  # before the report wait, which writes how it ends
    if ref is not None and attempt.accepted is not None and attempt.following:
        try:
            followup = FollowUp.of(request, channel_id=place.channel_id, thread_ts=thread_ts, status_ts=own_parent)
        except ValidationError:
            log.warning("report.unfollowable")
        else:
            neutral_ts = status_ts if shared else None
            await services.reports.start(ref, followup, attempt.accepted, neutral_ts=neutral_ts, capture_id=recorded)
    log.info(
        "command.handled",
        surface=str(request.surface),
        action=str(request.action),
        outcome=outcome_code,
        delivered=delivered,
        private=private,
        attempt=request.attempt,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    return ref


async def capture_once(services: Services, request: CaptureRequest, *, thread_ts: str | None) -> Attempt:
    """One attempt, its note linked back to the conversation (``thread_ts``: the thread, or its request message)."""
    description = await services.origins.note(
        request.note, requester_id=request.requester_id, channel_id=request.channel_id, message_ts=thread_ts
    )
    attempt = await attempt_capture(services.bugpilot, request, thread_ts=thread_ts, description=description)
    return replace(attempt, following=services.reports.follows(attempt.accepted))


def success_status(attempt: Attempt) -> RequestStatus:
    """The request message's status once an attempt's outcome is out: "done" only comes with a ready report."""
    if attempt.error is not None:
        return "failed"
    return "waiting" if attempt.following else "sent"


async def record_start(
    services: Services, request: CaptureRequest, *, status_ts: str | None, thread_ts: str | None
) -> str | None:
    """Write the capture down before Bugpilot is called, so a crash cannot leave it "working" unseen.

    ``status_ts`` is the message that says it is under way: the one a process taking it over rewrites.
    """
    try:
        return await services.captures.begin(request, status_ts=status_ts, thread_ts=thread_ts)
    except StoreUnavailable:
        return None  # the store logged it: the capture goes on, unrecorded


async def record_end(services: Services, capture_id: str | None, attempt: Attempt) -> None:
    """The capture's outcome is out (or could not be): nobody needs to take it over. Its record says how it went."""
    if capture_id is not None:
        accepted = attempt.accepted
        session_info_url = accepted.session_info_url if accepted is not None else None
        with contextlib.suppress(StoreUnavailable):  # kept, and written by a later renew
            await services.captures.finish(
                capture_id, outcome=recorded_outcome(attempt), session_info_url=session_info_url
            )


def recorded_outcome(attempt: Attempt) -> str:
    """What a capture record says of an attempt: ``waiting`` (for its report), ``sent``, or the code that ended it."""
    if attempt.error is not None:
        return attempt.code
    return "waiting" if attempt.following else "sent"


async def is_shared(services: Services, channel_id: str) -> bool:
    """Whether the channel is shared with another organization (Slack Connect)."""
    return await services.channels.is_shared(channel_id)


async def _post_request_message(
    delivery: Delivery, request: CaptureRequest, place: Place, *, shared: bool
) -> tuple[str | None, str | None]:
    """Post the "working…" message (naming nobody but the requester when shared). Returns its ts, or why not."""
    message = build_request_neutral(request, "working") if shared else build_request_status(request, "working")
    try:
        ts = await delivery.post(place.channel_id, message, thread_ts=place.thread_ts)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.info("slack.post_failed", method="chat.postMessage", error=error)
        return None, error
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("slack.post_failed", method="chat.postMessage", error=type(exc).__name__)
        return None, "Slack could not be reached"
    return ts, None


async def _deliver_privately(
    delivery: Delivery,
    request: CaptureRequest,
    place: Place,
    status_ts: str | None,
    outcome: Message,
    *,
    attempt: Attempt,
) -> tuple[str, OutcomeRef | None]:
    """The outcome to the requester only; the request message becomes a neutral line. Returns how, and where."""
    where, ref = await send_privately(
        delivery,
        outcome,
        user_id=request.requester_id,
        channel_id=place.channel_id,
        thread_ts=place.thread_ts or status_ts,
        response_url=place.response_url,
    )
    if where == "lost":
        log.error("outcome.undeliverable", reason="private")
    if status_ts is not None:
        status = "lost" if where == "lost" else success_status(attempt)
        await delivery.update(place.channel_id, status_ts, build_request_neutral(request, status))
    return where, ref


async def _deliver(
    delivery: Delivery,
    request: CaptureRequest,
    place: Place,
    status_ts: str | None,
    cannot_post: str | None,
    outcome: Message,
    attempt: Attempt,
) -> tuple[str, OutcomeRef | None]:
    """Put the outcome where it belongs; returns how ("thread", "private", "direct" or "lost"), and where."""
    if status_ts is not None:
        if place.thread_ts is not None:
            # In a thread already: the "working…" reply becomes the outcome.
            if await delivery.update(place.channel_id, status_ts, outcome):
                return "thread", OutcomeRef(place.channel_id, status_ts)
        else:
            try:
                outcome_ts = await delivery.post(place.channel_id, outcome, thread_ts=status_ts)
            except SLACK_FAILURES as exc:
                cannot_post = failure_name(exc)
                log.warning("slack.post_failed", method="chat.postMessage", error=cannot_post)
            else:
                status = build_request_status(request, success_status(attempt), summarize(attempt.error))
                await delivery.update(place.channel_id, status_ts, status)
                return "thread", OutcomeRef(place.channel_id, outcome_ts)
    reason = cannot_post or "Slack refused the message"
    invite = reason in CANNOT_POST
    ref: OutcomeRef | None = None
    if await delivery.respond(place.response_url, with_invite_hint(outcome, reason, invite=invite)):
        where, ref = "private", OutcomeRef(place.channel_id, None, ephemeral=True, response_url=place.response_url)
    elif posted := await delivery.direct(
        request.requester_id, with_invite_hint(outcome, reason, channel_id=place.channel_id, invite=invite)
    ):
        where, ref = "direct", OutcomeRef(*posted)
    else:
        log.error("outcome.undeliverable", reason=cannot_post)
        if status_ts is not None:
            # Never leave "working on it…" behind: say the result could not be shown.
            await delivery.update(
                place.channel_id, status_ts, build_request_undelivered(request, summarize(attempt.error))
            )
        return "lost", None
    if status_ts is not None:
        # The visible "working…" message must not stay "working" forever.
        await delivery.update(place.channel_id, status_ts, build_request_status(request, "private"))
    return where, ref
