"""Community care: content notes, editor's notes, badges, drafts kept on the
server, what a member last read, the guidelines seen, and the report reason
``misleading`` renamed ``medical_claim`` (its own queue view).

Revision ID: 3c7e1f5a9b24
Revises: 8d5c3a17e2f6
Create Date: 2026-12-05 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7e1f5a9b24"
down_revision: str | None = "8d5c3a17e2f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_note", sa.String(60), nullable=True))
        batch_op.add_column(sa.Column("editor_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("editor_note_url", sa.String(500), nullable=True)
        )
        batch_op.add_column(
            sa.Column("editor_note_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("editor_note_by_id", sa.Integer(), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_comment_editor_note_by_id_user"),
            "user",
            ["editor_note_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge", sa.String(60), nullable=True))
        batch_op.add_column(
            sa.Column(
                "shown_content_notes", sa.JSON(), server_default="[]", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("guidelines_seen_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE flag SET reason = 'medical_claim' WHERE reason = 'misleading'")
    # The queue's new view of reported medical claims has a stored count.
    flag = sa.table(
        "flag",
        sa.column("comment_id", sa.Integer),
        sa.column("reason", sa.String),
        sa.column("resolved_at", sa.DateTime),
    )
    comment = sa.table(
        "comment", sa.column("id", sa.Integer), sa.column("status", sa.String)
    )
    medical = sa.select(flag.c.comment_id).where(
        flag.c.reason == "medical_claim", flag.c.resolved_at.is_(None)
    )
    counted = op.get_bind().scalar(
        sa.select(sa.func.count(comment.c.id)).where(
            comment.c.status == "approved", comment.c.id.in_(medical)
        )
    )
    counter = sa.table(
        "counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
    )
    op.bulk_insert(counter, [{"name": "queue.medical", "value": counted or 0}])
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flag_open_reason",
            ["reason", "created_at"],
            sqlite_where=sa.text("resolved_at IS NULL"),
            postgresql_where=sa.text("resolved_at IS NULL"),
        )
    op.create_table(
        "comment_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_comment_draft_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["comment.id"],
            name=op.f("fk_comment_draft_parent_id_comment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_comment_draft_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_draft")),
        sa.UniqueConstraint(
            "user_id", "article_id", name=op.f("uq_comment_draft_user_id_article_id")
        ),
    )
    op.create_index(
        op.f("ix_comment_draft_article_id"), "comment_draft", ["article_id"]
    )
    op.create_table(
        "article_visit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_visit_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_article_visit_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "article_id", name=op.f("pk_article_visit")),
    )


def downgrade() -> None:
    op.drop_table("article_visit")
    op.drop_index(op.f("ix_comment_draft_article_id"), table_name="comment_draft")
    op.drop_table("comment_draft")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_open_reason")
    op.execute("DELETE FROM counter WHERE name = 'queue.medical'")
    op.execute("UPDATE flag SET reason = 'misleading' WHERE reason = 'medical_claim'")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("guidelines_seen_at")
        batch_op.drop_column("shown_content_notes")
        batch_op.drop_column("badge")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_comment_editor_note_by_id_user"), type_="foreignkey"
        )
        batch_op.drop_column("editor_note_by_id")
        batch_op.drop_column("editor_note_at")
        batch_op.drop_column("editor_note_url")
        batch_op.drop_column("editor_note")
        batch_op.drop_column("content_note")
