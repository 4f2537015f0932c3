"""A member's published comments, as their public profile lists them.

Kept out of service.py (near its 500-line mark); the page costs two queries,
one count and one page of comments with their articles, whatever the count.
"""

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, contains_eager

from app.accounts.models import User
from app.articles.models import Article, ArticleStatus
from app.comments.models import Comment, CommentStatus
from app.pagination import Page, offset_for

PROFILE_COMMENTS_PER_PAGE = 20
EXCERPT_LENGTH = 200


@dataclass(frozen=True)
class PublicComment:
    """A comment as the profile shows it: its article is loaded, its text shortened."""

    comment: Comment
    excerpt: str

    @property
    def article(self) -> Article:
        return self.comment.article


def excerpt(body_html: str, length: int = EXCERPT_LENGTH) -> str:
    """Plain text of sanitized HTML, cut at a word near ``length`` characters.

    The result is unescaped text: templates and JSON escape it like any other.
    """
    # Markup only to strip the (already sanitized) tags: the result is a plain str.
    text = Markup(body_html).striptags()  # noqa: S704
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def _public(author: User) -> ColumnElement[bool]:
    # What any reader may see, whoever asks: not even the author's own held ones.
    return and_(
        Comment.author_id == author.id,
        Comment.status == CommentStatus.APPROVED,
        Comment.hidden_at.is_(None),
        Article.status == ArticleStatus.PUBLISHED,
    )


def list_public_comments(
    session: Session,
    author: User,
    *,
    page: int,
    per_page: int = PROFILE_COMMENTS_PER_PAGE,
) -> Page[PublicComment]:
    """Someone's comments that every reader may see, newest first, in two queries.

    Only approved comments not hidden by flags, on published articles.
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
        items=[PublicComment(c, excerpt(c.body_html)) for c in comments],
        page=page,
        per_page=per_page,
        total=total or 0,
    )
