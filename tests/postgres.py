"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` on a free port of 127.0.0.1.

Debian's ``postgresql`` package provides the binaries (``.ci/run`` installs it). Without them the
PostgreSQL tests skip with a reason, except in CI (``CI`` set), where they fail: there they must run.
The server itself is ``benchmarks.postgres``'s, shared with the benchmark.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from benchmarks.postgres import PostgresServer, missing, throwaway_server

__all__ = ["PostgresServer", "postgres_server"]


def postgres_server() -> Iterator[PostgresServer]:
    """Start a server for the session's PostgreSQL tests; stop it afterwards."""
    reason = missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs Debian's postgresql")
        pytest.skip(reason)
    with throwaway_server() as server:
        yield server
