"""aioresponses as the clients' tests use it, fitted to the aiohttp this project pins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
from aioresponses import aioresponses
from yarl import URL


class MockResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 predates the ``stream_writer`` argument aiohttp 3.14 requires."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


class _Mock(aioresponses):
    def add(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("response_class", MockResponse)
        super().add(*args, **kwargs)


@contextmanager
def mocked_http() -> Iterator[aioresponses]:
    """Every ``ClientSession`` request answered by the mock while the block runs."""
    with _Mock() as mocked:
        yield mocked
