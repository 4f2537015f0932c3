"""Stored tree counts and indexes for reading pages in a fixed number of steps.

- ``article.root_count``: the top-level comments that hold a place in the
  discussion's pages (published, hidden or removed), so a page needs no COUNT.
- ``comment.reply_count``: on a top-level comment, its published replies, for
  "Show N more replies" without reading the whole tree.
- The thread's indexes now end in (created_at, id): a page reads an article's
  top level and each tree's first replies in order, and stops.
- A waiting edit is kept only on a published comment, so the queue reads
  waiting edits through their own small index.
- (author_id, status, decided_at): the trust rule counts an author's approved
  comments up to the threshold and finds a recent refusal without reading
  their whole history.

Revision ID: 9a3c5e7f1b24
Revises: 7d4e1b2a9c30
Create Date: 2026-12-04 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a3c5e7f1b24"
down_revision: str | None = "7d4e1b2a9c30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

comment = sa.table(
    "comment",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("parent_id", sa.Integer),
    sa.column("root_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("hidden_at", sa.DateTime),
    sa.column("reply_count", sa.Integer),
    sa.column("pending_body", sa.Text),
    sa.column("pending_body_html", sa.Text),
)
article = sa.table(
    "article", sa.column("id", sa.Integer), sa.column("root_count", sa.Integer)
)


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("root_count", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_index("ix_comment_article_parent_status")
        batch_op.drop_index("ix_comment_root_status")
        batch_op.create_index(
            "ix_comment_article_parent_created",
            ["article_id", "parent_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_comment_root_created", ["root_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_comment_author_status_decided",
            ["author_id", "status", "decided_at"],
            unique=False,
        )
    reply = comment.alias("reply")
    published_replies = (
        sa.select(sa.func.count(reply.c.id))
        .where(
            reply.c.root_id == comment.c.id,
            reply.c.parent_id.is_not(None),
            reply.c.status == "approved",
            reply.c.hidden_at.is_(None),
        )
        .scalar_subquery()
    )
    op.get_bind().execute(
        comment.update()
        .where(comment.c.parent_id.is_(None))
        .values(reply_count=published_replies)
    )
    roots = (
        sa.select(sa.func.count(comment.c.id))
        .where(
            comment.c.article_id == article.c.id,
            comment.c.parent_id.is_(None),
            comment.c.status.in_(("approved", "removed", "deleted")),
        )
        .scalar_subquery()
    )
    op.get_bind().execute(article.update().values(root_count=roots))
    # Only a published comment keeps a waiting edit now (the queue's index of
    # waiting edits relies on it); a removed one's edit was moot.
    op.get_bind().execute(
        comment.update()
        .where(comment.c.pending_body.is_not(None), comment.c.status != "approved")
        .values(pending_body=None, pending_body_html=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_author_status_decided")
        batch_op.drop_index("ix_comment_root_created")
        batch_op.drop_index("ix_comment_article_parent_created")
        batch_op.create_index(
            "ix_comment_root_status", ["root_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_comment_article_parent_status",
            ["article_id", "parent_id", "status"],
            unique=False,
        )
        batch_op.drop_column("reply_count")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("root_count")
