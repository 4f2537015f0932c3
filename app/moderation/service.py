"""Moderation: the queue, decisions on comments, closing threads, the audit log.

Every decision is a conditional UPDATE on the status the moderator saw, so two
moderators acting at once end with one decision and one audit row; the second
gets a Conflict ("already decided").
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.articles.models import Article
from app.comments import duplicates, standing
from app.comments.closure import closure_of
from app.comments.models import Comment, CommentStatus, FlagReason, QueueStatus
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, PermissionDenied
from app.moderation import flag_queries
from app.moderation import queue as queue_pages
from app.moderation.decisions import TRANSITIONS
from app.moderation.models import ActionKind, Decision, ModerationAction
from app.moderation.policy import is_auto_closed, load_policy
from app.moderation.schemas import BULK_LIMIT
from app.notifications import service as notifications
from app.pagination import Page, offset_for

LOG_PAGE_SIZE = 50


def ensure_moderator(actor: User | None) -> User:
    if actor is None or not actor.is_moderator:
        raise PermissionDenied("Only moderators can do that.")
    if actor.is_banned():
        raise PermissionDenied("Your account can't moderate at the moment.")
    return actor


def record(
    session: Session,
    action: ActionKind,
    *,
    actor: User | None,
    comment: Comment | None = None,
    article: Article | None = None,
    subject: User | None = None,
    reason: str | None = None,
) -> ModerationAction:
    """Write one audit-log row for a decision (actor None: the system or the operator)."""
    entry = ModerationAction(
        actor_id=actor.id if actor else None,
        action=action,
        comment_id=comment.id if comment else None,
        article_id=article.id if article else (comment.article_id if comment else None),
        subject_user_id=subject.id
        if subject
        else (comment.author_id if comment else None),
        reason=(reason or "").strip() or None,
    )
    session.add(entry)
    return entry


def expected_status(decision: Decision) -> CommentStatus:
    """What a comment is assumed to be when the moderator does not say what they saw."""
    return (
        CommentStatus.APPROVED if decision is Decision.REMOVE else CommentStatus.PENDING
    )


def decide(
    session: Session,
    comment: Comment,
    decision: Decision,
    *,
    actor: User | None,
    reason: str | None = None,
    seen: CommentStatus | None = None,
) -> Comment:
    """Approve, reject, mark as spam or remove a comment, once.

    ``seen`` is the status the moderator's page showed (pending in the queue by
    default). The change applies only if the comment still has it: when two
    moderators act on the same comment at once, the second is told it was
    already decided instead of silently overriding the first.
    """
    moderator = ensure_moderator(actor)
    transition = TRANSITIONS[decision]
    seen = seen or expected_status(decision)
    current = CommentStatus(comment.status)
    if (
        decision in (Decision.APPROVE, Decision.REJECT)
        and current == seen == CommentStatus.APPROVED
        and comment.pending_body is not None
    ):
        return _decide_edit(session, comment, decision, moderator, reason)
    if current != seen:
        if current == CommentStatus.PENDING:
            raise Conflict("This comment is waiting in the queue; decide it there.")
        raise Conflict(f"This comment was already decided: it is {current} now.")
    if seen not in transition.allowed_from:
        raise Conflict(f"A comment that is {seen} can't be given that decision.")
    # What the comment was when the UPDATE took it, read under its row lock.
    was = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == seen)
        .values(
            status=transition.to,
            decided_at=utcnow(),
            decided_by_id=moderator.id,
            decision_reason=(reason or "").strip() or None,
        )
        # The columns themselves: SQLite 3.40 answers "x IS NOT NULL" wrongly
        # inside RETURNING.
        .returning(Comment.hidden_at, Comment.pending_body, Comment.reply_count)
        .execution_options(synchronize_session="fetch")
    ).one_or_none()
    if was is None:
        raise Conflict("This comment was already decided by another moderator.")
    before = Standing(
        seen,
        hidden=was.hidden_at is not None,
        edit_waiting=was.pending_body is not None,
    )
    set_committed_value(comment, "reply_count", was.reply_count)
    taken_down = seen == CommentStatus.APPROVED
    if taken_down:
        # Taking a published comment down answers the readers who reported it,
        # and an edit of it that waited is moot.
        reports = flag_queries.resolve_open(session, comment.id, by=moderator)
        before = replace(
            before,
            reported=bool(reports),
            medical=FlagReason.MEDICAL_CLAIM in reports,
        )
        comment.hidden_at = None
        comment.pending_body = None
        comment.pending_body_html = None
    after = Standing(
        transition.to,
        hidden=before.hidden and not taken_down,
        edit_waiting=before.edit_waiting and not taken_down,
    )
    standing.record_change(session, comment, before=before, after=after)
    record(session, transition.action, actor=moderator, comment=comment, reason=reason)
    _announce(session, comment, seen, transition.to)
    session.flush()
    return comment


def _announce(
    session: Session, comment: Comment, was: CommentStatus, now: CommentStatus
) -> None:
    """Mail for a decision: its author hears that a waiting comment was
    approved or turned down, and once it is published, whoever it answers
    hears of the reply. Spam and removals are not announced."""
    if now == CommentStatus.APPROVED and was != CommentStatus.APPROVED:
        if was == CommentStatus.PENDING:
            notifications.comment_decided(session, comment, approved=True)
        parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
        notifications.comment_published(session, comment, parent)
    elif now == CommentStatus.REJECTED and was == CommentStatus.PENDING:
        notifications.comment_decided(session, comment, approved=False)


def _decide_edit(
    session: Session,
    comment: Comment,
    decision: Decision,
    moderator: User,
    reason: str | None,
) -> Comment:
    """Publish a published comment's waiting edit, or turn it down (the old text stays)."""
    approve = decision is Decision.APPROVE
    changes: dict[str, object] = {
        "pending_body": None,
        "pending_body_html": None,
        "decided_at": utcnow(),
        "decided_by_id": moderator.id,
        "decision_reason": (reason or "").strip() or None,
    }
    if approve:
        changes |= {
            "body": Comment.pending_body,
            "body_html": Comment.pending_body_html,
            "edited_at": utcnow(),
        }
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.pending_body.is_not(None))
        .values(changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This edit was already decided by another moderator.")
    session.refresh(comment)
    if approve:
        comment.body_fingerprint = duplicates.fingerprint(comment.body)
    after = Standing.of(comment)  # read after the UPDATE, which took the row lock
    standing.record_change(
        session,
        comment,
        before=replace(after, edit_waiting=True),
        after=after,
        content_changed=approve,
    )
    action = ActionKind.APPROVE_EDIT if approve else ActionKind.REJECT_EDIT
    record(session, action, actor=moderator, comment=comment, reason=reason)
    session.flush()
    return comment


def dismiss_flags(
    session: Session, comment: Comment, *, actor: User | None, reason: str | None = None
) -> Comment:
    """Keep a reported comment: its open flags are resolved and it shows again.

    A conditional UPDATE on the open flags: when two moderators act at once the
    second is told there is nothing left to dismiss.
    """
    moderator = ensure_moderator(actor)
    before = standing.lock(session, comment)
    if comment.status != CommentStatus.APPROVED:
        raise Conflict(
            f"This comment is {comment.status} now; there are no reports to dismiss."
        )
    if not flag_queries.resolve_open(session, comment.id, by=moderator):
        raise Conflict(
            "This comment has no open reports; they were already dealt with."
        )
    comment.hidden_at = None
    standing.record_change(
        session,
        comment,
        before=before,
        after=Standing.of(comment),
    )
    record(
        session,
        ActionKind.DISMISS_FLAGS,
        actor=moderator,
        comment=comment,
        reason=reason,
    )
    session.flush()
    return comment


def mark_handled(
    session: Session, comment: Comment, *, actor: User | None, reason: str | None = None
) -> Comment:
    """An urgent comment's author has been looked after: it leaves the top of
    the queue (its decision is still to take), audited."""
    moderator = ensure_moderator(actor)
    done = session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.urgent_at.is_not(None))
        .values(urgent_at=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This comment is not marked urgent; it was already handled.")
    set_committed_value(comment, "urgent_at", None)
    record(session, ActionKind.HANDLED, actor=moderator, comment=comment, reason=reason)
    session.flush()
    return comment


@dataclass(frozen=True)
class BulkResult:
    decided: list[int]
    skipped: dict[int, str]


def decide_many(
    session: Session,
    comment_ids: Sequence[int],
    decision: Decision,
    *,
    actor: User | None,
    reason: str | None = None,
    seen: CommentStatus | None = None,
) -> BulkResult:
    """Apply one decision to several comments; those that can't take it are skipped, with why."""
    ensure_moderator(actor)
    wanted = list(dict.fromkeys(comment_ids))[:BULK_LIMIT]
    comments = {
        c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(wanted)))
    }
    decided: list[int] = []
    skipped: dict[int, str] = {}
    for comment_id in wanted:
        comment = comments.get(comment_id)
        if comment is None:
            skipped[comment_id] = "There is no such comment."
            continue
        try:
            decide(session, comment, decision, actor=actor, reason=reason, seen=seen)
        except Conflict as exc:
            skipped[comment_id] = exc.message
        else:
            decided.append(comment_id)
    return BulkResult(decided=decided, skipped=skipped)


def close_thread(
    session: Session, article: Article, *, actor: User | None, reason: str | None = None
) -> Article:
    """Close an article's discussion: what is published stays, nothing new is accepted."""
    moderator = ensure_moderator(actor)
    if article.comments_closed_at is not None or is_auto_closed(
        article, load_policy(session)
    ):
        raise Conflict("This discussion is already closed.")
    article.comments_closed_at = utcnow()
    article.closed_by_id = moderator.id
    article.close_reason = (reason or "").strip() or None
    standing.bump_discussions(session, [article.id])
    action = record(
        session, ActionKind.CLOSE, actor=moderator, article=article, reason=reason
    )
    session.flush()
    # Directly affected: whoever has a published comment in the discussion.
    # Closing by age (policy.auto_close_at) is no event and sends nothing; it
    # was known from the start. Reopening sends nothing either.
    notifications.replies_turned_off(
        session,
        action,
        and_(Comment.article_id == article.id, Comment.published()),
    )
    return article


def reopen_thread(
    session: Session, article: Article, *, actor: User | None, reason: str | None = None
) -> Article:
    """Open a discussion closed by a moderator or by the policy's age limit.

    The reopening time restarts the auto-close clock (policy.auto_close_at).
    """
    moderator = ensure_moderator(actor)
    if article.comments_closed_at is None and not is_auto_closed(
        article, load_policy(session)
    ):
        raise Conflict("This discussion is already open.")
    article.comments_reopened_at = utcnow()
    article.comments_closed_at = None
    article.closed_by_id = None
    article.close_reason = None
    standing.bump_discussions(session, [article.id])
    record(session, ActionKind.REOPEN, actor=moderator, article=article, reason=reason)
    session.flush()
    return article


def set_locked(
    session: Session,
    comment: Comment,
    locked: bool,
    *,
    actor: User | None,
    reason: str | None = None,
) -> Comment:
    """Lock (no replies anywhere below) or unlock one comment's sub-thread."""
    moderator = ensure_moderator(actor)
    if comment.locked == locked:
        raise Conflict(
            "Replies to this comment are already closed."
            if locked
            else "Replies to this comment are already open."
        )
    comment.locked = locked
    standing.bump_discussions(session, [comment.article_id])
    action = record(
        session,
        ActionKind.LOCK if locked else ActionKind.UNLOCK,
        actor=moderator,
        comment=comment,
        reason=reason,
    )
    session.flush()
    if locked and _accepts_comments(session, comment.article_id):
        notifications.replies_turned_off(
            session, action, _in_sub_thread(comment) & Comment.published()
        )
    return comment


def _accepts_comments(session: Session, article_id: int) -> bool:
    """Whether replies were on before a lock: in a closed discussion a lock
    takes nothing away, so nobody hears of it."""
    article = session.get(Article, article_id)
    return article is not None and closure_of(article, load_policy(session)) is None


def _in_sub_thread(comment: Comment) -> ColumnElement[bool]:
    """The SQL test for the comments a lock on ``comment`` closes to replies:
    itself and everything below it, found by walking parent links down."""
    below = select(Comment.id).where(Comment.id == comment.id).cte(recursive=True)
    below = below.union_all(
        select(Comment.id).where(
            Comment.article_id == comment.article_id,
            Comment.parent_id == below.c.id,
        )
    )
    return Comment.id.in_(select(below.c.id))


def queue(
    session: Session,
    *,
    status: QueueStatus,
    after: int | None = None,
    before: int | None = None,
    per_page: int = queue_pages.QUEUE_PAGE_SIZE,
    actor: User | None,
) -> queue_pages.QueuePage:
    """A page of one view of the queue, oldest first (the flagged view: most
    reported first): the first page, or the one after or before a comment.
    The same few queries however long the queue (app.moderation.queue)."""
    ensure_moderator(actor)
    return queue_pages.read_queue(
        session, status=status, after=after, before=before, per_page=per_page
    )


def status_counts(session: Session) -> dict[QueueStatus, int]:
    """How many comments wait in each view of the queue (stored counters)."""
    return standing.queue_counts(session)


def attention_count(session: Session) -> int:
    """How many comments need a look (waiting, reported or hidden; stored counter)."""
    return standing.attention_count(session)


def audit_log(
    session: Session,
    *,
    page: int,
    per_page: int,
    actor: User | None,
    subject: User | None = None,
) -> Page[ModerationAction]:
    """Every recorded decision, newest first; with ``subject``, those about one person."""
    ensure_moderator(actor)
    about = [ModerationAction.subject_user_id == subject.id] if subject else []
    total = session.scalar(select(func.count(ModerationAction.id)).where(*about)) or 0
    entries = list(
        session.scalars(
            select(ModerationAction)
            .where(*about)
            .options(
                joinedload(ModerationAction.actor),
                joinedload(ModerationAction.comment),
                joinedload(ModerationAction.article),
                joinedload(ModerationAction.subject_user),
            )
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
            .offset(offset_for(page, per_page))
            .limit(per_page)
        )
    )
    return Page(items=entries, page=page, per_page=per_page, total=total)
