"""Writing a mail from an outbox row, at the moment it is sent.

It reads what is true now: the recipient's address and choices, whether the
comment is still published. When there is nothing to say any more (the person
turned that mail off, their address is unconfirmed, the reply was taken down)
it says why, and the row is skipped instead of sent.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app import paths
from app.accounts.models import PendingSignUp, Role, User
from app.articles.models import Article, Visibility
from app.comments import standing
from app.comments.models import Comment, CommentStatus, QueueStatus
from app.config import TEMPLATES_DIR, Settings
from app.db import utcnow
from app.markup import html_excerpt
from app.moderation.models import ActionKind, ModerationAction
from app.notifications import service
from app.notifications.models import MailKind, Outbox, Suppression
from app.notifications.tokens import Purpose, Signer, password_fingerprint

# Mail that people asked for by acting (a reset, a confirmation) has no
# unsubscribe link; notifications do.
# Said instead of quoting a members-only reply (issue #19).
MEMBERS_ONLY_EXCERPT = "This reply is for members only: sign in to read it."

SUBJECTS = {
    MailKind.REPLY: "{name} replied to you on “{title}”",
    MailKind.APPROVED: "Your comment on “{title}” is published",
    MailKind.REJECTED: "Your comment on “{title}” was not published",
    MailKind.DIGEST: "{count} waiting for moderation on {site}",
    MailKind.URGENT: "Urgent: a comment on “{title}” may need care now",
    MailKind.PASSWORD_RESET: "Reset your {site} password",
    MailKind.CONFIRM_EMAIL: "Confirm your email address for {site}",
    MailKind.CONFIRM_GUEST: "Confirm you want replies from {site}",
    MailKind.ACCOUNT_EXISTS: "Someone tried to use your address on {site}",
    MailKind.CONFIRM_SIGN_UP: "Confirm your email address to join {site}",
    MailKind.REPLIES_CLOSED: "Replies are closed on “{title}”",
}


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None = None
    # It holds a link that acts for its reader (a reset, a confirmation):
    # the outbox keeps no copy of the text.
    secret: bool = False


@dataclass(frozen=True)
class Skip:
    reason: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "email"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class Composer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = Signer(settings.secret_key)
        self.url = settings.absolute_url

    def compose(self, session: Session, row: Outbox) -> Letter | Skip:
        kind = MailKind(row.kind)
        user = session.get(User, row.user_id) if row.user_id is not None else None
        if row.user_id is not None and user is None:
            return Skip("the account no longer exists")
        if user is not None and user.in_memoriam:
            return Skip("the member is remembered in memoriam")
        outcome = self._write(session, row, kind, user)
        if isinstance(outcome, Skip):
            return outcome
        suppressed = session.get(Suppression, service.email_key(outcome.to))
        if suppressed is not None:
            return Skip(f"the address refused mail: {suppressed.reason}")
        return outcome

    def _write(
        self, session: Session, row: Outbox, kind: MailKind, user: User | None
    ) -> Letter | Skip:
        """Each kind: the checks that still have to hold, then the words."""
        if kind is MailKind.REPLY:
            return self._reply(session, row, user)
        if kind is MailKind.CONFIRM_GUEST:
            return self._confirm_guest(session, row)
        if kind is MailKind.CONFIRM_SIGN_UP:
            return self._confirm_sign_up(session, row)
        if kind is MailKind.REPLIES_CLOSED:
            return self._replies_closed(session, row, user)
        if user is None:
            return Skip(f"{kind} mail needs an account")
        if kind in (MailKind.APPROVED, MailKind.REJECTED):
            return self._decision(session, row, user, kind)
        if kind is MailKind.DIGEST:
            return self._digest(session, user)
        if kind is MailKind.URGENT:
            return self._urgent(session, row, user)
        if kind is MailKind.PASSWORD_RESET:
            return self._password_reset(user)
        if kind is MailKind.ACCOUNT_EXISTS:
            return self._account_exists(user)
        return self._confirm_email(session, user)

    def _member_notice(self, user: User, kind: MailKind) -> Skip | None:
        """Why a member gets no notice of this kind now, or None."""
        choice = service.CHOICE_OF[kind]
        if user.email_verified_at is None:
            return Skip("the address is not confirmed")
        if not getattr(user, f"notify_{choice}"):
            return Skip(f"{choice} mail is turned off")
        if user.is_banned() and kind is not MailKind.REPLY:
            return Skip("the account is banned")
        return None

    def _notice(
        self,
        row: Outbox,
        kind: MailKind,
        member: User | None,
        guest_comment: Comment | None,
        **values: object,
    ) -> Letter | Skip:
        """A notice about comments, to the member while their choices allow
        it, or to the guest who wrote ``guest_comment`` while they still want
        replies; each with the link that turns this kind of mail off."""
        choice = service.CHOICE_OF[kind]
        if member is not None:
            refused = self._member_notice(member, kind)
            if refused is not None:
                return refused
            return self._render(
                kind,
                member.email,
                service.unsubscribe_token(self.signer, choice, user_id=member.id),
                False,
                {"name": member.display_name, **values},
            )
        if (
            guest_comment is None
            or not guest_comment.guest_notify
            or not row.to_address
        ):
            return Skip("the guest no longer wants replies")
        return self._render(
            kind,
            row.to_address,
            service.unsubscribe_token(
                self.signer, choice, guest_address=row.to_address
            ),
            False,
            {"name": guest_comment.guest_name or "there", **values},
        )

    def _reply(self, session: Session, row: Outbox, user: User | None) -> Letter | Skip:
        reply = self._comment(session, row)
        if reply is None or reply.status != CommentStatus.APPROVED or reply.hidden_at:
            return Skip("the reply is no longer published")
        if reply.author is not None and reply.author.in_memoriam:
            return Skip("no mail about a member remembered in memoriam")
        if not reply.article.is_published:
            return Skip("the article is no longer published")
        parent = session.get(Comment, reply.parent_id) if user is None else None
        return self._notice(
            row,
            MailKind.REPLY,
            user,
            parent,
            replier=reply.author_name,
            title=reply.article.title,
            # A members-only reply is not quoted: mail leaves the site.
            excerpt=MEMBERS_ONLY_EXCERPT
            if Visibility.MEMBERS
            in (reply.visibility, reply.article.comments_visibility)
            else html_excerpt(reply.body_html, 300),
            link=self._permalink(reply),
        )

    def _replies_closed(
        self, session: Session, row: Outbox, user: User | None
    ) -> Letter | Skip:
        """A discussion closed, or a sub-thread locked, while it still is."""
        action = session.get(ModerationAction, row.moderation_action_id)
        article = (
            session.get(Article, action.article_id)
            if action is not None and action.article_id is not None
            else None
        )
        if action is None or article is None or not article.is_published:
            return Skip("the discussion is no longer published")
        locked = (
            session.get(Comment, action.comment_id)
            if action.action == ActionKind.LOCK and action.comment_id is not None
            else None
        )
        if locked is not None and not locked.locked:
            return Skip("the replies were opened again")
        if locked is None and article.comments_closed_at is None:
            return Skip("the discussion was opened again")
        guest_comment = self._comment(session, row) if user is None else None
        return self._notice(
            row,
            MailKind.REPLIES_CLOSED,
            user,
            guest_comment,
            title=article.title,
            whole=locked is None,
            reason=action.reason or "",
            link=self._permalink(locked)
            if locked is not None
            else self.url(paths.fill(paths.ARTICLE, slug=article.slug)),
        )

    def _decision(
        self, session: Session, row: Outbox, member: User, kind: MailKind
    ) -> Letter | Skip:
        refused = self._member_notice(member, kind)
        if refused is not None:
            return refused
        comment = self._comment(session, row)
        wanted = (
            CommentStatus.APPROVED
            if kind is MailKind.APPROVED
            else CommentStatus.REJECTED
        )
        if comment is None or comment.status != wanted:
            return Skip(f"the comment is no longer {wanted}")
        return self._letter(
            kind,
            member.email,
            unsubscribe=service.unsubscribe_token(
                self.signer, service.Choice.DECISIONS, user_id=member.id
            ),
            name=member.display_name,
            title=comment.article.title,
            excerpt=html_excerpt(comment.body_html, 300),
            link=self._permalink(comment),
            reason=comment.decision_reason or "",
            revise=self.url(paths.fill(paths.COMMENT_EDIT, comment_id=comment.id)),
        )

    def _digest(self, session: Session, member: User) -> Letter | Skip:
        refused = self._member_notice(member, MailKind.DIGEST)
        if refused is not None:
            return refused
        if member.role != Role.MODERATOR and member.role != Role.ADMIN:
            return Skip("the account no longer moderates")
        counts = standing.queue_counts(session)
        pending, flagged = counts[QueueStatus.PENDING], counts[QueueStatus.FLAGGED]
        if pending + flagged == 0:
            return Skip("nothing waits any more")
        return self._letter(
            MailKind.DIGEST,
            member.email,
            unsubscribe=service.unsubscribe_token(
                self.signer, service.Choice.DIGEST, user_id=member.id
            ),
            name=member.display_name,
            count=pending + flagged,
            pending=pending,
            flagged=flagged,
            queue=self.url("/moderation"),
            flagged_queue=self.url("/moderation?status=flagged"),
        )

    def _urgent(self, session: Session, row: Outbox, moderator: User) -> Letter | Skip:
        """Not switchable: someone may be in danger. Still only to a confirmed
        address of someone who moderates, while the comment waits."""
        if moderator.email_verified_at is None:
            return Skip("the address is not confirmed")
        if not moderator.is_moderator or moderator.is_banned():
            return Skip("the account no longer moderates")
        comment = self._comment(session, row)
        if comment is None or comment.status != CommentStatus.PENDING:
            return Skip("the comment was already decided")
        return self._letter(
            MailKind.URGENT,
            moderator.email,
            name=moderator.display_name,
            author=comment.author_name,
            title=comment.article.title,
            excerpt=html_excerpt(comment.body_html, 500),
            reason=comment.held_reason or "",
            queue=self.url("/moderation"),
        )

    def _password_reset(self, user: User) -> Letter:
        return self._letter(
            MailKind.PASSWORD_RESET,
            user.email,
            secret=True,
            name=user.display_name,
            username=user.username,
            link=self._signed_link(
                "/reset-password/",
                Purpose.PASSWORD_RESET,
                {"u": user.id, "h": password_fingerprint(user.password_hash)},
            ),
            forgot=self.url("/forgot-password"),
        )

    def _account_exists(self, user: User) -> Letter:
        """Sign-up and the settings could not say the address is taken: its
        owner hears here, with the ways back into the account they have."""
        return self._letter(
            MailKind.ACCOUNT_EXISTS,
            user.email,
            name=user.display_name,
            username=user.username,
            login=self.url("/login"),
            forgot=self.url("/forgot-password"),
        )

    def _confirm_email(self, session: Session, user: User) -> Letter | Skip:
        """The link goes to the address waiting to replace the account's, while
        no other account has it, else to the account's own unconfirmed one."""
        if service.pending_address_is_free(session, user):
            address = user.pending_email or user.email
        elif user.email_verified_at is None:
            address = user.email
        else:
            return Skip("the address is already confirmed")
        return self._letter(
            MailKind.CONFIRM_EMAIL,
            address,
            secret=True,
            name=user.display_name,
            link=self._signed_link(
                "/confirm-email/",
                Purpose.CONFIRM_EMAIL,
                {"u": user.id, "e": service.email_key(address)},
            ),
        )

    def _confirm_sign_up(self, session: Session, row: Outbox) -> Letter | Skip:
        pending = session.get(PendingSignUp, row.sign_up_id)
        if pending is None:
            return Skip("the sign-up is settled")
        return self._letter(
            MailKind.CONFIRM_SIGN_UP,
            pending.email,
            secret=True,
            name=pending.display_name,
            username=pending.username,
            link=self._signed_link(
                "/sign-up/",
                Purpose.CONFIRM_SIGN_UP,
                {"s": pending.id, "e": pending.email_key},
            ),
        )

    def _confirm_guest(self, session: Session, row: Outbox) -> Letter | Skip:
        comment = self._comment(session, row)
        if comment is None or not comment.guest_email or not comment.guest_notify:
            return Skip("the guest no longer wants replies")
        if comment.guest_confirmed_at is not None:
            return Skip("already confirmed")
        return self._letter(
            MailKind.CONFIRM_GUEST,
            comment.guest_email,
            secret=True,
            name=comment.guest_name or "there",
            title=comment.article.title,
            link=self._signed_link(
                "/guest-replies/",
                Purpose.CONFIRM_GUEST,
                {"c": comment.id, "e": service.email_key(comment.guest_email)},
            ),
        )

    # Helpers.

    def _comment(self, session: Session, row: Outbox) -> Comment | None:
        if row.comment_id is None:
            return None
        return session.scalars(
            select(Comment)
            .options(joinedload(Comment.article), joinedload(Comment.author))
            .where(Comment.id == row.comment_id)
        ).one_or_none()

    def _signed_link(self, path: str, purpose: Purpose, claims: dict[str, Any]) -> str:
        """The address of ``path`` with a token signed for ``purpose``."""
        return self.url(path + self.signer.sign(purpose, claims))

    def _permalink(self, comment: Comment) -> str:
        return self.url(paths.fill(paths.COMMENT, comment_id=comment.id))

    def _letter(
        self,
        kind: MailKind,
        to: str,
        *,
        unsubscribe: str | None = None,
        secret: bool = False,
        **values: object,
    ) -> Letter:
        return self._render(kind, to, unsubscribe, secret, values)

    def _render(
        self,
        kind: MailKind,
        to: str,
        unsubscribe: str | None,
        secret: bool,
        values: Mapping[str, object],
    ) -> Letter:
        unsubscribe_url = (
            self.url(f"/unsubscribe/{unsubscribe}") if unsubscribe else None
        )
        context = {
            "site": self.settings.site_name,
            "home": self.url("/"),
            "settings_url": self.url("/settings"),
            "unsubscribe_url": unsubscribe_url,
            **values,
        }
        subject = SUBJECTS[kind].format(
            site=self.settings.site_name,
            title=_short(str(values.get("title", ""))),
            name=values.get("replier", ""),
            count=values.get("count", ""),
        )
        environment = _environment()
        return Letter(
            to=to,
            subject=subject[:200],
            text=environment.get_template(f"{kind}.txt").render(context),
            html=environment.get_template(f"{kind}.html").render(
                {**context, "subject": subject}
            ),
            unsubscribe_url=unsubscribe_url,
            secret=secret,
        )

    def message(self, letter: Letter) -> EmailMessage:
        """The MIME message: plain text and HTML, and RFC 8058 one-click
        unsubscribe headers on notifications."""
        message = EmailMessage()
        message["From"] = self.sender()
        message["To"] = letter.to
        message["Subject"] = letter.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=self._domain())
        message["Auto-Submitted"] = "auto-generated"
        if letter.unsubscribe_url:
            message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(letter.text)
        message.add_alternative(letter.html, subtype="html")
        return message

    def sender(self) -> str:
        if self.settings.mail_from:
            return self.settings.mail_from
        return str(Address(self.settings.site_name, "no-reply", self._domain()))

    def _domain(self) -> str:
        return urlsplit(self.settings.base_url).hostname or "localhost"


def _short(title: str, length: int = 80) -> str:
    return title if len(title) <= length else title[: length - 1].rstrip() + "…"
