"""In-memoriam profiles (issue #19): at a family's request an administrator
marks a member who has died. Their comments stay as they are; nobody can sign
in as them (password, tokens, sessions, reset links) and no mail goes to or
about them (app.notifications.compose). Audited, and reversible by admins."""

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import revoke_sessions
from app.db import utcnow
from app.errors import Conflict, PermissionDenied
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind


def _ensure_may_mark(user: User, *, actor: User | None) -> User:
    """Administrators only, never on themselves or on a deleted account."""
    if actor is None or not actor.administers:
        raise PermissionDenied("Only administrators can mark a profile in memoriam.")
    if user.id == actor.id:
        raise Conflict("You can't mark your own profile in memoriam.")
    if user.is_deleted:
        raise Conflict("This account was deleted; there is no profile to keep.")
    return actor


def refusal(user: User, *, actor: User | None) -> str | None:
    """Why ``actor`` may not mark (or unmark) ``user``; None if they may."""
    try:
        _ensure_may_mark(user, actor=actor)
    except (PermissionDenied, Conflict) as exc:
        return exc.message
    return None


def mark(session: Session, user: User, *, note: str | None, actor: User | None) -> User:
    """Mark ``user`` in memoriam with an optional note; their sessions end now."""
    admin = _ensure_may_mark(user, actor=actor)
    if user.in_memoriam:
        raise Conflict(f"{user.display_name}'s profile is already in memoriam.")
    user.memorial_at = utcnow()
    user.memorial_note = (note or "").strip() or None
    revoke_sessions(session, user)
    moderation_service.record(
        session, ActionKind.MEMORIAL, actor=admin, subject=user, reason=note
    )
    session.flush()
    return user


def unmark(session: Session, user: User, *, actor: User | None) -> User:
    """Take the in-memoriam mark off (a mistake, or the family's wish)."""
    admin = _ensure_may_mark(user, actor=actor)
    if not user.in_memoriam:
        raise Conflict(f"{user.display_name}'s profile is not in memoriam.")
    user.memorial_at = None
    user.memorial_note = None
    moderation_service.record(session, ActionKind.UNMEMORIAL, actor=admin, subject=user)
    session.flush()
    return user
