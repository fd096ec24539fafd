"""Client for Bugpilot's Session Info endpoint, which says whether an accepted capture's report has arrived.

``GET <sessionInfoUrl>`` as the Action answer gave it (never rebuilt), only on the origin of
``BUGPILOT_API_URL`` (``follows`` says whether a URL is there), with ``Accept: application/json``
and the two authentication headers. Every answer becomes a ``ReportReady`` or one error from
``bot.errors``; ``keeps_waiting`` says which of them are worth another look.

One look is one request: nothing is retried here (the caller's pace decides when to look again).
The URL holds a session token, so neither it nor the key is ever logged.
"""

from __future__ import annotations

import time
from typing import Final
from urllib.parse import urlsplit

import aiohttp
import structlog
from pydantic import SecretStr
from yarl import URL

from bot.bugpilot.codes import SESSION_INFO_CODES
from bot.bugpilot.models import ReportReady
from bot.bugpilot.wire import USER_AGENT, clean_code, error_body, json_object, read_capped
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnavailable,
    BugpilotUnexpectedResponse,
    InvalidApiKey,
    NoAccess,
    ReportNotFound,
)
from bot.retry_after import parse_retry_after
from bot.settings import Settings

__all__ = ["SessionInfoClient", "keeps_waiting", "same_origin"]

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Refused anywhere in a URL: what parsers disagree on (``\\`` is ``/`` to a browser) and invisible text.
_SUSPECT: Final = frozenset("\\")

# Statuses that mean one thing whatever the body says (Bugpilot's 401 is opaque).
_BY_STATUS: Final[dict[int, type[BugpilotError]]] = {401: InvalidApiKey, 403: NoAccess}

log = structlog.get_logger(__name__)


def keeps_waiting(error: BugpilotError) -> bool:
    """Whether another look may still find the report after ``error``.

    Yes for "not there yet" (``REPORT_NOT_FOUND``), 5xx, timeouts, refused or broken connections and
    429; no for ``INVALID_SESSION_TOKEN``, a refused key (401) or access (403), and answers the
    contract does not describe.
    """
    return isinstance(error, (ReportNotFound, BugpilotUnavailable))


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is an http(s) URL without credentials on the origin of ``base``.

    The origin is scheme, host (any case) and port (80/443 when not written). A URL that cannot
    be read, or holds a backslash, a space, an invisible or a non-ASCII character, is never the same.
    """
    origin = _origin(url)
    return origin is not None and origin == _origin(base)


def _origin(text: str) -> tuple[str, str, int] | None:
    if not text.isascii() or any(ch in _SUSPECT or ch.isspace() or not ch.isprintable() for ch in text):
        return None
    try:
        url = URL(text, encoded=True)  # as it will be sent: already encoded, nothing re-quoted
        scheme, host, port = url.scheme.lower(), url.raw_host, url.explicit_port
        written = urlsplit(text).netloc
    except (ValueError, TypeError):
        return None
    # Credentials, even empty ones (``https://@host/``): yarl drops an empty user, the text still has it.
    if scheme not in _DEFAULT_PORTS or not host or "@" in written or url.raw_user or url.raw_password:
        return None
    return scheme, host.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


class SessionInfoClient:
    """Looks up reports on Session Info. One instance per process, over a shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: SecretStr,
        connect_timeout: float = 5.0,
        total_timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._base_url = base_url
        self._api_key = api_key
        self._total_timeout = total_timeout
        self._timeout = aiohttp.ClientTimeout(total=total_timeout, sock_connect=connect_timeout)

    @classmethod
    def from_settings(cls, session: aiohttp.ClientSession, settings: Settings) -> SessionInfoClient:
        """The client for the deployment ``settings`` describe (its origin is ``BUGPILOT_API_URL``'s)."""
        return cls(
            session,
            base_url=settings.bugpilot_api_url,
            api_key=settings.bugpilot_api_key,
            connect_timeout=settings.bugpilot_connect_timeout,
            total_timeout=settings.bugpilot_timeout,
        )

    def follows(self, url: str) -> bool:
        """Whether ``url`` may be looked at: http(s), no credentials, on ``BUGPILOT_API_URL``'s origin."""
        return same_origin(url, self._base_url)

    async def look(self, url: str) -> ReportReady:
        """One look at ``url`` (a ``sessionInfoUrl``, used as given).

        Returns the ready report or raises a ``BugpilotError`` subclass (``keeps_waiting`` sorts
        them). A URL ``follows`` refuses raises ``ValueError`` and is never requested: the key
        goes only to Bugpilot's own origin.
        """
        if not self.follows(url):
            msg = "a Session Info URL outside BUGPILOT_API_URL's origin is not looked at"
            raise ValueError(msg)
        started = time.perf_counter()
        try:
            status, raw, retry_after = await self._get(url)
        except BugpilotError as exc:
            log.warning("bugpilot.session_info_failed", code=exc.label, duration_ms=_ms(started))
            raise
        try:
            ready = _interpret(status, raw, retry_after)
        except ReportNotFound as exc:
            log.info("bugpilot.session_info_not_ready", status=status, code=exc.label, duration_ms=_ms(started))
            raise
        except BugpilotError as exc:
            log.info("bugpilot.session_info_refused", status=status, code=exc.label, duration_ms=_ms(started))
            raise
        log.info("bugpilot.session_info_ready", status=status, duration_ms=_ms(started))
        return ready

    async def _get(self, url: str) -> tuple[int, bytes, str | None]:
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Bugpilot-Api-Key": self._api_key.get_secret_value(),
        }
        try:
            async with self._session.get(
                URL(url, encoded=True), headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                raw = await read_capped(response.content)
                return response.status, raw, response.headers.get("Retry-After")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise BugpilotConnectionError(f"could not connect to Bugpilot: {type(exc).__name__}") from None
        except TimeoutError:
            raise BugpilotTimeout(f"no answer from Bugpilot within {self._total_timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise BugpilotConnectionError(
                f"the connection to Bugpilot failed: {type(exc).__name__}", code="CONNECTION_BROKEN"
            ) from None


def _interpret(status: int, raw: bytes, retry_after: str | None = None) -> ReportReady:
    """Session Info's answer as a ready report, or the error it stands for."""
    data = json_object(raw)
    if status == 200:
        url = data.get("reportUrl") if data is not None else None
        if data is not None and data.get("ok") is True and isinstance(url, str) and url:
            ts = data.get("ts")
            return ReportReady(report_url=url, ts=ts if isinstance(ts, int) and not isinstance(ts, bool) else None)
        raise BugpilotUnexpectedResponse("Session Info answered 200 without the documented body", status=status)
    error = error_body(data)
    detail = error.detail if error is not None else None
    if status == 429:
        wait = parse_retry_after(retry_after)
        raise BugpilotRateLimited(
            "Bugpilot asked to slow down (HTTP 429)", status=status, detail=detail, retry_after=wait
        )
    if status < 400:
        what = "a redirect" if 300 <= status < 400 else "an odd status"
        raise BugpilotUnexpectedResponse(f"Session Info answered {what} ({status})", status=status)
    if status in _BY_STATUS:
        raise _BY_STATUS[status](f"Session Info answered {status}", status=status, detail=detail)
    if error is not None and error.error in SESSION_INFO_CODES:
        raise SESSION_INFO_CODES[error.error](
            f"Session Info said {error.error}", status=status, code=error.error, detail=detail
        )
    code = clean_code(error.error) if error is not None else None
    if status >= 500:
        raise BugpilotInternalError(f"Session Info answered {status}", status=status, code=code, detail=detail)
    if code is not None:
        raise BugpilotRejected(f"Session Info answered {status} {code}", status=status, code=code, detail=detail)
    raise BugpilotUnexpectedResponse(f"Session Info answered {status} without the documented body", status=status)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
