"""Trust that can't be laundered or borrowed: the trust rule reads refusals
from the audit log (an index on what was decided about a person, by kind and
time), and a report counts towards hiding only when a trusted member made it
(``flag.counts``; reports made before count, as they did).

Revision ID: 9e3b6c2d8a15
Revises: 5a8d2e4c1f73
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e3b6c2d8a15"
down_revision: str | None = "5a8d2e4c1f73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counts", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.create_index(
            "ix_moderation_action_subject",
            ["subject_user_id", "action", "created_at"],
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_action_subject")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("counts")
