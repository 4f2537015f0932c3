"""Featured comments first (issue #19): a discussion's featured comments, found
without reading the rest of it.

Revision ID: f5de572bc9a8
Revises: 5e2b8d4f1a63
Create Date: 2026-12-06 03:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5de572bc9a8"
down_revision: str | None = "5e2b8d4f1a63"
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
