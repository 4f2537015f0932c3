"""Members-only visibility (issue #19): a comment's, and a whole discussion's.
Existing comments and discussions stay public.

Revision ID: f51f6b8b5657
Revises: 099633cd06aa
Create Date: 2026-12-06 03:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f51f6b8b5657"
down_revision: str | None = "099633cd06aa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "visibility", sa.String(16), nullable=False, server_default="public"
            )
        )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "comments_visibility",
                sa.String(16),
                nullable=False,
                server_default="public",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("comments_visibility")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_column("visibility")
