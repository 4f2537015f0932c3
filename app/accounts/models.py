"""People and their sign-in sessions."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import paths
from app.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class SessionKind(StrEnum):
    BROWSER = "browser"
    API = "api"


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    # Lower-cased copy: uniqueness and look-ups ignore case on every backend.
    username_key: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16), default=Role.MEMBER)
    bio: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    # Set when the owner opened the confirmation link sent to ``email``; until
    # then no mail but that link and password resets goes to it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While taken addresses are hidden, a new address waits here until the
    # link sent to it is opened; ``email`` stays as it was meanwhile.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Each kind of mail can be turned off (settings, or its unsubscribe link).
    notify_replies: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_decisions: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    notify_digest: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # A badge an admin gave ("MS nurse", ...: the policy's list), shown by the name.
    badge: Mapped[str | None] = mapped_column(String(60))
    # The content notes this member always reads opened (others stay collapsed).
    shown_content_notes: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # When the member was shown the community guidelines before a first comment.
    guidelines_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A moderator's last digest: at most one an hour.
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # NULL with banned_at set means banned for good.
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ban_reason: Mapped[str | None] = mapped_column(Text)
    # The member deleted their account (app.accounts.personal): the row stays,
    # emptied, so the audit log keeps its id as a pseudonym.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # In memoriam, at the family's request (app.accounts.memorial): nobody
    # signs in as them and no mail goes to or about them; the note is shown.
    memorial_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    memorial_note: Mapped[str | None] = mapped_column(Text)

    sessions: Mapped[list["AuthSession"]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def profile_url(self) -> str:
        return paths.fill(paths.PROFILE, username=self.username)

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def moderates(self) -> bool:
        """Holds a moderator's powers now, reads included: a moderator or an
        administrator who is not banned. (``is_moderator`` is the role alone:
        what their own comments are, staff badges, trust.)"""
        return self.is_moderator and not self.is_banned()

    @property
    def administers(self) -> bool:
        """Holds an administrator's powers now: an administrator not banned."""
        return self.is_admin and not self.is_banned()

    @property
    def offered_digest(self) -> bool:
        """The moderation digest goes to moderators; administrators get nothing
        new by default (app.notifications.worker.schedule_digests)."""
        return self.role == Role.MODERATOR

    @property
    def in_memoriam(self) -> bool:
        return self.memorial_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def is_banned(self, now: datetime | None = None) -> bool:
        if self.banned_at is None:
            return False
        return self.banned_until is None or self.banned_until > (now or utcnow())


class AuthSession(Base):
    """A signed-in browser or API client; only the token's hash is stored."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SessionKind] = mapped_column(String(16), default=SessionKind.BROWSER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")


class UserNote(Base):
    """A moderator's private note about a member."""

    __tablename__ = "user_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")


class PendingSignUp(Base):
    """A sign-up waiting for the link mailed to its address, while the site
    hides taken addresses: the account is made only when the link is opened,
    so until then nothing (profile, username, sign-in) shows whether the
    address had an account."""

    __tablename__ = "pending_sign_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    display_name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The page on this site the person signed up from: the link leads back there.
    return_to: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
