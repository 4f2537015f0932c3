"""What deserves a mail, recorded as an outbox row in the caller's transaction.

Services call these at the moment something happens (a reply is published, a
comment decided, a reset asked for); nothing is sent before the transaction
commits, and a rolled-back action leaves no row. The worker writes and sends
the message later (app.notifications.worker). The functions taking a token
carry out what a mailed link asks for.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import Role, User
from app.comments.models import Comment
from app.db import utcnow
from app.errors import Invalid
from app.moderation.models import ModerationAction
from app.notifications.models import MailKind, Outbox, Suppression
from app.notifications.tokens import Purpose, Signer


class Choice(StrEnum):
    """The kinds of mail a person can turn off, each with its own unsubscribe link."""

    REPLIES = "replies"
    DECISIONS = "decisions"
    DIGEST = "digest"


CHOICE_OF: dict[MailKind, Choice] = {
    MailKind.REPLY: Choice.REPLIES,
    MailKind.APPROVED: Choice.DECISIONS,
    MailKind.REJECTED: Choice.DECISIONS,
    MailKind.DIGEST: Choice.DIGEST,
    # News about replies to your comments: that there will be none for now.
    MailKind.REPLIES_CLOSED: Choice.REPLIES,
}
_USER_COLUMN = {
    Choice.REPLIES: "notify_replies",
    Choice.DECISIONS: "notify_decisions",
    Choice.DIGEST: "notify_digest",
}


def email_key(address: str) -> str:
    return address.strip().casefold()


def queue_mail(
    session: Session,
    kind: MailKind,
    *,
    user_id: int | None = None,
    comment_id: int | None = None,
    to_address: str | None = None,
    sign_up_id: int | None = None,
) -> None:
    """One mail to send once the caller's transaction commits."""
    session.add(
        Outbox(
            kind=kind,
            user_id=user_id,
            comment_id=comment_id,
            to_address=to_address,
            sign_up_id=sign_up_id,
        )
    )


class CommentAuthor(Protocol):
    """What says who wrote a comment: a loaded Comment, or a row of its columns."""

    @property
    def author_id(self) -> int | None: ...
    @property
    def guest_email(self) -> str | None: ...
    @property
    def guest_notify(self) -> bool: ...
    @property
    def guest_confirmed_at(self) -> datetime | None: ...


class Recipient(NamedTuple):
    """A member (user_id), or a guest's confirmed address (address, key)."""

    user_id: int | None
    address: str | None = None

    @property
    def key(self) -> int | str:
        return (
            self.user_id if self.user_id is not None else email_key(self.address or "")
        )


def hears_about(comment: CommentAuthor) -> Recipient | None:
    """Who may hear about a comment they wrote (a reply to it, replies closed
    under it): its member, or a guest who asked for replies and confirmed the
    address. The member's own choices are read when the mail is written."""
    if comment.author_id is not None:
        return Recipient(comment.author_id)
    if (
        comment.guest_email
        and comment.guest_notify
        and comment.guest_confirmed_at is not None
    ):
        return Recipient(None, comment.guest_email)
    return None


def comment_published(
    session: Session, comment: Comment, parent: Comment | None
) -> None:
    """A reply became visible to readers: its parent's author hears of it, unless
    they wrote it themselves. A guest hears only after confirming the address."""
    recipient = hears_about(parent) if parent is not None else None
    if recipient is None:
        return
    if recipient.user_id is not None:
        if recipient.user_id != comment.author_id:
            queue_mail(
                session,
                MailKind.REPLY,
                user_id=recipient.user_id,
                comment_id=comment.id,
            )
    elif recipient.key != email_key(comment.guest_email or ""):
        queue_mail(
            session,
            MailKind.REPLY,
            comment_id=comment.id,
            to_address=recipient.address,
        )


def replies_turned_off(
    session: Session, action: ModerationAction, affected: ColumnElement[bool]
) -> int:
    """A moderator closed a discussion or locked a sub-thread: each author of an
    ``affected`` comment hears once, whatever the number of their comments; the
    moderator does not. Two statements, whatever the number of authors.

    Rows are written as reply notices are, for whoever ``hears_about`` names:
    when the mail is written, members who turned reply mail off, whose address
    is unconfirmed, who are banned, deleted or in memoriam are skipped, as is
    everyone once replies are open again. Returns the number of rows written."""
    # One row per way of signing a comment, not per comment.
    signed = (
        Comment.author_id,
        Comment.guest_email,
        Comment.guest_notify,
        Comment.guest_confirmed_at,
    )
    authors = session.execute(
        select(func.min(Comment.id).label("id"), *signed)
        .where(affected)
        .group_by(*signed)
        .order_by("id")
    ).all()
    rows: dict[int | str, dict[str, object]] = {}
    for author in authors:
        recipient = hears_about(author)
        if recipient is None or recipient.key in rows:
            continue
        if recipient.user_id is not None and recipient.user_id == action.actor_id:
            continue
        rows[recipient.key] = {
            "kind": MailKind.REPLIES_CLOSED,
            "user_id": recipient.user_id,
            "to_address": recipient.address,
            # A guest's comment: whether they still want mail is read from it.
            "comment_id": author.id if recipient.user_id is None else None,
            "moderation_action_id": action.id,
        }
    if rows:
        session.execute(insert(Outbox), list(rows.values()))
    return len(rows)


def comment_decided(session: Session, comment: Comment, *, approved: bool) -> None:
    """A member's comment left the queue: approved, or rejected (with the reason)."""
    if comment.author_id is None:
        return
    queue_mail(
        session,
        MailKind.APPROVED if approved else MailKind.REJECTED,
        user_id=comment.author_id,
        comment_id=comment.id,
    )


def urgent_comment(session: Session, comment: Comment) -> None:
    """A comment may come from someone in crisis: every moderator hears at once."""
    moderators = session.scalars(
        select(User.id).where(User.role == Role.MODERATOR, User.banned_at.is_(None))
    ).all()
    for user_id in moderators:
        queue_mail(session, MailKind.URGENT, user_id=user_id, comment_id=comment.id)


def guest_asked_for_replies(session: Session, comment: Comment) -> None:
    """A guest ticked "email me replies": first, a link to confirm the address."""
    if comment.guest_email and comment.guest_notify:
        queue_mail(
            session,
            MailKind.CONFIRM_GUEST,
            comment_id=comment.id,
            to_address=comment.guest_email,
        )


def address_needs_confirmation(session: Session, user: User) -> None:
    """Send a member a link that confirms their (new) address."""
    user.email_verified_at = None
    queue_mail(session, MailKind.CONFIRM_EMAIL, user_id=user.id)


def confirm_address(session: Session, signer: Signer, token: str) -> User:
    """Mark a member's address confirmed, if the link was made for the address
    they have now. Raises Invalid for a bad, old or outdated link."""
    payload = signer.load(Purpose.CONFIRM_EMAIL, token)
    user = session.get(User, payload.get("u"))
    if (
        user is not None
        and user.pending_email is not None
        and email_key(user.pending_email) == payload.get("e")
    ):
        _move_to_pending_address(session, user)
        return user
    if user is None or user.email_key != payload.get("e"):
        raise Invalid(
            "This link was made for an address the account no longer uses. "
            "Please ask for a new one from your settings."
        )
    if user.email_verified_at is None:
        mark_confirmed(session, user)
    return user


def pending_address_is_free(session: Session, user: User) -> bool:
    """Whether no other account has the address ``user`` asked to move to."""
    return user.pending_email is not None and (
        session.scalar(
            select(User.id).where(
                User.email_key == email_key(user.pending_email), User.id != user.id
            )
        )
        is None
    )


def _move_to_pending_address(session: Session, user: User) -> None:
    if not pending_address_is_free(session, user):
        raise Invalid(
            "That address belongs to another account now, so yours keeps its "
            "address. Please choose another from your settings."
        )
    user.email = user.pending_email or user.email
    user.email_key = email_key(user.email)
    user.pending_email = None
    session.flush()
    mark_confirmed(session, user)


def mark_confirmed(session: Session, user: User) -> None:
    """The owner of the address showed they read it: mail may go to it again."""
    user.email_verified_at = utcnow()
    session.execute(delete(Suppression).where(Suppression.email_key == user.email_key))


def confirm_guest(session: Session, signer: Signer, token: str) -> Comment:
    """A guest confirmed their address: replies to their comment will reach them."""
    payload = signer.load(Purpose.CONFIRM_GUEST, token)
    comment = session.scalars(
        select(Comment)
        .options(joinedload(Comment.article))
        .where(Comment.id == payload.get("c"))
    ).one_or_none()
    if (
        comment is None
        or comment.guest_email is None
        or email_key(comment.guest_email) != payload.get("e")
    ):
        raise Invalid("This link is not valid any more.")
    if comment.guest_confirmed_at is None:
        comment.guest_confirmed_at = utcnow()
        comment.guest_notify = True
    return comment


def unsubscribe_token(
    signer: Signer,
    choice: Choice,
    *,
    user_id: int | None = None,
    guest_address: str | None = None,
) -> str:
    """The token of a one-click unsubscribe link, for a member or a guest's address."""
    payload: dict[str, object] = {"k": str(choice)}
    if user_id is not None:
        payload["u"] = user_id
    else:
        payload["g"] = email_key(guest_address or "")
    return signer.sign(Purpose.UNSUBSCRIBE, payload)


def describe_unsubscribe(signer: Signer, token: str) -> Choice:
    """Which kind of mail a link stops (Invalid when it is not ours)."""
    return _unsubscribe_payload(signer, token)[0]


def _unsubscribe_payload(signer: Signer, token: str) -> tuple[Choice, dict[str, Any]]:
    payload = signer.load(Purpose.UNSUBSCRIBE, token)
    try:
        return Choice(str(payload.get("k"))), payload
    except ValueError:
        raise Invalid("This link is not valid.") from None


def unsubscribe(session: Session, signer: Signer, token: str) -> Choice:
    """Turn off one kind of mail for whoever the link was sent to; no sign-in
    needed, and doing it twice is harmless."""
    choice, payload = _unsubscribe_payload(signer, token)
    if "u" in payload:
        session.execute(
            update(User)
            .where(User.id == payload["u"])
            .values({_USER_COLUMN[choice]: False})
        )
    elif "g" in payload and choice is Choice.REPLIES:
        session.execute(
            update(Comment)
            .where(
                func.lower(Comment.guest_email) == payload["g"],
                Comment.author_id.is_(None),
            )
            .values(guest_notify=False)
            .execution_options(synchronize_session=False)
        )
    else:
        raise Invalid("This link is not valid.")
    return choice
