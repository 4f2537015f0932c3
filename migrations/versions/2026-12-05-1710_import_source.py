"""Where imported rows came from (issue #17: WordPress and Disqus imports).

``import_source`` maps an id in a WordPress or Disqus export to the row it
became, so that importing the same file again updates instead of duplicating.

Revision ID: 8d3e5b1a7c20
Revises: 9d3e6b1f4a27
Create Date: 2026-12-05 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d3e5b1a7c20"
down_revision: str | None = "9d3e6b1f4a27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_source")),
        sa.UniqueConstraint(
            "source",
            "kind",
            "source_id",
            name=op.f("uq_import_source_source_kind_source_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("import_source")
