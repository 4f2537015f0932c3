"""Urgent comments: ``comment.urgent_at``, set when a comment holds crisis
language (app.moderation.crisis), so moderators can see it first.

Revision ID: 6b2e9d41c7a3
Revises: 4f1d2c8b6a90
Create Date: 2026-12-04 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6b2e9d41c7a3"
down_revision: str | None = "4f1d2c8b6a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_column("urgent_at")
