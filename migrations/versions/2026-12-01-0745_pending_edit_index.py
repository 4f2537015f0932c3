"""Index the published comments whose edit waits for approval.

The moderation queue lists them beside new comments; the partial index keeps
that a short lookup however many comments are published.

Revision ID: 3c1f0a7d2e55
Revises: 9787d7ff8ba6
Create Date: 2026-12-01 07:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f0a7d2e55"
down_revision: str | None = "9787d7ff8ba6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("pending_body IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_comment_pending_edit",
        "comment",
        ["created_at"],
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_comment_pending_edit", table_name="comment")
