"""structlog set-up, and the Bolt middleware that binds per-request context.

JSON lines when stderr is not a terminal (Heroku and friends), readable lines on a
terminal. Logs from Bolt, slack_sdk and aiohttp go through the same processors.
Known secret values are masked in every line, wherever they appear.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from bot.payloads.envelope import Envelope

__all__ = ["bind_request_context", "configure_logging"]

_MASK = "[redacted]"
_DROPPED_KEYS = frozenset({"headers", "body", "token", "authorization", "api_key"})


class _Redactor:
    """Masks any known secret value in any string of an event, and drops risky keys."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        for key in list(event_dict):
            if key.lower() in _DROPPED_KEYS:
                event_dict[key] = _MASK
                continue
            value = event_dict[key]
            if isinstance(value, str):
                event_dict[key] = self._mask(value)
        return event_dict

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _MASK)
        return text


class _DropUnusedTokenNotice(logging.Filter):
    """Bolt warns at every start that ``SLACK_BOT_TOKEN`` is unused: the bot hands Bolt its client on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


def configure_logging(
    *,
    level: str = "INFO",
    fmt: Literal["auto", "json", "console"] = "auto",
    secrets: Iterable[str] = (),
) -> None:
    """Route structlog and stdlib logging through one pipeline on stderr."""
    redact: Processor = _Redactor(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact,
    ]
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json_out else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # slack_sdk logs request details at DEBUG; keep it and aiohttp's access log quiet.
    bolt_logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _DropUnusedTokenNotice) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropUnusedTokenNotice())
    for name in ("slack_sdk", "slack_bolt", "aiohttp.access"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # The audit trail is kept whatever the level: operators ship it to their log store.
    logging.getLogger("bot.audit").setLevel(min(logging.INFO, logging.getLevelName(level)))


async def bind_request_context(
    body: MutableMapping[str, Any],
    context: MutableMapping[str, Any],
    next: Callable[[], Awaitable[Any]],  # noqa: A002 - Bolt passes the argument by this name
) -> Any:  # noqa: ANN401 - whatever Bolt's next() returns
    """Bolt middleware: fresh log context per request (team, user, channel, command, request id)."""
    structlog.contextvars.clear_contextvars()
    envelope = Envelope.parse(body)
    structlog.contextvars.bind_contextvars(
        request_id=uuid.uuid4().hex[:12],
        team_id=context.get("team_id"),
        user_id=context.get("user_id"),
        channel_id=context.get("channel_id"),
        command=envelope.command or envelope.callback_id or envelope.type,
    )
    return await next()
