"""What is new to a member: when they last read a discussion, and what was
published in it since.

A visit is a run of page views of an article less than SAME_VISIT apart. The
page marks what others published since the visit before (app.comments.thread
marks the nodes; this module finds how many there are and the first), so the
marks stay while the member reads and reloads, and are gone next time. The
visit is written at most once a REFRESH.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, or_, select, update
from sqlalchemy.orm import Session

from app import dates, paths
from app.accounts.models import User
from app.comments.models import ArticleVisit, Comment
from app.db import utcnow

# Page views less than this apart are one visit.
SAME_VISIT = timedelta(minutes=30)
# A visit going on is written again after this long.
REFRESH = timedelta(minutes=1)
# Past this many new comments a page says "more than".
COUNTED = 500


def record_visit(session: Session, user: User, article_id: int) -> datetime | None:
    """Note that ``user`` reads the discussion now; when their visit before
    this one ended (None if there was none)."""
    now = utcnow()
    visit = session.get(ArticleVisit, (user.id, article_id))
    if visit is None:
        session.add(ArticleVisit(user_id=user.id, article_id=article_id, seen_at=now))
        return None
    last_seen, previous = visit.seen_at, visit.previous_at
    if now - last_seen >= SAME_VISIT:
        previous = last_seen  # a new visit: the one going on is the one before
    if now - last_seen >= REFRESH:
        # Conditional: of two tabs opened at once, one moves the visit.
        session.execute(
            update(ArticleVisit)
            .where(
                ArticleVisit.user_id == user.id,
                ArticleVisit.article_id == article_id,
                ArticleVisit.seen_at == last_seen,
            )
            .values(seen_at=now, previous_at=previous)
            .execution_options(synchronize_session=False)
        )
    return previous


@dataclass(frozen=True)
class News:
    """Comments published in a discussion since a member's last visit."""

    since: datetime
    count: int
    # The first of them: its permalink finds its page.
    first_url: str

    @property
    def count_text(self) -> str:
        if self.count >= COUNTED:
            return f"More than {COUNTED - 1} new comments"
        return f"{self.count} new comment{'' if self.count == 1 else 's'}"

    @property
    def since_text(self) -> str:
        return dates.date_and_time(self.since)


_NEW = (
    select(Comment.id)
    .where(
        Comment.article_id == bindparam("article_id"),
        Comment.created_at > bindparam("since"),
        Comment.published(),
        or_(Comment.author_id.is_(None), Comment.author_id != bindparam("user_id")),
    )
    .order_by(Comment.created_at, Comment.id)
    .limit(bindparam("limit", type_=Integer))
)


def news_since(
    session: Session, user: User, article_id: int, since: datetime
) -> News | None:
    """What others published in the discussion after ``since`` (one query
    through ix_comment_article_created, reading at most COUNTED rows)."""
    ids = session.scalars(
        _NEW,
        {
            "article_id": article_id,
            "since": since,
            "user_id": user.id,
            "limit": COUNTED,
        },
    ).all()
    if not ids:
        return None
    return News(
        since=since,
        count=len(ids),
        first_url=paths.fill(paths.COMMENT, comment_id=ids[0]),
    )
