"""Replies-closed notices point at the moderator's action (issue #19, point 6).

Revision ID: 099633cd06aa
Revises: 946cda7da14c
Create Date: 2026-12-06 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "099633cd06aa"
down_revision: str | None = "946cda7da14c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moderation_action_id", sa.Integer(), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_moderation_action_id"), ["moderation_action_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_moderation_action_id_moderation_action"),
            "moderation_action",
            ["moderation_action_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_moderation_action_id_moderation_action"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_outbox_moderation_action_id"))
        batch_op.drop_column("moderation_action_id")
