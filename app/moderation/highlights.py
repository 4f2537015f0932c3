"""Pinned and featured comments (issue #19).

A moderator pins one published top-level comment at the top of its discussion
(the author's answer, an editor's summary) and marks others "featured". Both
change what readers see, so both bump the discussion's version, and both are
audited like any decision.
"""

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments import standing
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.errors import Conflict
from app.moderation.models import ActionKind
from app.moderation.service import ensure_moderator, record


def _ensure_published(comment: Comment, what: str) -> None:
    if comment.status != CommentStatus.APPROVED:
        raise Conflict(
            f"This comment is {comment.status}; only a published comment can be {what}."
        )


def set_pinned(
    session: Session, comment: Comment, pinned: bool, *, actor: User | None
) -> Comment:
    """Pin a published top-level comment at the top of its discussion, or unpin
    it. Pinning one replaces the discussion's earlier pin (one at most)."""
    moderator = ensure_moderator(actor)
    standing.lock(session, comment)
    if pinned:
        _ensure_published(comment, "pinned")
        if comment.parent_id is not None:
            raise Conflict("Only a top-level comment can be pinned, not a reply.")
        if comment.pinned_at is not None:
            raise Conflict("This comment is already pinned.")
        # Before setting the new pin, so the one-pin index never sees two.
        session.execute(
            update(Comment)
            .where(
                Comment.article_id == comment.article_id,
                Comment.pinned_at.is_not(None),
            )
            .values(pinned_at=None)
            .execution_options(synchronize_session="fetch")
        )
        comment.pinned_at = utcnow()
    else:
        if comment.pinned_at is None:
            raise Conflict("This comment is not pinned.")
        comment.pinned_at = None
    return _changed(
        session, comment, ActionKind.PIN if pinned else ActionKind.UNPIN, moderator
    )


def set_featured(
    session: Session, comment: Comment, featured: bool, *, actor: User | None
) -> Comment:
    """Mark a published comment (a reply too) as featured, or no longer."""
    moderator = ensure_moderator(actor)
    standing.lock(session, comment)
    if featured:
        _ensure_published(comment, "featured")
        if comment.featured_at is not None:
            raise Conflict("This comment is already featured.")
        comment.featured_at = utcnow()
    else:
        if comment.featured_at is None:
            raise Conflict("This comment is not featured.")
        comment.featured_at = None
    return _changed(
        session,
        comment,
        ActionKind.FEATURE if featured else ActionKind.UNFEATURE,
        moderator,
    )


def _changed(
    session: Session, comment: Comment, kind: ActionKind, moderator: User
) -> Comment:
    """Readers see the change at once (a new discussion version); the log keeps it."""
    standing.bump_discussions(session, [comment.article_id])
    record(session, kind, actor=moderator, comment=comment)
    session.flush()
    return comment


class Highlight(StrEnum):
    """The four moderator actions on a comment's highlights, by their route's name."""

    PIN = "pin"
    UNPIN = "unpin"
    FEATURE = "feature"
    UNFEATURE = "unfeature"

    @property
    def done(self) -> str:
        """What the HTML face says after it."""
        return {
            Highlight.PIN: "Comment pinned at the top of the discussion.",
            Highlight.UNPIN: "Comment unpinned.",
            Highlight.FEATURE: "Comment featured.",
            Highlight.UNFEATURE: "Comment no longer featured.",
        }[self]


def apply(
    session: Session, comment: Comment, change: Highlight, *, actor: User | None
) -> Comment:
    """Pin, unpin, feature or unfeature ``comment``: what both faces call."""
    if change in (Highlight.PIN, Highlight.UNPIN):
        return set_pinned(session, comment, change is Highlight.PIN, actor=actor)
    return set_featured(session, comment, change is Highlight.FEATURE, actor=actor)
