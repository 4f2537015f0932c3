"""Members-only comments set by moderators (issue #19).

A comment's author chooses its visibility when posting
(app.comments.service.visibility_of); a moderator can change it afterwards, for
example to take a member's account of their diagnosis out of public view. The
change alters what readers see, so it bumps the discussion's version, and it is
audited like any decision.
"""

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Visibility
from app.comments import standing
from app.comments.models import Comment
from app.errors import Conflict
from app.moderation.models import ActionKind
from app.moderation.service import ensure_moderator, record


def set_visibility(
    session: Session, comment: Comment, visibility: Visibility, *, actor: User | None
) -> Comment:
    """Make a comment members only, or public again (moderators only; audited).
    Asking for the visibility it already has is a Conflict."""
    moderator = ensure_moderator(actor)
    standing.lock(session, comment)
    if comment.visibility == visibility:
        raise Conflict(f"This comment is already {_described(visibility)}.")
    comment.visibility = visibility
    standing.bump_discussions(session, [comment.article_id])
    record(
        session,
        ActionKind.SET_VISIBILITY,
        actor=moderator,
        comment=comment,
        reason=f"Made {_described(visibility)}",
    )
    session.flush()
    return comment


def _described(visibility: Visibility) -> str:
    return "members only" if visibility == Visibility.MEMBERS else "public"
