"""Spam defence on the HTML comment form, without CAPTCHAs: a honeypot field and a
signed, timed form token.

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
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.comments.models import SpentFormToken
from app.db import utcnow
from app.errors import DomainError

# Named like a field bots love to fill; people never see it (see _form.html).
HONEYPOT_FIELD = "website"
TIMING_FIELD = "form_token"
# Fields the spam defence adds to a form: never shown back as "what you typed".
DEFENCE_FIELDS = (HONEYPOT_FIELD, TIMING_FIELD)
FORM_MAX_AGE = timedelta(hours=24)

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
