"""In-memoriam profiles (issue #19, point 3).

Revision ID: 5e2b8d4f1a63
Revises: 3c7a9e1d5b40
Create Date: 2026-12-06 01:21:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2b8d4f1a63"
down_revision: str | None = "3c7a9e1d5b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("memorial_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("memorial_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("memorial_note")
        batch_op.drop_column("memorial_at")
