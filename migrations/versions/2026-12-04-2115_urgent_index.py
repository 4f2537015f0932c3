"""A partial index on urgent comments not yet handled: the top of the queue.

Revision ID: 8d5c3a17e2f6
Revises: 6b2e9d41c7a3
Create Date: 2026-12-04 21:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d5c3a17e2f6"
down_revision: str | None = "6b2e9d41c7a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_urgent",
            ["urgent_at"],
            sqlite_where=sa.text("urgent_at IS NOT NULL"),
            postgresql_where=sa.text("urgent_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_urgent")
