"""What is new in a discussion since a member's last visit
(app.comments.visits): an index on an article's comments by date, and the
visit before the one going on.

Revision ID: 5a8d2e4c1f73
Revises: 3c7e1f5a9b24
Create Date: 2026-12-05 08:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a8d2e4c1f73"
down_revision: str | None = "3c7e1f5a9b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article_visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("previous_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_article_created", ["article_id", "created_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_article_created")
    with op.batch_alter_table("article_visit", schema=None) as batch_op:
        batch_op.drop_column("previous_at")
