"""The Workflow Builder step's pure parts: its inputs read as a command, its outputs, its failure lines.

The inputs are read like the command's words (``action``: screenshot, session or record and their
aliases, ``bot.commands.ACTION_WORDS``; ``customer``: an email, an ID or a member). A failure is one
line of plain words (Workflow Builder shows it as is: no Slack markup), from the same error table
as every message. No Slack, no I/O.
"""

from __future__ import annotations

from typing import Final, Literal

from bot.bugpilot.codes import meaning_of
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.commands import ACTION_WORDS, MAX_NOTE_LENGTH, Command, note_too_long, parse_target
from bot.error_blocks import render_error
from bot.errors import BotError, BugpilotError, TargetUserError, UsageError
from bot.markup import clip, markup_to_text, shown
from bot.payloads.step import STEP_OUTPUTS, StepInputs

__all__ = ["Outcome", "step_command", "step_failure", "step_no_report", "step_outputs"]

_REASON_LIMIT: Final = 500

# ``ready``: the report is there; ``sent``: Bugpilot accepted the request, and its report isn't followed.
Outcome = Literal["ready", "sent"]


def step_command(inputs: StepInputs) -> Command:
    """The capture the step's inputs ask for (pure); ``UsageError`` with a plain reason when they can't be used."""
    word = " ".join((inputs.action or "").split()).lower()
    action = ACTION_WORDS.get(word)
    if action is None:
        known = "screenshot, session or record"
        raise UsageError(f"The step's action is `{shown(word, 60)}`: use {known}." if word else f"Choose {known}.")
    customer = (inputs.customer or "").strip()
    if not customer:
        raise UsageError("The step's customer is empty: give their email or the ID your app passes to identify().")
    if len(customer.split()) > 1:
        raise UsageError(f"The step's customer `{shown(customer, 60)}` has spaces: give one email or ID.")
    note = " ".join((inputs.note or "").split())
    if len(note) > MAX_NOTE_LENGTH:
        raise UsageError(note_too_long(len(note)))
    return Command(action=action, target=parse_target(customer), note=note)


def step_outputs(
    outcome: Outcome, *, report_url: str | None = None, session_info_url: str | None = None
) -> dict[str, str]:
    """The step's declared outputs, every one present (an unknown URL is "")."""
    values = {"outcome": outcome, "report_url": report_url or "", "session_info_url": session_info_url or ""}
    return {name: values[name] for name in STEP_OUTPUTS}


def step_failure(error: BotError, request: CaptureRequest | None = None) -> str:
    """One plain line for ``completeError``: what went wrong and, for Bugpilot's answers, who can fix it."""
    if isinstance(error, UsageError):
        line = markup_to_text(error.reason)
    elif isinstance(error, TargetUserError):
        line = f"I can't capture that member: {markup_to_text(error.reason)}"
    else:
        line = f"{markup_to_text(render_error(error, request).text)}."
    if isinstance(error, BugpilotError):
        line += f" Who can fix it: {markup_to_text(meaning_of(error).fixer)}."
    return clip(" ".join(line.replace("`", "").split()), _REASON_LIMIT)


def step_no_report(request: CaptureRequest, *, waited: float) -> str:
    """The plain line for a report that did not arrive in time."""
    within = f"{round(waited / 60)} minutes" if waited >= 120 else f"{waited:g} seconds"
    return (
        f"No report arrived for the {ACTION_NAMES[request.action]} of {request.customer} within {within}: "
        "the customer may have closed the page, cancelled the recording, or the upload failed."
    )
