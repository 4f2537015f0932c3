"""The search index: the plain text of what readers may find, one row each.

``search_document`` is an ordinary table on both databases, so the services
write it the same way. What makes it searchable depends on the database and is
made by the migration: on SQLite an FTS5 table over it (``search_fts``, kept in
step by triggers), on PostgreSQL a generated ``tsvector`` column with a GIN
index. Neither is in the models, so alembic is told to leave them be
(``include_name``).
"""

from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# The FTS5 table over search_document on SQLite (SQLite adds its shadow tables,
# named after it).
FTS_TABLE = "search_fts"
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
# The generated tsvector column on PostgreSQL, and its GIN index.
DOCUMENT_COLUMN = "document"
DOCUMENT_INDEX = "ix_search_document_document"
TEXT_SEARCH_CONFIG = "english"


class HitKind(StrEnum):
    ARTICLE = "article"
    COMMENT = "comment"


class SearchDocument(Base):
    """A published article's text (title, summary and body), or an approved
    comment's; kept by app.search.index in the transaction that changes it."""

    __tablename__ = "search_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    # None: the article's own text.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), unique=True
    )
    # An article's title (ranked first); empty for a comment.
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)


def is_index_table(name: str) -> bool:
    """Whether a table is SQLite's FTS5 table or one of its shadow tables."""
    return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")


def include_name(
    name: str | None, type_: str, parent_names: dict[str, str | None]
) -> bool:
    """For alembic: the index's database-specific parts are made by hand in the
    migration, and are not drift."""
    if type_ == "table":
        return name is None or not is_index_table(name)
    if parent_names.get("table_name") == SearchDocument.__tablename__:
        return name not in (DOCUMENT_COLUMN, DOCUMENT_INDEX)
    return True
