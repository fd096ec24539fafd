"""The bot's one exception tree.

::

    BotError
    ├── UsageError                 the command text cannot be used (shown with usage)
    ├── TargetUserError            a mentioned Slack member cannot be used as the customer
    ├── AccessDenied               this person, channel or workspace may not capture (says who to ask)
    ├── InvalidButton              a button's value failed validation (tampered or malformed): no call
    ├── FollowUpRefused            a button cannot act now (already trying, too many watches, restarting)
    ├── StoreUnavailable           the bot's database did not answer in time (nothing was done)
    ├── SlackUnavailable           auth.test failed: Slack unreachable, or the bot token refused
    ├── UnreadablePayload          a Slack payload lacks a field its listener needs (``kind``, ``field``)
    └── BugpilotError              the Action or Session Info API did not do what was asked
        ├── BugpilotRejected       a 4xx answer: the request was refused
        │   ├── UserNotConnected   USER_NOT_CONNECTED: the customer is not online now
        │   ├── InvalidApiKey      INVALID_API_KEY: the deployment's key is wrong
        │   ├── NoAccess           NO_ACCESS: wrong workspace ID or API URL
        │   ├── MissingFields      MISSING_FIELDS: a bot bug
        │   ├── InvalidAction      INVALID_ACTION: a bot bug or an API change
        │   ├── ReportNotFound     REPORT_NOT_FOUND (Session Info): no report yet; it may still come
        │   └── InvalidSessionToken  INVALID_SESSION_TOKEN (Session Info): wrong workspace or token, stop
        └── BugpilotUnavailable    Bugpilot failed or could not be reached (may help to retry)
            ├── BugpilotInternalError  INTERNAL_ERROR or another 5xx answer
            ├── BugpilotTimeout        no answer in time; the request may have arrived
            ├── BugpilotConnectionError  never reached Bugpilot; nothing was sent
            └── BugpilotRateLimited    a 429: Bugpilot asked to wait (``retry_after``)

An answer that fits nowhere (unknown code, odd status, a body that is not the
documented JSON) is a ``BugpilotUnexpectedResponse``, a direct ``BugpilotError``.

Errors carry structured attributes for logs and messages. They never carry
secrets: no headers, no API key, no tokens.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AccessDenied",
    "BotError",
    "BugpilotConnectionError",
    "BugpilotError",
    "BugpilotInternalError",
    "BugpilotRateLimited",
    "BugpilotRejected",
    "BugpilotTimeout",
    "BugpilotUnavailable",
    "BugpilotUnexpectedResponse",
    "FollowUpRefused",
    "InvalidAction",
    "InvalidApiKey",
    "InvalidButton",
    "InvalidSessionToken",
    "MissingFields",
    "NoAccess",
    "ReportNotFound",
    "SlackUnavailable",
    "StoreUnavailable",
    "TargetUserError",
    "UnreadablePayload",
    "UsageError",
    "UserNotConnected",
]


class BotError(Exception):
    """Base of every error the bot explains to a user."""


class UsageError(BotError):
    """The command text cannot be turned into a capture request.

    ``reason`` is a short mrkdwn sentence for the user, with any user text in it
    already escaped; ``suggestion`` an optional corrected action word.
    """

    def __init__(self, reason: str, *, suggestion: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion


class TargetUserError(BotError):
    """A mentioned Slack member cannot stand for a customer (no email, a bot...)."""

    def __init__(self, reason: str, *, slack_user_id: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.slack_user_id = slack_user_id


class AccessDenied(BotError):
    """The allow-lists or the installed workspace do not let this request capture.

    ``reason`` is a mrkdwn sentence for the person refused; ``contact`` says who can
    grant access (trusted text from settings).
    """

    def __init__(self, reason: str, *, contact: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.contact = contact


class InvalidButton(BotError):
    """A follow-up button's value is malformed or its signature does not match."""


class FollowUpRefused(BotError):
    """A follow-up button cannot act right now; ``reason`` is a mrkdwn sentence for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StoreUnavailable(BotError):
    """The bot's database could not be reached or did not answer in time; nothing was done."""


class SlackUnavailable(BotError):
    """``auth.test`` failed: Slack was ``unreachable`` (network, timeout) or ``refused`` the bot token."""

    def __init__(self, state: Literal["unreachable", "refused"], error: str) -> None:
        super().__init__(f"auth.test failed: {state} ({error})")
        self.state = state
        self.error = error


class UnreadablePayload(BotError):
    """A Slack payload lacks a field its listener needs, or has it with the wrong type; nothing was done.

    ``kind`` names the payload ("slash command"), ``field`` the dotted path of the field
    ("user.id"; "body" when the payload as a whole is unusable). Never any of its values.
    """

    def __init__(self, kind: str, field: str) -> None:
        super().__init__(f"the {kind} has no usable {field}")
        self.kind = kind
        self.field = field


class BugpilotError(BotError):
    """The Action API (or Session Info) did not accept or did not complete a request.

    ``status`` is the HTTP status (None when no answer came), ``code`` the
    documented error code when the body had one, ``detail`` the upstream's own
    message (untrusted text: escape before display).
    """

    retryable = False
    code_default: str | None = None

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(summary)
        self.status = status
        self.code = code if code is not None else self.code_default
        self.detail = detail

    @property
    def label(self) -> str:
        """A short tag for logs and messages: the code, else the status, else the kind."""
        if self.code:
            return self.code
        if self.status is not None:
            return f"HTTP_{self.status}"
        return type(self).__name__


class BugpilotRejected(BugpilotError):
    """A 4xx answer: Bugpilot refused the request."""


class UserNotConnected(BugpilotRejected):
    """The customer has no page of the app open (or is not identified) right now."""

    retryable = True
    code_default = "USER_NOT_CONNECTED"


class InvalidApiKey(BugpilotRejected):
    """The configured ``BUGPILOT_API_KEY`` was refused."""

    code_default = "INVALID_API_KEY"


class NoAccess(BugpilotRejected):
    """Wrong path or workspace: ``BUGPILOT_WORKSPACE_ID`` / ``BUGPILOT_API_URL``."""

    code_default = "NO_ACCESS"


class MissingFields(BugpilotRejected):
    """A required field was empty: a bug in the bot."""

    code_default = "MISSING_FIELDS"


class InvalidAction(BugpilotRejected):
    """The action name was not accepted: a bot bug or an API change."""

    code_default = "INVALID_ACTION"


class ReportNotFound(BugpilotRejected):
    """Session Info's 404: the report is not there (yet); the browser may still be saving it, or never will."""

    code_default = "REPORT_NOT_FOUND"


class InvalidSessionToken(BugpilotRejected):
    """Session Info's 400: the workspace or session token is wrong, so looking again cannot help."""

    code_default = "INVALID_SESSION_TOKEN"


class BugpilotUnavailable(BugpilotError):
    """Bugpilot failed or could not be reached; trying again later may work."""

    retryable = True


class BugpilotInternalError(BugpilotUnavailable):
    """``INTERNAL_ERROR`` or another 5xx answer (a proxy's error page, say)."""


class BugpilotTimeout(BugpilotUnavailable):
    """No answer in time. The request may have reached the customer's browser."""

    code_default = "TIMEOUT"


class BugpilotConnectionError(BugpilotUnavailable):
    """Bugpilot could not be reached at all, so nothing was sent."""

    code_default = "CONNECTION_FAILED"


class BugpilotUnexpectedResponse(BugpilotError):
    """An answer the documented contract does not describe."""

    retryable = True


class BugpilotRateLimited(BugpilotUnavailable):
    """A 429: Bugpilot refused the request for now. ``retry_after``: seconds it asked to wait, if it said."""

    code_default = "RATE_LIMITED"

    def __init__(
        self,
        summary: str,
        *,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(summary, status=status, code=code, detail=detail)
        self.retry_after = retry_after
