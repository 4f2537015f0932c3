"""Full-text search over published articles and approved comments (#17).

``search_document`` holds the plain text of what readers may find. On SQLite an
FTS5 table (``search_fts``, Porter stemming, diacritics folded) indexes it,
kept in step by triggers; on PostgreSQL a generated ``tsvector`` column
(``english``, the title weighted above the body) with a GIN index does. The
text already published is indexed here.

Revision ID: 4f1a7c9e2b30
Revises: 6f2a9c1d7e40
Create Date: 2026-12-05 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search.index import plain_text

revision: str = "4f1a7c9e2b30"
down_revision: str | None = "6f2a9c1d7e40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_TRIGGERS = {
    "search_document_ai": "AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
    "search_document_ad": "AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "search_document_au": "AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); "
    "END",
}


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_search_document_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_search_document_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_search_document_comment_id")),
    )
    op.create_index(
        op.f("ix_search_document_article_id"),
        "search_document",
        ["article_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
            "content='search_document', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        for name, body in _FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(
            "ALTER TABLE search_document ADD COLUMN document tsvector "
            "GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english'::regconfig, title), 'A') || "
            "setweight(to_tsvector('english'::regconfig, body), 'D')) STORED"
        )
        op.execute(
            "CREATE INDEX ix_search_document_document ON search_document "
            "USING gin (document)"
        )
    _index_what_is_published()


def _index_what_is_published() -> None:
    article = sa.table(
        "article",
        sa.column("id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("summary", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("status", sa.String),
    )
    comment = sa.table(
        "comment",
        sa.column("id", sa.Integer),
        sa.column("article_id", sa.Integer),
        sa.column("body_html", sa.Text),
        sa.column("status", sa.String),
        sa.column("hidden_at", sa.DateTime),
    )
    document = sa.table(
        "search_document",
        sa.column("article_id", sa.Integer),
        sa.column("comment_id", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("body", sa.Text),
    )
    bind = op.get_bind()
    rows = [
        {
            "article_id": row.id,
            "comment_id": None,
            "title": row.title,
            "body": " ".join(f"{row.summary}\n{plain_text(row.body_html)}".split()),
        }
        for row in bind.execute(
            sa.select(article).where(article.c.status == "published")
        )
    ]
    rows += [
        {
            "article_id": row.article_id,
            "comment_id": row.id,
            "title": "",
            "body": plain_text(row.body_html),
        }
        for row in bind.execute(
            sa.select(comment).where(
                comment.c.status == "approved", comment.c.hidden_at.is_(None)
            )
        )
    ]
    if rows:
        bind.execute(sa.insert(document), rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    op.drop_index(op.f("ix_search_document_article_id"), table_name="search_document")
    op.drop_table("search_document")
