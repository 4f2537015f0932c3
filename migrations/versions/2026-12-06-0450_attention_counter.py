"""A stored count of the comments that need a moderator's look (issue #18, point 4).

Revision ID: 873b92006ee2
Revises: cba21f2ee357
Create Date: 2026-12-06 03:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "873b92006ee2"
down_revision: str | None = "cba21f2ee357"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Waiting, reported or hidden, each comment once (app.comments.standing).
    flag = sa.table(
        "flag", sa.column("comment_id", sa.Integer), sa.column("resolved_at", sa.DateTime)
    )
    comment = sa.table(
        "comment",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("pending_body", sa.Text),
        sa.column("hidden_at", sa.DateTime),
    )
    reported = sa.select(flag.c.comment_id).where(flag.c.resolved_at.is_(None))
    counted = op.get_bind().scalar(
        sa.select(sa.func.count(comment.c.id)).where(
            sa.or_(
                comment.c.status == "pending",
                (comment.c.status == "approved")
                & sa.or_(
                    comment.c.pending_body.is_not(None),
                    comment.c.hidden_at.is_not(None),
                    comment.c.id.in_(reported),
                ),
            )
        )
    )
    counter = sa.table(
        "counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(counter, [{"name": "queue.attention", "value": counted or 0}])


def downgrade() -> None:
    op.execute("DELETE FROM counter WHERE name = 'queue.attention'")
