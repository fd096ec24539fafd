"""The bot's durable store: what must survive a restart and be shared by several processes.

``Store`` sits on SQLAlchemy's async engine: SQLite (aiosqlite) by default, PostgreSQL
(asyncpg) when several processes run. The schema is kept by Alembic migrations, run at
start-up. ``database_url`` reads and checks ``DATABASE_URL``.
"""

from __future__ import annotations

from bot.store.store import Store
from bot.store.url import DEFAULT_DATABASE_URL, DatabaseUrlError, database_url, describe_url

__all__ = ["DEFAULT_DATABASE_URL", "DatabaseUrlError", "Store", "database_url", "describe_url"]
