"""A member may delete their account (issue #17, deliverable 6).

The user row stays as a tombstone, so the audit log keeps its pseudonymous id;
``user.deleted_at`` says when it was emptied.

Revision ID: 9d3e6b1f4a27
Revises: c4f7a2e9d1b6
Create Date: 2026-12-05 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d3e6b1f4a27"
down_revision: str | None = "c4f7a2e9d1b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
