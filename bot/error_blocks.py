"""``render_error``: the one place an error becomes a message.

Each error says what happened, what to do about it and who can fix it (the user, an
admin of this bot, Bugpilot, or the bot's maintainers). Upstream text is escaped.
"""

from __future__ import annotations

import math

from slack_sdk.models.blocks import Block

from bot.blocks import Message, assemble, build_usage, context_block, footer, plain_customer, section_block
from bot.bugpilot.codes import FIXED_BY_MAINTAINERS, meaning_of
from bot.capture import CaptureRequest
from bot.errors import (
    AccessDenied,
    BotError,
    BugpilotError,
    BugpilotRateLimited,
    FollowUpRefused,
    InvalidButton,
    TargetUserError,
    UsageError,
)
from bot.markup import escape_mrkdwn, shown

__all__ = ["render_error"]

_DETAIL_LIMIT = 500
_LABEL_LIMIT = 100


def render_error(error: BotError, request: CaptureRequest | None = None) -> Message:
    """The one place an error becomes Block Kit: what happened, what to do, who can fix it."""
    if isinstance(error, UsageError):
        return build_usage(error.reason)
    title, advice, fixer = _explain(error, request)
    body = f"*{title}*\n{advice}"
    if isinstance(error, BugpilotError) and error.detail:
        body += f"\n>Bugpilot said: {shown(' '.join(error.detail.split()), _DETAIL_LIMIT)}"
    blocks: list[Block] = [section_block(body)]
    facts = [f"Who can fix this: {fixer}"] if fixer else []
    if isinstance(error, BugpilotError):
        facts.append(f"Code: `{shown(error.label, _LABEL_LIMIT)}`")
        if error.status is not None:
            facts.append(f"HTTP {error.status}")
    if facts:
        blocks.append(context_block(" · ".join(facts)))
    if request is not None:
        blocks.append(context_block(footer(request)))
    return assemble(title.replace("*", ""), blocks)


def _explain(error: BotError, request: CaptureRequest | None) -> tuple[str, str, str]:
    if isinstance(error, TargetUserError):
        return (
            "I can't capture that member",
            shown(error.reason, _DETAIL_LIMIT),
            "you: name the customer by email or ID",
        )
    if isinstance(error, AccessDenied):
        return ("You can't capture with Bugpilot here", error.reason, error.contact)
    if isinstance(error, InvalidButton):
        return (
            "That button doesn't check out",
            "Its data was changed or damaged on the way, so I did nothing. Run the command again to capture.",
            "you: run the command again",
        )
    if isinstance(error, FollowUpRefused):
        return ("Not right now", error.reason, "")
    if isinstance(error, BugpilotError):
        return _explain_bugpilot(error, request)
    return (
        "Something went wrong inside the bot",
        "The error is logged for whoever runs the bot. Trying again may work.",
        FIXED_BY_MAINTAINERS,
    )


def _explain_bugpilot(error: BugpilotError, request: CaptureRequest | None) -> tuple[str, str, str]:
    """The table's words for ``error`` (``bot.bugpilot.codes``), filled in for this request."""
    row = meaning_of(error)
    wait = error.retry_after if isinstance(error, BugpilotRateLimited) else None
    values = {
        "who": plain_customer(request) if request else "The customer",
        "ident": f"`{shown(request.customer, 250)}`" if request else "this email or ID",
        "action": f"`{request.action}`" if request else "the action",
        "status": f"HTTP {error.status}" if error.status is not None else "no status",
        "label": shown(error.label, _LABEL_LIMIT),
        "error": escape_mrkdwn(str(error)).capitalize(),
        "when": "in a moment" if wait is None else (f"in about {math.ceil(wait)} s" if wait <= 3600 else "later"),
    }
    return row.title.format(**values), row.advice.format(**values), row.fixer
