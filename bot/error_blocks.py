"""``render_error``: the one place an error becomes a message.

Each error opens with one line: what happened and what to do next. Under it, in a small
context line: the details for admins and developers, who can fix it (the user, an admin of
this bot, Bugpilot, or the bot's maintainers), the code and the HTTP status. Upstream text
is escaped.
"""

from __future__ import annotations

import math

from slack_sdk.models.blocks import Block

from bot.blocks import (
    Message,
    assemble,
    build_usage,
    context_block,
    footer,
    literal_customer,
    plain_customer,
    section_block,
)
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
from bot.markup import bold, code_text, escape_mrkdwn, shown

__all__ = ["render_error"]

_DETAIL_LIMIT = 500
_LABEL_LIMIT = 100


def render_error(error: BotError, request: CaptureRequest | None = None, *, brief: bool = False) -> Message:
    """The one place an error becomes Block Kit: what happened and the next step first, details in context.

    The section is one short line (the title in bold, then the advice); the details for admins and
    developers, who can fix it, the code and the HTTP status go in a small context line under it.
    ``brief`` leaves the details out (a message that already showed them, after Stop).
    """
    if isinstance(error, UsageError):
        return build_usage(error.reason)
    title, advice, fixer, details = _explain(error, request)
    blocks: list[Block] = [section_block(f"{bold(title)}. {advice}".strip())]
    facts = [details] if details and not brief else []
    if isinstance(error, BugpilotError) and error.detail and not brief:
        facts.append(f"Bugpilot said: {shown(' '.join(error.detail.split()), _DETAIL_LIMIT)}")
    if fixer:
        facts.append(f"Who can fix this: {fixer}")
    if isinstance(error, BugpilotError):
        facts.append(_code_and_status(error))
    if facts:
        blocks.append(context_block(" · ".join(facts)))
    if request is not None:
        blocks.append(context_block(footer(request)))
    text = f"{title}. {advice}"
    if request is not None:  # a notification shows the customer as typed, not in a code span
        text = text.replace(literal_customer(request), plain_customer(request))
    return assemble(text, blocks)


def _code_and_status(error: BugpilotError) -> str:
    """``USER_NOT_CONNECTED · HTTP 400``; a code that only repeats the status (``HTTP_502``) is left out."""
    label = shown(error.label, _LABEL_LIMIT)
    if error.status is None:
        return f"`{label}`"
    if error.label == f"HTTP_{error.status}":
        return f"HTTP {error.status}"
    return f"`{label}` · HTTP {error.status}"


def _explain(error: BotError, request: CaptureRequest | None) -> tuple[str, str, str, str]:
    """Title, advice, who can fix it, and details (mrkdwn)."""
    if isinstance(error, TargetUserError):
        return (
            "I can't capture that member",
            shown(error.reason, _DETAIL_LIMIT),
            "you: name the customer by email or ID",
            "",
        )
    if isinstance(error, AccessDenied):
        return ("You can't capture with Bugpilot here", error.reason, error.contact, "")
    if isinstance(error, InvalidButton):
        return (
            "That button doesn't check out",
            "Its data was changed on the way, so I did nothing: run the command again.",
            "you: run the command again",
            "",
        )
    if isinstance(error, FollowUpRefused):
        return ("Not right now", error.reason, "", "")
    if isinstance(error, BugpilotError):
        return _explain_bugpilot(error, request)
    return (
        "Something went wrong inside the bot",
        "Trying again may work; the error is logged for whoever runs the bot.",
        FIXED_BY_MAINTAINERS,
        "",
    )


def _explain_bugpilot(error: BugpilotError, request: CaptureRequest | None) -> tuple[str, str, str, str]:
    """The table's words for ``error`` (``bot.bugpilot.codes``), filled in for this request."""
    row = meaning_of(error)
    wait = error.retry_after if isinstance(error, BugpilotRateLimited) else None
    values = {
        "who": literal_customer(request) if request else "The customer",
        "ident": f"`{code_text(request.customer, 250)}`" if request else "this email or ID",
        "action": f"`{request.action}`" if request else "the action",
        "status": f"HTTP {error.status}" if error.status is not None else "no status",
        "label": shown(error.label, _LABEL_LIMIT),
        "error": _sentence(escape_mrkdwn(str(error))),
        "when": "in a moment" if wait is None else (f"in about {math.ceil(wait)} s" if wait <= 3600 else "later"),
    }
    return row.title.format(**values), row.advice.format(**values), row.fixer, row.details.format(**values)


def _sentence(text: str) -> str:
    """``text`` with its first letter in capitals and the rest as it was ("Bugpilot" stays "Bugpilot")."""
    return text[:1].upper() + text[1:]
