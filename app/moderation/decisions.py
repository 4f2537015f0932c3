"""The decisions moderators take on a comment, and from which statuses each may
be taken: one table for the service that applies them and the pages that offer
them."""

from dataclasses import dataclass

from app.comments.models import CommentStatus
from app.moderation.models import ActionKind, Decision


@dataclass(frozen=True)
class Transition:
    to: CommentStatus
    allowed_from: frozenset[CommentStatus]
    action: ActionKind


TRANSITIONS = {
    Decision.APPROVE: Transition(
        CommentStatus.APPROVED,
        frozenset({CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED}),
        ActionKind.APPROVE,
    ),
    Decision.REJECT: Transition(
        CommentStatus.REJECTED,
        frozenset({CommentStatus.PENDING, CommentStatus.SPAM}),
        ActionKind.REJECT,
    ),
    Decision.SPAM: Transition(
        CommentStatus.SPAM,
        frozenset(
            {CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.APPROVED}
        ),
        ActionKind.SPAM,
    ),
    Decision.REMOVE: Transition(
        CommentStatus.REMOVED, frozenset({CommentStatus.APPROVED}), ActionKind.REMOVE
    ),
}

# What the queue offers for a comment waiting in it (removing is for published ones).
_QUEUE_DECISIONS = (Decision.APPROVE, Decision.REJECT, Decision.SPAM)


def view_decisions(view: str) -> list[Decision]:
    """What a bulk action offers in a view of the queue: the decisions its
    comments' status allows (none for reported comments, answered one by one)."""
    if view not in set(CommentStatus):
        return []
    status = CommentStatus(view)
    return [d for d in _QUEUE_DECISIONS if status in TRANSITIONS[d].allowed_from]


def queue_decisions(status: CommentStatus, *, edit_waits: bool) -> list[Decision]:
    """The decisions a comment waiting in the queue can take now. A published
    comment's waiting edit is approved or rejected (the text), or the whole
    comment marked as spam."""
    if status == CommentStatus.APPROVED and edit_waits:
        return list(_QUEUE_DECISIONS)
    return [d for d in _QUEUE_DECISIONS if status in TRANSITIONS[d].allowed_from]
