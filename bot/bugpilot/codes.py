"""The one table of what each Bugpilot answer means: its error class, status and words.

Every code Bugpilot documents, and every code the bot gives to an answer that had none
(``TIMEOUT``, ``CONNECTION_FAILED``…), has one row: the ``BugpilotError`` class it becomes,
the HTTP status it comes with, the words a user reads (a title and one sentence of advice), who
can fix it, the few words of a request message's status line, the details for admins and
developers (a small context line), and whether trying again can help (the
class's ``retryable``). Answers without a code of their own (an unknown code, a proxy's error
page, a body that is not the documented JSON) are read by class in ``BY_CLASS``.

The clients read ``ACTION_CODES`` / ``SESSION_INFO_CODES`` to turn a body's ``error`` into a
class; ``bot.error_blocks`` and ``bot.attempt`` read ``meaning_of`` for words. A new code is one
new row (a test walks every ``BugpilotError`` subclass and every documented code). Pure: no I/O.

Templates are ``str.format`` strings; the values put in them are already escaped mrkdwn:
``{who}`` (the customer, or "The customer"), ``{ident}`` (the customer's ID as code), ``{action}``,
``{status}`` ("HTTP 502" or "no status"), ``{label}``, ``{error}`` (the error's own sentence),
``{when}`` (when to try again after a 429). Codes and HTTP statuses are never in the words: the
message shows them in its context line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    InvalidAction,
    InvalidApiKey,
    InvalidSessionToken,
    MissingFields,
    NoAccess,
    ReportNotFound,
    UserNotConnected,
)

__all__ = [
    "ACTION_CODES",
    "BY_CLASS",
    "CODES",
    "FIXED_BY_ADMIN",
    "FIXED_BY_MAINTAINERS",
    "SESSION_INFO_CODES",
    "Meaning",
    "meaning_of",
    "summary_of",
]

FIXED_BY_ADMIN: Final = "an admin of this bot"
FIXED_BY_MAINTAINERS: Final = "the bot's maintainers (please report it)"


Endpoint = Literal["action", "session_info"]
_ACTION: Final[frozenset[Endpoint]] = frozenset({"action"})
_BOTH: Final[frozenset[Endpoint]] = frozenset({"action", "session_info"})
_SESSION_INFO: Final[frozenset[Endpoint]] = frozenset({"session_info"})


@dataclass(frozen=True)
class Meaning:
    """What one kind of Bugpilot answer means to the bot and to the person who asked."""

    error: type[BugpilotError]
    status: int | None  # the HTTP status it comes with (None: no answer, or any)
    title: str  # what happened, a few words
    advice: str  # the next step, one short sentence
    fixer: str
    summary: str  # a request message's status line: "didn't work: <summary>"
    sent_by: frozenset[Endpoint] = frozenset()  # the endpoints that send this code as ``error`` in a body
    details: str = ""  # for admins and developers: a small context line, never the first thing read

    @property
    def retryable(self) -> bool:
        """Trying again could give another result."""
        return self.error.retryable


_NETWORK_DETAILS: Final = "If it keeps happening, check `BUGPILOT_API_URL` and the network."

CODES: Final[dict[str, Meaning]] = {
    "USER_NOT_CONNECTED": Meaning(
        UserNotConnected,
        400,
        "{who} isn't online in your app right now",
        "Try again once they have a page of your app open.",
        "you, once the customer is online",
        "the customer isn't online",
        sent_by=_ACTION,
        details=(
            "Online and still failing? Your app must call `Bugpilot.identify()` with exactly {ident}, and "
            "*Always connect Action WebSockets* must be on in Bugpilot's API settings (from their next page load)."
        ),
    ),
    "INVALID_API_KEY": Meaning(
        InvalidApiKey,
        401,
        "Bugpilot rejected this bot's API key",
        "Nothing was captured; an admin of this bot needs to fix the key first.",
        FIXED_BY_ADMIN,
        "Bugpilot rejected the API key",
        sent_by=_BOTH,
        details="Set `BUGPILOT_API_KEY` to a key from Bugpilot's API settings and restart the bot.",
    ),
    "NO_ACCESS": Meaning(
        NoAccess,
        403,
        "Bugpilot refused access to the workspace",
        "Nothing was captured; an admin of this bot needs to fix its settings first.",
        FIXED_BY_ADMIN,
        "Bugpilot refused access",
        sent_by=_BOTH,
        details="Check `BUGPILOT_WORKSPACE_ID` and `BUGPILOT_API_URL`.",
    ),
    "MISSING_FIELDS": Meaning(
        MissingFields,
        400,
        "Bugpilot said a required field was empty",
        "Nothing was captured. That's a bug in this bot, not something you did.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot said a field was missing",
        sent_by=_ACTION,
    ),
    "INVALID_ACTION": Meaning(
        InvalidAction,
        400,
        "Bugpilot did not accept {action}",
        "Nothing was captured: a bug in this bot or a change in Bugpilot's API.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot did not accept the action",
        sent_by=_ACTION,
    ),
    "INTERNAL_ERROR": Meaning(
        BugpilotInternalError,
        500,
        "Bugpilot had an internal error",
        "Nothing to fix on your side: try again in a minute.",
        "Bugpilot",
        "Bugpilot had an internal error",
        sent_by=_BOTH,
    ),
    "REPORT_NOT_FOUND": Meaning(
        ReportNotFound,
        404,
        "Bugpilot has no report for this request",
        "Try again when the customer is back in your app.",
        "you, with the customer",
        "no report arrived",
        sent_by=_SESSION_INFO,
        details="They may have closed the page or cancelled the recording, or the upload failed.",
    ),
    "INVALID_SESSION_TOKEN": Meaning(
        InvalidSessionToken,
        400,
        "Bugpilot doesn't recognise this request's session",
        "I can't follow the report, but its link may still open in Bugpilot.",
        FIXED_BY_ADMIN,
        "Bugpilot didn't recognise the session",
        sent_by=_SESSION_INFO,
        details="Bugpilot said the workspace or session token in the link is wrong: check `BUGPILOT_WORKSPACE_ID`.",
    ),
    "RATE_LIMITED": Meaning(
        BugpilotRateLimited,
        429,
        "Bugpilot is busy right now",
        "Nothing was sent to the customer: try again {when}.",
        "nobody; Bugpilot limits how often it is asked",
        "Bugpilot asked to slow down",
    ),
    "TIMEOUT": Meaning(
        BugpilotTimeout,
        None,
        "Bugpilot did not answer in time",
        "It may still have reached the customer: check Bugpilot for a new report before you try again.",
        "nobody on your side; Bugpilot may be slow right now",
        "Bugpilot did not answer in time",
        details="{error}.",
    ),
    "CONNECTION_FAILED": Meaning(
        BugpilotConnectionError,
        None,
        "I couldn't reach Bugpilot",
        "Nothing was sent to the customer: try again later.",
        FIXED_BY_ADMIN + " if it persists",
        "Bugpilot could not be reached",
        details=_NETWORK_DETAILS,
    ),
    "CONNECTION_BROKEN": Meaning(
        BugpilotConnectionError,
        None,
        "The connection to Bugpilot broke",
        "It may have reached the customer: check Bugpilot for a new report before you try again.",
        FIXED_BY_ADMIN + " if it persists",
        "the connection to Bugpilot broke",
        details=_NETWORK_DETAILS,
    ),
}

# Codes each endpoint sends in an error body, and the class each becomes.
ACTION_CODES: Final[dict[str, type[BugpilotError]]] = {
    code: row.error for code, row in CODES.items() if "action" in row.sent_by
}
SESSION_INFO_CODES: Final[dict[str, type[BugpilotError]]] = {
    code: row.error for code, row in CODES.items() if "session_info" in row.sent_by
}

# Answers with no code of their own (or a code this bot doesn't know), by the class they became;
# ``BugpilotError`` covers the rest (``BugpilotUnexpectedResponse``: not the documented answer).
BY_CLASS: Final[dict[type[BugpilotError], Meaning]] = {
    BugpilotInternalError: Meaning(
        BugpilotInternalError,
        None,
        "Bugpilot is having trouble",
        "Nothing was captured: try again in a few minutes.",
        "Bugpilot",
        "Bugpilot is having trouble",
        details="The answer was an error page, not a Bugpilot reply: the service or a proxy in front of it is failing.",
    ),
    BugpilotRejected: Meaning(
        BugpilotRejected,
        None,
        "Bugpilot refused the request",
        "Nothing was captured, and this bot doesn't know the reason Bugpilot gave.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot refused the request",
    ),
    BugpilotError: Meaning(
        BugpilotError,
        None,
        "Bugpilot gave an answer this bot doesn't understand",
        "Nothing shows that the capture happened: try again, and report it if it repeats.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot gave an answer the bot doesn't understand",
    ),
}


def meaning_of(error: BugpilotError) -> Meaning:
    """The row for ``error``: by its code when it has a known one, else by its class."""
    row = CODES.get(error.code or "")
    if row is not None and isinstance(error, row.error):
        return row
    for kind in type(error).__mro__:
        if kind in BY_CLASS:
            return BY_CLASS[kind]
    raise AssertionError(type(error))  # pragma: no cover - BugpilotError itself is in BY_CLASS


def summary_of(error: BugpilotError) -> str:
    """The few words of a request message's status line for ``error`` (plain text, not escaped; no codes)."""
    return meaning_of(error).summary
