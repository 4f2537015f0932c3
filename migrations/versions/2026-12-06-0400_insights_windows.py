"""Reports by the day they were made, for the insights' "reports by reason".

Revision ID: 946cda7da14c
Revises: 5e2b8d4f1a63
Create Date: 2026-12-06 04:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "946cda7da14c"
down_revision: str | None = "5e2b8d4f1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index("ix_flag_created_reason", ["created_at", "reason"])


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_created_reason")
