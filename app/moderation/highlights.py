"""Pinned and featured comments (issue #19).

A moderator pins one published top-level comment at the top of its discussion
(the author's answer, an editor's summary) and marks others "featured". Both
change what readers see, so both bump the discussion's version, and both are
audited like any decision.
"""

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
    standing.bump_discussions(session, [comment.article_id])
    record(
        session,
        ActionKind.PIN if pinned else ActionKind.UNPIN,
        actor=moderator,
        comment=comment,
    )
    session.flush()
    return comment


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
    standing.bump_discussions(session, [comment.article_id])
    record(
        session,
        ActionKind.FEATURE if featured else ActionKind.UNFEATURE,
        actor=moderator,
        comment=comment,
    )
    session.flush()
    return comment
