"""The pure card a known report link unfurls into: what was captured of whom, who asked, when, and where.

The card is for the team that made the capture (the listener checks the channel): it names the
customer. The customer and the note are the plain text the record keeps, clipped and escaped once
in ``verbatim`` mrkdwn, so nothing in them can mention anyone or forge a link. Unfurl cards hold no
buttons (Slack allows no interactive elements there): the thread is a link in the context line.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Final

from slack_sdk.models.blocks import Block

from bot.blocks import context_block, section_block
from bot.capture import ACTION_NAMES
from bot.commands import Action
from bot.markup import escape_mrkdwn, shown

if TYPE_CHECKING:  # the record's type only: the builder stays free of the store's I/O modules
    from bot.store.captures import CaptureRecord

__all__ = ["CUSTOMER_SHOWN", "NOTE_SHOWN", "build_unfurl"]

CUSTOMER_SHOWN: Final = 250
NOTE_SHOWN: Final = 300  # a compact card: the rest of the note is in the thread and in Bugpilot
_LINK_LIMIT: Final = 2000
_UNSAFE_IN_LINK: Final = frozenset("<>|")
_EMOJI: Final = {Action.SCREENSHOT: "📸", Action.SESSION: "🎞️", Action.RECORDING: "🎥"}


def build_unfurl(record: CaptureRecord, *, thread_link: str | None) -> dict[str, Any]:
    """The ``chat.unfurl`` value for one report link: ``{"blocks": [...]}``, checked by slack_sdk's models.

    ``thread_link`` is the permalink of the capture's thread in Slack; without one (Slack didn't
    give it, or it can't be shown safely) the card has no link.
    """
    name = ACTION_NAMES[record.action]
    head = f"{_EMOJI[record.action]} *Bugpilot {name}* of *{shown(record.customer, CUSTOMER_SHOWN)}*"
    asked = f"Asked by <@{escape_mrkdwn(record.requester_id)}> {_when(record.created_at)}"
    if thread_link is not None and _linkable(thread_link):
        asked += f" · <{thread_link}|Open the thread in Slack>"
    blocks: list[Block] = [section_block(head)]
    if record.note and record.note.strip():
        blocks.append(context_block(f"Note: {shown(record.note.strip(), NOTE_SHOWN)}"))
    blocks.append(context_block(asked))
    return {"blocks": [block.to_dict() for block in blocks]}


def _when(epoch: float) -> str:
    """The day and time each reader sees in their own time zone, with a UTC fallback."""
    seconds = round(epoch)
    fallback = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))
    return f"<!date^{seconds}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _linkable(url: str) -> bool:
    """A permalink that can sit inside ``<url|label>``: https, short, no markup or whitespace in it."""
    return (
        url.startswith("https://")
        and len(url) <= _LINK_LIMIT
        and not any(ch in _UNSAFE_IN_LINK or ch.isspace() or not ch.isprintable() for ch in url)
    )
