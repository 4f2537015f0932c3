"""A sign-up waiting for its mailed link remembers the page it came from (issue #18, point 3).

Revision ID: cba21f2ee357
Revises: f5de572bc9a8
Create Date: 2026-12-06 04:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cba21f2ee357"
down_revision: str | None = "f5de572bc9a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_sign_up") as batch_op:
        batch_op.add_column(sa.Column("return_to", sa.String(2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pending_sign_up") as batch_op:
        batch_op.drop_column("return_to")
