"""Mail waiting to be sent, written in the same transaction as its cause.

A row says what happened and to whom (its kind, the recipient, the comment);
the worker (app.notifications.worker) writes the message when it sends it, so
it reads the recipient's current address and choices, and a comment taken
down before then is not announced.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class MailKind(StrEnum):
    REPLY = "reply"  # someone's reply to your comment was published
    APPROVED = "approved"  # your comment was published
    REJECTED = "rejected"  # your comment was turned down, with the reason
    DIGEST = "digest"  # for moderators: what waits
    URGENT = "urgent"  # for moderators, at once: a comment with crisis language
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of mail)
    CONFIRM_EMAIL = "confirm_email"  # a member's (new) address
    CONFIRM_GUEST = "confirm_guest"  # a guest who asked for reply notices
    ACCOUNT_EXISTS = "account_exists"  # someone signed up with a member's address
    CONFIRM_SIGN_UP = "confirm_sign_up"  # the link that makes a pending account
    # A moderator closed a discussion or locked a sub-thread your comment is in.
    REPLIES_CLOSED = "replies_closed"


class OutboxStatus(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"  # the tries ran out, or the address refused mail for good
    SKIPPED = "skipped"  # nothing to send any more (unsubscribed, taken down...)


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # The worker's scan: what waits, by when it is due.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[MailKind] = mapped_column(String(32))
    status: Mapped[OutboxStatus] = mapped_column(
        String(16), default=OutboxStatus.WAITING
    )
    # The member it is for, or a guest's address (to_address) with their comment.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str | None] = mapped_column(String(254))
    # A sign-up waiting for its link (while taken addresses are hidden).
    sign_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("pending_sign_up.id", ondelete="CASCADE"), index=True
    )
    # The moderator's action a notice tells of (closing, locking), with its reason.
    moderation_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_action.id", ondelete="CASCADE"), index=True
    )
    # Filled in when the message is written: a record of what was sent (the
    # text only of notices; a reset or confirmation link is not kept).
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the row is next due; a worker that claims it moves this forward by
    # its lease, so no other worker takes it meanwhile.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Suppression(Base):
    """An address that refused mail for good (a permanent SMTP failure): the
    worker sends nothing more to it until its owner confirms it again."""

    __tablename__ = "mail_suppression"

    email_key: Mapped[str] = mapped_column(String(254), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
