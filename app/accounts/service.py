"""Accounts: registration, sign-in sessions, passwords, profiles, roles and bans."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import AuthSession, PendingSignUp, Role, SessionKind, User
from app.accounts.schemas import PasswordChange, ProfileUpdate, RegisterIn
from app.comments import standing
from app.comments.models import Comment, CommentStatus
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from app.markup import Profile, render_markdown
from app.moderation import rules
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, Decision
from app.moderation.policy import load_policy, pick
from app.moderation.schemas import BULK_LIMIT
from app.notifications import service as notifications
from app.notifications.models import MailKind
from app.notifications.tokens import Purpose, Signer
from app.ratelimit import Limit, RateLimiter
from app.security import hash_password, hash_token, new_token, verify_password
from app.text import unstorable

RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "anonymous",
        "deleted",
        "guest",
        "haven",
        "help",
        "login",
        "logout",
        "me",
        "mod",
        "moderation",
        "moderator",
        "null",
        "register",
        "removed",
        "root",
        "settings",
        "staff",
        "static",
        "support",
        "system",
        "team",
        "undefined",
        "webmaster",
    }
)
# What a deleted account's name becomes (app.accounts.personal): kept from sign-ups.
FORMER_USERNAME = re.compile(r"former-\d+(-[0-9a-f]+)?")
BAD_LOGIN = "That username and password don't match. Please try again."
# A profile kept in memoriam (app.accounts.memorial) is never signed in to.
MEMORIAL_SIGN_IN = (
    "This account is kept in memory of a member of our community, and it can't "
    "be signed in to. If you are family and need help, please write to the "
    "site's administrators."
)
# Refreshing a session's expiry at most this often keeps writes rare.
SESSION_REFRESH_AFTER = timedelta(hours=12)


def username_key(username: str) -> str:
    return username.strip().casefold()


def email_key(email: str) -> str:
    return email.strip().casefold()


@cache
def common_passwords() -> frozenset[str]:
    text = (
        resources.files("app").joinpath("data/common_passwords.txt").read_text("utf-8")
    )
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


# Characters a password holds besides spaces, at the least.
MIN_PASSWORD_CHARACTERS = 10


def check_password_policy(password: str, *, username: str, email: str) -> None:
    """Refuse passwords that are mostly spaces, common, or repeat the
    account's own names (every way a password is set comes through here)."""
    if len("".join(password.split())) < MIN_PASSWORD_CHARACTERS:
        raise Invalid(
            f"Please use at least {MIN_PASSWORD_CHARACTERS} characters besides spaces.",
            field="password",
        )
    lowered = password.strip().casefold()
    if lowered in common_passwords():
        raise Invalid(
            "That password is too common. Please choose another.", field="password"
        )
    if lowered in (
        username_key(username),
        email_key(email),
        email_key(email).split("@")[0],
    ):
        raise Invalid(
            "Your password can't be your username or email.", field="password"
        )


def find_user(session: Session, username: str) -> User | None:
    """A user by username, ignoring case; None when there is none."""
    if unstorable(username, one_line=True):
        return None  # no name holds one, and PostgreSQL would refuse to look
    return session.scalars(
        select(User).where(User.username_key == username_key(username))
    ).one_or_none()


def get_user(session: Session, username: str) -> User:
    """A user by username, ignoring case. Raises NotFound."""
    user = find_user(session, username)
    if user is None:
        raise NotFound("There is nobody by that name here.")
    return user


def get_member(session: Session, username: str) -> User:
    """A person as the public sees them, by username: NotFound for nobody, and
    for an account its owner deleted (its profile is gone)."""
    user = get_user(session, username)
    if user.is_deleted:
        raise NotFound("There is nobody by that name here.")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, oldest first."""
    return list(session.scalars(select(User).order_by(User.created_at, User.id)))


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with this address, ignoring case; None when there is none."""
    if unstorable(email, one_line=True):
        return None
    return session.scalars(
        select(User).where(User.email_key == email_key(email))
    ).one_or_none()


def _ensure_free(session: Session, *, username: str | None, email: str | None) -> None:
    if username is not None and find_user(session, username) is not None:
        raise Conflict("That username is taken.", field="username")
    if email is not None and find_user_by_email(session, email) is not None:
        raise Conflict(
            "An account with that email address already exists.", field="email"
        )


# What a member's name may not hold, after folding (case, accents, hidden
# marks, full-width letters): with it a name would pass for the site's team.
# Words starting with these (moderator, moderators, modérateurs, admins) ...
STAFF_STEMS = ("moderat", "admin")
# ... and these words, or "Haven team" written together or apart.
STAFF_WORDS = frozenset({"official", "staff", "haventeam"})
STAFF_NAME = (
    "Names that sound like the site's team (moderator, admin, official, Haven "
    "team) are kept for the team. Please choose another."
)


def imitates_staff(name: str) -> bool:
    """Whether a name would pass for the team's."""
    words = re.findall(r"[a-z0-9]+", rules.fold(name))
    joined = {a + b for a, b in pairwise(words)}
    return any(word.startswith(STAFF_STEMS) for word in words) or bool(
        STAFF_WORDS & (set(words) | joined)
    )


def create_user(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str | None = None,
    role: Role = Role.MEMBER,
    bio: str = "",
    verified: bool = True,
    password_hash: str | None = None,
) -> User:
    """Store an account with an argon2 hash; usernames and emails are unique ignoring case.

    Used by trusted callers (CLI, demo), whose addresses count as confirmed;
    people signing up go through register() and confirm theirs by a link.
    """
    _ensure_free(session, username=username, email=email)
    user = User(
        username=username.strip(),
        username_key=username_key(username),
        display_name=(display_name or username).strip(),
        email=email.strip(),
        email_key=email_key(email),
        password_hash=password_hash or hash_password(password),
        role=role,
        bio=bio,
        bio_html=render_markdown(bio, Profile.BIO) if bio else "",
        email_verified_at=utcnow() if verified else None,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # Two sign-ups passed the check at once; the unique index kept one. The
        # other is told which name is taken, as if it had come second.
        if user in session:
            session.expunge(user)
        _ensure_free(session, username=username, email=email)
        raise Conflict("That username or email address is taken.") from None
    return user


def _check_sign_up(session: Session, data: RegisterIn, *, operator: bool) -> None:
    """What a new account may not be, decided before anything is written."""
    if not operator and (
        username_key(data.username) in RESERVED_USERNAMES
        or FORMER_USERNAME.fullmatch(username_key(data.username))
    ):
        raise Invalid(
            "That username is reserved. Please choose another.", field="username"
        )
    if not operator:
        for field, name in (
            ("username", data.username),
            ("display_name", data.display_name or ""),
        ):
            if imitates_staff(name):
                raise Invalid(STAFF_NAME, field=field)
    check_password_policy(data.password, username=data.username, email=data.email)
    # Usernames are public (every profile is at /users/<name>): saying one is
    # taken tells nothing a visitor can't read already.
    _ensure_free(session, username=data.username, email=None)


def register(
    session: Session,
    data: RegisterIn,
    *,
    role: Role = Role.MEMBER,
    operator: bool = False,
    allowance: "SignupAllowance | None" = None,
) -> User:
    """Sign someone up with a password that is not common.

    People signing up can't take a reserved username and are sent a link to
    confirm their address; the operator (CLI) can, may give any role, and the
    address they type counts as confirmed. Each attempt is counted against
    ``allowance`` (per address) first, refused with 429 past it.
    """
    if allowance is not None:
        allowance.take()
    if role != Role.MEMBER and not operator:
        raise PermissionDenied("Only the site's operator creates team accounts.")
    _check_sign_up(session, data, operator=operator)
    return _store_sign_up(session, data, role=role, operator=operator)


def _store_sign_up(
    session: Session, data: RegisterIn, *, role: Role, operator: bool
) -> User:
    user = create_user(
        session,
        username=data.username,
        email=data.email,
        password=data.password,
        display_name=data.display_name or data.username,
        role=role,
        verified=operator,
    )
    if not operator:
        notifications.address_needs_confirmation(session, user)
    return user


REGISTER_LIMITED = (
    "Several accounts were made from your network in a short time. "
    "Please wait about {wait} and try again."
)


@dataclass(frozen=True)
class SignupAllowance:
    """Where sign-ups are counted: the limiter, the limit and the visitor's
    address. register() takes one."""

    limiter: RateLimiter
    limit: Limit
    client_ip: str

    @classmethod
    def for_client(
        cls, limiter: RateLimiter, settings: Settings, client_ip: str
    ) -> "SignupAllowance":
        return cls(
            limiter, Limit.parse("register", settings.register_rate_limit), client_ip
        )

    def take(self) -> None:
        self.limiter.consume(self.limit, self.client_ip, message=REGISTER_LIMITED)


def check_your_mail(email: str) -> str:
    """What anyone signing up is told while taken addresses are hidden."""
    return (
        f"Thank you. We have sent a mail to {email.strip()}: open the link in it to "
        "confirm your address and finish signing up. Check your spam folder if it "
        "doesn't arrive."
    )


@dataclass(frozen=True)
class SignUp:
    """A sign-up's answer: the new account to sign in at once, or (while taken
    addresses are hidden) no account, only a notice that says the same for
    every address."""

    user: User | None
    notice: str = ""


def sign_up(
    session: Session,
    data: RegisterIn,
    *,
    hide_taken_emails: bool,
    allowance: "SignupAllowance | None" = None,
    return_to: str | None = None,
) -> SignUp:
    """Someone signs up on the site (both faces come here).

    While ``hide_taken_emails``, the answer never tells whether the address has
    an account: a new address gets the link that makes the account
    (complete_sign_up), the owner of a known one a mail saying someone tried.
    No account exists before the link is opened, so no profile, username or
    sign-in tells either; both hash the password, so they cost the same.
    Each attempt is counted against ``allowance`` first (see register). A
    sign-up waiting for its link keeps ``return_to`` (a path on this site, checked
    by the caller) for the link to lead back to.
    """
    if not hide_taken_emails:
        return SignUp(register(session, data, allowance=allowance))
    if allowance is not None:
        allowance.take()
    _check_sign_up(session, data, operator=False)
    owner = find_user_by_email(session, data.email)
    password_hash = hash_password(data.password)  # the same work either way
    if owner is None:
        pending = PendingSignUp(
            username=data.username.strip(),
            display_name=(data.display_name or data.username).strip(),
            email=data.email.strip(),
            email_key=email_key(data.email),
            password_hash=password_hash,
            return_to=return_to,
        )
        session.add(pending)
        session.flush()
        notifications.queue_mail(
            session, MailKind.CONFIRM_SIGN_UP, sign_up_id=pending.id
        )
    else:
        notifications.queue_mail(session, MailKind.ACCOUNT_EXISTS, user_id=owner.id)
    return SignUp(None, check_your_mail(data.email))


SIGN_UP_GONE = "This link is not valid any more. Please sign up again."


@dataclass(frozen=True)
class CompletedSignUp:
    """The account a mailed sign-up link made, and the page it was asked from."""

    user: User
    return_to: str | None


def complete_sign_up(session: Session, signer: Signer, token: str) -> CompletedSignUp:
    """Make the account a sign-up asked for, once the link mailed to its
    address is opened: the address counts as confirmed. Raises Invalid for a
    bad or used link, Conflict when the username was taken meanwhile."""
    payload = signer.load(Purpose.CONFIRM_SIGN_UP, token)
    pending = session.get(PendingSignUp, payload.get("s"))
    if pending is None or pending.email_key != payload.get("e"):
        raise Invalid(SIGN_UP_GONE)
    if find_user_by_email(session, pending.email) is not None:
        raise Conflict("This address has an account already: please sign in.")
    if find_user(session, pending.username) is not None:
        raise Conflict(
            f"Someone took the username {pending.username} meanwhile. "
            "Please sign up again with another."
        )
    user = create_user(
        session,
        username=pending.username,
        email=pending.email,
        password="",
        password_hash=pending.password_hash,
        display_name=pending.display_name,
    )
    return_to = pending.return_to
    # Every sign-up waiting for this address is settled now.
    session.execute(
        delete(PendingSignUp).where(PendingSignUp.email_key == pending.email_key)
    )
    return CompletedSignUp(user, return_to)


@dataclass(frozen=True)
class LoginLimits:
    account: Limit
    ip: Limit

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginLimits":
        return cls(
            Limit.parse("login-account", settings.login_limit_account),
            Limit.parse("login-ip", settings.login_limit_ip),
        )


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client_ip: str,
    limiter: RateLimiter,
    limits: LoginLimits,
) -> User:
    """Check a password, counting failures per account and per address.

    A try is counted before the password is checked, so parallel tries get no
    more checks than the limit; a right password gives its count back, so only
    failures use it up (earlier failures stay: wiping them would let whoever
    knows one password reset the per-address count between guesses at others).
    An unknown user and a wrong password get the same answer.
    """
    buckets = (limits.account.on(username_key(username)), limits.ip.on(client_ip))
    limiter.take(
        *buckets, message="Too many failed sign-in attempts. Please wait and try again."
    )
    user = find_user(session, username)
    if user is None:
        verify_password(password, _dummy_hash())  # same work either way
        valid, new_hash = False, None
    else:
        valid, new_hash = verify_password(password, user.password_hash)
    if user is None or not valid:
        raise NotAuthenticated(BAD_LOGIN)
    limiter.give_back(*buckets)
    if user.in_memoriam:
        raise PermissionDenied(MEMORIAL_SIGN_IN)
    if new_hash is not None:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password, only here to spend time")


def start_session(
    session: Session,
    user: User,
    *,
    kind: SessionKind,
    lifetime: timedelta,
    user_agent: str | None = None,
) -> str:
    """Open a session and return its token; only the token's hash is stored."""
    token = new_token()
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    session.flush()
    return token


def resolve_session(
    session: Session, token: str, *, kind: SessionKind, lifetime: timedelta
) -> tuple[AuthSession | None, bool]:
    """The live session for a token (with its user), sliding its expiry forward.

    The flag says whether the expiry moved, so the cookie can be renewed too.
    """
    auth = session.scalars(
        select(AuthSession)
        .options(joinedload(AuthSession.user))
        .where(AuthSession.token_hash == hash_token(token), AuthSession.kind == kind)
    ).one_or_none()
    now = utcnow()
    if auth is None or auth.expires_at <= now or auth.user.in_memoriam:
        return None, False
    refreshed = False
    if now - auth.last_seen_at > SESSION_REFRESH_AFTER:
        auth.last_seen_at = now
        auth.expires_at = now + lifetime
        refreshed = True
    return auth, refreshed


def end_session(session: Session, token: str) -> None:
    """Sign out: the session row is deleted, so the token is dead everywhere at once."""
    session.execute(
        delete(AuthSession).where(AuthSession.token_hash == hash_token(token))
    )


def revoke_sessions(
    session: Session, user: User, *, keep: AuthSession | None = None
) -> None:
    """End every session of a user, except optionally the one in use."""
    statement = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(AuthSession.id != keep.id)
    session.execute(statement)


def change_password(
    session: Session, data: PasswordChange, *, actor: User, current: AuthSession | None
) -> None:
    """Set a new password after checking the old one; every other session ends."""
    valid, _ = verify_password(data.current_password, actor.password_hash)
    if not valid:
        raise Invalid("Your current password is not right.", field="current_password")
    check_password_policy(data.new_password, username=actor.username, email=actor.email)
    actor.password_hash = hash_password(data.new_password)
    revoke_sessions(session, actor, keep=current)


def set_password(session: Session, user: User, password: str) -> None:
    """The operator sets a password (CLI): the usual checks, and every session ends."""
    if not 10 <= len(password) <= 128:
        raise Invalid("A password has 10 to 128 characters.", field="password")
    check_password_policy(password, username=user.username, email=user.email)
    user.password_hash = hash_password(password)
    revoke_sessions(session, user)
    session.flush()


def update_profile(
    session: Session,
    data: ProfileUpdate,
    *,
    actor: User,
    hide_taken_emails: bool = False,
) -> User:
    """Change one's own display name, bio, email and mail choices; a new
    address waits for confirmation by a link sent to it (while
    ``hide_taken_emails``, beside the old one, which stays in use until then).

    A banned member keeps their public profile as it is (name and bio), and a
    member's name may not pass for the site's team (imitates_staff()).
    """
    if (data.display_name, data.bio) != (actor.display_name, actor.bio):
        if actor.is_banned():
            raise PermissionDenied(
                "While your account is banned you can't change your name or "
                "your bio. Your email and mail choices can still be changed."
            )
        if not actor.is_moderator and imitates_staff(data.display_name):
            raise Invalid(STAFF_NAME, field="display_name")
    listed = load_policy(session).content_notes
    chosen = {
        pick(wanted, listed, field="shown_content_notes", what="content note")
        for wanted in data.shown_content_notes
    }
    shown_notes = [note for note in listed if note in chosen]  # in the list's order
    if email_key(data.email) != actor.email_key and hide_taken_emails:
        _move_address_once_confirmed(session, data.email, actor=actor)
    elif email_key(data.email) != actor.email_key:
        _ensure_free(session, username=None, email=data.email)
        actor.email = data.email.strip()
        actor.email_key = email_key(data.email)
        notifications.address_needs_confirmation(session, actor)
    shown = (actor.display_name, actor.bio)
    actor.display_name = data.display_name
    actor.bio = data.bio
    actor.bio_html = render_markdown(data.bio, Profile.BIO) if data.bio.strip() else ""
    actor.notify_replies = data.notify_replies
    actor.notify_decisions = data.notify_decisions
    actor.notify_digest = data.notify_digest
    actor.shown_content_notes = shown_notes
    if (actor.display_name, actor.bio) != shown:
        standing.bump_author(session, actor.id)
    session.flush()
    return actor


def _move_address_once_confirmed(
    session: Session, address: str, *, actor: User
) -> None:
    """The answer never tells whether an address has an account: a free one
    gets the link that moves the account to it, a taken one's owner a mail
    saying someone tried; either way the new address waits in pending_email."""
    actor.pending_email = address.strip()
    owner = find_user_by_email(session, address)
    if owner is None:
        notifications.queue_mail(session, MailKind.CONFIRM_EMAIL, user_id=actor.id)
    else:
        notifications.queue_mail(session, MailKind.ACCOUNT_EXISTS, user_id=owner.id)


def set_role(session: Session, user: User, role: Role, *, actor: User | None) -> User:
    """Give someone a role; only admins may (``actor`` None means the operator's CLI)."""
    if actor is not None and not actor.administers:
        raise PermissionDenied("Only administrators change roles.")
    if user.role != role:  # staff wear a "Team" badge in discussions
        standing.bump_author(session, user.id)
    user.role = role
    moderation_service.record(
        session,
        ActionKind.SET_ROLE,
        actor=actor,
        subject=user,
        reason=f"role set to {role}",
    )
    session.flush()
    return user


def set_badge(
    session: Session, user: User, badge: str | None, *, actor: User | None
) -> User:
    """Give a member a badge from the site's list ("MS nurse", ...), shown
    beside their name everywhere, or take it off (``badge`` None); only
    admins may, audited."""
    if actor is None or not actor.administers:
        raise PermissionDenied("Only administrators give badges.")
    chosen = pick(badge, load_policy(session).badges, field="badge", what="badge")
    if chosen == user.badge:
        return user
    user.badge = chosen
    standing.bump_author(session, user.id)
    moderation_service.record(
        session,
        ActionKind.SET_BADGE,
        actor=actor,
        subject=user,
        reason=f"badge set to {chosen}" if chosen else "badge removed",
    )
    session.flush()
    return user


def ban_term(user: User) -> str:
    """How long a ban lasts, in words: "until 8 December 2026 at 07:00 UTC" or "for good"."""
    if user.banned_until is None:
        return "for good"
    return f"until {user.banned_until:%-d %B %Y at %H:%M} UTC"


def ban_message(user: User | None, now: datetime | None = None) -> str | None:
    """What a banned member is told (the end and the reason); None when not banned."""
    if user is None or not user.is_banned(now):
        return None
    message = (
        f"Your account can't post at the moment. It is banned {ban_term(user)}: "
        "you can't post, edit or flag comments."
    )
    if user.ban_reason:
        message += f" The moderators' reason: {user.ban_reason}"
    return message


def ensure_can_participate(user: User | None, now: datetime | None = None) -> None:
    """Refuse a banned member (posting, editing, flagging), telling them why and until when."""
    message = ban_message(user, now)
    if message is not None:
        raise PermissionDenied(message)


def _ensure_may_ban(user: User, *, actor: User | None) -> User:
    """Moderators ban members; only admins ban moderators; nobody bans an admin or themselves."""
    moderator = moderation_service.ensure_moderator(actor)
    if user.id == moderator.id:
        raise Conflict("You can't ban or unban yourself.")
    if user.is_admin:
        raise PermissionDenied(
            "Administrators can't be banned; change their role first."
        )
    if user.is_moderator and not moderator.is_admin:
        raise PermissionDenied("Only administrators can ban a member of the team.")
    return moderator


def ban_refusal(user: User, *, actor: User | None) -> str | None:
    """Why ``actor`` may not ban (or lift a ban on) ``user``; None if they may."""
    try:
        _ensure_may_ban(user, actor=actor)
    except (PermissionDenied, Conflict) as exc:
        return exc.message
    return None


@dataclass(frozen=True)
class BanOutcome:
    user: User
    rejected_comment_ids: list[int]
    removed_comment_ids: list[int]


def ban(
    session: Session,
    user: User,
    *,
    until: datetime | None,
    reason: str,
    actor: User | None,
    reject_pending: bool = False,
    remove_published: bool = False,
) -> BanOutcome:
    """Ban a member until a moment, or for good when ``until`` is None.

    All their sessions (browser and API) end at once; with ``reject_pending``
    every comment and edit of theirs still waiting is rejected, and with
    ``remove_published`` every published comment of theirs is removed (a
    placeholder keeps replies in place), each decision audited. Banning again
    replaces the earlier terms.
    """
    moderator = _ensure_may_ban(user, actor=actor)
    now = utcnow()
    if until is not None and until <= now:
        raise Invalid("A ban must end in the future.", field="until")
    reason = reason.strip()
    if not reason:
        raise Invalid("Please give a reason for the ban.", field="reason")
    user.banned_at = now
    user.banned_until = until
    user.ban_reason = reason
    revoke_sessions(session, user)
    moderation_service.record(
        session,
        ActionKind.BAN,
        actor=moderator,
        subject=user,
        reason=f"{ban_term(user)}: {reason}",
    )
    why = f"Author banned: {reason}"
    rejected = (
        _reject_waiting(session, user, actor=moderator, reason=why)
        if reject_pending
        else []
    )
    removed = (
        _decide_all(
            session,
            user,
            Comment.status == CommentStatus.APPROVED,
            Decision.REMOVE,
            seen=CommentStatus.APPROVED,
            actor=moderator,
            reason=why,
        )
        if remove_published
        else []
    )
    session.flush()
    return BanOutcome(user, rejected, removed)


def _reject_waiting(
    session: Session, user: User, *, actor: User, reason: str
) -> list[int]:
    """Reject a member's comments awaiting moderation and turn down their waiting edits."""
    waiting = (
        (CommentStatus.PENDING, Comment.status == CommentStatus.PENDING),
        (
            CommentStatus.APPROVED,
            and_(
                Comment.status == CommentStatus.APPROVED,
                Comment.pending_body.is_not(None),
            ),
        ),
    )
    return [
        comment_id
        for seen, condition in waiting
        for comment_id in _decide_all(
            session,
            user,
            condition,
            Decision.REJECT,
            seen=seen,
            actor=actor,
            reason=reason,
        )
    ]


def _decide_all(
    session: Session,
    user: User,
    condition: ColumnElement[bool],
    decision: Decision,
    *,
    seen: CommentStatus,
    actor: User,
    reason: str,
) -> list[int]:
    """One decision on every comment of ``user`` matching ``condition``, in chunks."""
    ids = list(
        session.scalars(
            select(Comment.id)
            .where(Comment.author_id == user.id, condition)
            .order_by(Comment.id)
        )
    )
    decided: list[int] = []
    for start in range(0, len(ids), BULK_LIMIT):
        result = moderation_service.decide_many(
            session,
            ids[start : start + BULK_LIMIT],
            decision,
            actor=actor,
            reason=reason,
            seen=seen,
        )
        decided.extend(result.decided)
    return decided


def unban(session: Session, user: User, *, actor: User | None) -> User:
    """Lift a ban before it ends; the same people who may ban may lift it."""
    moderator = _ensure_may_ban(user, actor=actor)
    if not user.is_banned():
        raise Conflict(f"{user.display_name} is not banned.")
    user.banned_at = None
    user.banned_until = None
    user.ban_reason = None
    moderation_service.record(session, ActionKind.UNBAN, actor=moderator, subject=user)
    session.flush()
    return user
