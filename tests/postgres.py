"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` on a free port of 127.0.0.1.

Debian's ``postgresql`` package provides the binaries (``.ci/run`` installs it). Without them the
PostgreSQL tests skip with a reason, except in CI (``CI`` set), where they fail: there they must run.
As root the server runs as the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "postgres_server"]


@dataclass(frozen=True)
class PostgresServer:
    """A running server: its port and how to reach a database on it."""

    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, sql: str) -> str:
        psql = _binary("psql")
        result = subprocess.run(  # noqa: S603 - our own binary, our own SQL
            [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _binary(name: str) -> str:
    bindir = _bindir()
    assert bindir is not None
    return str(bindir / name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _run(args: list[str], *, check: bool = True) -> None:
    subprocess.run(_as_server_user(args), check=check, capture_output=True, timeout=120)  # noqa: S603 - our server


def postgres_server() -> Iterator[PostgresServer]:
    """Start a server for the session's PostgreSQL tests; stop it afterwards."""
    if _bindir() is None or not (_bindir() / "initdb").exists():  # type: ignore[operator]
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are missing; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    # Not under pytest's own temporary folder: that one is private to root, and the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="bugpilot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    _run([_binary("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run([_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"])
    try:
        yield PostgresServer(port)
    finally:
        _run([_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(data, ignore_errors=True)
