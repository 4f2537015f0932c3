"""Stored counters, discussion versions and the duplicate fingerprint.

- ``article.discussion_version``: bumped with every change a reader would see;
  the public thread pages are cached by it.
- ``article.approved_count``: the published comments the lists show.
- ``counter``: how many comments each view of the moderation queue lists, and
  the versions of the article list and of the site settings.
- ``comment.body_fingerprint``: a hash of the normalised text, indexed with the
  author, so the duplicate check no longer reads the author's history.
- The queue's index gains ``id`` so keyset paging on (created_at, id) is served
  by it; the author's own index is folded into the fingerprint index.

Revision ID: 7d4e1b2a9c30
Revises: 5b8e2d4c9a17
Create Date: 2026-12-04 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.comments.duplicates import fingerprint

revision: str = "7d4e1b2a9c30"
down_revision: str | None = "5b8e2d4c9a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000

comment = sa.table(
    "comment",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_fingerprint", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("hidden_at", sa.DateTime),
    sa.column("pending_body", sa.Text),
)
article = sa.table(
    "article", sa.column("id", sa.Integer), sa.column("approved_count", sa.Integer)
)
flag = sa.table(
    "flag", sa.column("comment_id", sa.Integer), sa.column("resolved_at", sa.DateTime)
)
counter = sa.table(
    "counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
)


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discussion_version", sa.Integer(), server_default="1", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "approved_count", sa.Integer(), server_default="0", nullable=False
            )
        )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_fingerprint", sa.BigInteger()))
        batch_op.drop_index("ix_comment_author_id")
        batch_op.drop_index("ix_comment_status_created_at")
        batch_op.create_index(
            "ix_comment_author_id_body_fingerprint",
            ["author_id", "body_fingerprint"],
            unique=False,
        )
        batch_op.create_index(
            "ix_comment_status_created_at_id",
            ["status", "created_at", "id"],
            unique=False,
        )
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    _fill()


def _fill() -> None:
    """Counts and fingerprints for the comments already stored."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comment.c.id, comment.c.body)
            .where(comment.c.id > last)
            .order_by(comment.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            comment.update()
            .where(comment.c.id == sa.bindparam("row_id"))
            .values(body_fingerprint=sa.bindparam("print")),
            [{"row_id": row.id, "print": fingerprint(row.body)} for row in rows],
        )
        last = rows[-1].id
    published = (
        sa.select(sa.func.count(comment.c.id))
        .where(
            comment.c.article_id == article.c.id,
            comment.c.status == "approved",
            comment.c.hidden_at.is_(None),
        )
        .scalar_subquery()
    )
    bind.execute(article.update().values(approved_count=published))
    reported = sa.select(flag.c.comment_id).where(flag.c.resolved_at.is_(None))
    views = {
        "queue.pending": sa.or_(
            comment.c.status == "pending",
            sa.and_(
                comment.c.status == "approved", comment.c.pending_body.is_not(None)
            ),
        ),
        "queue.spam": comment.c.status == "spam",
        "queue.rejected": comment.c.status == "rejected",
        "queue.flagged": sa.and_(
            comment.c.status == "approved", comment.c.id.in_(reported)
        ),
    }
    rows = [
        {
            "name": name,
            "value": bind.scalar(sa.select(sa.func.count()).where(condition)) or 0,
        }
        for name, condition in views.items()
    ]
    rows += [
        {"name": "version.listing", "value": 1},
        {"name": "version.settings", "value": 1},
    ]
    op.bulk_insert(counter, rows)


def downgrade() -> None:
    op.drop_table("counter")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_status_created_at_id")
        batch_op.drop_index("ix_comment_author_id_body_fingerprint")
        batch_op.create_index(
            "ix_comment_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index("ix_comment_author_id", ["author_id"], unique=False)
        batch_op.drop_column("body_fingerprint")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("approved_count")
        batch_op.drop_column("discussion_version")
