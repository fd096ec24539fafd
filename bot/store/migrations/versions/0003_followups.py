"""Follow-ups on outcome messages: who is working on one, the attempts made, and Keep trying watches.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``followups``."""
    op.create_table(
        "followups",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("made_attempt", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("watch", sa.Text, nullable=True),
        sa.Column("stop_by", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_followups_watch_lease", "followups", ["lease_until"])
    op.create_index("ix_followups_updated_at", "followups", ["updated_at"])


def downgrade() -> None:
    """Drop ``followups``."""
    op.drop_index("ix_followups_updated_at", "followups")
    op.drop_index("ix_followups_watch_lease", "followups")
    op.drop_table("followups")
