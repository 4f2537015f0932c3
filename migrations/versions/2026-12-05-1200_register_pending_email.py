"""Nothing shows whether an address has an account (issue #16, defect 9).

While taken addresses are hidden, a sign-up waits in ``pending_sign_up``
until the link mailed to it (``outbox.sign_up_id``) is opened, and a new
address waits beside the old one (``user.pending_email``) the same way.

Revision ID: c4f7a2e9d1b6
Revises: 4f1a7c9e2b30
Create Date: 2026-12-05 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "c4f7a2e9d1b6"
down_revision: str | None = "4f1a7c9e2b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_email", sa.String(254), nullable=True))
    op.create_table(
        "pending_sign_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(30), nullable=False),
        sa.Column("display_name", sa.String(60), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_sign_up")),
    )
    op.create_index(
        op.f("ix_pending_sign_up_email_key"), "pending_sign_up", ["email_key"]
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_up_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_sign_up_id"), ["sign_up_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_sign_up_id_pending_sign_up"),
            "pending_sign_up",
            ["sign_up_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_sign_up_id_pending_sign_up"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_sign_up_id"))
        batch_op.drop_column("sign_up_id")
    op.drop_index(op.f("ix_pending_sign_up_email_key"), table_name="pending_sign_up")
    op.drop_table("pending_sign_up")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
