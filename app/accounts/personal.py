"""A member's personal data: the export of it, and deleting their account (#17).

The export holds every row that is the member's (their account, comments in
every status with their earlier versions, reports, sessions, drafts, visits,
mail to them, the audit rows about them) and nothing of anyone else's: no other
person's name or address, not who reported their comments nor which moderator
decided, and not moderators' private notes about them (``NOT_INCLUDED``).

Deleting an account keeps the user row as an emptied tombstone, renamed
``former-<id>``: the audit log keeps its rows and the id stands for the person
("Former member #<id>"). Their comments keep their place with the text gone,
as a comment its author deleted does (replies stay under the placeholder);
sessions, drafts, visits, reports, mail to them and notes about them go. Every
count, the search index and each discussion's cached version change with it,
through app.comments.standing, in the request's one transaction.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from secrets import token_hex

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import AuthSession, Role, User, UserNote
from app.accounts.schemas import (
    ExportedAccount,
    ExportedAction,
    ExportedArticle,
    ExportedComment,
    ExportedDraft,
    ExportedMail,
    ExportedReport,
    ExportedRevision,
    ExportedSession,
    ExportedVisit,
    PersonalData,
)
from app.articles.models import Article
from app.comments import standing
from app.comments.models import (
    ArticleVisit,
    Comment,
    CommentDraft,
    CommentRevision,
    CommentStatus,
    Flag,
    TextClaim,
)
from app.comments.profile import reads_reason
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, NotAuthenticated, PermissionDenied
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, ModerationAction
from app.notifications.models import Outbox, OutboxStatus, Suppression
from app.ratelimit import RateLimiter
from app.security import hash_password, new_token, verify_password

NOT_INCLUDED = [
    "Your password, which is stored only as a one-way hash, and the tokens of "
    "your sessions, stored the same way.",
    "Who reported your comments, and which moderator decided on them: those "
    "are other people's actions. The reasons moderators gave you are included.",
    "Moderators' private notes about members.",
    "The text of mail sent to you: you received it, and some of it quotes "
    "other people's writing. Each mail's kind, subject and dates are included.",
]
WRONG_PASSWORD = "That password is not right, so your account was not deleted."  # noqa: S105
LAST_ADMIN = (
    "You are the site's last administrator. Make someone else an administrator "
    "before you delete your account."
)
TOO_MANY_TRIES = "Too many wrong passwords. Please wait and try again."


def former_name(user_id: int) -> str:
    """The username a deleted account leaves behind (sign-ups can't take it)."""
    return f"former-{user_id}"


def former_display_name(user_id: int) -> str:
    """What the audit log and old bylines show for a deleted account."""
    return f"Former member #{user_id}"


def export_headers(user: User, now: datetime) -> dict[str, str]:
    """The download's headers, the same from the page and the API: a file
    named for the member and the day, kept by no cache."""
    username = re.sub(r"[^A-Za-z0-9_-]", "_", user.username)
    return {
        "Content-Disposition": (
            f'attachment; filename="haven-{username}-{now:%Y-%m-%d}.json"'
        ),
        "Cache-Control": "no-store",
    }


# The export ------------------------------------------------------------------


def export_data(
    session: Session, *, actor: User | None, current: AuthSession | None = None
) -> PersonalData:
    """Everything Haven holds about ``actor``, for ``actor`` alone (banned
    members too: it is their data); each export is audited."""
    if actor is None:
        raise NotAuthenticated("Please sign in to download your data.")
    if actor.is_deleted:
        raise Conflict("This account was deleted.")
    data = PersonalData(
        exported_at=utcnow(),
        account=_account(session, actor),
        comments=_comments(session, actor),
        reports=_reports(session, actor),
        sessions=[
            ExportedSession(
                kind=row.kind,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
                user_agent=row.user_agent,
                current=current is not None and row.id == current.id,
            )
            for row in session.scalars(
                select(AuthSession)
                .where(AuthSession.user_id == actor.id)
                .order_by(AuthSession.created_at, AuthSession.id)
            )
        ],
        drafts=[
            ExportedDraft(
                article_slug=slug,
                parent_id=draft.parent_id,
                body=draft.body,
                updated_at=draft.updated_at,
            )
            for draft, slug in session.execute(
                select(CommentDraft, Article.slug)
                .join(Article, Article.id == CommentDraft.article_id)
                .where(CommentDraft.user_id == actor.id)
                .order_by(CommentDraft.updated_at, CommentDraft.id)
            )
        ],
        visits=[
            ExportedVisit(
                article_slug=slug, seen_at=visit.seen_at, previous_at=visit.previous_at
            )
            for visit, slug in session.execute(
                select(ArticleVisit, Article.slug)
                .join(Article, Article.id == ArticleVisit.article_id)
                .where(ArticleVisit.user_id == actor.id)
                .order_by(ArticleVisit.seen_at)
            )
        ],
        mail=[
            ExportedMail(
                kind=mail.kind,
                status=mail.status,
                subject=mail.subject,
                created_at=mail.created_at,
                sent_at=mail.sent_at,
            )
            for mail in session.scalars(
                select(Outbox)
                .where(Outbox.user_id == actor.id)
                .order_by(Outbox.created_at, Outbox.id)
            )
        ],
        audit_log=_actions(session, actor),
        articles=[
            ExportedArticle.model_validate(article, from_attributes=True)
            for article in session.scalars(
                select(Article)
                .where(Article.author_id == actor.id)
                .order_by(Article.created_at, Article.id)
            )
        ],
        not_included=NOT_INCLUDED,
    )
    moderation_service.record(
        session, ActionKind.EXPORT_DATA, actor=actor, subject=actor
    )
    session.flush()
    return data


def _account(session: Session, user: User) -> ExportedAccount:
    suppressed = session.scalar(
        select(Suppression.reason).where(Suppression.email_key == user.email_key)
    )
    return ExportedAccount(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        email_verified_at=user.email_verified_at,
        pending_email=user.pending_email,
        role=user.role,
        badge=user.badge,
        bio=user.bio,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        guidelines_seen_at=user.guidelines_seen_at,
        notify_replies=user.notify_replies,
        notify_decisions=user.notify_decisions,
        notify_digest=user.notify_digest,
        shown_content_notes=list(user.shown_content_notes),
        banned_at=user.banned_at,
        banned_until=user.banned_until,
        ban_reason=user.ban_reason,
        mail_suppressed=suppressed,
    )


def _comments(session: Session, user: User) -> list[ExportedComment]:
    """Every comment of ``user``, oldest first, each with its earlier texts (two queries)."""
    rows = session.execute(
        select(Comment, Article.slug, Article.title)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.author_id == user.id)
        .order_by(Comment.created_at, Comment.id)
    )
    revisions: dict[int, list[ExportedRevision]] = {}
    for revision in session.scalars(
        select(CommentRevision)
        .join(Comment, Comment.id == CommentRevision.comment_id)
        .where(Comment.author_id == user.id)
        .order_by(CommentRevision.created_at, CommentRevision.id)
    ):
        revisions.setdefault(revision.comment_id, []).append(
            ExportedRevision(
                body=revision.body,
                created_at=revision.created_at,
                edited_by_you=revision.editor_id == user.id,
            )
        )
    return [
        ExportedComment(
            id=comment.id,
            article_slug=slug,
            article_title=title,
            parent_id=comment.parent_id,
            status=comment.status,
            hidden_by_reports=comment.hidden_at is not None,
            body=comment.body,
            pending_body=comment.pending_body,
            content_note=comment.content_note,
            editor_note=comment.editor_note,
            editor_note_url=comment.editor_note_url,
            decision_reason=comment.decision_reason
            if reads_reason(comment.status, comment.author_id, user)
            else None,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            decided_at=comment.decided_at,
            revisions=revisions.get(comment.id, []),
        )
        for comment, slug, title in rows
    ]


def _reports(session: Session, user: User) -> list[ExportedReport]:
    rows = session.execute(
        select(Flag, Article.slug)
        .join(Comment, Comment.id == Flag.comment_id)
        .join(Article, Article.id == Comment.article_id)
        .where(Flag.reporter_id == user.id)
        .order_by(Flag.created_at, Flag.id)
    )
    return [
        ExportedReport(
            comment_id=flag.comment_id,
            article_slug=slug,
            reason=flag.reason,
            note=flag.note,
            created_at=flag.created_at,
            resolved_at=flag.resolved_at,
        )
        for flag, slug in rows
    ]


def _actions(session: Session, user: User) -> list[ExportedAction]:
    """Audit rows about ``user`` or by them; a row by them about someone else
    says what and when, not about whom or why."""
    rows = session.execute(
        select(ModerationAction, Article.slug)
        .outerjoin(Article, Article.id == ModerationAction.article_id)
        .where(
            (ModerationAction.subject_user_id == user.id)
            | (ModerationAction.actor_id == user.id)
        )
        .order_by(ModerationAction.created_at, ModerationAction.id)
    )
    return [
        ExportedAction(
            action=entry.action,
            created_at=entry.created_at,
            comment_id=entry.comment_id,
            article_slug=slug,
            by_you=entry.actor_id == user.id,
            about_you=entry.subject_user_id == user.id,
            reason=entry.reason if entry.subject_user_id == user.id else None,
        )
        for entry, slug in rows
    ]


# Deleting an account ----------------------------------------------------------


@dataclass(frozen=True)
class PasswordAttempts:
    """Where wrong passwords are counted: the sign-in limits, per account and
    per address, so a borrowed session can't guess faster than a sign-in form."""

    limiter: RateLimiter
    limits: accounts_service.LoginLimits
    client_ip: str

    def check(self, user: User, password: str) -> None:
        """Raise PermissionDenied for a wrong password; a right one gives its try back."""
        buckets = (
            self.limits.account.on(accounts_service.username_key(user.username)),
            self.limits.ip.on(self.client_ip),
        )
        self.limiter.take(*buckets, message=TOO_MANY_TRIES)
        valid, _ = verify_password(password, user.password_hash)
        if not valid:
            raise PermissionDenied(WRONG_PASSWORD)
        self.limiter.give_back(*buckets)


def deletion_refusal(session: Session, *, actor: User) -> str | None:
    """Why ``actor`` may not delete their account now, or None: only the
    last administrator may not (a banned member may: it is their data)."""
    if actor.is_deleted:
        return "This account was deleted."
    if actor.role != Role.ADMIN:
        return None
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.id != actor.id, User.deleted_at.is_(None)
        )
    )
    return None if others else LAST_ADMIN


def delete_account(
    session: Session,
    password: str,
    *,
    actor: User | None,
    attempts: PasswordAttempts | None = None,
) -> None:
    """Delete ``actor``'s own account once their password is typed again.

    Checked by the sign-in limits when ``attempts`` is given (the faces give
    it). All in the caller's transaction: a failure leaves everything as it
    was. Audited with the member as actor, under the id that stays.
    """
    if actor is None:
        raise NotAuthenticated("Please sign in to delete your account.")
    refusal = deletion_refusal(session, actor=actor)
    if refusal is not None:
        raise Conflict(refusal)
    if attempts is not None:
        attempts.check(actor, password)
    elif not verify_password(password, actor.password_hash)[0]:
        raise PermissionDenied(WRONG_PASSWORD)
    # Every discussion that shows their name: read before their comments go.
    standing.bump_author(session, actor.id)
    _empty_comments(session, actor)
    _withdraw_reports(session, actor)
    accounts_service.revoke_sessions(session, actor)
    mine = select(Comment.id).where(Comment.author_id == actor.id)
    for statement in (
        delete(CommentDraft).where(CommentDraft.user_id == actor.id),
        delete(ArticleVisit).where(ArticleVisit.user_id == actor.id),
        delete(UserNote).where(UserNote.user_id == actor.id),
        delete(TextClaim).where(TextClaim.scope == f"user:{actor.id}"),
        delete(Suppression).where(Suppression.email_key == actor.email_key),
        delete(Outbox).where(Outbox.user_id == actor.id),
        # Notices of their replies still waiting would announce nothing now.
        delete(Outbox).where(
            Outbox.comment_id.in_(mine), Outbox.status == OutboxStatus.WAITING
        ),
        # Those sent keep that they were sent, not the text they quoted.
        update(Outbox).where(Outbox.comment_id.in_(mine)).values(body=None),
    ):
        session.execute(statement.execution_options(synchronize_session=False))
    _empty_user(actor, _free_former_name(session, actor))
    moderation_service.record(
        session, ActionKind.DELETE_ACCOUNT, actor=actor, subject=actor
    )
    session.flush()


def _empty_comments(session: Session, user: User) -> None:
    """Each comment of ``user`` loses its text and becomes one its author
    deleted (a removed one stays removed); earlier versions lose theirs."""
    comments = list(
        session.scalars(
            select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
        )
    )
    for comment in comments:
        before = standing.lock(session, comment)
        if comment.status != CommentStatus.REMOVED:
            comment.status = CommentStatus.DELETED
        comment.body = comment.body_html = ""
        comment.body_fingerprint = None
        comment.pending_body = comment.pending_body_html = None
        comment.content_note = None
        comment.urgent_at = None
        comment.editor_note = comment.editor_note_url = None
        comment.editor_note_at = None
        comment.editor_note_by_id = None
        standing.record_change(
            session,
            comment,
            before=before,
            after=Standing.of(comment),
            content_changed=True,
        )
    session.execute(
        update(CommentRevision)
        .where(
            CommentRevision.comment_id.in_(
                select(Comment.id).where(Comment.author_id == user.id)
            )
        )
        .values(body="")
        .execution_options(synchronize_session=False)
    )


def _withdraw_reports(session: Session, user: User) -> None:
    """Drop every report ``user`` made. An open one leaves its comment's
    queue views as the remaining reports say; a comment hidden by reports
    shows again when no open report is left (nothing remains for moderators
    to look at), and stays hidden while others wait."""
    flags = list(
        session.scalars(
            select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.id)
        )
    )
    for flag in flags:
        comment = session.get(Comment, flag.comment_id)
        assert comment is not None  # the flag's foreign key
        was_open = flag.resolved_at is None
        before = standing.lock(session, comment) if was_open else None
        session.execute(delete(Flag).where(Flag.id == flag.id))
        if before is None:
            continue
        reported, medical = standing.open_reports(session, comment)
        if comment.hidden_at is not None and not reported:
            comment.hidden_at = None
        standing.record_change(
            session,
            comment,
            before=before,
            after=Standing.of(comment, reported=reported, medical=medical),
        )


def _free_former_name(session: Session, user: User) -> str:
    """``former-<id>``, unless an account older than that rule holds it."""
    name = former_name(user.id)
    holder = accounts_service.find_user(session, name)
    return name if holder is None or holder.id == user.id else f"{name}-{token_hex(3)}"


def _empty_user(user: User, username: str) -> None:
    """The tombstone: no name, address, password, profile or choices left."""
    user.username = username
    user.username_key = accounts_service.username_key(user.username)
    user.display_name = former_display_name(user.id)
    user.email = ""
    # No address has no "@": this key can never be someone's.
    user.email_key = user.username_key
    user.email_verified_at = None
    user.pending_email = None
    # A hash of a secret nobody keeps: no password opens it.
    user.password_hash = hash_password(new_token())
    user.role = Role.MEMBER
    user.bio = user.bio_html = ""
    user.badge = None
    user.shown_content_notes = []
    user.notify_replies = user.notify_decisions = user.notify_digest = False
    user.guidelines_seen_at = None
    user.digest_sent_at = None
    user.last_login_at = None
    user.ban_reason = None
    user.deleted_at = utcnow()
