"""Indexes for the moderators' insights: comments by day posted and day decided.

Revision ID: 4f1a9c7e2b60
Revises: 8d3e5b1a7c20
Create Date: 2026-12-06 01:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4f1a9c7e2b60"
down_revision: str | None = "8d3e5b1a7c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_created_article", ["created_at", "article_id"]
        )
        batch_op.create_index(
            "ix_comment_decided_created", ["decided_at", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_decided_created")
        batch_op.drop_index("ix_comment_created_article")
