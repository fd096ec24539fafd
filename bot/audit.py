"""The audit trail, for operators' log stores: ``audit.capture``, ``audit.report``, ``audit.home`` and more.

One ``audit.capture`` per attempt, one ``audit.report`` per wait, one ``audit.home`` per Home tab shown.

``audit.unfurl`` is one line per ``link_shared`` event the bot decided on: how many links it
had, how many were this team's known reports, and what was done (``unfurled``, or why not).

Logged at INFO by the ``bot.audit`` logger whatever ``LOG_LEVEL`` says. Notes, tokens
and keys are never part of an event; ``target`` is the customer's Bugpilot user ID
(an email or an ID), which is the point of an audit trail.
"""

from __future__ import annotations

from typing import Final

import structlog

from bot.capture import CaptureRequest

__all__ = [
    "AUDIT_FIELDS",
    "AUDIT_LOGGER",
    "record_capture",
    "record_home",
    "record_refusal",
    "record_report",
    "record_unfurl",
]

AUDIT_LOGGER: Final = "bot.audit"

AUDIT_FIELDS: Final = (
    "team_id",
    "user_id",
    "requester_id",
    "channel_id",
    "thread_ts",
    "target",
    "action",
    "surface",
    "outcome",
    "http_status",
    "duration_ms",
    "attempt",
)

log = structlog.get_logger(AUDIT_LOGGER)


def record_capture(
    request: CaptureRequest,
    *,
    thread_ts: str | None,
    outcome: str,
    http_status: int | None,
    duration_ms: int,
) -> None:
    """Emit the ``audit.capture`` event for one attempt."""
    log.info(
        "audit.capture",
        team_id=request.team_id,
        user_id=request.actor_id or request.requester_id,
        requester_id=request.requester_id,
        channel_id=request.channel_id,
        thread_ts=thread_ts,
        target=request.customer,
        action=str(request.action),
        surface=str(request.surface),
        outcome=outcome,
        http_status=http_status,
        duration_ms=duration_ms,
        attempt=request.attempt,
    )


def record_refusal(*, team_id: str | None, user_id: str | None, channel_id: str | None, kind: str, reason: str) -> None:
    """Emit ``audit.refused`` when the access check turns a request away (no capture happens)."""
    log.info("audit.refused", team_id=team_id, user_id=user_id, channel_id=channel_id, kind=kind, reason=reason)


def record_report(request: CaptureRequest, *, outcome: str, report_url: str | None, wait_ms: int, looks: int) -> None:
    """Emit the ``audit.report`` event once a followed capture's wait ends (``ready`` or the code that ended it)."""
    log.info(
        "audit.report",
        team_id=request.team_id,
        user_id=request.requester_id,
        channel_id=request.channel_id,
        target=request.customer,
        action=str(request.action),
        outcome=outcome,
        report_url=report_url,
        wait_ms=wait_ms,
        looks=looks,
    )


def record_home(*, team_id: str | None, user_id: str, team_shown: bool, reason: str | None) -> None:
    """Emit ``audit.home`` when a Home tab is published: whether it showed the team's captures, and why not."""
    log.info("audit.home", team_id=team_id, user_id=user_id, team_shown=team_shown, reason=reason)


def record_unfurl(
    *, team_id: str | None, user_id: str | None, channel_id: str | None, links: int, known: int | None, outcome: str
) -> None:
    """Emit ``audit.unfurl`` for one ``link_shared`` event (``known`` is None when the store didn't answer).

    Never the links, customers or notes: only how many, and what was done with them.
    """
    log.info(
        "audit.unfurl",
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        links=links,
        known=known,
        outcome=outcome,
    )
