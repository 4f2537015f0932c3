"""Spam defence without CAPTCHAs: a honeypot field and a signed, timed form token on
the HTML form; everywhere a duplicate-content check and posting rate limits.

A person needs a few seconds to write a comment and rarely leaves a form open for a
day; a bot fills every field it sees and posts at once. None of this asks anything
of the person writing.
"""

import hashlib
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentStatus
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
TOO_FAST = "That was very quick: please wait a moment, then press “Post comment” again."
EXPIRED = (
    "This form was open for more than a day, so it has expired. "
    "Your text is kept below: please send it again."
)
UNCHECKED = (
    "This form could not be checked (it may come from an old page). "
    "Your text is kept below: please send it again."
)
DUPLICATE = "You have already posted this comment."


class FormRefused(DomainError):
    """The HTML form failed a spam check; ``keep_token`` says whether the form's
    token may be sent again (too fast) or a fresh one is needed."""

    status_code = 400

    def __init__(self, message: str, *, keep_token: bool = False) -> None:
        super().__init__(message)
        self.keep_token = keep_token


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt="haven.comment-form")


def form_token(
    secret_key: str, article_id: int, *, issued_at: float | None = None
) -> str:
    """A token for the comment form of one article, recording when it was rendered."""
    issued_ms = round((time.time() if issued_at is None else issued_at) * 1000)
    return _signer(secret_key).sign(f"{article_id}:{issued_ms}").decode()


def token_issued_at(secret_key: str, token: str, article_id: int) -> float | None:
    """When a genuine token for this article was issued; None for anything else."""
    try:
        payload = _signer(secret_key).unsign(token).decode()
    except BadSignature:
        return None
    bound, _, issued_ms = payload.partition(":")
    if bound != str(article_id) or not issued_ms.isdigit():
        return None
    return int(issued_ms) / 1000


def check_form(
    fields: dict[str, str], *, secret_key: str, article_id: int, min_seconds: float
) -> None:
    """Refuse an HTML comment form that a bot filled in: the honeypot has text, the
    token is missing or forged, it was sent too soon after rendering, or too late."""
    if fields.get(HONEYPOT_FIELD, "").strip():
        raise FormRefused(REFUSED)
    issued = token_issued_at(secret_key, fields.get(TIMING_FIELD, ""), article_id)
    if issued is None:
        raise FormRefused(UNCHECKED)
    age = time.time() - issued
    if age < min_seconds:
        raise FormRefused(TOO_FAST, keep_token=True)
    if age > FORM_MAX_AGE.total_seconds():
        raise FormRefused(EXPIRED)


def reusable_token(fields: dict[str, str], *, secret_key: str, article_id: int) -> str:
    """The form's own token when the re-shown form may carry it on (preview, a
    validation error), so the clock started at the first render; else ""."""
    token = fields.get(TIMING_FIELD, "")
    issued = token_issued_at(secret_key, token, article_id)
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
