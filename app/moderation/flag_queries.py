"""Readers' open flags, as the moderation queue reads and resolves them.

Plain queries with no rule of their own: the moderation service (the queue's
"flagged" view, dismissing, removing) and the reporting service both use them,
so this module imports neither.
"""

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, UnaryExpression, func, select, update
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import User
from app.comments.models import Comment, Flag, FlagReason
from app.db import utcnow

OPEN = Flag.resolved_at.is_(None)


def has_open_flags(reason: FlagReason | None = None) -> ColumnElement[bool]:
    """True for a comment that readers reported (for ``reason``, or any) and no
    moderator has looked at yet."""
    reported = select(Flag.comment_id).where(OPEN)
    if reason is not None:
        reported = reported.where(Flag.reason == reason)
    return Comment.id.in_(reported)


def flagged_order() -> list[UnaryExpression[object]]:
    """Most-reported first; among equals, the one reported longest ago."""
    mine = (Flag.comment_id == Comment.id, OPEN)
    return [
        select(func.count(Flag.id)).where(*mine).scalar_subquery().desc(),
        select(func.min(Flag.created_at)).where(*mine).scalar_subquery().asc(),
        Comment.id.asc(),
    ]


def open_flags(session: Session, comment_ids: Sequence[int]) -> dict[int, list[Flag]]:
    """The open flags of these comments with their reporters, oldest first (one query)."""
    if not comment_ids:
        return {}
    found: dict[int, list[Flag]] = {}
    for flag in session.scalars(
        select(Flag)
        .options(joinedload(Flag.reporter))
        .where(Flag.comment_id.in_(comment_ids), OPEN)
        .order_by(Flag.created_at, Flag.id)
    ):
        found.setdefault(flag.comment_id, []).append(flag)
    return found


class OpenCounts(NamedTuple):
    """A comment's open flags: all, those reporting a medical claim, and those
    that count towards hiding it (made by trusted members)."""

    total: int
    medical: int
    counting: int


def count_open(session: Session, comment_id: int) -> OpenCounts:
    total, medical, counting = session.execute(
        select(
            func.count(Flag.id),
            func.count(Flag.id).filter(Flag.reason == FlagReason.MEDICAL_CLAIM),
            func.count(Flag.id).filter(Flag.counts.is_(True)),
        ).where(Flag.comment_id == comment_id, OPEN)
    ).one()
    return OpenCounts(int(total), int(medical), int(counting))


def resolve_open(
    session: Session,
    comment_id: int,
    *,
    by: User,
    reason: FlagReason | None = None,
) -> list[FlagReason]:
    """Mark a comment's open flags (of one ``reason``, or all) as resolved by
    ``by``; the reasons of those there were.

    A conditional UPDATE: of two moderators resolving at once, one resolves them.
    """
    conditions = [Flag.comment_id == comment_id, OPEN]
    if reason is not None:
        conditions.append(Flag.reason == reason)
    resolved = session.scalars(
        update(Flag)
        .where(*conditions)
        .values(resolved_at=utcnow(), resolved_by_id=by.id)
        .returning(Flag.reason)
    )
    return [FlagReason(value) for value in resolved]
