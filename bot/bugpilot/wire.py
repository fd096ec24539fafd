"""What every call to Bugpilot's HTTP API shares: the User-Agent, the body cap, the error body.

Used by the Action client (``client``) and the Session Info client (``session_info``). The
reading helpers are pure apart from ``read_capped``, which only drains a response stream.
"""

from __future__ import annotations

import json
from typing import Final

import aiohttp
from pydantic import BaseModel, Field, ValidationError

__all__ = [
    "MAX_BODY",
    "MAX_DETAIL",
    "USER_AGENT",
    "ErrorBody",
    "clean_code",
    "error_body",
    "json_object",
    "read_capped",
]

USER_AGENT: Final = "Bugpilot API Client/1.0"
MAX_BODY: Final = 64 * 1024
MAX_DETAIL: Final = 300


class ErrorBody(BaseModel):
    """The documented error body: ``error`` (a code) and ``error_message`` (Bugpilot's words, as ``detail``)."""

    error: str = Field(min_length=1, max_length=100)
    detail: str | None = None


async def read_capped(content: aiohttp.StreamReader, limit: int = MAX_BODY) -> bytes:
    """The body up to ``limit`` bytes. ``read(n)`` alone returns only what has arrived so far."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def json_object(raw: bytes) -> dict[str, object] | None:
    """``raw`` as a JSON object, or None when it is not one."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def error_body(data: dict[str, object] | None) -> ErrorBody | None:
    """The documented error fields of ``data``: only ``error_message`` is read, clipped to ``MAX_DETAIL``."""
    if data is None:
        return None
    text = data.get("error_message")
    detail = text[:MAX_DETAIL] if isinstance(text, str) and text.strip() else None
    try:
        return ErrorBody.model_validate({"error": data.get("error"), "detail": detail})
    except ValidationError:
        return None


def clean_code(code: str) -> str:
    """An unknown code as a short, safe token (it is shown to users and logged)."""
    kept = "".join(ch for ch in code if ch.isalnum() or ch in "_-.")
    return kept[:60] or "UNKNOWN"
