"""A throwaway PostgreSQL server: ``initdb`` and ``pg_ctl`` on a free port of 127.0.0.1, stopped afterwards.

Used by the benchmark's two-process target and by the tests. Debian's ``postgresql`` package provides
the binaries. As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root), in
a data folder from ``tempfile.mkdtemp`` handed to that user. It listens on loopback only, with trust
authentication, and without fsync: it holds nothing worth keeping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "missing", "throwaway_server"]

_TIMEOUT_S = 120


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
        result = subprocess.run(
            [binary("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-Atc", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout


def bindir() -> Path | None:
    """Where ``pg_ctl`` lives: on ``PATH``, or Debian's newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def binary(name: str) -> str:
    where = bindir()
    if where is None:
        raise FileNotFoundError(name)
    return str(where / name)


def missing() -> str | None:
    """Why a server cannot be started here, or ``None`` when it can."""
    where = bindir()
    if where is None or not (where / "initdb").exists():
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root, and runuser (to run PostgreSQL as the postgres user) is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _run(args: list[str], *, check: bool = True) -> None:
    subprocess.run(_as_server_user(args), check=check, capture_output=True, timeout=_TIMEOUT_S)


@contextlib.contextmanager
def throwaway_server(*, max_connections: int = 200) -> Iterator[PostgresServer]:
    """Start a server; stop it and delete its data when the block ends, whatever happens."""
    reason = missing()
    if reason is not None:
        raise FileNotFoundError(reason)
    # Not under a folder private to root (pytest's tmp_path is): the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="bugpilot-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        port = _free_port()
        _run([binary("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"])
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={max_connections}"
        _run([binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"])
        try:
            yield PostgresServer(port)
        finally:
            _run([binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], check=False)
    finally:
        shutil.rmtree(data, ignore_errors=True)
