"""HMAC seals for what the bot hands Slack and gets back (a modal's ``private_metadata``).

A seal is the first 16 bytes of HMAC-SHA256 over the text, base64url, with a key
derived from a secret of the deployment and the seal's purpose: a seal made for
one purpose never checks for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

__all__ = ["Seal"]

_SIG_BYTES: Final = 16


class Seal:
    """Signs texts and checks the signatures, for one ``purpose``."""

    def __init__(self, secret: str, *, purpose: str) -> None:
        self._key = hmac.new(f"bugpilot-{purpose}-v1".encode(), secret.encode(), hashlib.sha256).digest()

    def sign(self, text: str) -> str:
        """The signature of ``text`` (22 characters)."""
        digest = hmac.new(self._key, text.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def check(self, text: str, signature: object) -> bool:
        """True when ``signature`` is this seal's signature of ``text`` (compared in constant time)."""
        return isinstance(signature, str) and hmac.compare_digest(signature.encode(), self.sign(text).encode())
