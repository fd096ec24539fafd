"""Pure Block Kit builders for the end of a report wait: ready, no report arrived, or stopped by an error."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.blocks import (
    Message,
    assemble,
    bold_customer,
    button_url,
    context_block,
    footer,
    link_button,
    plain_customer,
    section_block,
)
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.error_blocks import render_error
from bot.errors import BugpilotError
from bot.followups.blocks import ACTION_TRY_AGAIN

__all__ = ["build_no_report", "build_report_notice", "build_report_ready", "build_report_stopped"]

_UNSAFE_IN_LINK = frozenset("<>|")


def build_report_ready(request: CaptureRequest, report_url: str) -> Message:
    """The outcome once Session Info gave the report's address: **Report ready** and **Open report**."""
    name = ACTION_NAMES[request.action]
    line = f":white_check_mark: *Report ready*: the {name} of {bold_customer(request)} is in Bugpilot."
    blocks: list[Block] = [section_block(line)]
    if button_url(report_url):
        blocks.append(link_button("Open report", report_url))
    else:
        blocks.append(context_block("Bugpilot's link to the report can't be shown here: find it in Bugpilot."))
    blocks.append(context_block(footer(request)))
    return assemble(f"Report ready: the {name} of {plain_customer(request)}", blocks)


def build_report_notice(request: CaptureRequest, report_url: str, mention: list[str]) -> Message:
    """A new reply that notifies the people who asked (an edited message notifies nobody)."""
    people = " ".join(f"<@{user}>" for user in dict.fromkeys(user for user in mention if user))
    name = ACTION_NAMES[request.action]
    link = f"<{report_url}|Open report>" if _linkable(report_url) else "find it in Bugpilot"
    line = f"{people} the report with the {name} of {bold_customer(request)} is ready: {link}"
    return assemble(f"Report ready: the {name} of {plain_customer(request)}", [section_block(line.strip())])


def build_no_report(request: CaptureRequest, *, waited: float, session_url: str | None, value: str | None) -> Message:
    """No report within the wait: say so in plain words and offer Try again."""
    name = ACTION_NAMES[request.action]
    line = (
        f":warning: *No report arrived* for the {name} of {bold_customer(request)} within {_duration(waited)}. "
        "The customer may have closed the page, cancelled the recording, or the upload failed."
    )
    blocks: list[Block] = [section_block(line)]
    buttons: list[ButtonElement] = []
    if value is not None:
        buttons.append(ButtonElement(text="Try again", action_id=ACTION_TRY_AGAIN, value=value, style="primary"))
    if buttons:
        blocks.append(ActionsBlock(block_id="followup_actions", elements=buttons))
    if session_url and _linkable(session_url):
        blocks.append(context_block(f"If it turns up later, <{session_url}|Bugpilot's link> opens it."))
    blocks.append(context_block(footer(request)))
    return assemble(f"No report arrived for the {name} of {plain_customer(request)}", blocks)


def build_report_stopped(request: CaptureRequest, error: BugpilotError, *, session_url: str | None) -> Message:
    """Following the report stopped on an error: what it was and who can fix it, the link kept."""
    message = render_error(error, request)
    head = section_block(":warning: The request reached the customer's browser, but I stopped following its report.")
    blocks = [head.to_dict(), *message.blocks]
    if session_url and button_url(session_url):
        blocks.insert(-1, link_button("Open in Bugpilot", session_url).to_dict())
    return Message(text=f"Stopped following the report: {message.text}", blocks=blocks)


def _linkable(url: str) -> bool:
    """Whether ``url`` may go inside a mrkdwn ``<url|label>`` link."""
    return button_url(url) and not _UNSAFE_IN_LINK & set(url)


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds"
