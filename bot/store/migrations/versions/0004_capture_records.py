"""Capture records: what each capture ended with, so App Home can list it and a report link can be unfurled.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the outcome columns to ``captures`` and the indexes App Home and unfurls read by."""
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(64), nullable=True))
        batch.add_column(sa.Column("session_info_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("report_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.Float, nullable=True))
    op.create_index("ix_captures_team_created", "captures", ["team_id", "created_at"])
    op.create_index("ix_captures_report_url", "captures", ["report_url"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_captures_report_url", "captures")
    op.drop_index("ix_captures_team_created", "captures")
    with op.batch_alter_table("captures") as batch:
        for column in ("updated_at", "report_url", "session_info_url", "outcome", "note"):
            batch.drop_column(column)
