"""A member's moderation record, for moderators only: private notes and history.

The history page reads in a fixed number of queries whatever the record's size:
one for the comment counts by status, two for a page of their comments, one for
the newest notes and two for a page of the audit entries about the member.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from app import paths
from app.accounts.models import User, UserNote
from app.articles.models import Article
from app.comments.models import Comment, CommentRevision, CommentStatus
from app.comments.profile import EXCERPT_LENGTH
from app.markup import html_excerpt
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, ModerationAction
from app.pagination import Page, offset_for

# The history shows this many of the newest notes (a long record is the exception).
NOTES_SHOWN = 100
HISTORY_PAGE_SIZE = 50
MEMBER_COMMENTS_PAGE_SIZE = 20


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
class MemberComment:
    """One of a member's comments as their record lists it."""

    id: int
    status: CommentStatus
    article_title: str
    excerpt: str
    created_at: datetime
    edited: bool
    url: str
    # Its earlier versions, when it has any.
    revisions_url: str | None


@dataclass(frozen=True)
class MemberComments:
    """A page of someone's comments, newest first, perhaps of one status."""

    page: Page[MemberComment]
    status: CommentStatus | None
    newer_url: str | None
    older_url: str | None


def member_comments(
    session: Session,
    user: User,
    *,
    actor: User | None,
    status: CommentStatus | None = None,
    page: int = 1,
    per_page: int = MEMBER_COMMENTS_PAGE_SIZE,
) -> MemberComments:
    """Someone's comments in any status (or ``status`` only), newest first, for
    moderators: two queries a page."""
    moderation_service.ensure_moderator(actor)
    condition = Comment.author_id == user.id
    if status is not None:
        condition = condition & (Comment.status == status)
    total = session.scalar(select(func.count(Comment.id)).where(condition)) or 0
    rows = session.execute(
        select(
            Comment.id,
            Comment.status,
            Comment.body_html,
            Comment.created_at,
            Comment.edited_at,
            Article.title,
            exists().where(CommentRevision.comment_id == Comment.id).label("revised"),
        )
        .join(Article, Article.id == Comment.article_id)
        .where(condition)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    ).all()
    items = [
        MemberComment(
            id=row.id,
            status=CommentStatus(row.status),
            article_title=row.title,
            excerpt=html_excerpt(row.body_html, EXCERPT_LENGTH),
            created_at=row.created_at,
            edited=row.edited_at is not None,
            url=paths.fill(paths.COMMENT, comment_id=row.id),
            revisions_url=paths.fill(paths.COMMENT_REVISIONS, comment_id=row.id)
            if row.revised
            else None,
        )
        for row in rows
    ]
    listed = Page(items=items, page=page, per_page=per_page, total=total)
    record = paths.fill(paths.MEMBER_RECORD, username=user.username)

    def page_url(number: int) -> str:
        query = {"comments": status.value} if status else {}
        return f"{record}?{urlencode(query | {'comments_page': number})}#comments"

    return MemberComments(
        page=listed,
        status=status,
        newer_url=page_url(page - 1) if listed.has_previous else None,
        older_url=page_url(page + 1) if listed.has_next else None,
    )


@dataclass(frozen=True)
class UserHistory:
    user: User
    counts: dict[CommentStatus, int]
    comments: MemberComments
    notes: list[UserNote]
    actions: Page[ModerationAction]


def user_history(
    session: Session,
    user: User,
    *,
    actor: User | None,
    page: int,
    per_page: int = HISTORY_PAGE_SIZE,
    comments_status: CommentStatus | None = None,
    comments_page: int = 1,
) -> UserHistory:
    """Someone's record for moderators: their comments (counted by status, and a
    page of them), notes, and what was done about them."""
    moderation_service.ensure_moderator(actor)
    return UserHistory(
        user=user,
        counts=comment_counts(session, user),
        comments=member_comments(
            session, user, actor=actor, status=comments_status, page=comments_page
        ),
        notes=list_notes(session, user, actor=actor),
        actions=moderation_service.audit_log(
            session, page=page, per_page=per_page, actor=actor, subject=user
        ),
    )
