"""The store's tables, as SQLAlchemy Core metadata (the migrations create them)."""

from __future__ import annotations

from sqlalchemy import Column, Float, MetaData, String, Table

__all__ = ["KEY_LENGTH", "metadata", "seen_keys"]

KEY_LENGTH = 255

metadata = MetaData()

# Requests and events already acted on: one row per key (an event_id, a trigger_id, …) until it expires.
seen_keys = Table(
    "seen_keys",
    metadata,
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("expires_at", Float, nullable=False, index=True),
)
