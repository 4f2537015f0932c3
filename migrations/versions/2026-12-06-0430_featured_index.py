"""Featured comments first (issue #19): a discussion's featured comments, found
without reading the rest of it.

Revision ID: f5de572bc9a8
Revises: f51f6b8b5657
Create Date: 2026-12-06 03:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5de572bc9a8"
down_revision: str | None = "f51f6b8b5657"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_featured",
            ["article_id"],
            sqlite_where=sa.text("featured_at IS NOT NULL"),
            postgresql_where=sa.text("featured_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_featured")
