"""Spam defences without doors (#16): the texts posters claimed lately (one of
several identical posts at once is stored) and the comment-form tokens already
sent (each is taken once).

Revision ID: 6f2a9c1d7e40
Revises: 9e3b6c2d8a15
Create Date: 2026-12-05 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6f2a9c1d7e40"
down_revision: str | None = "9e3b6c2d8a15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_claim",
        sa.Column("scope", sa.String(length=320), nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_text_claim_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope", "fingerprint", name=op.f("pk_text_claim")),
    )
    with op.batch_alter_table("text_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_text_claim_comment_id"), ["comment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_text_claim_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "spent_form_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_spent_form_token")),
    )
    with op.batch_alter_table("spent_form_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spent_form_token_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("spent_form_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spent_form_token_expires_at"))
    op.drop_table("spent_form_token")
    with op.batch_alter_table("text_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_claim_created_at"))
        batch_op.drop_index(batch_op.f("ix_text_claim_comment_id"))
    op.drop_table("text_claim")
