"""The audit log, site settings that admins edit, and canned rejection reasons."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment
from app.db import Base, UTCDateTime, utcnow


class Decision(StrEnum):
    """What a moderator decides on a comment (app.moderation.decisions)."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE = "remove"


class ActionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE = "remove"
    CLOSE = "close"
    REOPEN = "reopen"
    LOCK = "lock"
    UNLOCK = "unlock"
    BAN = "ban"
    UNBAN = "unban"
    EDIT = "edit"
    APPROVE_EDIT = "approve_edit"
    REJECT_EDIT = "reject_edit"
    RESUBMIT = "resubmit"
    DELETE = "delete"
    DISMISS_FLAGS = "dismiss_flags"
    # Readers' flags reached the policy's threshold (the system's action).
    HIDE = "hide"
    SET_ROLE = "set_role"
    UPDATE_SETTINGS = "update_settings"
    # Admins' changes to the canned rejection reasons (issue #5, part A).
    ADD_CANNED_REASON = "add_canned_reason"
    EDIT_CANNED_REASON = "edit_canned_reason"
    DELETE_CANNED_REASON = "delete_canned_reason"
    NOTE = "note"
    # An urgent comment's author was looked after (issue #15).
    HANDLED = "handled"
    # What moderators add to a comment instead of removing it, and a
    # member's badge (issue #15).
    EDITOR_NOTE = "editor_note"
    REMOVE_EDITOR_NOTE = "remove_editor_note"
    CONTENT_NOTE = "content_note"
    SET_BADGE = "set_badge"
    # An admin rewrote the community guidelines (issue #15).
    EDIT_GUIDELINES = "edit_guidelines"
    # A member downloaded their data, or deleted their account (issue #17).
    EXPORT_DATA = "export_data"
    DELETE_ACCOUNT = "delete_account"
    # A comment pinned at the top of its discussion, or featured (issue #19).
    PIN = "pin"
    UNPIN = "unpin"
    FEATURE = "feature"
    UNFEATURE = "unfeature"
    # A member's profile marked in memoriam, or the mark taken off (issue #19).
    MEMORIAL = "memorial"
    UNMEMORIAL = "unmemorial"
    # A comment made members only, or public again, by a moderator (issue #19).
    SET_VISIBILITY = "set_visibility"
    # A whole discussion made members only, or public again, by an admin.
    DISCUSSION_VISIBILITY = "discussion_visibility"


class ModerationAction(Base):
    """One decision by a moderator (or by the system when actor is NULL)."""

    __tablename__ = "moderation_action"
    __table_args__ = (
        Index("ix_moderation_action_created_at", "created_at"),
        # What was decided about a person lately: the trust rule's refusals.
        Index(
            "ix_moderation_action_subject",
            "subject_user_id",
            "action",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[ActionKind] = mapped_column(String(32))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL")
    )
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")
    comment: Mapped[Comment | None] = relationship(lazy="raise")
    article: Mapped[Article | None] = relationship(lazy="raise")
    subject_user: Mapped[User | None] = relationship(
        foreign_keys=[subject_user_id], lazy="raise"
    )


class SiteSetting(Base):
    """An admin-edited setting; absent keys fall back to configuration defaults."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )


class CannedReason(Base):
    """A ready-made rejection reason moderators pick from."""

    __tablename__ = "canned_reason"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
