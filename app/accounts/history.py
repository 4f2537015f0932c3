"""A member's moderation record, for moderators only: private notes and history.

The history page reads in a fixed number of queries whatever the record's size:
one for the comment counts by status, one for the newest notes and two for a
page of the audit entries about the member.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import User, UserNote
from app.comments.models import Comment, CommentStatus
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, ModerationAction
from app.pagination import Page

# The history shows this many of the newest notes (a long record is the exception).
NOTES_SHOWN = 100
HISTORY_PAGE_SIZE = 50


def add_note(
    session: Session, user: User, body: str, *, actor: User | None
) -> UserNote:
    """Keep a moderator's private note about someone, with its author and time (audited)."""
    moderator = moderation_service.ensure_moderator(actor)
    note = UserNote(user_id=user.id, author=moderator, body=body.strip())
    session.add(note)
    moderation_service.record(session, ActionKind.NOTE, actor=moderator, subject=user)
    session.flush()
    return note


def list_notes(
    session: Session, user: User, *, actor: User | None, limit: int = NOTES_SHOWN
) -> list[UserNote]:
    """Moderators' notes about someone, newest first."""
    moderation_service.ensure_moderator(actor)
    return list(
        session.scalars(
            select(UserNote)
            .options(joinedload(UserNote.author))
            .where(UserNote.user_id == user.id)
            .order_by(UserNote.created_at.desc(), UserNote.id.desc())
            .limit(limit)
        )
    )


def comment_counts(session: Session, user: User) -> dict[CommentStatus, int]:
    """How many of someone's comments are in each status (every status, zeros too)."""
    rows = session.execute(
        select(Comment.status, func.count(Comment.id))
        .where(Comment.author_id == user.id)
        .group_by(Comment.status)
    )
    counts = dict.fromkeys(CommentStatus, 0)
    for status, count in rows:
        counts[CommentStatus(status)] = count
    return counts


@dataclass(frozen=True)
class UserHistory:
    user: User
    counts: dict[CommentStatus, int]
    notes: list[UserNote]
    actions: Page[ModerationAction]


def user_history(
    session: Session,
    user: User,
    *,
    actor: User | None,
    page: int,
    per_page: int = HISTORY_PAGE_SIZE,
) -> UserHistory:
    """Someone's record for moderators: comments by status, notes, and what was done about them."""
    moderation_service.ensure_moderator(actor)
    return UserHistory(
        user=user,
        counts=comment_counts(session, user),
        notes=list_notes(session, user, actor=actor),
        actions=moderation_service.audit_log(
            session, page=page, per_page=per_page, actor=actor, subject=user
        ),
    )
