"""The one table of what each Bugpilot answer means: its error class, status and words.

Every code Bugpilot documents, and every code the bot gives to an answer that had none
(``TIMEOUT``, ``CONNECTION_FAILED``…), has one row: the ``BugpilotError`` class it becomes,
the HTTP status it comes with, the words a user reads (title and advice), who can fix it,
the few words of a request message's status line, and whether trying again can help (the
class's ``retryable``). Answers without a code of their own (an unknown code, a proxy's error
page, a body that is not the documented JSON) are read by class in ``BY_CLASS``.

The clients read ``ACTION_CODES`` / ``SESSION_INFO_CODES`` to turn a body's ``error`` into a
class; ``bot.error_blocks`` and ``bot.attempt`` read ``meaning_of`` for words. A new code is one
new row (a test walks every ``BugpilotError`` subclass and every documented code). Pure: no I/O.

Templates are ``str.format`` strings; the values put in them are already escaped mrkdwn:
``{who}`` (the customer, or "The customer"), ``{ident}`` (the customer's ID as code), ``{action}``,
``{status}`` ("HTTP 502" or "no status"), ``{label}``, ``{error}`` (the error's own sentence),
``{when}`` (when to try again after a 429), ``{answered}`` (what Bugpilot answered, in a few words).
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
    title: str
    advice: str
    fixer: str
    summary: str  # a request message's status line: "failed: <summary>"
    sent_by: frozenset[Endpoint] = frozenset()  # the endpoints that send this code as ``error`` in a body

    @property
    def retryable(self) -> bool:
        """Trying again could give another result."""
        return self.error.retryable


_OFFLINE_ADVICE: Final = (
    "Bugpilot can only reach a customer while they have a page of your app open. Check that:\n"
    "• they have a page of your app open right now (ask them to reload it)\n"
    "• your app calls `Bugpilot.identify()` with exactly {ident}\n"
    "• *Always connect Action WebSockets* is enabled in Bugpilot's API settings "
    "(it takes effect on the customer's next page load)"
)

CODES: Final[dict[str, Meaning]] = {
    "USER_NOT_CONNECTED": Meaning(
        UserNotConnected,
        400,
        "{who} isn't online in your app right now",
        _OFFLINE_ADVICE,
        "you, once the customer is online",
        "the customer isn't online",
        sent_by=_ACTION,
    ),
    "INVALID_API_KEY": Meaning(
        InvalidApiKey,
        401,
        "Bugpilot rejected this bot's API key",
        (
            "The deployment's `BUGPILOT_API_KEY` is missing or wrong. Set a valid key from Bugpilot's "
            "API settings and restart the bot. Trying again won't help until then."
        ),
        FIXED_BY_ADMIN,
        "Bugpilot rejected the API key",
        sent_by=_BOTH,
    ),
    "NO_ACCESS": Meaning(
        NoAccess,
        403,
        "Bugpilot refused access to the workspace",
        (
            "The workspace or API address this bot uses is wrong: check `BUGPILOT_WORKSPACE_ID` and "
            "`BUGPILOT_API_URL`. Trying again won't help until then."
        ),
        FIXED_BY_ADMIN,
        "Bugpilot refused access",
        sent_by=_BOTH,
    ),
    "MISSING_FIELDS": Meaning(
        MissingFields,
        400,
        "Bugpilot said a required field was empty",
        "That's a bug in this bot, not something you did. Nothing was captured.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot said a field was missing",
        sent_by=_ACTION,
    ),
    "INVALID_ACTION": Meaning(
        InvalidAction,
        400,
        "Bugpilot did not accept {action}",
        "Either a bug in this bot or a change in Bugpilot's API. Nothing was captured.",
        FIXED_BY_MAINTAINERS,
        "Bugpilot did not accept the action",
        sent_by=_ACTION,
    ),
    "INTERNAL_ERROR": Meaning(
        BugpilotInternalError,
        500,
        "Bugpilot had an internal error",
        "Nothing to fix on your side. Trying again in a minute may work.",
        "Bugpilot",
        "Bugpilot had an internal error",
        sent_by=_BOTH,
    ),
    "REPORT_NOT_FOUND": Meaning(
        ReportNotFound,
        404,
        "Bugpilot has no report for this request",
        (
            "The customer may have closed the page, cancelled the recording, or the upload failed. "
            "Try again when they are back in your app."
        ),
        "you, with the customer",
        "no report arrived",
        sent_by=_SESSION_INFO,
    ),
    "INVALID_SESSION_TOKEN": Meaning(
        InvalidSessionToken,
        400,
        "Bugpilot doesn't recognise this request's session",
        (
            "It said the workspace or session token in its link is wrong, so I can't follow the report. "
            "Check `BUGPILOT_WORKSPACE_ID`; the link may still open in Bugpilot."
        ),
        FIXED_BY_ADMIN,
        "Bugpilot didn't recognise the session",
        sent_by=_SESSION_INFO,
    ),
    "RATE_LIMITED": Meaning(
        BugpilotRateLimited,
        429,
        "Bugpilot is busy right now",
        "It asked this bot to slow down, so nothing was sent to the customer. Try again {when}.",
        "nobody; Bugpilot limits how often it is asked",
        "Bugpilot asked to slow down",
    ),
    "TIMEOUT": Meaning(
        BugpilotTimeout,
        None,
        "Bugpilot did not answer in time",
        (
            "{error}. The request may still have reached the customer's browser: "
            "check Bugpilot for a new report before you try again."
        ),
        "nobody on your side; Bugpilot may be slow right now",
        "Bugpilot did not answer in time",
    ),
    "CONNECTION_FAILED": Meaning(
        BugpilotConnectionError,
        None,
        "I couldn't reach Bugpilot",
        (
            "Nothing was sent to the customer. Trying again later may work; if it keeps happening, "
            "check `BUGPILOT_API_URL` and the network."
        ),
        FIXED_BY_ADMIN + " if it persists",
        "Bugpilot could not be reached",
    ),
    "CONNECTION_BROKEN": Meaning(
        BugpilotConnectionError,
        None,
        "I couldn't reach Bugpilot",
        (
            "The connection broke mid-request, so the request may have reached the customer. Trying again "
            "later may work; if it keeps happening, check `BUGPILOT_API_URL` and the network."
        ),
        FIXED_BY_ADMIN + " if it persists",
        "the connection to Bugpilot broke",
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
        "Bugpilot is having trouble ({status})",
        (
            "The answer was an error page, not a Bugpilot reply: the service or a proxy in front of it "
            "is failing. Nothing was captured. Try again in a few minutes."
        ),
        "Bugpilot",
        "{answered}",
    ),
    BugpilotRejected: Meaning(
        BugpilotRejected,
        None,
        "Bugpilot refused the request ({label})",
        "This bot doesn't know that error code, so it can't say more. Nothing was captured.",
        FIXED_BY_MAINTAINERS,
        "{answered}",
    ),
    BugpilotError: Meaning(
        BugpilotError,
        None,
        "Bugpilot gave an answer this bot doesn't understand ({status})",
        "Nothing shows that the capture happened. Try again; if it repeats, report it.",
        FIXED_BY_MAINTAINERS,
        "{answered}",
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
    """The few words of a request message's status line for ``error`` (plain text, not escaped)."""
    if error.code is None and error.status is not None:
        answered = f"Bugpilot answered with HTTP {error.status}"
    else:
        answered = f"Bugpilot answered {error.label}"
    return meaning_of(error).summary.format(answered=answered)
