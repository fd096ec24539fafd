"""``DATABASE_URL`` as the operator writes it, and as SQLAlchemy's async drivers need it.

``sqlite:///bugpilot.db`` (a file beside the process; ``sqlite:////abs/path.db`` for an absolute
path), ``postgresql://user:password@host:5432/db`` or Heroku's ``postgres://…``. Errors name
what is wrong, never the URL itself: it may carry a password.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["DEFAULT_DATABASE_URL", "DatabaseUrlError", "database_url", "describe_url"]

DEFAULT_DATABASE_URL: Final = "sqlite:///bugpilot.db"

_SQLITE: Final = frozenset({"sqlite", "sqlite+aiosqlite"})
_POSTGRES: Final = frozenset({"postgres", "postgresql", "postgresql+asyncpg"})


class DatabaseUrlError(ValueError):
    """``DATABASE_URL`` cannot be used; the message never contains the URL."""


def database_url(raw: str) -> URL:
    """The async-driver URL for ``raw``; ``DatabaseUrlError`` says what is wrong with it."""
    text = raw.strip()
    if not text:
        raise DatabaseUrlError("is empty")
    if any(ch.isspace() for ch in text):
        raise DatabaseUrlError("has spaces in it; percent-encode them")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise DatabaseUrlError("is not a database URL (sqlite:///file.db or postgresql://host/db)") from None
    scheme = url.drivername
    if scheme in _SQLITE:
        if not url.database or url.database.strip(":") == "memory":  # SQLite's in-memory database: gone on restart
            raise DatabaseUrlError("needs a file for SQLite, e.g. sqlite:///bugpilot.db")
        if url.host or url.username or url.password:
            raise DatabaseUrlError("SQLite takes a file path (sqlite:///file.db), not a host or user")
        return url.set(drivername="sqlite+aiosqlite")
    if scheme in _POSTGRES:
        if not url.host:
            raise DatabaseUrlError("needs a host for PostgreSQL, e.g. postgresql://user:password@host:5432/db")
        if not url.database:
            raise DatabaseUrlError("needs a database name for PostgreSQL (…/dbname)")
        query = dict(url.query)
        if "sslmode" in query:  # libpq's word; asyncpg calls it ssl
            query["ssl"] = query.pop("sslmode")
        return url.set(drivername="postgresql+asyncpg", query=query)
    raise DatabaseUrlError("must start with sqlite:///, postgresql:// or postgres://")


def describe_url(url: URL) -> str:
    """The URL for logs and the doctor: the password masked."""
    return url.render_as_string(hide_password=True)
