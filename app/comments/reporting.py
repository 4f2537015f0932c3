"""Readers reporting a published comment to the moderators.

Any signed-in member who is not banned may flag a published comment once, never
their own. When a comment's open flags reach the policy's ``flag_threshold`` it
is hidden from readers (its author and the moderators still see it) until a
moderator keeps it (dismissing the flags) or removes it.
"""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.comments import service as comments_service
from app.comments import standing
from app.comments.models import (
    Comment,
    CommentFacts,
    CommentStatus,
    Flag,
    FlagReason,
)
from app.comments.schemas import FlagCreate
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, DomainError, NotAuthenticated, PermissionDenied
from app.moderation import flag_queries, rules
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind
from app.moderation.policy import load_policy

ALREADY_FLAGGED = "You have already reported this comment; a moderator will look at it."


def flag_target(
    session: Session,
    comment_id: int,
    *,
    actor: User | None,
    guest_comment_ids: Collection[int] = (),
) -> Comment:
    """The comment ``actor`` may report, or the domain error saying why not.

    NotFound where the reader can't see it at all (a pending comment of someone
    else, an unpublished article); 403 for a guest, a banned member or one's own
    comment; 409 for a comment that is not published, already hidden, or
    already reported by this reader.
    """
    if actor is None:
        raise NotAuthenticated("Please sign in to report a comment.")
    accounts_service.ensure_can_participate(actor)
    comment = comments_service.get_visible_comment(
        session, comment_id, viewer=actor, guest_comment_ids=guest_comment_ids
    )
    refusal = report_refusal(comment, actor=actor)
    if refusal is not None:
        raise refusal
    if _already_flagged(session, comment, actor):
        raise Conflict(ALREADY_FLAGGED)
    return comment


def report_refusal(comment: CommentFacts, *, actor: User | None) -> DomainError | None:
    """Why ``actor`` can't report ``comment``, or None if they can.

    Discussion pages offer the Report link by this rule (to guests too: the
    link asks them to sign in first).
    """
    if actor is None:
        return NotAuthenticated("Please sign in to report a comment.")
    banned = accounts_service.ban_message(actor)
    if banned is not None:
        return PermissionDenied(banned)
    if comment.author_id == actor.id:
        return PermissionDenied("You can't report your own comment.")
    if comment.status != CommentStatus.APPROVED:
        return Conflict("Only published comments can be reported.")
    if comment.hidden_at is not None:
        return Conflict("This comment is already hidden while moderators review it.")
    return None


def _already_flagged(session: Session, comment: Comment, reporter: User) -> bool:
    return (
        session.scalar(
            select(Flag.id).where(
                Flag.comment_id == comment.id, Flag.reporter_id == reporter.id
            )
        )
        is not None
    )


def _written_by_staff(session: Session, comment: Comment) -> bool:
    """Reports never hide a moderator's or an administrator's comment: a
    moderator looks at them in the queue instead."""
    if comment.author_id is None:
        return False
    author = session.get(User, comment.author_id)
    return author is not None and author.is_moderator


def flag_comment(
    session: Session, comment_id: int, data: FlagCreate, *, actor: User | None
) -> Flag:
    """Record one reader's report; when the reports of trusted members reach the
    policy's threshold the comment is hidden (never a moderator's).

    The hiding is audited as the system's action. The comment row is locked
    first (on PostgreSQL) so that reports arriving together are counted together.
    """
    comment = flag_target(session, comment_id, actor=actor)
    assert actor is not None  # flag_target refused guests
    # Re-read under the lock: a report that arrived meanwhile may have hidden it.
    standing.lock(session, comment)
    policy = load_policy(session)
    flag = Flag(
        comment=comment,
        reporter=actor,
        reason=data.reason,
        note=data.note,
        snapshot_body=comment.body,
        snapshot_html=comment.body_html,
        counts=rules.is_trusted(session, actor, policy),
    )
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        raise Conflict(ALREADY_FLAGGED) from None
    # The open flags, this one included.
    count, medical, counting = flag_queries.count_open(session, comment.id)
    medical_before = medical - (data.reason is FlagReason.MEDICAL_CLAIM)
    before = Standing.of(comment, reported=count > 1, medical=medical_before > 0)
    if (
        counting >= policy.flag_threshold
        and comment.hidden_at is None
        and not _written_by_staff(session, comment)
    ):
        comment.hidden_at = utcnow()
        moderation_service.record(
            session,
            ActionKind.HIDE,
            actor=None,
            comment=comment,
            reason=f"Hidden after {counting} reports by trusted members.",
        )
    standing.record_change(
        session,
        comment,
        before=before,
        after=Standing.of(comment, reported=True, medical=medical > 0),
    )
    session.flush()
    return flag
