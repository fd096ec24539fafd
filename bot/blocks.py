"""Pure Block Kit builders: domain objects in, a ``Message`` (fallback text + blocks) out.

Every piece of user or upstream text is decoded plain text here, shown through
``markup.shown`` (clipped, then escaped once) in ``verbatim`` mrkdwn. The small parts
every builder uses (sections and context lines clipped to Slack's limits, how a request's
customer and footer read) are here too; errors become messages in ``bot.error_blocks``
and follow-ups in ``bot.followups.blocks``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.bugpilot.models import ActionAccepted
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.commands import SUGGESTED_INVOCATION, Action
from bot.markup import bold, clip, clip_mrkdwn, escape_mrkdwn, literal, shown
from bot.settings import is_loopback

__all__ = [
    "ACTION_NEW_CAPTURE",
    "ACTION_OPEN_SESSION",
    "NOTE_SHOWN",
    "Message",
    "RequestStatus",
    "assemble",
    "bold_customer",
    "build_request_status",
    "build_success",
    "build_usage",
    "button_url",
    "clip",
    "context_block",
    "footer",
    "link_button",
    "literal_customer",
    "plain_customer",
    "section_block",
    "with_invite_hint",
]

# The link button to Bugpilot on an accepted capture: Slack opens the link, the bot only acknowledges.
ACTION_OPEN_SESSION: Final = "open_session"
# App Home's New capture button: opens the capture modal (as the global shortcut does).
ACTION_NEW_CAPTURE: Final = "home_new_capture"

RequestStatus = Literal["working", "waiting", "sent", "done", "failed", "trying", "private", "interrupted"]

_SECTION_LIMIT = 3000
_CONTEXT_LIMIT = 2000
_URL_LIMIT = 3000
_SUMMARY_LIMIT = 200
NOTE_SHOWN = 1500  # a note in full (the parser allows 1500); escaping may lengthen it, the line clips it

_WHAT_THEY_SEE: dict[Action, str] = {
    Action.SCREENSHOT: "They see nothing: Bugpilot captures the page they have open.",
    Action.SESSION: "They see nothing: Bugpilot uploads their last 5–10 minutes of activity.",
    Action.RECORDING: "They now see a recording frame and a stop button (up to 60 seconds).",
}
# Why a message could not be posted, in plain words, by Slack's error code (or the network failure's name).
_WHY_NOT_POSTED: Final[dict[str, str]] = {
    "not_in_channel": "I'm not a member of it",
    "channel_not_found": "I can't see it (a private conversation I'm not in)",
    "is_archived": "it is archived",
    "no_permission": "Slack doesn't let me post there",
    "access_denied": "Slack doesn't let me post there",
    "restricted_action": "its settings don't let me post there",
    "restricted_action_read_only_channel": "it is read-only",
    "restricted_action_thread_only_channel": "it takes replies in threads only",
    "restricted_action_non_threadable_channel": "it has no threads",
    "restricted_action_thread_locked": "the thread is locked",
    "cannot_reply_to_message": "Slack doesn't let me reply in that thread",
    "team_access_not_granted": "I'm not installed in its workspace",
    "ekm_access_denied": "its workspace's encryption keys refused me",
    "ratelimited": "Slack asked me to slow down",
    "rate_limited": "Slack asked me to slow down",
    "Slack could not be reached": "Slack could not be reached",
    "ClientConnectorError": "Slack could not be reached",
    "ServerDisconnectedError": "Slack could not be reached",
    "TimeoutError": "Slack did not answer in time",
}
_EMOJI: dict[Action, str] = {Action.SCREENSHOT: "📸", Action.SESSION: "🎞️", Action.RECORDING: "🎥"}


@dataclass(frozen=True)
class Message:
    """A Slack message: fallback ``text`` (notifications, screen readers) and ``blocks``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def build_usage(reason: str | None = None, *, invocation: str = "/bugpilot") -> Message:
    """The full usage card; after a usage error, only its one-line reason (``UsageError.reason``, escaped).

    The reason carries its own runnable suggestion where there is one; the card stays behind ``help``.
    """
    if reason:
        # A suggestion to run is written for the slash command; a mention's reply suggests the mention.
        line = ":warning: " + reason.replace(f"`{SUGGESTED_INVOCATION} ", f"`{invocation} ")
        more = context_block(f"`{invocation} help` shows every action, with examples.")
        return assemble(reason, [section_block(line), more])
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
    return assemble(f"How to use {invocation}", [section_block(how)])


def build_request_status(request: CaptureRequest, status: RequestStatus, summary: str = "") -> Message:
    """The visible request message in the channel, and its later updates."""
    name = ACTION_NAMES[request.action]
    what = f"<@{request.requester_id}> asked Bugpilot for a *{name}* of {bold_customer(request)}"
    icon, tail = {
        "working": (":hourglass_flowing_sand:", "working on it…"),
        "waiting": (":hourglass_flowing_sand:", "sent to their browser; waiting for the report, see the thread."),
        "sent": (":outbox_tray:", "sent to their browser; the report will be in Bugpilot, see the thread."),
        "done": (":white_check_mark:", "done: the report is ready, see the thread."),
        "failed": (":warning:", f"didn't work: {shown(summary, _SUMMARY_LIMIT)}. Details in the thread."),
        "trying": (":repeat:", "still trying: they weren't online yet. See the thread."),
        "private": (":envelope:", "finished; I couldn't post the result here, so it went to them privately."),
        "interrupted": (
            ":warning:",
            (
                "the bot restarted before this finished. It may have reached the customer: "
                "check Bugpilot for a new report before you try again."
            ),
        ),
    }[status]
    line = f"{icon} {what} — {tail}"
    blocks: list[Block] = [section_block(line)]
    if request.note:
        blocks.append(context_block(f"Note: {shown(request.note, NOTE_SHOWN)}"))
    return assemble(line, blocks)


def build_success(request: CaptureRequest, accepted: ActionAccepted, *, waiting: bool = False) -> Message:
    """Bugpilot accepted: what was asked of whom, what the customer sees, the session link.

    ``waiting``: the bot follows the request to its report and will update this message.
    """
    name = ACTION_NAMES[request.action]
    headline = f"{_EMOJI[request.action]} *{name.capitalize()} requested* from {bold_customer(request)}."
    next_step = (
        "It reached their browser; I'm waiting for the report and will update this message."
        if waiting
        else "It reached their browser; the report will show up in Bugpilot."
    )
    blocks: list[Block] = [section_block(f"{headline} {next_step}\n{_WHAT_THEY_SEE[request.action]}")]
    url = accepted.session_info_url
    if url and button_url(url):
        blocks.append(link_button("Open in Bugpilot", url))
    else:
        blocks.append(context_block("Bugpilot sent no link to the session; it will appear in your Bugpilot dashboard."))
    blocks.append(context_block(footer(request)))
    text = f"{name.capitalize()} requested from {plain_customer(request)}."
    return assemble(f"{text} Waiting for the report." if waiting else text, blocks)


def link_button(label: str, url: str) -> ActionsBlock:
    """A link button (``button_url`` checked by the caller): Slack opens it, the bot only acknowledges the click."""
    return ActionsBlock(
        block_id="outcome_links",
        elements=[ButtonElement(text=label, url=url, action_id=ACTION_OPEN_SESSION, style="primary")],
    )


def button_url(url: str) -> bool:
    """Whether an upstream link may become a link button.

    It must parse, hold no whitespace or control characters, fit Slack's 3000
    characters, and be https (http only for this machine, as in a local setup).
    """
    if len(url) > _URL_LIMIT or any(ch.isspace() or not ch.isprintable() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))


def with_invite_hint(
    message: Message, channel_reason: str, *, channel_id: str | None = None, invite: bool = True
) -> Message:
    """Add the hint shown when the outcome had to come privately instead of in the thread.

    ``channel_reason`` is the Slack error code (or network failure) and is said in plain words, never
    shown raw. ``channel_id`` names the conversation, for a direct message sent from elsewhere;
    ``invite=False`` leaves out the advice to invite the bot, for failures an invitation
    does not fix (Slack unreachable or busy).
    """
    reason = _WHY_NOT_POSTED.get(channel_reason, "Slack refused the message")
    if channel_id:
        where = f"<#{escape_mrkdwn(channel_id)}>"
        text = f":information_source: I couldn't post in {where}: {reason}. So the outcome came here."
        advice = " Invite me there with `/invite @Bugpilot` to keep outcomes in the thread."
    else:
        text = f":information_source: Only you can see this: I couldn't post in this conversation: {reason}."
        advice = " Invite me with `/invite @Bugpilot` to keep outcomes in the thread."
    hint = context_block(text + advice if invite else text)
    return Message(text=message.text, blocks=[*message.blocks, hint.to_dict()])


def bold_customer(request: CaptureRequest) -> str:
    """The request's customer in bold, shown literally whatever it holds."""
    return bold(literal_customer(request))


def plain_customer(request: CaptureRequest) -> str:
    """The request's customer for fallback text: its label, clipped and escaped."""
    return shown(request.customer_label or request.customer, 250)


def literal_customer(request: CaptureRequest) -> str:
    """The request's customer in blocks: its label, shown literally (``markup.literal``); wrap it with ``bold``."""
    return literal(request.customer_label or request.customer, 250)


def footer(request: CaptureRequest) -> str:
    """Who asked, which attempt, and the note (escaped)."""
    parts = [f"Asked by <@{request.requester_id}>"]
    if request.attempt > 1:
        parts.append(f"attempt {request.attempt}")
    if request.note:
        parts.append(f"note: {shown(request.note, NOTE_SHOWN)}")
    return " · ".join(parts)


def section_block(text: str) -> SectionBlock:
    """A mrkdwn section, clipped to Slack's 3000 characters; ``verbatim``: Slack links nothing by itself."""
    return SectionBlock(text=MarkdownTextObject(text=clip_mrkdwn(text, _SECTION_LIMIT), verbatim=True))


def context_block(text: str) -> ContextBlock:
    """A mrkdwn context line, clipped to 2000 characters; ``verbatim`` like ``section_block``."""
    return ContextBlock(elements=[MarkdownTextObject(text=clip_mrkdwn(text, _CONTEXT_LIMIT), verbatim=True)])


def assemble(text: str, blocks: list[Block]) -> Message:
    """A message from its fallback text (clipped) and typed blocks (checked by ``to_dict``)."""
    return Message(text=clip_mrkdwn(text, _SECTION_LIMIT), blocks=[block.to_dict() for block in blocks])
