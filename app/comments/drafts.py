"""Comment drafts kept on the server: what a member was writing under an article.

A member has at most one draft per article (the table's unique key). The
browser saves it a few seconds after they stop typing, and at least every ten
while they go on (static/js/haven.js); a post the site refuses or only previews
keeps what was sent, and posting a comment drops it. Guests have none: their
drafts stay in their browser's storage.

Drafts are read as plain values (``Draft``), never as ORM objects, so a page or
an API answer holds what the one query returned.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from app import paths
from app.accounts.models import User
from app.articles import service as articles_service
from app.articles.models import Article
from app.comments.models import Comment, CommentDraft, CommentStatus, shown_name
from app.comments.schemas import MAX_BODY, DraftWrite
from app.db import utcnow
from app.errors import NotFound
from app.markup import shorten
from app.pagination import Page, offset_for

DRAFTS_PER_PAGE = 20
EXCERPT_LENGTH = 200
# How a reply draft names a comment that no longer shows its author.
UNSHOWN_PARENT = "a comment that is no longer shown"


@dataclass(frozen=True)
class Draft:
    """A member's draft as pages and the API show it, every value ready.

    ``reply_to`` names the author of the comment it answers (None for a new
    comment); only a published comment's author is named.
    """

    article_slug: str
    article_title: str
    body: str
    parent_id: int | None
    reply_to: str | None
    updated_at: datetime

    @property
    def excerpt(self) -> str:
        """The opening of the text as it was typed, on one line (templates escape it)."""
        return shorten(self.body, EXCERPT_LENGTH)

    @property
    def url(self) -> str:
        """Where "Continue writing" leads: the reply page, or the article's form."""
        if self.parent_id is not None:
            return paths.fill(
                paths.COMMENT_REPLY, slug=self.article_slug, comment_id=self.parent_id
            )
        return paths.fill(paths.ARTICLE, slug=self.article_slug) + "#comment-form"

    @property
    def discard_url(self) -> str:
        return paths.fill(paths.DRAFT_DISCARD, slug=self.article_slug)

    @property
    def saved_ms(self) -> int:
        """When it was saved, in the milliseconds the browser counts in: haven.js
        compares it with the copy it keeps itself."""
        return int(self.updated_at.timestamp() * 1000)


def _parent_columns(parent: Any, author: Any) -> tuple[Any, ...]:
    """What a draft shows of the comment it answers: enough to name its author."""
    return (
        parent.status.label("parent_status"),
        parent.hidden_at.label("parent_hidden_at"),
        parent.guest_name.label("parent_guest_name"),
        author.display_name.label("parent_author_name"),
    )


_parent = aliased(Comment)
_parent_author = aliased(User)

# A draft with its article and the comment it answers: three primary-key joins.
_DRAFTS = (
    select(
        Article.slug,
        Article.title,
        CommentDraft.body,
        CommentDraft.parent_id,
        CommentDraft.updated_at,
        *_parent_columns(_parent, _parent_author),
    )
    .join(Article, Article.id == CommentDraft.article_id)
    .outerjoin(_parent, _parent.id == CommentDraft.parent_id)
    .outerjoin(_parent_author, _parent_author.id == _parent.author_id)
)
# One member's draft under one article: the unique key's index finds it.
_ONE = _DRAFTS.where(
    CommentDraft.user_id == bindparam("user_id"),
    CommentDraft.article_id == bindparam("article_id"),
)
# The comment a draft answers, if it belongs to the article.
_PARENT = (
    select(Comment.id, *_parent_columns(Comment, User))
    .outerjoin(User, User.id == Comment.author_id)
    .where(
        Comment.id == bindparam("parent_id"),
        Comment.article_id == bindparam("article_id"),
    )
)


def _reply_to(row: Any) -> str | None:
    if row is None:
        return None
    if row.parent_status != CommentStatus.APPROVED or row.parent_hidden_at is not None:
        return UNSHOWN_PARENT
    return shown_name(row.parent_author_name, row.parent_guest_name)


def _draft(row: Any) -> Draft:
    return Draft(
        article_slug=row.slug,
        article_title=row.title,
        body=row.body,
        parent_id=row.parent_id,
        reply_to=_reply_to(row) if row.parent_id is not None else None,
        updated_at=row.updated_at,
    )


def _upsert(session: Session, values: dict[str, Any]) -> Insert:
    """Insert the draft, or replace the member's draft for the article in the same
    statement: two saves arriving together (autosave and a refused post) can't
    both insert."""
    kept = ("parent_id", "body", "updated_at")
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(CommentDraft).values(values)
        return pg.on_conflict_do_update(
            index_elements=[CommentDraft.user_id, CommentDraft.article_id],
            set_={name: pg.excluded[name] for name in kept},
        )
    lite = sqlite.insert(CommentDraft).values(values)
    return lite.on_conflict_do_update(
        index_elements=[CommentDraft.user_id, CommentDraft.article_id],
        set_={name: lite.excluded[name] for name in kept},
    )


def save_draft(
    session: Session, article: Article, data: DraftWrite, *, actor: User
) -> Draft | None:
    """Keep ``data`` as ``actor``'s draft under ``article``, replacing the one before.

    A blank body discards the draft instead (None). A ``parent_id`` that is not a
    comment of this article is dropped: the draft is then a new comment.
    """
    if not data.body.strip():
        delete_draft(session, article, actor=actor)
        return None
    parent = None
    if data.parent_id is not None:
        parent = session.execute(
            _PARENT, {"parent_id": data.parent_id, "article_id": article.id}
        ).one_or_none()
    now = utcnow()
    session.execute(
        _upsert(
            session,
            {
                "user_id": actor.id,
                "article_id": article.id,
                "parent_id": parent.id if parent else None,
                "body": data.body,
                "updated_at": now,
            },
        )
    )
    return Draft(
        article_slug=article.slug,
        article_title=article.title,
        body=data.body,
        parent_id=parent.id if parent else None,
        reply_to=_reply_to(parent),
        updated_at=now,
    )


def keep_unsent(
    session: Session,
    article: Article,
    *,
    body: str,
    parent_id: int | None,
    actor: User,
) -> None:
    """Keep text the site did not post (refused, or only previewed) as the draft.

    What a draft can't hold is left out (NUL characters, anything past a
    comment's length) rather than losing the rest; blank text keeps the draft
    there was, since nothing was typed to replace it.
    """
    body = body.replace("\x00", "")[:MAX_BODY]
    if body.strip():
        save_draft(
            session, article, DraftWrite(body=body, parent_id=parent_id), actor=actor
        )


def find_draft(session: Session, article: Article, *, actor: User) -> Draft | None:
    """``actor``'s draft under ``article``, in one indexed query; None if none."""
    row = session.execute(
        _ONE, {"user_id": actor.id, "article_id": article.id}
    ).one_or_none()
    return _draft(row) if row is not None else None


def get_draft(session: Session, article: Article, *, actor: User) -> Draft:
    """``actor``'s draft under ``article``. Raises NotFound."""
    draft = find_draft(session, article, actor=actor)
    if draft is None:
        raise NotFound("You have no draft under this article.")
    return draft


def delete_draft(session: Session, article: Article, *, actor: User) -> None:
    """Drop ``actor``'s draft under ``article`` (posting a comment there does too)."""
    session.execute(
        delete(CommentDraft)
        .where(CommentDraft.user_id == actor.id, CommentDraft.article_id == article.id)
        .execution_options(synchronize_session=False)
    )


def list_drafts(
    session: Session, *, actor: User, page: int, per_page: int = DRAFTS_PER_PAGE
) -> Page[Draft]:
    """``actor``'s drafts, most recently saved first, in two queries.

    Only under articles they may read: a draft under an article taken down
    waits, unlisted, until it is published again.
    """
    conditions = [
        CommentDraft.user_id == actor.id,
        *articles_service.readable_by(actor),
    ]
    total = session.scalar(
        select(func.count(CommentDraft.id))
        .join(Article, Article.id == CommentDraft.article_id)
        .where(*conditions)
    )
    statement = (
        _DRAFTS.where(*conditions)
        .order_by(CommentDraft.updated_at.desc(), CommentDraft.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    )
    items = [_draft(row) for row in session.execute(statement)]
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
