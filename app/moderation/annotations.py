"""What moderators add to a comment instead of taking it down: an editor's note
under a misleading medical claim, and a content note that folds it away.

Both change what readers see, so both bump the discussion's version through
app.comments.standing, and both are audited like any decision.
"""

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments import standing
from app.comments.models import Comment, CommentStatus, FlagReason
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict
from app.moderation import flag_queries
from app.moderation.models import ActionKind
from app.moderation.policy import load_policy, pick
from app.moderation.schemas import EditorNoteIn
from app.moderation.service import ensure_moderator, record


def set_editor_note(
    session: Session, comment: Comment, data: EditorNoteIn, *, actor: User | None
) -> Comment:
    """Add or replace the editor's note under a published comment.

    The note answers the comment's open reports of a medical claim, so it
    leaves the queue's medical view; reports for other reasons stay open. A
    comment hidden by reports shows again once none is left open.
    """
    moderator = ensure_moderator(actor)
    before = standing.lock(session, comment)
    if comment.status != CommentStatus.APPROVED:
        raise Conflict(
            f"This comment is {comment.status}; only a published comment "
            "can carry an editor's note."
        )
    replaced = comment.editor_note is not None
    comment.editor_note = data.text
    comment.editor_note_url = data.url
    comment.editor_note_at = utcnow()
    comment.editor_note_by_id = moderator.id
    flag_queries.resolve_open(
        session, comment.id, by=moderator, reason=FlagReason.MEDICAL_CLAIM
    )
    still_reported = (
        before.reported and flag_queries.count_open(session, comment.id).total > 0
    )
    if comment.hidden_at is not None and not still_reported:
        comment.hidden_at = None
    standing.record_change(
        session,
        comment,
        before=before,
        after=Standing.of(comment, reported=still_reported),
        content_changed=True,
    )
    record(
        session,
        ActionKind.EDITOR_NOTE,
        actor=moderator,
        comment=comment,
        reason=("Replaced: " if replaced else "")
        + data.text
        + (f" ({data.url})" if data.url else ""),
    )
    session.flush()
    return comment


def remove_editor_note(
    session: Session, comment: Comment, *, actor: User | None
) -> Comment:
    """Take the editor's note off a comment (audited with the text it had)."""
    moderator = ensure_moderator(actor)
    standing.lock(session, comment)
    if comment.editor_note is None:
        raise Conflict("This comment has no editor's note; it was already removed.")
    text = comment.editor_note
    comment.editor_note = None
    comment.editor_note_url = None
    comment.editor_note_at = None
    comment.editor_note_by_id = None
    _bump_if_shown(session, comment)
    record(
        session,
        ActionKind.REMOVE_EDITOR_NOTE,
        actor=moderator,
        comment=comment,
        reason=f"Removed: {text}",
    )
    session.flush()
    return comment


def set_content_note(
    session: Session, comment: Comment, note: str | None, *, actor: User | None
) -> Comment:
    """Put a content note from the site's list on a comment, change it, or
    take it off (``note`` None); audited when it changes."""
    moderator = ensure_moderator(actor)
    chosen = pick(
        note,
        load_policy(session).content_notes,
        field="content_note",
        what="content note",
    )
    standing.lock(session, comment)
    if chosen == comment.content_note:
        return comment
    was = comment.content_note
    comment.content_note = chosen
    _bump_if_shown(session, comment)
    record(
        session,
        ActionKind.CONTENT_NOTE,
        actor=moderator,
        comment=comment,
        reason=f"Content note: {chosen}"
        if chosen is not None
        else f"Content note removed (was: {was})",
    )
    session.flush()
    return comment


def _bump_if_shown(session: Session, comment: Comment) -> None:
    if Standing.of(comment).face is not None:
        standing.bump_discussions(session, [comment.article_id])
