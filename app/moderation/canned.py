"""Canned rejection reasons: ready-made texts moderators pick when rejecting.

Admins add, change, reorder and delete them beside the other site settings;
moderators read them in the queue's reject form. Every change is audited.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import NotFound
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, CannedReason
from app.moderation.policy import ensure_admin
from app.moderation.schemas import CannedReasonIn, CannedReasonUpdate


def list_canned_reasons(session: Session, *, actor: User | None) -> list[CannedReason]:
    """Every canned reason in the order admins gave them (moderators only)."""
    moderation_service.ensure_moderator(actor)
    return list(
        session.scalars(
            select(CannedReason).order_by(CannedReason.position, CannedReason.id)
        )
    )


def get_canned_reason(session: Session, reason_id: int) -> CannedReason:
    """One canned reason. Raises NotFound."""
    reason = session.get(CannedReason, reason_id)
    if reason is None:
        raise NotFound("There is no such canned reason.")
    return reason


def create_canned_reason(
    session: Session, data: CannedReasonIn, *, actor: User | None
) -> CannedReason:
    """Add a canned reason (admins), last in the list unless a position is given."""
    admin = ensure_admin(actor)
    position = data.position
    if position is None:
        last = session.scalar(select(func.max(CannedReason.position)))
        position = (last or 0) + 1
    reason = CannedReason(label=data.label, body=data.body, position=position)
    session.add(reason)
    session.flush()
    moderation_service.record(
        session, ActionKind.ADD_CANNED_REASON, actor=admin, reason=data.label
    )
    return reason


def update_canned_reason(
    session: Session,
    reason: CannedReason,
    data: CannedReasonUpdate,
    *,
    actor: User | None,
) -> CannedReason:
    """Change a canned reason's label, text or place in the list (admins)."""
    admin = ensure_admin(actor)
    for key, value in data.model_dump(exclude_none=True).items():
        setattr(reason, key, value)
    moderation_service.record(
        session, ActionKind.EDIT_CANNED_REASON, actor=admin, reason=reason.label
    )
    session.flush()
    return reason


def delete_canned_reason(
    session: Session, reason: CannedReason, *, actor: User | None
) -> None:
    """Remove a canned reason (admins); decisions that used its text keep it."""
    admin = ensure_admin(actor)
    moderation_service.record(
        session, ActionKind.DELETE_CANNED_REASON, actor=admin, reason=reason.label
    )
    session.delete(reason)
    session.flush()
