"""Articles and their tags."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import paths
from app.accounts.models import User
from app.db import Base, UTCDateTime, utcnow


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Visibility(StrEnum):
    """Who reads a comment's text, or a whole discussion's (issue #19): anyone,
    or signed-in members only (others see a placeholder inviting them to sign in)."""

    PUBLIC = "public"
    MEMBERS = "members"


article_tag = Table(
    "article_tag",
    Base.metadata,
    Column(
        "article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))

    @property
    def url(self) -> str:
        return paths.fill(paths.TAG, slug=self.slug)


class Article(Base):
    __tablename__ = "article"
    __table_args__ = (
        Index("ix_article_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ArticleStatus] = mapped_column(
        String(16), default=ArticleStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    comments_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    close_reason: Mapped[str | None] = mapped_column(Text)
    # The last time a moderator reopened the discussion: the policy's auto-close
    # counts its days from here, so a reopened old article is open again.
    comments_reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped in the same transaction as every change a reader of the article
    # page would see (app.comments.standing): the public rendering is cached by it.
    discussion_version: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1"
    )
    # Approved comments not hidden by reports, kept with every change of standing.
    approved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Top-level comments that hold a place in the discussion's pages: published,
    # hidden by reports, or removed (a placeholder while replies hang from it).
    root_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Members only: every comment of the discussion shows its text to signed-in
    # members alone (a comment can also be members-only on its own).
    comments_visibility: Mapped[Visibility] = mapped_column(
        String(16), default=Visibility.PUBLIC, server_default=Visibility.PUBLIC.value
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    closed_by: Mapped[User | None] = relationship(
        foreign_keys=[closed_by_id], lazy="raise"
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tag, lazy="raise", order_by=Tag.name
    )

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED
