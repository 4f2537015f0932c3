"""Changing a comment after it was posted: edits, resubmissions and deletions.

Every change keeps the previous text as a CommentRevision. An author edits their
own comment within the policy's edit window; moderators edit any comment at any
time (audited). An edit of a published comment by an author who still needs
review waits as ``pending_body`` while the published text stays visible; the
moderation queue shows it and approving it publishes the new text. A rejected
comment can be revised and resubmitted: it goes back to the queue with its
history. Nothing is hard-deleted: an author's deletion leaves a placeholder
while replies hang from it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.comments import duplicates, standing
from app.comments import service as comments_service
from app.comments.models import (
    Comment,
    CommentFacts,
    CommentRevision,
    CommentStatus,
)
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied
from app.markup import Profile, render_markdown
from app.moderation import rules
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind
from app.moderation.policy import Policy, load_policy

_EDITABLE = (CommentStatus.PENDING, CommentStatus.APPROVED, CommentStatus.REJECTED)
# A comment's history shows this many of its newest earlier versions.
REVISIONS_SHOWN = 100


def edit_deadline(comment: CommentFacts, policy: Policy) -> datetime:
    return comment.created_at + timedelta(hours=policy.edit_window_hours)


def edit_refusal(
    comment: CommentFacts,
    *,
    actor: User | None,
    policy: Policy,
    now: datetime | None = None,
) -> str | None:
    """Why ``actor`` may not edit ``comment`` now, or None if they may."""
    if actor is None:
        return "Please sign in to change your comment."
    banned = accounts_service.ban_message(actor, now)
    if banned is not None:
        return banned
    if comment.status not in _EDITABLE:
        return "This comment can no longer be changed."
    if actor.is_moderator:
        return None
    if comment.author_id != actor.id:
        return "You can only change your own comments."
    if comment.status == CommentStatus.REJECTED:
        return None  # revise and resubmit: the moderator asked for a change
    if (now or utcnow()) > edit_deadline(comment, policy):
        hours = policy.edit_window_hours
        return f"Comments can be changed for {hours} hours after posting; this one can't be any more."
    return None


def comment_to_edit(
    session: Session, comment_id: int, *, actor: User, policy: Policy
) -> tuple[Comment, str | None]:
    """The comment for an edit page and why it can't be edited now, if so.

    Only its author and moderators learn that it exists: anyone else gets NotFound.
    """
    comment = comments_service.get_comment(session, comment_id)
    refusal = edit_refusal(comment, actor=actor, policy=policy)
    if refusal and comment.author_id != actor.id and not actor.is_moderator:
        raise NotFound("There is no such comment.")
    return comment, refusal


def edit_comment(
    session: Session,
    comment: Comment,
    body: str,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> Comment:
    """Change a comment's text, keeping the old one as a revision.

    The policy's rules judge every author's edit as they judge a new comment: a
    published comment's edit waits (the old text stays) unless its author is
    trusted and no rule holds it; a resubmitted rejected comment always goes
    back to the queue. A moderator's edit applies at once and is audited.
    """
    before = standing.lock(session, comment)
    policy = load_policy(session)
    refusal = edit_refusal(comment, actor=actor, policy=policy, now=now)
    if refusal is not None:
        raise PermissionDenied(refusal)
    assert actor is not None
    if body == (comment.pending_body or comment.body):
        raise Conflict("That is the text the comment already has.", field="body")
    now = now or utcnow()
    html = render_markdown(body, Profile.COMMENT)
    session.add(
        CommentRevision(comment_id=comment.id, editor_id=actor.id, body=comment.body)
    )
    replaced = True
    if actor.is_moderator:
        _replace(comment, body, html, now)
        if comment.author_id != actor.id:
            moderation_service.record(
                session, ActionKind.EDIT, actor=actor, comment=comment
            )
    else:
        replaced = _author_edit(
            session, comment, body, html, actor=actor, policy=policy, now=now
        )
    standing.record_change(
        session,
        comment,
        before=before,
        after=Standing.of(comment),
        content_changed=replaced,
    )
    session.flush()
    return comment


def _author_edit(
    session: Session,
    comment: Comment,
    body: str,
    html: str,
    *,
    actor: User,
    policy: Policy,
    now: datetime,
) -> bool:
    """An author's edit, judged like a new comment; whether the text was replaced
    (False: it waits as the pending edit of a published comment)."""
    verdict = rules.screen(body, html, policy)
    held = verdict.status_hint is not None
    status = CommentStatus(comment.status)
    if status == CommentStatus.APPROVED and (
        held or not rules.is_trusted(session, actor, policy, now)
    ):
        comment.pending_body = body
        comment.pending_body_html = html
        comment.held_reason = verdict.reason
        return False
    _replace(comment, body, html, now)
    if status == CommentStatus.REJECTED:
        comment.status = CommentStatus.PENDING
        comment.decided_at = None
        comment.decided_by_id = None
        moderation_service.record(
            session, ActionKind.RESUBMIT, actor=actor, comment=comment
        )
    if verdict.status_hint is CommentStatus.SPAM:
        comment.status = CommentStatus.SPAM
        rules.apply_verdict(session, comment, verdict)
    else:
        comment.held_reason = verdict.reason
    return True


def _replace(comment: Comment, body: str, html: str, now: datetime) -> None:
    comment.body = body
    comment.body_html = html
    comment.body_fingerprint = duplicates.fingerprint(body)
    comment.pending_body = None
    comment.pending_body_html = None
    comment.edited_at = now


def delete_comment(
    session: Session, comment: Comment, *, actor: User | None
) -> Comment:
    """An author takes back their own comment (a placeholder if it has replies)."""
    if actor is None or comment.author_id != actor.id:
        raise PermissionDenied("You can only delete your own comments.")
    if comment.status in (CommentStatus.DELETED, CommentStatus.REMOVED):
        raise Conflict("This comment is already gone.")
    before = standing.lock(session, comment)
    comment.status = CommentStatus.DELETED
    comment.pending_body = None
    comment.pending_body_html = None
    standing.record_change(
        session,
        comment,
        before=before,
        after=Standing.of(comment),
    )
    moderation_service.record(session, ActionKind.DELETE, actor=actor, comment=comment)
    session.flush()
    return comment


@dataclass(frozen=True)
class History:
    """A comment and its earlier versions, newest first (at most REVISIONS_SHOWN)."""

    comment: Comment
    revisions: list[CommentRevision]
    # More earlier versions exist than are listed.
    truncated: bool


def revision_history(
    session: Session, comment_id: int, *, actor: User | None
) -> History:
    """A comment's earlier versions, for its author and moderators only.

    Someone who may not see the comment at all is told there is none (404);
    someone who may see it but did not write it is refused (403).
    """
    comment = comments_service.get_visible_comment(session, comment_id, viewer=actor)
    if actor is None or not (actor.moderates or comment.author_id == actor.id):
        raise PermissionDenied(
            "Only the comment's author and moderators can read its earlier versions."
        )
    revisions = list(
        session.scalars(
            select(CommentRevision)
            .options(joinedload(CommentRevision.editor))
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.created_at.desc(), CommentRevision.id.desc())
            .limit(REVISIONS_SHOWN + 1)
        )
    )
    return History(
        comment=comment,
        revisions=revisions[:REVISIONS_SHOWN],
        truncated=len(revisions) > REVISIONS_SHOWN,
    )
