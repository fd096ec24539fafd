"""The App Home tab, built from capture records: pure, no I/O.

``build_home`` lays out, for the person who opened the tab: a **New capture** button (only for
people who may capture), a setup line read from the team's newest finished capture (never a new
call to Bugpilot), "Your recent captures" newest first, and the team's recent captures, shown only
to people the access policy lets capture (the others read one line saying why). Customers, notes
and codes are shown through ``markup.shown`` (clipped, escaped once); every block is a slack_sdk
model, so ``to_dict`` checks Slack's limits, and the view stays within a Home tab's 100 blocks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ACTION_OPEN_SESSION, button_url, context_block, section_block
from bot.bugpilot.codes import CODES
from bot.capture import ACTION_NAMES
from bot.markup import clip_mrkdwn, shown

if TYPE_CHECKING:  # the store's record, read here; importing it at run time would load the database engine
    from bot.store.captures import CaptureRecord

__all__ = [
    "ACTION_NEW_CAPTURE",
    "MAX_SHOWN",
    "HomeState",
    "build_home",
    "outcome_words",
    "setup_line",
    "slack_date",
]

# The listener that opens the capture modal is registered under this action_id (bot/blocks.py on main).
ACTION_NEW_CAPTURE: Final = "home_new_capture"
MAX_SHOWN: Final = 10  # captures per section
MAX_BLOCKS: Final = 100  # a Home tab's limit

_CUSTOMER_SHOWN: Final = 200
_NOTE_SHOWN: Final = 300
_CODE_SHOWN: Final = 60
_SECTION_LIMIT: Final = 3000

# Outcomes the bot writes itself, in plain words (codes come from bot/bugpilot/codes.py).
_OWN_WORDS: Final = {
    "sent": "Sent to their browser; the report will be in Bugpilot",
    "waiting": "Sent to their browser; waiting for the report",
    "ready": "Report ready",
    "no_report": "No report arrived",
    "interrupted": "The bot restarted before this finished",
}
_UNREACHABLE: Final = frozenset({"TIMEOUT", "NETWORK_ERROR", "CONNECTION_FAILED", "CONNECTION_BROKEN"})
_HTTP_CODE = re.compile(r"HTTP_(\d{3})")


@dataclass(frozen=True)
class HomeState:
    """Everything one Home view shows.

    ``own`` / ``team``: newest first, None when the store could not be read. ``refusal``: why the
    team section is not shown (the access policy's reason, or that the person is a guest from
    another organization); None when it is. ``guest`` also hides the setup line.
    """

    user_id: str
    own: Sequence[CaptureRecord] | None
    team: Sequence[CaptureRecord] | None
    refusal: str | None = None
    guest: bool = False


def build_home(state: HomeState) -> View:
    """The Home tab view for ``state.user_id``."""
    blocks: list[Block] = [HeaderBlock(text="Bugpilot")]
    if state.refusal is None:
        new_capture = ButtonElement(
            text="New capture", action_id=ACTION_NEW_CAPTURE, style="primary"
        )  # no value: the listener opens an empty capture modal
        blocks.append(ActionsBlock(block_id="home_actions", elements=[new_capture]))
    if not state.guest:
        blocks.append(context_block(setup_line(state.team)))
    blocks += [DividerBlock(), HeaderBlock(text="Your recent captures")]
    blocks += _list(state.own, mine=True, may_capture=state.refusal is None)
    blocks += [DividerBlock(), HeaderBlock(text="Your team's recent captures")]
    if state.refusal is not None:
        blocks.append(context_block(f"Shown only to people who may capture with Bugpilot. {state.refusal}"))
    else:
        blocks += _list(state.team, mine=False, may_capture=True)
    return View(type="home", blocks=blocks[:MAX_BLOCKS])


def _list(records: Sequence[CaptureRecord] | None, *, mine: bool, may_capture: bool) -> list[Block]:
    if records is None:
        return [section_block(":warning: I can't read the captures right now (the database isn't answering).")]
    if not records:
        empty = "No captures yet."
        if may_capture:
            empty += " Press *New capture*, type `/bugpilot`, or mention @Bugpilot in a channel."
        return [section_block(empty if mine else "No captures in this workspace yet.")]
    return [_capture(record, mine=mine) for record in records[:MAX_SHOWN]]


def _capture(record: CaptureRecord, *, mine: bool) -> SectionBlock:
    """One capture: what of whom, when (and by whom, in the team list), its outcome, its note."""
    what = f"*{ACTION_NAMES[record.action].capitalize()}* of *{shown(record.customer, _CUSTOMER_SHOWN)}*"
    by = "" if mine else f" · asked by <@{record.requester_id}>"
    lines = [f"{what} · {slack_date(record.created_at)}{by}", outcome_words(record.outcome)]
    if record.note:
        lines.append(f"Note: {shown(record.note, _NOTE_SHOWN)}")
    text = MarkdownTextObject(text=clip_mrkdwn("\n".join(lines), _SECTION_LIMIT), verbatim=True)
    url = record.report_url
    if record.outcome == "ready" and url and button_url(url):
        # Slack opens the link; the open-session listener only acknowledges the click.
        button = ButtonElement(text="Open report", url=url, action_id=ACTION_OPEN_SESSION)
        return SectionBlock(text=text, accessory=button)
    return SectionBlock(text=text)


def outcome_words(outcome: str | None) -> str:
    """A capture's outcome in plain words (mrkdwn): the bot's own states, else the code's summary."""
    if outcome is None:
        return ":hourglass_flowing_sand: Working on it…"
    if outcome in _OWN_WORDS:
        icon = ":white_check_mark:" if outcome == "ready" else ":outbox_tray:"
        icon = ":warning:" if outcome in {"no_report", "interrupted"} else icon
        return f"{icon} {_OWN_WORDS[outcome]}"
    meaning = CODES.get(outcome)
    if meaning is not None:
        return f":warning: Didn't work: {meaning.summary}"
    if outcome in _UNREACHABLE:
        return ":warning: Didn't work: Bugpilot could not be reached"
    status = _HTTP_CODE.fullmatch(outcome)
    if status is not None:
        return f":warning: Didn't work: Bugpilot answered with an error (HTTP {status.group(1)})"
    return f":warning: Didn't work (`{shown(outcome, _CODE_SHOWN)}`)"


def setup_line(team: Sequence[CaptureRecord] | None) -> str:
    """Whether Bugpilot was reachable and took the key, from the team's newest finished capture (mrkdwn)."""
    if team is None:
        return ":grey_question: Setup unknown: the captures can't be read right now."
    if not team:
        return ":information_source: No capture yet: setup is checked on the first real call to Bugpilot."
    last = next((record for record in team if record.outcome is not None), None)
    if last is None:
        return ":hourglass_flowing_sand: The first capture is under way: setup is checked by it."
    when = slack_date(last.updated_at or last.created_at)
    code = last.outcome or ""
    if code == "INVALID_API_KEY":
        return f":no_entry: Bugpilot refused the API key (`BUGPILOT_API_KEY`) · last call {when}"
    if code == "NO_ACCESS":
        return f":no_entry: Bugpilot refused access to the workspace (`BUGPILOT_WORKSPACE_ID`) · last call {when}"
    if code in _UNREACHABLE:
        return f":warning: Bugpilot couldn't be reached at the last call, {when} (check `BUGPILOT_API_URL`)"
    if code in _OWN_WORDS or code in CODES:
        return f":large_green_circle: Bugpilot reachable, key accepted · last call {when}"
    return f":grey_question: Bugpilot's last answer was `{shown(code, _CODE_SHOWN)}` · last call {when}"


def slack_date(unix: float) -> str:
    """``<!date>`` markup: the reader's own time zone in Slack, a UTC fallback elsewhere."""
    seconds = int(unix)
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))
    return f"<!date^{seconds}^{{date_short_pretty}} {{time}}|{fallback}>"
