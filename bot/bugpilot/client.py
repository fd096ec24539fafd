"""Client for Bugpilot's Action API over one injected ``aiohttp.ClientSession``.

``POST {base_url}/action`` with the documented headers and JSON body. Every answer
becomes either an ``ActionAccepted`` or one error from ``bot.errors``.

An action is not idempotent (a second ``show-recording-ui`` shows the customer a
second frame), so only failures that prove nothing was sent (refused connection,
unknown host, connect timeout) are retried automatically.
"""

from __future__ import annotations

import time
from typing import Final

import aiohttp
import stamina
import structlog
from pydantic import SecretStr

from bot.bugpilot.codes import ACTION_CODES
from bot.bugpilot.models import ActionAccepted, ActionRequest
from bot.bugpilot.wire import USER_AGENT, clean_code, error_body, json_object, read_capped
from bot.commands import Action
from bot.errors import (
    BugpilotConnectionError,
    BugpilotError,
    BugpilotInternalError,
    BugpilotRateLimited,
    BugpilotRejected,
    BugpilotTimeout,
    BugpilotUnexpectedResponse,
)
from bot.retry_after import parse_retry_after
from bot.settings import Settings

__all__ = ["USER_AGENT", "BugpilotClient"]

# Failures before the request went out (refused, unknown host, no connection in time): safe to retry.
_NOTHING_SENT: Final = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


log = structlog.get_logger(__name__)


class BugpilotClient:
    """Sends actions to Bugpilot. One instance per process, over a shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        api_key: SecretStr,
        workspace_id: str,
        connect_timeout: float = 5.0,
        total_timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/action"
        self._api_key = api_key
        self._workspace_id = workspace_id
        self._total_timeout = total_timeout
        self._timeout = aiohttp.ClientTimeout(total=total_timeout, sock_connect=connect_timeout)

    @classmethod
    def from_settings(cls, session: aiohttp.ClientSession, settings: Settings) -> BugpilotClient:
        """The client for the deployment ``settings`` describe."""
        return cls(
            session,
            base_url=settings.bugpilot_api_url,
            api_key=settings.bugpilot_api_key,
            workspace_id=settings.bugpilot_workspace_id,
            connect_timeout=settings.bugpilot_connect_timeout,
            total_timeout=settings.bugpilot_timeout,
        )

    async def request_action(self, *, user_id: str, action: Action, note: str = "") -> ActionAccepted:
        """Ask Bugpilot to run ``action`` in the browser of ``user_id``.

        Returns the accepted answer or raises a ``BugpilotError`` subclass.
        """
        body = ActionRequest(
            workspace_id=self._workspace_id,
            user_id=user_id,
            action=action,
            user_provided_description=note or None,
        ).model_dump(by_alias=True, exclude_none=True, mode="json")
        started = time.perf_counter()
        try:
            status, raw, retry_after = await self._post(body)
        except BugpilotError as exc:
            log.warning("bugpilot.request_failed", action=str(action), error=exc.label, duration_ms=_ms(started))
            raise
        try:
            accepted = _interpret(status, raw, retry_after)
        except BugpilotError as exc:
            log.info(
                "bugpilot.request_refused", action=str(action), status=status, error=exc.label, duration_ms=_ms(started)
            )
            raise
        log.info("bugpilot.request_accepted", action=str(action), status=status, duration_ms=_ms(started))
        return accepted

    async def _post(self, body: dict[str, object]) -> tuple[int, bytes, str | None]:
        headers = {
            "User-Agent": USER_AGENT,
            "X-Bugpilot-Api-Key": self._api_key.get_secret_value(),
            "Content-Type": "application/json",
        }
        try:
            async for attempt in stamina.retry_context(on=_NOTHING_SENT, attempts=3, timeout=3.0):
                with attempt:
                    async with self._session.post(
                        self._url, json=body, headers=headers, timeout=self._timeout, allow_redirects=False
                    ) as response:
                        raw = await read_capped(response.content)
                        return response.status, raw, response.headers.get("Retry-After")
        except _NOTHING_SENT as exc:
            raise BugpilotConnectionError(f"could not connect to Bugpilot: {type(exc).__name__}") from None
        except TimeoutError:
            raise BugpilotTimeout(f"no answer from Bugpilot within {self._total_timeout:g} s") from None
        except aiohttp.ClientError as exc:
            # The connection broke after the request may have been sent: not retried.
            raise BugpilotConnectionError(
                f"the connection to Bugpilot failed: {type(exc).__name__}", code="CONNECTION_BROKEN"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover


def _interpret(status: int, raw: bytes, retry_after: str | None = None) -> ActionAccepted:
    data = json_object(raw)
    if status == 200:
        if data is not None and data.get("ok") is True:
            return _accepted(data)
        raise BugpilotUnexpectedResponse("Bugpilot answered 200 without the documented body", status=status)
    error = error_body(data)
    detail = error.detail if error is not None else None
    if status == 429:
        wait = parse_retry_after(retry_after)
        summary = "Bugpilot asked to slow down (HTTP 429)"
        raise BugpilotRateLimited(summary, status=status, detail=detail, retry_after=wait)
    if error is not None:
        known = ACTION_CODES.get(error.error)
        if known is not None:
            raise known(f"Bugpilot refused: {error.error}", status=status, code=error.error, detail=detail)
        kind = _by_status(status)
        raise kind(
            f"Bugpilot answered {status} {error.error}", status=status, code=clean_code(error.error), detail=detail
        )
    kind = BugpilotInternalError if status >= 500 else BugpilotUnexpectedResponse
    raise kind(f"Bugpilot answered {status} without a JSON error body", status=status)


def _accepted(data: dict[str, object]) -> ActionAccepted:
    """The accepted answer, keeping only fields of the documented type (an odd ``ts`` is no failure)."""
    message, ts, url = data.get("message"), data.get("ts"), data.get("sessionInfoUrl")
    return ActionAccepted(
        ok=True,
        message=message if isinstance(message, str) else "",
        ts=ts if isinstance(ts, int) and not isinstance(ts, bool) else None,
        session_info_url=url if isinstance(url, str) else None,
    )


def _by_status(status: int) -> type[BugpilotError]:
    if 400 <= status < 500:
        return BugpilotRejected
    if status >= 500:
        return BugpilotInternalError
    return BugpilotUnexpectedResponse


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
