"""Pure Block Kit builders for outcomes that can be followed up: Try again, Keep trying, Stop."""

from __future__ import annotations

from typing import Final

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock

from bot.attempt import Attempt
from bot.blocks import (
    NOTE_SHOWN,
    Message,
    assemble,
    bold_customer,
    build_success,
    context_block,
    plain_customer,
    section_block,
)
from bot.capture import ACTION_NAMES, CaptureRequest
from bot.error_blocks import render_error
from bot.markup import clip, code_text, local_time, shown

__all__ = [
    "ACTION_KEEP_TRYING",
    "ACTION_STILL_FAILING",
    "ACTION_STOP",
    "ACTION_TRY_AGAIN",
    "FOLLOWUP_ACTIONS",
    "build_outcome",
    "build_retrying",
    "build_still_failing",
    "build_watch_ended",
    "build_watch_paused",
    "build_watch_status",
    "build_watch_success",
    "build_watch_success_notice",
]

ACTION_TRY_AGAIN: Final = "bugpilot_try_again"
ACTION_KEEP_TRYING: Final = "bugpilot_keep_trying"
ACTION_STOP: Final = "bugpilot_stop"
# Shows the offline checks for admins and developers to the clicker alone; its value is the customer's ID.
ACTION_STILL_FAILING: Final = "bugpilot_still_failing"
FOLLOWUP_ACTIONS: Final = (ACTION_TRY_AGAIN, ACTION_KEEP_TRYING, ACTION_STOP)
_BLOCK_ID: Final = "followup_actions"
_IDENT_LIMIT: Final = 250


def build_outcome(attempt: Attempt, value: str | None, *, offer: bool = True, brief: bool = False) -> Message:
    """The outcome of an attempt; with Try again (and Keep trying when offline) where that can help.

    ``value`` is the signed follow-up for the buttons (None: it could not be carried);
    ``offer=False`` leaves the buttons out; ``brief`` leaves out the error's details (shown before).
    """
    request = attempt.request
    if attempt.accepted is not None:
        return build_success(request, attempt.accepted, waiting=attempt.following)
    assert attempt.error is not None  # noqa: S101 - an attempt has a result or an error
    # Offline with the buttons: the checks for developers sit behind "Still failing?" instead of in context.
    behind_button = offer and value is not None and attempt.customer_offline
    message = render_error(attempt.error, request, brief=brief or behind_button)
    if not attempt.retryable or not offer:
        return message
    if value is None:
        return _with(
            message, context_block("Try again isn't available here (the note is too long for a button): run it again.")
        )
    buttons = [ButtonElement(text="Try again", action_id=ACTION_TRY_AGAIN, value=value, style="primary")]
    if attempt.customer_offline:
        buttons.append(ButtonElement(text="Keep trying", action_id=ACTION_KEEP_TRYING, value=value))
        ident = clip(request.customer, _IDENT_LIMIT)
        buttons.append(ButtonElement(text="Still failing?", action_id=ACTION_STILL_FAILING, value=ident))
    return _with(message, ActionsBlock(block_id=_BLOCK_ID, elements=buttons))


def build_still_failing(customer: str) -> Message:
    """What to check when a customer who is online still can't be reached (``customer``: the ID, plain text)."""
    lines = [
        "*Still failing while they are online?* Check, or ask whoever runs your app:",
        f"• your app calls `Bugpilot.identify()` with exactly `{code_text(customer, _IDENT_LIMIT)}`",
        "• *Always connect Action WebSockets* is on in Bugpilot's API settings (from the customer's next page load)",
        "• they reload the page of your app they have open",
    ]
    return assemble(
        "Still failing? Check identify() and Always connect Action WebSockets.",
        [section_block("\n".join(lines)), context_block("Only you can see this · `USER_NOT_CONNECTED` · HTTP 400")],
    )


def build_retrying(request: CaptureRequest) -> Message:
    """Shown in place of the outcome while attempt ``request.attempt`` runs (no buttons to click twice)."""
    who = f"<@{request.actor_id}>" if request.actor_id else f"<@{request.requester_id}>"
    line = (
        f":hourglass_flowing_sand: Trying again (attempt {request.attempt}): asking Bugpilot for a "
        f"*{ACTION_NAMES[request.action]}* of {bold_customer(request)} for {who}…"
    )
    return assemble(f"Trying again (attempt {request.attempt})…", [section_block(line)])


def build_watch_status(
    request: CaptureRequest,
    *,
    started_by: str,
    next_at: float,
    until: float,
    value: str,
) -> Message:
    """A running Keep trying: who started it, attempts so far, the next attempt, a Stop button."""
    tries = "attempt" if request.attempt == 1 else "attempts"
    line = (
        f":repeat: *Still trying* to get a *{ACTION_NAMES[request.action]}* of {bold_customer(request)}: "
        f"they weren't online yet ({request.attempt} {tries} so far). "
        f"Next attempt {_at(next_at)}; I give up {_at(until)}."
    )
    footer = _started(request, started_by)
    if request.note:
        footer += f" · note: {shown(request.note, NOTE_SHOWN)}"
    stop = ButtonElement(text="Stop", action_id=ACTION_STOP, value=value, style="danger")
    blocks = [section_block(line), context_block(footer), ActionsBlock(block_id=_BLOCK_ID, elements=[stop])]
    return assemble(f"Still trying to reach {plain_customer(request)} ({request.attempt} {tries} so far)", blocks)


def build_watch_paused(request: CaptureRequest, *, started_by: str, until: float, value: str) -> Message:
    """A watch handed over at shutdown: it goes on after the restart; Stop still works meanwhile."""
    line = (
        f":hourglass_flowing_sand: *Bugpilot is restarting.* Keep trying for {bold_customer(request)} goes on "
        f"after the restart ({request.attempt} attempts so far; I give up {_at(until)})."
    )
    footer = _started(request, started_by)
    stop = ButtonElement(text="Stop", action_id=ACTION_STOP, value=value, style="danger")
    blocks = [section_block(line), context_block(footer), ActionsBlock(block_id=_BLOCK_ID, elements=[stop])]
    return assemble(f"Bugpilot is restarting; Keep trying for {plain_customer(request)} goes on after it", blocks)


def build_watch_ended(outcome: Message, why: str) -> Message:
    """The last outcome of a watch, headed by why it stopped (``why`` is trusted mrkdwn)."""
    notice = context_block(f":octagonal_sign: {why}").to_dict()
    return Message(text=f"{outcome.text} ({why.replace('*', '')})", blocks=[notice, *outcome.blocks])


def build_watch_success(attempt: Attempt) -> Message:
    """The success of a watch in place of its status: the usual success, headed by the attempt that worked.

    It mentions nobody (an edited message notifies nobody): ``build_watch_success_notice`` does, once.
    """
    request = attempt.request
    line = f":tada: They came online: captured on attempt {request.attempt}."
    head = section_block(line).to_dict()
    assert attempt.accepted is not None  # noqa: S101 - only successful attempts get here
    success = build_success(request, attempt.accepted, waiting=attempt.following)
    return Message(text=success.text, blocks=[head, *success.blocks])


def build_watch_success_notice(request: CaptureRequest, mention: list[str]) -> Message:
    """A new message that notifies the people to tell (an edited message mentions nobody), each once."""
    people = " ".join(f"<@{user}>" for user in dict.fromkeys(user for user in mention if user))
    line = (
        f"{people} {bold_customer(request)} came online and Bugpilot got the *{ACTION_NAMES[request.action]}* "
        f"(attempt {request.attempt}); see above."
    )
    return assemble(
        f"{plain_customer(request)} came online: {ACTION_NAMES[request.action]} requested.",
        [section_block(line.strip())],
    )


def _started(request: CaptureRequest, started_by: str) -> str:
    """Who asked and who started Keep trying, each named once."""
    if started_by in {"", request.requester_id}:
        return f"Asked by <@{request.requester_id}>, who started Keep trying"
    return f"Asked by <@{request.requester_id}> · Keep trying started by <@{started_by}>"


def _at(epoch: float) -> str:
    """The words "at 14:05:30", the time in each reader's own time zone."""
    return local_time(epoch, "{time_secs}", prefix="at ")


def _with(message: Message, block: ActionsBlock | ContextBlock) -> Message:
    return Message(text=message.text, blocks=[*message.blocks, block.to_dict()])
