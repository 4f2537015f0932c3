"""Remember when a moderator reopened an article's discussion.

Auto-close (the policy's ``auto_close_days``) closes a discussion N days after
publication without writing anything; a moderator's reopen must outlast that
rule, so the article keeps the moment it was reopened and the N days count from
the later of publication and reopening.

Revision ID: 5b8e2d4c9a17
Revises: 3c1f0a7d2e55
Create Date: 2026-12-01 08:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b8e2d4c9a17"
down_revision: str | None = "3c1f0a7d2e55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comments_reopened_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("comments_reopened_at")
