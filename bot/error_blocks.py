"""``render_error``: the one place an error becomes a message.

Each error says what happened, what to do about it and who can fix it (the user, an
admin of this bot, Bugpilot, or the bot's maintainers). Upstream text is escaped.
"""

from __future__ import annotations

import math

from slack_sdk.models.blocks import Block

from bot.blocks import Message, assemble, build_usage, context_block, footer, plain_customer, section_block
from bot.capture import CaptureRequest
from bot.errors import (
    AccessDenied,
    BotError,
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    FollowUpRefused,
    InvalidAction,
    InvalidApiKey,
    InvalidButton,
    MissingFields,
    NoAccess,
    TargetUserError,
    UsageError,
    UserNotConnected,
)
from bot.markup import escape_mrkdwn, shown

__all__ = ["render_error"]

_DETAIL_LIMIT = 500
_LABEL_LIMIT = 100
_FIXED_BY_ADMIN = "an admin of this bot"
_FIXED_BY_MAINTAINERS = "the bot's maintainers (please report it)"


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
    who = plain_customer(request) if request else "The customer"
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
    if isinstance(error, UserNotConnected):
        ident = f"`{shown(request.customer, 250)}`" if request else "this email or ID"
        advice = "\n".join(
            [
                "Bugpilot can only reach a customer while they have a page of your app open. Check that:",
                "• they have a page of your app open right now (ask them to reload it)",
                f"• your app calls `Bugpilot.identify()` with exactly {ident}",
                (
                    "• *Always connect Action WebSockets* is enabled in Bugpilot's API settings "
                    "(it takes effect on the customer's next page load)"
                ),
            ]
        )
        return (f"{who} isn't online in your app right now", advice, "you, once the customer is online")
    if isinstance(error, InvalidApiKey):
        return (
            "Bugpilot rejected this bot's API key",
            (
                "The deployment's `BUGPILOT_API_KEY` is missing or wrong. Set a valid key from Bugpilot's "
                "API settings and restart the bot. Trying again won't help until then."
            ),
            _FIXED_BY_ADMIN,
        )
    if isinstance(error, NoAccess):
        return (
            "Bugpilot refused access to the workspace",
            (
                "The workspace or API address this bot uses is wrong: check `BUGPILOT_WORKSPACE_ID` and "
                "`BUGPILOT_API_URL`. Trying again won't help until then."
            ),
            _FIXED_BY_ADMIN,
        )
    if isinstance(error, MissingFields):
        return (
            "Bugpilot said a required field was empty",
            "That's a bug in this bot, not something you did. Nothing was captured.",
            _FIXED_BY_MAINTAINERS,
        )
    if isinstance(error, InvalidAction):
        action = f"`{request.action}`" if request else "the action"
        return (
            f"Bugpilot did not accept {action}",
            "Either a bug in this bot or a change in Bugpilot's API. Nothing was captured.",
            _FIXED_BY_MAINTAINERS,
        )
    if isinstance(error, BugpilotTimeout):
        return (
            "Bugpilot did not answer in time",
            (
                f"{escape_mrkdwn(str(error)).capitalize()}. The request may still have reached the customer's "
                "browser: check Bugpilot for a new report before you try again."
            ),
            "nobody on your side; Bugpilot may be slow right now",
        )
    if isinstance(error, BugpilotRateLimited):
        wait = error.retry_after
        when = "in a moment" if wait is None else (f"in about {math.ceil(wait)} s" if wait <= 3600 else "later")
        return (
            "Bugpilot is busy right now",
            f"It asked this bot to slow down, so nothing was sent to the customer. Try again {when}.",
            "nobody; Bugpilot limits how often it is asked",
        )
    if isinstance(error, BugpilotConnectionError):
        if error.code == "CONNECTION_BROKEN":
            advice = "The connection broke mid-request, so the request may have reached the customer. "
        else:
            advice = "Nothing was sent to the customer. "
        advice += "Trying again later may work; if it keeps happening, check `BUGPILOT_API_URL` and the network."
        return ("I couldn't reach Bugpilot", advice, _FIXED_BY_ADMIN + " if it persists")
    if isinstance(error, BugpilotInternalError):
        if error.code == "INTERNAL_ERROR":
            return (
                "Bugpilot had an internal error",
                "Nothing to fix on your side. Trying again in a minute may work.",
                "Bugpilot",
            )
        return (
            f"Bugpilot is having trouble (HTTP {error.status})",
            (
                "The answer was an error page, not a Bugpilot reply: the service or a proxy in front of it "
                "is failing. Nothing was captured. Try again in a few minutes."
            ),
            "Bugpilot",
        )
    if isinstance(error, BugpilotRejected):
        return (
            f"Bugpilot refused the request ({shown(error.label, _LABEL_LIMIT)})",
            "This bot doesn't know that error code, so it can't say more. Nothing was captured.",
            _FIXED_BY_MAINTAINERS,
        )
    if isinstance(error, BugpilotError):
        status = f"HTTP {error.status}" if error.status is not None else "no status"
        return (
            f"Bugpilot gave an answer this bot doesn't understand ({status})",
            "Nothing shows that the capture happened. Try again; if it repeats, report it.",
            _FIXED_BY_MAINTAINERS,
        )
    return (
        "Something went wrong inside the bot",
        "The error is logged for whoever runs the bot. Trying again may work.",
        _FIXED_BY_MAINTAINERS,
    )
