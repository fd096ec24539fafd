"""Pure Block Kit builders: domain objects in, a ``Message`` (fallback text + blocks) out.

Every piece of user or upstream text passes through ``escape_mrkdwn`` here, and
``render_error`` is the only place an error becomes a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.bugpilot import ActionAccepted
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.commands import Action
from bot.errors import (
    AccessDenied,
    BotError,
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
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
from bot.markup import escape_mrkdwn

__all__ = [
    "Message",
    "RequestStatus",
    "build_request_status",
    "build_success",
    "build_usage",
    "render_error",
    "with_invite_hint",
]

RequestStatus = Literal["working", "done", "failed"]

_SECTION_LIMIT = 3000
_CONTEXT_LIMIT = 2000
_URL_LIMIT = 3000

_WHAT_THEY_SEE: dict[Action, str] = {
    Action.SCREENSHOT: "They see nothing: Bugpilot captures the page they have open.",
    Action.SESSION: "They see nothing: Bugpilot uploads their last 5–10 minutes of activity.",
    Action.RECORDING: (
        "They now see a recording frame and a stop button and can record up to 60 seconds; "
        "the report fills in when they stop."
    ),
}
_EMOJI: dict[Action, str] = {Action.SCREENSHOT: "📸", Action.SESSION: "🎞️", Action.RECORDING: "🎥"}

_FIXED_BY_ADMIN = "an admin of this bot"
_FIXED_BY_MAINTAINERS = "the bot's maintainers (please report it)"


@dataclass(frozen=True)
class Message:
    """A Slack message: fallback ``text`` (notifications, screen readers) and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def build_usage(reason: str | None = None, *, invocation: str = "/bugpilot") -> Message:
    """Usage, optionally after a short reason (``UsageError.reason``, already escaped)."""
    how = "\n".join(
        [
            f"*How to use {invocation}*",
            f"`{invocation} screenshot alice@acme.com` — a screenshot of the page the customer has open",
            f"`{invocation} session cust_8812 checkout fails` — their last 5–10 minutes, with a note",
            f"`{invocation} record @bob` — ask them to record their screen (up to 60 s)",
            (
                "The customer is an email, the ID your app passes to `Bugpilot.identify()`, or a Slack member. "
                "Anything after it becomes a note on the report. "
                "Aliases: `upload-screenshot`, `replay`, `upload-session`, `recording`, `show-recording-ui`."
            ),
        ]
    )
    blocks: list[Block] = []
    if reason:
        blocks.append(_section(f":warning: {reason}"))
    blocks.append(_section(how))
    text = f"{reason} — type `{invocation} help` for usage." if reason else f"How to use {invocation}"
    return _message(text, blocks)


def build_request_status(request: CaptureRequest, status: RequestStatus, summary: str = "") -> Message:
    """The visible request message in the channel, and its later updates."""
    what = f"<@{request.requester_id}> asked Bugpilot for a *{ACTION_NAMES[request.action]}* of {_customer(request)}"
    icon, tail = {
        "working": (":hourglass_flowing_sand:", "working on it…"),
        "done": (":white_check_mark:", "done, see the thread."),
        "failed": (":warning:", f"didn't work: {escape_mrkdwn(summary)}. Details in the thread."),
    }[status]
    line = f"{icon} {what} — {tail}"
    blocks: list[Block] = [_section(line)]
    if request.note:
        blocks.append(_context(f"Note: {escape_mrkdwn(request.note)}"))
    return _message(line, blocks)


def build_success(request: CaptureRequest, accepted: ActionAccepted) -> Message:
    """Bugpilot accepted: what was asked of whom, what the customer sees, the session link."""
    name = ACTION_NAMES[request.action]
    headline = f"{_EMOJI[request.action]} *{name.capitalize()} requested* from {_customer(request)}."
    blocks: list[Block] = [_section(f"{headline}\n{_WHAT_THEY_SEE[request.action]}")]
    url = accepted.session_info_url
    if url and url.startswith(("https://", "http://")) and len(url) <= _URL_LIMIT:
        blocks.append(
            ActionsBlock(
                block_id="outcome_links",
                elements=[ButtonElement(text="Open in Bugpilot", url=url, action_id="open_session", style="primary")],
            )
        )
    else:
        blocks.append(_context("Bugpilot sent no link to the session; it will appear in your Bugpilot dashboard."))
    blocks.append(_context(_footer(request)))
    return _message(f"{name.capitalize()} requested from {_plain_customer(request)}.", blocks)


def render_error(error: BotError, request: CaptureRequest | None = None) -> Message:
    """The one place an error becomes Block Kit: what happened, what to do, who can fix it."""
    if isinstance(error, UsageError):
        return build_usage(error.reason)
    title, advice, fixer = _explain(error, request)
    body = f"*{title}*\n{advice}"
    if isinstance(error, BugpilotError) and error.detail:
        body += f"\n>Bugpilot said: {escape_mrkdwn(' '.join(error.detail.split()))}"
    blocks: list[Block] = [_section(body)]
    facts = [f"Who can fix this: {fixer}"] if fixer else []
    if isinstance(error, BugpilotError):
        facts.append(f"Code: `{escape_mrkdwn(error.label)}`")
        if error.status is not None:
            facts.append(f"HTTP {error.status}")
    if facts:
        blocks.append(_context(" · ".join(facts)))
    if request is not None:
        blocks.append(_context(_footer(request)))
    return _message(_strip_emphasis(title), blocks)


def with_invite_hint(message: Message, channel_reason: str, *, channel_id: str | None = None) -> Message:
    """Add the hint shown when the outcome had to come privately instead of in the thread.

    ``channel_id`` names the conversation, for a direct message sent from elsewhere.
    """
    if channel_id:
        hint = _context(
            f":information_source: I couldn't post in <#{escape_mrkdwn(channel_id)}> "
            f"({escape_mrkdwn(channel_reason)}), so the outcome came here. Invite me there with "
            "`/invite @Bugpilot` to keep outcomes in the thread."
        )
    else:
        hint = _context(
            f":information_source: Only you can see this: I couldn't post in this conversation "
            f"({escape_mrkdwn(channel_reason)}). Invite me with `/invite @Bugpilot` to keep outcomes in the thread."
        )
    return Message(text=message.text, blocks=[*message.blocks, hint.to_dict()])


def _explain(error: BotError, request: CaptureRequest | None) -> tuple[str, str, str]:
    who = _plain_customer(request) if request else "The customer"
    if isinstance(error, TargetUserError):
        return ("I can't capture that member", escape_mrkdwn(error.reason), "you: name the customer by email or ID")
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
        ident = f"`{escape_mrkdwn(request.customer)}`" if request else "this email or ID"
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
            f"Bugpilot refused the request ({escape_mrkdwn(error.label)})",
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


def _customer(request: CaptureRequest) -> str:
    return f"*{escape_mrkdwn(_clip(request.customer_label, 250))}*"


def _plain_customer(request: CaptureRequest) -> str:
    return escape_mrkdwn(_clip(request.customer_label, 250))


def _footer(request: CaptureRequest) -> str:
    parts = [f"Asked by <@{request.requester_id}>"]
    if request.attempt > 1:
        parts.append(f"attempt {request.attempt}")
    if request.note:
        parts.append(f"note: {escape_mrkdwn(request.note)}")
    return " · ".join(parts)


def _strip_emphasis(title: str) -> str:
    return title.replace("*", "")


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_clip(text, _SECTION_LIMIT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_clip(text, _CONTEXT_LIMIT))])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(text: str, blocks: list[Block]) -> Message:
    return Message(text=_clip(text, 3000), blocks=[block.to_dict() for block in blocks])
