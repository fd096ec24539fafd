"""Requests and events already acted on.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``seen_keys``."""
    op.create_table(
        "seen_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_seen_keys_expires_at", "seen_keys", ["expires_at"])


def downgrade() -> None:
    """Drop ``seen_keys``."""
    op.drop_index("ix_seen_keys_expires_at", "seen_keys")
    op.drop_table("seen_keys")
