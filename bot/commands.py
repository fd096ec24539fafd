"""The ``/bugpilot`` grammar: a pure parser from command text to a ``Command``.

``<action> <user> [note…]`` where action is a word from ``ACTION_WORDS`` and user is
an email (raw or as Slack escapes it), a plain ID, or a Slack mention.
No Slack, no I/O: anything that cannot be used raises ``UsageError``.
"""

from __future__ import annotations

import difflib
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import UsageError
from bot.markup import markup_to_text, shown, unescape_mrkdwn

__all__ = [
    "ACTION_WORDS",
    "MAX_NOTE_LENGTH",
    "MAX_USER_ID_LENGTH",
    "SUGGESTED_INVOCATION",
    "Action",
    "Command",
    "EmailTarget",
    "HelpRequest",
    "IdTarget",
    "MentionTarget",
    "Target",
    "note_too_long",
    "parse_command",
    "parse_target",
]

MAX_NOTE_LENGTH = 1500
MAX_USER_ID_LENGTH = 200


class Action(StrEnum):
    """The three Action API actions."""

    SCREENSHOT = "upload-screenshot"
    SESSION = "upload-session"
    RECORDING = "show-recording-ui"


ACTION_WORDS: dict[str, Action] = {
    "screenshot": Action.SCREENSHOT,
    "upload-screenshot": Action.SCREENSHOT,
    "session": Action.SESSION,
    "replay": Action.SESSION,
    "upload-session": Action.SESSION,
    "record": Action.RECORDING,
    "recording": Action.RECORDING,
    "show-recording-ui": Action.RECORDING,
}

_HELP_WORDS = frozenset({"", "help", "-h", "--help", "?", "usage"})
# Every pattern reads each character once: possessive repeats over classes that cannot
# overlap what follows them, used only with ``fullmatch`` or from a literal start.
_TOKEN = re.compile(r"<[^<>]*+>|\S++")
_EMAIL_PARTS = re.compile(r"([^@\s<>&\"',;:()\[\]]++)@([^@\s<>&\"',;:()\[\]]++)")
_MENTION = re.compile(r"<@([UW][A-Z0-9]++)(?:\|([^<>]*+))?>")
_PLAIN_ID = re.compile(r"[^\s<>&\"'`*]++")
_SUGGEST_UP_TO = 40  # longer words are not a typo of an action
SUGGESTED_INVOCATION = "/bugpilot"  # a suggestion is a command to run as it is; a mention's reply says @Bugpilot
_SUGGESTION_LIMIT = 100


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmailTarget(_Frozen):
    """A customer named by email."""

    kind: Literal["email"] = "email"
    email: str


class IdTarget(_Frozen):
    """A customer named by the ID the app passes to ``Bugpilot.identify()``."""

    kind: Literal["id"] = "id"
    user_id: str


class MentionTarget(_Frozen):
    """A Slack member, to be resolved to their email through ``users.info``."""

    kind: Literal["mention"] = "mention"
    slack_user_id: str
    label: str | None = None


Target = Annotated[EmailTarget | IdTarget | MentionTarget, Field(discriminator="kind")]


class Command(_Frozen):
    """A usable capture request: what, of whom, with which note."""

    kind: Literal["capture"] = "capture"
    action: Action
    target: Target
    note: str = ""


class HelpRequest(_Frozen):
    """The user asked for usage (or sent nothing)."""

    kind: Literal["help"] = "help"


def parse_command(text: str) -> Command | HelpRequest:
    """Parse the text after ``/bugpilot`` (or after the bot's mention).

    Raises ``UsageError`` with a short reason for anything that cannot be used.
    """
    tokens = _TOKEN.findall(text)
    if not tokens or (len(tokens) == 1 and tokens[0].lower() in _HELP_WORDS):
        return HelpRequest()
    word = tokens[0]
    action = ACTION_WORDS.get(word.lower())
    if action is None:
        raise _unknown_action(word, tokens, text)
    if len(tokens) < 2:
        example = _suggest(f"{word.lower()} alice@acme.com")
        raise UsageError(f"Which customer? Add their email or user ID, like {example}.")
    target = parse_target(tokens[1])
    note = _note_from(text, tokens)
    return Command(action=action, target=target, note=note)


def parse_target(token: str) -> EmailTarget | IdTarget | MentionTarget:
    """Read one token as the customer: email, mailto link, mention or plain ID."""
    if mention := _MENTION.fullmatch(token):
        label = unescape_mrkdwn(mention.group(2) or "")  # decoded here, escaped where it is shown
        return MentionTarget(slack_user_id=mention.group(1), label=label or None)
    if token.startswith("<mailto:"):
        if not token.endswith(">"):  # markup cut short: its last character is not the address's
            raise UsageError(f"`{_shown(token)}` is not an email address I can use.")
        address = token[len("<mailto:") : -1].partition("|")[0]
        if _is_email(address):
            return EmailTarget(email=address)
        raise UsageError(f"`{_shown(address)}` is not an email address I can use.")
    if token.startswith("<"):
        raise UsageError(_markup_reason(token))
    if token.startswith(("@", "#")):
        raise UsageError(
            f"`{_shown(token)}` looks like a Slack name, not a customer. Pick the member "
            "from Slack's suggestions so it becomes a mention, or type the email or user ID."
        )
    if "@" in token:
        if _is_email(token):
            return EmailTarget(email=token)
        raise UsageError(f"`{_shown(token)}` is not an email address I can use.")
    if len(token) > MAX_USER_ID_LENGTH:
        raise UsageError(f"That user ID is {len(token)} characters long; the limit is {MAX_USER_ID_LENGTH}.")
    if not _PLAIN_ID.fullmatch(token) or not token.isprintable():
        raise UsageError(
            f"`{_shown(token)}` is not a user ID I can use: no quotes, markup or symbols like `&lt;&gt;&amp;*`."
        )
    return IdTarget(user_id=token)


def _is_email(text: str) -> bool:
    """One ``@`` between plain characters, and a dot inside the domain (not at its ends)."""
    parts = _EMAIL_PARTS.fullmatch(text)
    return parts is not None and "." in parts.group(2)[1:-1]


def _note_from(text: str, tokens: list[str]) -> str:
    # str.index(token, None) searches from 0 too, so a start of None is the same start.
    start = 0  # pragma: no mutate
    for token in tokens[:2]:
        start = text.index(token, start) + len(token)
    note = " ".join(markup_to_text(text[start:]).split())
    if len(note) > MAX_NOTE_LENGTH:
        raise UsageError(note_too_long(len(note)))
    return note


def note_too_long(length: int) -> str:
    """The one wording of the note limit, for the command and the capture modal alike."""
    return f"The note is {length} characters long; keep it to {MAX_NOTE_LENGTH} characters or fewer."


def _unknown_action(word: str, tokens: list[str], text: str) -> UsageError:
    shown = _shown(word)
    if len(tokens) > 1 and tokens[1].lower() in ACTION_WORDS:
        rest = _rest_after(text, tokens, 2)
        fixed = " ".join(part for part in (tokens[1].lower(), _plain(tokens[0]), rest) if part)
        return UsageError(f"The action comes first: try {_suggest(fixed)}.", suggestion=tokens[1].lower())
    # A guard against spending time on long words, not a rule: no word of 40 characters or more is within
    # difflib's 0.6 of an action (at most 2 * 17 / 57), n=1 is all that is read and 0.6 is difflib's default.
    short = len(word) <= _SUGGEST_UP_TO  # pragma: no mutate
    close = difflib.get_close_matches(word.lower(), ACTION_WORDS, n=1, cutoff=0.6) if short else []  # pragma: no mutate
    if close:
        fixed = " ".join(part for part in (close[0], _rest_after(text, tokens, 1)) if part)
        return UsageError(f"I don't know the action `{shown}`. Did you mean {_suggest(fixed)}?", suggestion=close[0])
    return UsageError(f"I don't know the action `{shown}`: use `screenshot`, `session` or `record`.")


def _rest_after(text: str, tokens: list[str], count: int) -> str:
    """What was typed after the first ``count`` tokens, as plain text (``<mailto:a@b|a@b>`` reads ``a@b``)."""
    start = 0  # pragma: no mutate
    for token in tokens[:count]:
        start = text.index(token, start) + len(token)
    return _plain(text[start:])


def _plain(text: str) -> str:
    return " ".join(markup_to_text(text).split())


def _suggest(command: str) -> str:
    """A corrected command to copy and run, in a code span: plain text, one line, clipped, escaped once."""
    flat = command.replace("`", "'")
    return f"`{SUGGESTED_INVOCATION} {shown(flat, _SUGGESTION_LIMIT)}`"


def _markup_reason(token: str) -> str:
    inner = token[1:-1]
    if inner.startswith("#"):
        return "That's a channel, not a customer. Use the customer's email or user ID."
    if inner.startswith("!"):
        return "That's a group mention, not a customer. Use the customer's email or user ID."
    return "That's a link, not a customer. Use the customer's email or user ID."


def _shown(text: str, limit: int = 60) -> str:
    """Slack's entity-encoded text quoted back in a code span, shown as typed.

    Decoded, made one line without backticks, clipped, then escaped once.
    """
    flat = " ".join(unescape_mrkdwn(text).split()).replace("`", "'")
    return shown(flat, limit)
