"""A report keeps the comment as it read when reported (issue #19, point 4).

Reports made before this revision have no snapshot (NULL): the queue shows
them as before.

Revision ID: 3c7a9e1d5b40
Revises: 4c7e1a9b2d60
Create Date: 2026-12-06 01:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7a9e1d5b40"
down_revision: str | None = "4c7e1a9b2d60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flag") as batch_op:
        batch_op.add_column(sa.Column("snapshot_body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("snapshot_html", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flag") as batch_op:
        batch_op.drop_column("snapshot_html")
        batch_op.drop_column("snapshot_body")
