"""Moderator insights (issue #19): what happened in the last N days, by day.

Six reads, each of the chosen days only (or of the queue) and each from an
index: comments posted per day, decisions per day from the audit log, the
comments still waiting and those decided in the window (for the queue's size,
its oldest item and the time to a decision), reports by reason, and the
busiest discussions.
"""

import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.db import utcnow
from app.errors import Invalid
from app.moderation.insights_figures import Busy, Day, Insights
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.service import ensure_moderator

MAX_DAYS = 365
BUSIEST = 10
DECISIONS = (ActionKind.APPROVE, ActionKind.REJECT, ActionKind.SPAM)


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp, grouped by in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def stats(session: Session, *, days: int, actor: User | None) -> Insights:
    """The moderation figures of the last ``days`` days (today included); moderators only."""
    ensure_moderator(actor)
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"Choose a number of days from 1 to {MAX_DAYS}.")
    now = utcnow()
    first = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first, time(), UTC)
    dates = [first + timedelta(days=i) for i in range(days)]

    posted_day = _day(session, Comment.created_at)
    posted = {
        _as_date(d): n
        for d, n in session.execute(
            select(posted_day, func.count())
            .where(Comment.created_at >= start)
            .group_by(posted_day)
        )
    }
    action_day = _day(session, ModerationAction.created_at)
    decided: dict[tuple[date, str], int] = {
        (_as_date(d), str(a)): n
        for d, a, n in session.execute(
            select(action_day, ModerationAction.action, func.count())
            .where(
                ModerationAction.created_at >= start,
                ModerationAction.action.in_(DECISIONS),
            )
            .group_by(action_day, ModerationAction.action)
        )
    }
    # Held comments (a moderator or the spam rule decided them, or they still
    # wait): when each came and when it was decided. Auto-approved comments
    # have no decided_at, so they never count as waiting; a waiting comment has
    # none either (a resubmission clears it). Two reads, each from an index
    # alone: the waiting ones by status, the decided ones by decided_at.
    held: list[tuple[datetime, datetime | None]] = [
        (created, None)
        for created in session.scalars(
            select(Comment.created_at).where(Comment.status == CommentStatus.PENDING)
        )
    ]
    held += session.execute(
        select(Comment.created_at, Comment.decided_at).where(
            Comment.decided_at >= start
        )
    ).all()
    queue = _queue_by_day(held, dates, now)
    reasons = dict.fromkeys((str(r) for r in FlagReason), 0)
    reasons.update(
        (str(r), n)
        for r, n in session.execute(
            select(Flag.reason, func.count())
            .where(Flag.created_at >= start)
            .group_by(Flag.reason)
        )
    )
    count = func.count().label("comments")
    # Grouped by an expression, not the bare column: else SQLite reads all of
    # ix_comment_article_created for its order instead of only the window.
    article_id = (Comment.article_id + literal_column("0")).label("article_id")
    busy = (
        select(article_id, count)
        .where(Comment.created_at >= start)
        .group_by(article_id)
        .order_by(count.desc(), article_id)
        .limit(BUSIEST)
        .subquery()
    )
    busiest = [
        Busy(slug=slug, title=title, comments=n)
        for slug, title, n in session.execute(
            select(Article.slug, Article.title, busy.c.comments)
            .join(busy, busy.c.article_id == Article.id)
            .order_by(busy.c.comments.desc(), Article.id)
        )
    ]
    return Insights(
        days=[
            Day(
                date=d,
                posted=posted.get(d, 0),
                approved=decided.get((d, ActionKind.APPROVE), 0),
                rejected=decided.get((d, ActionKind.REJECT), 0),
                spam=decided.get((d, ActionKind.SPAM), 0),
                pending_end=queue[d][0],
                oldest_pending_hours=queue[d][1],
                median_decision_minutes=queue[d][2],
            )
            for d in dates
        ],
        reports_by_reason=reasons,
        busiest=busiest,
    )


def _queue_by_day(
    held: Sequence[tuple[datetime, datetime | None]],
    dates: list[date],
    now: datetime,
) -> dict[date, tuple[int, float | None, float | None]]:
    """For each day: comments waiting at its end (or now, for today), the oldest's
    age in hours, and the median minutes from posting to decision of those
    decided that day. One sweep over the held comments, O(n log n)."""
    waits: dict[date, list[float]] = defaultdict(list)
    for created, decided in held:
        if decided is not None:
            waits[decided.date()].append((decided - created).total_seconds() / 60)
    arrivals = sorted(held, key=lambda item: item[0])
    created_times = [c for c, _ in arrivals]
    departures = sorted(d for _, d in held if d is not None)
    waiting: list[tuple[datetime, float]] = []  # (created, decided timestamp or inf)
    taken = 0
    result: dict[date, tuple[int, float | None, float | None]] = {}
    for day in dates:
        end = min(datetime.combine(day + timedelta(days=1), time(), UTC), now)
        arrived = bisect_left(created_times, end)
        for created, decided in arrivals[taken:arrived]:
            heapq.heappush(
                waiting, (created, decided.timestamp() if decided else float("inf"))
            )
        taken = arrived
        while waiting and waiting[0][1] < end.timestamp():
            heapq.heappop(waiting)
        size = arrived - bisect_left(departures, end)
        oldest = (
            round((end - waiting[0][0]).total_seconds() / 3600, 1) if waiting else None
        )
        times = waits.get(day)
        result[day] = (
            size,
            oldest,
            round(median(times), 1) if times else None,
        )
    return result
