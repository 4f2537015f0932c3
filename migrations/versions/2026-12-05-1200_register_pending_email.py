"""A new address waits beside the old one (``user.pending_email``) until the
link sent to it is opened, so changing to an address that has an account
looks the same as changing to one that hasn't (issue #16, defect 9).

Revision ID: c4f7a2e9d1b6
Revises: 9e3b6c2d8a15
Create Date: 2026-12-05 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4f7a2e9d1b6"
down_revision: str | None = "9e3b6c2d8a15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_email", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
