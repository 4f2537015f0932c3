"""A member's comments as lists show them: the published ones their public
profile lists, and all of their own on their "Your comments" page.

Kept out of service.py (near its 500-line mark); each page costs two queries,
one count and one page of comments with their articles, whatever the count.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, contains_eager

from app import paths
from app.accounts.models import User
from app.articles.models import Article, ArticleStatus
from app.comments import editing
from app.comments.models import (
    Comment,
    CommentRevision,
    CommentStatus,
    readable_by_anyone,
)
from app.db import utcnow
from app.markup import html_excerpt
from app.moderation.policy import load_policy
from app.pagination import Page, offset_for

PROFILE_COMMENTS_PER_PAGE = 20
OWN_COMMENTS_PER_PAGE = 20
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class PublicComment:
    """A comment as the profile shows it: its article is loaded, its text shortened."""

    comment: Comment
    excerpt: str

    @property
    def article(self) -> Article:
        return self.comment.article


def _public(author: User) -> ColumnElement[bool]:
    # What any reader may see, whoever asks: not even the author's own held ones.
    return and_(
        Comment.author_id == author.id,
        Comment.status == CommentStatus.APPROVED,
        Comment.hidden_at.is_(None),
        Article.status == ArticleStatus.PUBLISHED,
        # Members-only text stays in its discussion (issue #19).
        readable_by_anyone(),
    )


def list_public_comments(
    session: Session,
    author: User,
    *,
    page: int,
    per_page: int = PROFILE_COMMENTS_PER_PAGE,
) -> Page[PublicComment]:
    """Someone's comments that every reader may see, newest first, in two queries.

    Only approved comments not hidden by flags and not members only, on
    published articles.
    """
    condition = _public(author)
    total = session.scalar(
        select(func.count(Comment.id)).join(Comment.article).where(condition)
    )
    comments = session.scalars(
        select(Comment)
        .join(Comment.article)
        .options(contains_eager(Comment.article))
        .where(condition)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    )
    return Page(
        items=[
            PublicComment(c, html_excerpt(c.body_html, EXCERPT_LENGTH))
            for c in comments
        ],
        page=page,
        per_page=per_page,
        total=total or 0,
    )


class OwnStatus(StrEnum):
    """Where one of your comments stands, as you are told it.

    A spam verdict reads as "not published": naming it would teach a spammer
    what the filter caught. Deleted comments are not listed: their author took
    them back.
    """

    PENDING = "pending"
    APPROVED = "approved"
    # Approved, but hidden by readers' reports until a moderator has looked.
    HIDDEN = "hidden"
    REJECTED = "rejected"
    NOT_PUBLISHED = "not_published"
    REMOVED = "removed"


# The status in words, and what it means for the author (None: nothing to add).
_TOLD: dict[OwnStatus, tuple[str, str | None]] = {
    OwnStatus.PENDING: (
        "Awaiting moderation",
        "A moderator will read it before it is published.",
    ),
    OwnStatus.APPROVED: ("Published", None),
    OwnStatus.HIDDEN: (
        "Hidden for review",
        "Readers reported it: it is hidden until a moderator has looked at it.",
    ),
    OwnStatus.REJECTED: ("Not published", "A moderator did not publish it."),
    OwnStatus.NOT_PUBLISHED: ("Not published", None),
    OwnStatus.REMOVED: ("Removed by the moderators", None),
}
# Those its author finds on the discussion page, where its permalink leads.
_ON_THE_PAGE = (
    OwnStatus.PENDING,
    OwnStatus.APPROVED,
    OwnStatus.HIDDEN,
    OwnStatus.REJECTED,
)


# The decisions whose reason a moderator gives the comment's author.
EXPLAINED = (CommentStatus.REJECTED, CommentStatus.REMOVED)


def reads_reason(status: str, author_id: int | None, reader: User | None) -> bool:
    """Whether ``reader`` may read why a moderator refused or removed a comment:
    its author and moderators may, nobody else."""
    return (
        status in EXPLAINED
        and reader is not None
        and (reader.moderates or author_id == reader.id)
    )


def own_status(status: CommentStatus, *, hidden: bool) -> OwnStatus:
    if status == CommentStatus.SPAM:
        return OwnStatus.NOT_PUBLISHED
    if status == CommentStatus.APPROVED and hidden:
        return OwnStatus.HIDDEN
    return OwnStatus(status.value)


@dataclass(frozen=True)
class OwnComment:
    """One of your comments as "Your comments" lists it, every value ready.

    ``url`` is its permalink, given only while a page shows it to you; ``link``
    is where its article's title leads: there, else the article while it is
    published. ``revise_url`` is the edit page, for a rejected comment you may
    still revise and send again. ``revisions_url`` lists its earlier versions,
    when it has any.
    """

    id: int
    article_slug: str
    article_title: str
    article_published: bool
    status: OwnStatus
    label: str
    note: str | None
    decision_reason: str | None
    edit_waiting: bool
    body_html: str
    excerpt: str
    created_at: datetime
    edited_at: datetime | None
    url: str | None
    link: str | None
    revise_url: str | None
    revisions_url: str | None


def list_own_comments(
    session: Session,
    author: User,
    *,
    page: int,
    per_page: int = OWN_COMMENTS_PER_PAGE,
) -> Page[OwnComment]:
    """All of ``author``'s comments but those they deleted, newest first, each
    with where it stands, in two queries (three with a rejected one listed).

    Only they may see this list: it names held, refused and removed comments.
    """
    condition = and_(
        Comment.author_id == author.id, Comment.status != CommentStatus.DELETED
    )
    total = session.scalar(select(func.count(Comment.id)).where(condition))
    rows = session.execute(
        select(
            Comment.id,
            Comment.status,
            Comment.author_id,
            Comment.body_html,
            Comment.created_at,
            Comment.edited_at,
            Comment.hidden_at,
            Comment.decision_reason,
            Comment.pending_body.is_not(None).label("edit_waiting"),
            exists().where(CommentRevision.comment_id == Comment.id).label("revised"),
            Article.slug,
            Article.title,
            Article.status.label("article_status"),
        )
        .join(Article, Article.id == Comment.article_id)
        .where(condition)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    ).all()
    # Only a rejected comment is offered for revision; the policy says who may.
    policy = (
        load_policy(session)
        if any(row.status == CommentStatus.REJECTED for row in rows)
        else None
    )
    now = utcnow()
    items = []
    for row in rows:
        status = own_status(CommentStatus(row.status), hidden=row.hidden_at is not None)
        label, note = _TOLD[status]
        published = row.article_status == ArticleStatus.PUBLISHED
        url = (
            paths.fill(paths.COMMENT, comment_id=row.id)
            if published and status in _ON_THE_PAGE
            else None
        )
        revisable = (
            policy is not None
            and published
            and status == OwnStatus.REJECTED
            and editing.edit_refusal(row, actor=author, policy=policy, now=now) is None
        )
        items.append(
            OwnComment(
                id=row.id,
                article_slug=row.slug,
                article_title=row.title,
                article_published=published,
                status=status,
                label=label,
                note=note,
                decision_reason=row.decision_reason
                if reads_reason(row.status, row.author_id, author)
                else None,
                edit_waiting=bool(row.edit_waiting)
                and CommentStatus(row.status) == CommentStatus.APPROVED,
                body_html=row.body_html,
                excerpt=html_excerpt(row.body_html, EXCERPT_LENGTH),
                created_at=row.created_at,
                edited_at=row.edited_at,
                url=url,
                link=url
                or (paths.fill(paths.ARTICLE, slug=row.slug) if published else None),
                revise_url=paths.fill(paths.COMMENT_EDIT, comment_id=row.id)
                if revisable
                else None,
                revisions_url=paths.fill(paths.COMMENT_REVISIONS, comment_id=row.id)
                if row.revised
                else None,
            )
        )
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
