"""The bot's durable store: what must survive a restart and be shared by several processes.

``Store`` sits on SQLAlchemy's async engine: SQLite (aiosqlite) by default, PostgreSQL
(asyncpg) when several processes run. The schema is kept by Alembic migrations, run at
start-up. ``url.database_url`` reads and checks ``DATABASE_URL``. This package imports
nothing, so settings can read ``url`` without loading the engine.
"""
