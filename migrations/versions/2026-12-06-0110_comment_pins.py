"""Pinned and featured comments (issue #19): when a moderator pinned or featured
a comment, and at most one pinned comment per article.

Revision ID: 4c7e1a9b2d60
Revises: 4f1a9c7e2b60
Create Date: 2026-12-06 01:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c7e1a9b2d60"
down_revision: str | None = "4f1a9c7e2b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("featured_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_comment_one_pin",
            ["article_id"],
            unique=True,
            sqlite_where=sa.text("pinned_at IS NOT NULL"),
            postgresql_where=sa.text("pinned_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_one_pin")
        batch_op.drop_column("featured_at")
        batch_op.drop_column("pinned_at")
