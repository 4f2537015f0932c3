"""`haven demo`: load Haven's own demo content into an empty site, once."""

import secrets
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments import service as comments_service
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.demo_content import (
    ARTICLES,
    AUTHOR,
    AWAITING_MODERATION,
    DISCUSSION,
    MEMBERS,
    SPASTICITY_SLUG,
    DemoUser,
)

DEMO_DOMAIN = "demo.haven.invalid"


def has_content(session: Session) -> bool:
    return bool(session.scalar(select(func.count(Article.id))))


def staff(session: Session) -> list[tuple[Role, str]]:
    """Who can sign in to run the site: (role, username), administrators first."""
    rows = session.execute(
        select(User.role, User.username)
        .where(User.role.in_([Role.ADMIN, Role.MODERATOR]))
        .order_by(User.role, User.created_at)
    )
    return [(role, username) for role, username in rows]


class SignIn(NamedTuple):
    """A staff sign-in the demo made, printed once by `haven demo`."""

    role: Role
    username: str
    password: str


def load_demo(session: Session) -> list[SignIn]:
    """Create the demo people, articles and discussion; returns the staff's
    sign-ins, the administrator first.

    Members get random passwords nobody knows: they exist to have written comments.
    """
    passwords = {
        "moderator": secrets.token_urlsafe(12),
        AUTHOR["username"]: secrets.token_urlsafe(12),
    }
    accounts_service.create_user(
        session,
        username="moderator",
        email=f"moderator@{DEMO_DOMAIN}",
        password=passwords["moderator"],
        display_name="Sam (moderator)",
        role=Role.MODERATOR,
    )
    author = _demo_user(
        session, AUTHOR, role=Role.ADMIN, password=passwords[AUTHOR["username"]]
    )
    people = {author.username: author}
    for member in MEMBERS:
        people[member["username"]] = _demo_user(session, member, role=Role.MEMBER)

    now = utcnow()
    articles: dict[str, Article] = {}
    for item in ARTICLES:
        articles[item["slug"]] = articles_service.create_article(
            session,
            ArticleCreate(
                title=item["title"],
                slug=item["slug"],
                summary=item["summary"],
                body=item["body"],
                status=ArticleStatus.PUBLISHED,
                tags=item["tags"],
            ),
            actor=author,
            published_at=now - timedelta(days=item["days_ago"]),
        )

    article = articles[SPASTICITY_SLUG]
    assert article.published_at is not None
    stored: dict[str, Comment] = {}
    published = [(entry, CommentStatus.APPROVED) for entry in DISCUSSION]
    waiting = [(entry, CommentStatus.PENDING) for entry in AWAITING_MODERATION]
    for entry, status in sorted(
        published + waiting, key=lambda pair: pair[0]["hours_after"]
    ):
        stored[entry["key"]] = comments_service.store_comment(
            session,
            article,
            body=entry["body"],
            author=people[entry["author"]],
            parent=stored[entry["parent"]] if entry["parent"] else None,
            status=status,
            created_at=min(
                article.published_at + timedelta(hours=entry["hours_after"]), now
            ),
        )
    return [
        SignIn(Role.ADMIN, author.username, passwords[AUTHOR["username"]]),
        SignIn(Role.MODERATOR, "moderator", passwords["moderator"]),
    ]


def _demo_user(
    session: Session, person: DemoUser, *, role: Role, password: str | None = None
) -> User:
    return accounts_service.create_user(
        session,
        username=person["username"],
        email=f"{person['username']}@{DEMO_DOMAIN}",
        password=password or secrets.token_urlsafe(24),
        display_name=person["display_name"],
        role=role,
        bio=person["bio"],
    )
