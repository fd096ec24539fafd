"""The store's tables, as SQLAlchemy Core metadata (the migrations create them)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

__all__ = ["KEY_LENGTH", "SCHEMA_REVISION", "captures", "followups", "metadata", "seen_keys"]

KEY_LENGTH = 255

# The newest migration: a schema at this revision needs no Alembic at start-up.
SCHEMA_REVISION = "0004"

metadata = MetaData()

# Requests and events already acted on: one row per key (an event_id, a trigger_id, …) until it expires.
seen_keys = Table(
    "seen_keys",
    metadata,
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("expires_at", Float, nullable=False, index=True),
)

# Captures, written before Bugpilot is called. ``owner`` holds a lease on the row until ``lease_until``; a
# row whose lease ran out while ``working`` belonged to a process that died. Once out, a row is the capture's
# record (App Home lists them, unfurls find them by ``report_url``) until the retention deletes it.
captures = Table(
    "captures",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("state", String(16), nullable=False),  # working, finished, interrupted
    Column("team_id", String(32), nullable=False),
    Column("requester_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("status_ts", String(32), nullable=True),  # the request message that says "working on it…"
    Column("thread_ts", String(32), nullable=True),
    Column("target", String(512), nullable=False),  # the customer: deleted with the row after the retention
    Column("action", String(32), nullable=False),
    Column("surface", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("owner", String(64), nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("note", Text, nullable=True),  # the requester's words: never logged
    Column("outcome", String(64), nullable=True),  # None while working; sent, waiting, ready, no_report or a code
    Column("session_info_url", String(2048), nullable=True),
    Column("report_url", String(2048), nullable=True),
    Column("updated_at", Float, nullable=True),  # when the outcome was last written
    Index("ix_captures_state_lease", "state", "lease_until"),
    Index("ix_captures_created_at", "created_at"),
    Index("ix_captures_team_created", "team_id", "created_at"),
    Index("ix_captures_report_url", "report_url"),
)

# Follow-ups on an outcome message (``key`` is ``channel:ts``; a report wait's is ``report:<id>``, its state
# in ``watch`` like a Keep trying's): the process working on it holds a lease
# (``owner``, ``lease_until``); ``made_attempt`` is the last attempt made there, so a stale button makes no
# call; ``watch`` is a running Keep trying (its state as JSON), ``stop_by`` who pressed Stop on it.
followups = Table(
    "followups",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("made_attempt", Integer, nullable=False),
    Column("owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=False),
    Column("watch", Text, nullable=True),
    Column("stop_by", String(32), nullable=True),
    Column("updated_at", Float, nullable=False),
    Index("ix_followups_watch_lease", "lease_until"),
    Index("ix_followups_updated_at", "updated_at"),
)
