"""Spam defence without CAPTCHAs: a honeypot field and a signed, timed form token on
the HTML form; everywhere a duplicate-content check and posting rate limits.

A person needs a few seconds to write a comment and rarely leaves a form open for a
day; a bot fills every field it sees and posts at once. None of this asks anything
of the person writing. The token is bound to the browser's state seed
(app.web.state_seed) and taken once (spent_form_token), so a bot can neither
replay one nor share one between clients; guests use the JSON API only where
an admin allows it (app.comments.service.ensure_api_guests_allowed).
"""

import hashlib
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentStatus, SpentFormToken, TextClaim
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, DomainError, RateLimited
from app.ratelimit import Limit, RateLimiter, describe_wait

# Named like a field bots love to fill; people never see it (see _form.html).
HONEYPOT_FIELD = "website"
TIMING_FIELD = "form_token"
# Fields the spam defence adds to a form: never shown back as "what you typed".
DEFENCE_FIELDS = (HONEYPOT_FIELD, TIMING_FIELD)
FORM_MAX_AGE = timedelta(hours=24)
DUPLICATE_WINDOW = timedelta(hours=24)

REFUSED = "Sorry, your comment could not be sent."
# Names the button the form shows: "Post reply" under a comment (inline or on
# the reply page), "Post comment" under the article (comments/_form.html).
TOO_FAST_AS = "That was very quick: please wait a moment, then press “{button}” again."
TOO_FAST = TOO_FAST_AS.format(button="Post comment")
TOO_FAST_REPLY = TOO_FAST_AS.format(button="Post reply")
EXPIRED = (
    "This form was open for more than a day, so it has expired. "
    "Your text is kept below: please send it again."
)
UNCHECKED = (
    "This form could not be checked (it may come from an old page). "
    "Your text is kept below: please send it again."
)
DUPLICATE = "You have already posted this comment."
ALREADY_SENT = (
    "This form was already sent once. "
    "Your text is kept below: please check the discussion, then send it again if needed."
)


class FormRefused(DomainError):
    """The HTML form failed a spam check; ``keep_token`` says whether the form's
    token may be sent again (too fast) or a fresh one is needed."""

    status_code = 400

    def __init__(self, message: str, *, keep_token: bool = False) -> None:
        super().__init__(message)
        self.keep_token = keep_token


def _signer(secret_key: str, seed: str) -> Signer:
    return Signer(secret_key, salt=f"haven.comment-form:{seed}")


def form_token(
    secret_key: str, article_id: int, *, seed: str, issued_at: float | None = None
) -> str:
    """A token for the comment form of one article and one visitor (their session
    ``seed``), recording when it was rendered; a nonce makes each one unique."""
    issued_ms = round((time.time() if issued_at is None else issued_at) * 1000)
    nonce = secrets.token_urlsafe(6)
    return _signer(secret_key, seed).sign(f"{article_id}:{issued_ms}:{nonce}").decode()


def token_issued_at(
    secret_key: str, token: str, article_id: int, *, seed: str
) -> float | None:
    """When a genuine token for this article and visitor was issued; None for
    anything else (forged, another article's, another visitor's)."""
    try:
        payload = _signer(secret_key, seed).unsign(token).decode()
    except BadSignature:
        return None
    bound, _, rest = payload.partition(":")
    issued_ms = rest.partition(":")[0]
    if bound != str(article_id) or not issued_ms.isdigit():
        return None
    return int(issued_ms) / 1000


def check_form(
    session: Session,
    fields: dict[str, str],
    *,
    secret_key: str,
    article_id: int,
    seed: str,
    min_seconds: float,
) -> None:
    """Refuse an HTML comment form that a bot filled in: the honeypot has text, the
    token is missing, forged or another visitor's, it was sent too soon after
    rendering or too late, or it was sent before. A token that passes is spent."""
    if fields.get(HONEYPOT_FIELD, "").strip():
        raise FormRefused(REFUSED)
    token = fields.get(TIMING_FIELD, "")
    issued = token_issued_at(secret_key, token, article_id, seed=seed)
    if issued is None:
        raise FormRefused(UNCHECKED)
    age = time.time() - issued
    if age < min_seconds:
        too_fast = TOO_FAST_REPLY if fields.get("parent_id", "").strip() else TOO_FAST
        raise FormRefused(too_fast, keep_token=True)
    if age > FORM_MAX_AGE.total_seconds():
        raise FormRefused(EXPIRED)
    _spend(
        session, token, expires_at=datetime.fromtimestamp(issued, UTC) + FORM_MAX_AGE
    )


def _spend(session: Session, token: str, *, expires_at: datetime) -> None:
    """Record a token as sent; FormRefused if it was already. The unique key
    decides between two requests sending it at once, on every worker."""
    session.execute(delete(SpentFormToken).where(SpentFormToken.expires_at < utcnow()))
    digest = hashlib.sha256(token.encode()).hexdigest()
    try:
        with session.begin_nested():
            session.execute(
                insert(SpentFormToken).values(token_hash=digest, expires_at=expires_at)
            )
    except IntegrityError:
        raise FormRefused(ALREADY_SENT) from None


def reusable_token(
    fields: dict[str, str], *, secret_key: str, article_id: int, seed: str
) -> str:
    """The form's own token when the re-shown form may carry it on (preview, a
    validation error), so the clock started at the first render; else ""."""
    token = fields.get(TIMING_FIELD, "")
    issued = token_issued_at(secret_key, token, article_id, seed=seed)
    if issued is None or time.time() - issued > FORM_MAX_AGE.total_seconds():
        return ""
    return token


def normalised(body: str) -> str:
    """The text as a duplicate check compares it: NFKC, casefolded, invisible format
    characters dropped, runs of whitespace as one space."""
    text = unicodedata.normalize("NFKC", body)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.casefold().split())


def fingerprint(body: str) -> int:
    """A 64-bit hash of the normalised text, stored and indexed with each comment."""
    digest = hashlib.blake2b(normalised(body).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ensure_not_duplicate(
    session: Session, body: str, *, actor: User | None, guest_email: str | None
) -> None:
    """Refuse a body its author (the member, or a guest by email) already posted on any
    article within a day. A comment its author deleted no longer counts.

    One lookup of the text's fingerprint in the author's comments
    (ix_comment_author_id_body_fingerprint): the same cost however much they wrote.

    claim_text() enforces the same rule for posts arriving at once; this check
    stays for the comments no claim names: those stored before claims existed,
    and those that came in by other doors (imports, restores, the demo).
    """
    if actor is not None:
        by_author = Comment.author_id == actor.id
    elif guest_email:
        by_author = and_(
            Comment.author_id.is_(None),
            func.lower(Comment.guest_email) == guest_email.lower(),
        )
    else:
        return
    earlier = session.scalar(
        select(Comment.id)
        .where(
            by_author,
            Comment.body_fingerprint == fingerprint(body),
            Comment.created_at >= utcnow() - DUPLICATE_WINDOW,
            Comment.status != CommentStatus.DELETED,
        )
        .limit(1)
    )
    if earlier is not None:
        raise Conflict(DUPLICATE, field="body")


def text_scopes(
    *, actor: User | None, guest_email: str | None, article_id: int, address: str | None
) -> list[str]:
    """Whose text a new comment is, for the duplicate claims: a member's account;
    a guest's email, and their address under this article (a new email from
    the same place is the same guest)."""
    if actor is not None:
        return [f"user:{actor.id}"]
    scopes = [f"email:{guest_email.lower()}"] if guest_email else []
    if address:
        scopes.append(f"address:{address}:article:{article_id}")
    return scopes


def claim_text(session: Session, body: str, *, scopes: list[str]) -> None:
    """Claim ``body`` for each scope before it is stored, raising Conflict when
    one holds it already: the same rule as ensure_not_duplicate, made safe when
    identical posts arrive at once. The claims' unique key lets one through;
    the others wait for it, then find it (mark_claims names its comment).

    A claim no longer counts once its comment is deleted, edited to other text
    or older than the window: the next post takes it over.
    """
    print_ = fingerprint(body)
    now = utcnow()
    for scope in scopes:
        try:
            with session.begin_nested():
                session.execute(
                    insert(TextClaim).values(
                        scope=scope, fingerprint=print_, created_at=now
                    )
                )
            continue
        except IntegrityError:
            pass
        where = (TextClaim.scope == scope, TextClaim.fingerprint == print_)
        # Wait for a post holding it to finish (PostgreSQL), then read it anew.
        held = session.execute(
            select(TextClaim.comment_id, TextClaim.created_at)
            .where(*where)
            .with_for_update()
        ).one()
        if held.comment_id is not None and held.created_at >= now - DUPLICATE_WINDOW:
            live = session.scalar(
                select(
                    exists().where(
                        Comment.id == held.comment_id,
                        Comment.body_fingerprint == print_,
                        Comment.status != CommentStatus.DELETED,
                    )
                )
            )
            if live:
                raise Conflict(DUPLICATE, field="body")
        session.execute(
            update(TextClaim).where(*where).values(comment_id=None, created_at=now)
        )


def mark_claims(session: Session, comment: Comment, *, scopes: list[str]) -> None:
    """Name the stored comment on the claims claim_text made for it."""
    if scopes:
        session.execute(
            update(TextClaim)
            .where(
                TextClaim.scope.in_(scopes),
                TextClaim.fingerprint == comment.body_fingerprint,
            )
            .values(comment_id=comment.id)
        )


def post_limit(settings: Settings) -> Limit:
    return Limit.parse("post", settings.post_rate_limit)


@dataclass(frozen=True)
class PostAllowance:
    """Where a new comment's allowance is counted: the limiter, the limit and the
    poster's address (guests are counted per address). post_comment() takes one."""

    limiter: RateLimiter
    limit: Limit
    client_ip: str

    def take(self, actor: User | None) -> None:
        count_post(self.limiter, self.limit, actor=actor, client_ip=self.client_ip)


def count_post(
    limiter: RateLimiter, limit: Limit, *, actor: User | None, client_ip: str
) -> None:
    """Count one comment against its poster's allowance (per account, per address for
    guests), raising RateLimited past it. Moderators and admins are not limited."""
    if actor is not None and actor.is_moderator:
        return
    key = f"user:{actor.id}" if actor is not None else f"ip:{client_ip}"
    try:
        limiter.consume(limit, key, message="")
    except RateLimited as exc:
        raise RateLimited(
            "You have posted several comments in a short time. "
            f"Please wait about {describe_wait(exc.retry_after)} before posting again.",
            retry_after=exc.retry_after,
        ) from None
