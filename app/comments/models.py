"""Comments, their edit history and readers' flags."""

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.articles.models import Article, Visibility
from app.db import Base, UTCDateTime, utcnow


class QueueStatus(StrEnum):
    """The views of the moderation queue."""

    PENDING = "pending"
    SPAM = "spam"
    REJECTED = "rejected"
    # Published comments that readers reported.
    FLAGGED = "flagged"
    # Published comments reported as misleading medical claims, whatever the
    # number of reports: a moderator may answer one with an editor's note.
    MEDICAL = "medical"


class CommentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    REMOVED = "removed"
    DELETED = "deleted"


class FlagReason(StrEnum):
    SPAM = "spam"
    ABUSIVE = "abusive"
    # A misleading medical claim: its own queue view (?status=medical).
    MEDICAL_CLAIM = "medical_claim"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class CommentFacts(Protocol):
    """What the rules about a comment read of it: a Comment, or a comment as a
    discussion page holds it (app.comments.thread.Node)."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def hidden_at(self) -> datetime | None: ...


class Placed(Protocol):
    """A comment already in a tree, as much as placing a reply under it needs."""

    @property
    def id(self) -> int: ...
    @property
    def root_id(self) -> int | None: ...
    @property
    def depth(self) -> int: ...


class TreePlace(NamedTuple):
    """Where a comment sits: its parent, its top-level ancestor and its depth."""

    parent_id: int | None
    root_id: int | None
    depth: int


def place_under(parent: Placed | None, *, own_id: int | None = None) -> TreePlace:
    """The one rule placing a comment in its tree, for the service, the seeders and
    the test factories alike: a reply sits one level below its parent, in its
    parent's tree; a top-level comment is its own root (``own_id``, or None until
    its id is known: set ``root_id`` to it after the insert)."""
    if parent is None:
        return TreePlace(parent_id=None, root_id=own_id, depth=1)
    return TreePlace(
        parent_id=parent.id, root_id=parent.root_id, depth=parent.depth + 1
    )


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        # The thread read: an article's top level oldest first, and each tree's
        # replies oldest first (a page reads the first few of each).
        Index(
            "ix_comment_article_parent_created",
            "article_id",
            "parent_id",
            "created_at",
            "id",
        ),
        Index("ix_comment_root_created", "root_id", "created_at", "id"),
        # What is new in a discussion since a member's last visit.
        Index("ix_comment_article_created", "article_id", "created_at"),
        # The queue's views, oldest first, paged by (created_at, id).
        Index("ix_comment_status_created_at_id", "status", "created_at", "id"),
        # Trust: an author's approved comments, and their recent refusals.
        Index("ix_comment_author_status_decided", "author_id", "status", "decided_at"),
        # The duplicate check: an author's comments with the same normalised text.
        Index("ix_comment_author_id_body_fingerprint", "author_id", "body_fingerprint"),
        # Published comments whose edit waits for a moderator: a handful, found fast.
        Index(
            "ix_comment_pending_edit",
            "created_at",
            sqlite_where=text("pending_body IS NOT NULL"),
            postgresql_where=text("pending_body IS NOT NULL"),
        ),
        # Moderator insights (issue #19): comments posted per day and where, and
        # the comments decided per day, read from the index alone.
        Index("ix_comment_created_article", "created_at", "article_id"),
        Index("ix_comment_decided_created", "decided_at", "created_at"),
        # Comments with crisis language not yet handled: the top of the queue.
        Index(
            "ix_comment_urgent",
            "urgent_at",
            sqlite_where=text("urgent_at IS NOT NULL"),
            postgresql_where=text("urgent_at IS NOT NULL"),
        ),
        # At most one pinned comment per discussion (issue #19).
        Index(
            "ix_comment_one_pin",
            "article_id",
            unique=True,
            sqlite_where=text("pinned_at IS NOT NULL"),
            postgresql_where=text("pinned_at IS NOT NULL"),
        ),
        # A discussion's featured comments, for "Featured first" (app.comments.thread).
        Index(
            "ix_comment_featured",
            "article_id",
            sqlite_where=text("featured_at IS NOT NULL"),
            postgresql_where=text("featured_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE")
    )
    # The top-level ancestor (itself for a top-level comment): one query reads a tree.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE")
    )
    depth: Mapped[int] = mapped_column(Integer, default=1)
    # Indexed by ix_comment_author_id_body_fingerprint, which leads with it.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    guest_name: Mapped[str | None] = mapped_column(String(60))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    # A guest who ticked "email me replies", and when they confirmed the address.
    guest_notify: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    guest_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # A hash of the normalised body (app.comments.duplicates.fingerprint).
    body_fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    # An edit waiting for approval; the published body stays until it is approved.
    pending_body: Mapped[str | None] = mapped_column(Text)
    pending_body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        String(16), default=CommentStatus.PENDING
    )
    held_reason: Mapped[str | None] = mapped_column(Text)
    # Crisis language was found in it (app.moderation.crisis): a moderator
    # should read it first.
    urgent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Members only: its text and author show to signed-in members alone.
    visibility: Mapped[Visibility] = mapped_column(
        String(16), default=Visibility.PUBLIC, server_default=Visibility.PUBLIC.value
    )
    # A moderator pinned it at the top of its discussion, or featured it
    # (app.moderation.highlights).
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A content note from the policy's list ("end of life", ...): readers see
    # the comment collapsed behind it until they open it.
    content_note: Mapped[str | None] = mapped_column(String(60))
    # A moderator's "Editor's note" shown under the comment (a misleading
    # medical claim answered instead of removed), with an optional link.
    editor_note: Mapped[str | None] = mapped_column(Text)
    editor_note_url: Mapped[str | None] = mapped_column(String(500))
    editor_note_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    editor_note_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    # On a top-level comment: its published replies (app.comments.standing).
    reply_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(lazy="raise")
    parent: Mapped["Comment | None"] = relationship(
        foreign_keys=[parent_id], remote_side=[id], lazy="raise"
    )
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    decided_by: Mapped[User | None] = relationship(
        foreign_keys=[decided_by_id], lazy="raise"
    )

    @classmethod
    def published(cls) -> ColumnElement[bool]:
        """The SQL test for a comment readers see with its text: approved,
        and not hidden by readers' reports."""
        return and_(cls.status == CommentStatus.APPROVED, cls.hidden_at.is_(None))

    @property
    def author_name(self) -> str:
        return shown_name(
            self.author.display_name if self.author is not None else None,
            self.guest_name,
        )


def readable_by_anyone() -> ColumnElement[bool]:
    """The SQL test for a comment whose text anyone may read, signed in or
    not: neither it nor its discussion is members only (the query joins
    Article)."""
    return and_(
        Comment.visibility == Visibility.PUBLIC,
        Article.comments_visibility == Visibility.PUBLIC,
    )


def shown_name(display_name: str | None, guest_name: str | None) -> str:
    """The name a comment shows: its member's display name (None for a guest's
    comment), else the name the guest gave."""
    if display_name is not None:
        return display_name
    return guest_name or "Guest"


class CommentRevision(Base):
    """The body a comment had before an edit."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment] = relationship(lazy="raise")
    editor: Mapped[User | None] = relationship(lazy="raise")


class Flag(Base):
    """A reader's report of an approved comment; one per reader and comment."""

    __tablename__ = "flag"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id"),
        # The queue's lanes by reason (?status=medical): open reports only.
        Index(
            "ix_flag_open_reason",
            "reason",
            "created_at",
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        # Moderator insights: the reports made in a window, by reason.
        Index("ix_flag_created_reason", "created_at", "reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[FlagReason] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    # The comment as it read when reported, so a later edit can't hide what was
    # reported (#19). None on reports made before snapshots were kept.
    snapshot_body: Mapped[str | None] = mapped_column(Text)
    snapshot_html: Mapped[str | None] = mapped_column(Text)
    # Whether it counts towards hiding the comment: only reports from trusted
    # members do (app.moderation.rules.is_trusted, when it was made), so a few
    # new accounts can't hide anyone's comment.
    counts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )

    comment: Mapped[Comment] = relationship(lazy="raise")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="raise")


class CommentDraft(Base):
    """What a member was writing under an article, kept until it is posted."""

    __tablename__ = "comment_draft"
    __table_args__ = (UniqueConstraint("user_id", "article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    # The comment it answers (None: a new top-level comment).
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(lazy="raise")


class ArticleVisit(Base):
    """When a member reads an article's discussion: the visit going on (page
    views less than app.comments.visits.SAME_VISIT apart), and the one before,
    which says what is new to them."""

    __tablename__ = "article_visit"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    )
    # The last page view of the visit going on.
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the visit before this one ended (None: this is the first).
    previous_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TextClaim(Base):
    """A text one poster sent lately (app.comments.duplicates.claim_text): one row per
    scope ("user:7", "email:...", "address:...:article:3") and fingerprint. The
    unique key lets only one of several identical posts at once through."""

    __tablename__ = "text_claim"

    scope: Mapped[str] = mapped_column(String(320), primary_key=True)
    fingerprint: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The comment holding the claim; none while it is being stored.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )


class SpentFormToken(Base):
    """A comment form's timing token that was sent once (app.comments.form_defence):
    kept until it would have expired anyway, so that it is never taken twice."""

    __tablename__ = "spent_form_token"

    # SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
