"""Plain functions that build test data through Haven's services."""

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments import service as comments_service
from app.comments import standing, thread
from app.comments.models import Comment, CommentStatus, place_under
from app.db import utcnow
from app.markup import render_markdown
from app.moderation.models import CannedReason
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate

_counter = itertools.count(1)
TEST_PASSWORD = "correct horse battery staple"


def make_user(
    session: Session,
    *,
    role: Role = Role.MEMBER,
    username: str | None = None,
    display_name: str | None = None,
    bio: str = "",
) -> User:
    name = username or f"user{next(_counter)}"
    return accounts_service.create_user(
        session,
        username=name,
        email=f"{name}@example.org",
        password=TEST_PASSWORD,
        display_name=display_name,
        role=role,
        bio=bio,
    )


def make_trusted_member(session: Session) -> User:
    """A member the default policy trusts: one approved comment, nothing
    refused (their reports count towards hiding a comment)."""
    member = make_user(session)
    article = make_article(session, title=f"Where {member.username} wrote")
    make_comment(session, article, author=member)
    return member


def make_admin(session: Session) -> User:
    return make_user(session, role=Role.ADMIN)


def make_article(
    session: Session,
    *,
    title: str | None = None,
    author: User | None = None,
    status: ArticleStatus = ArticleStatus.PUBLISHED,
    tags: list[str] | None = None,
    body: str = "Some **body** text.",
    summary: str = "A short summary.",
    published_at: datetime | None = None,
) -> Article:
    return articles_service.create_article(
        session,
        ArticleCreate(
            title=title or f"Article {next(_counter)}",
            summary=summary,
            body=body,
            status=status,
            tags=tags or [],
        ),
        actor=author or make_admin(session),
        published_at=published_at,
    )


def make_comment(
    session: Session,
    article: Article,
    *,
    author: User | None = None,
    parent: Comment | None = None,
    status: CommentStatus = CommentStatus.APPROVED,
    body: str | None = None,
    created_at: datetime | None = None,
) -> Comment:
    return comments_service.store_comment(
        session,
        article,
        body=body or f"Comment number {next(_counter)}",
        author=author,
        guest_name=None if author else "A guest",
        parent=parent,
        status=status,
        created_at=created_at,
    )


def make_thread(
    session: Session,
    article: Article,
    *,
    top_level: int,
    replies_each: int,
    author: User,
) -> list[Comment]:
    """top_level comments, each with a chain of replies_each nested replies."""
    start = utcnow() - timedelta(days=1)
    made: list[Comment] = []
    tick = itertools.count()
    for _ in range(top_level):
        parent = make_comment(
            session,
            article,
            author=author,
            created_at=start + timedelta(seconds=next(tick)),
        )
        made.append(parent)
        for _ in range(replies_each):
            parent = make_comment(
                session,
                article,
                author=author,
                parent=parent,
                created_at=start + timedelta(seconds=next(tick)),
            )
            made.append(parent)
    return made


def make_bulk_thread(
    session: Session, article: Article, *, count: int, authors: list[User]
) -> list[Comment]:
    """``count`` approved comments over three levels, inserted in a few batches.

    Every third comment starts a tree; the others answer an earlier comment one
    or two levels up. Bodies are rendered once: the shape, not the text, matters.
    """
    html = render_markdown("A *shared* experience.")
    start = utcnow() - timedelta(days=2)

    def new(i: int, parent: Comment | None) -> Comment:
        return Comment(
            article_id=article.id,
            **place_under(parent)._asdict(),
            author=authors[i % len(authors)],
            body="A *shared* experience.",
            body_html=html,
            status=CommentStatus.APPROVED,
            created_at=start + timedelta(seconds=i),
        )

    tops = [new(i, None) for i in range(0, count, 3)]
    session.add_all(tops)
    session.flush()
    for top in tops:
        top.root_id = top.id
    replies = [new(i, tops[(i // 3) % len(tops)]) for i in range(1, count, 3)]
    session.add_all(replies)
    session.flush()
    deeper = [new(i, replies[(i // 3) % len(replies)]) for i in range(2, count, 3)]
    session.add_all(deeper)
    session.flush()
    standing.recount(session)  # the rows went in without the services
    return [*tops, *replies, *deeper]


def read_thread(
    session: Session,
    article: Article,
    *,
    viewer: User | None = None,
    guest_ids: tuple[int, ...] = (),
    page: int = 1,
    per_page: int = thread.TOP_LEVEL_PER_PAGE,
) -> thread.ThreadPage:
    """A page of the discussion as ``viewer`` reads it, through the read service."""
    session.flush()
    discussion = thread.find_discussion(session, article.slug, viewer=viewer)
    return thread.thread_page(
        session,
        discussion,
        page=page,
        viewer=thread.Viewer.of(viewer, guest_ids),
        per_page=per_page,
    )


def route_targets(session: Session, *, decision: str) -> dict[str, str]:
    """Path parameters naming real things (an article, its comment by another
    member, a canned reason), for tests that call every route."""
    target = make_user(session, username="matrix_target")
    article = make_article(session, status=ArticleStatus.PUBLISHED, tags=["Matrix"])
    comment = make_comment(session, article, author=target)
    canned_reason = CannedReason(label="Off topic", body="Please stay on topic.")
    session.add(canned_reason)
    session.flush()
    return {
        "{slug}": article.slug,
        "{article_slug}": article.slug,
        "{username}": target.username,
        "{comment_id}": str(comment.id),
        "{decision}": decision,
        "{reason_id}": str(canned_reason.id),
        "{token}": "not-a-real-token",
        "{table}": "daily",
    }


def allow_api_guests(session: Session) -> None:
    """An admin lets guests post through the JSON API (off by default)."""
    update_policy(
        session, PolicyUpdate(allow_api_guests=True), actor=make_admin(session)
    )
    session.info.clear()
