"""Getting back in: password reset by a mailed link, and confirming addresses.

The reset link is signed (app.notifications.tokens), works for one hour and
once: it carries a fingerprint of the password it replaces. Asking for one
answers the same whether or not the address has an account, and costs the
same (a row in the outbox is the only difference; the mail goes later).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.service import (
    MEMORIAL_SIGN_IN,
    check_password_policy,
    email_key,
    revoke_sessions,
)
from app.config import Settings
from app.errors import Conflict, Invalid
from app.notifications import service as notifications
from app.notifications.models import MailKind
from app.notifications.tokens import Purpose, Signer, password_fingerprint
from app.ratelimit import Limit, RateLimiter
from app.security import hash_password

RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new "
    "password. It works for one hour. Check your spam folder if it doesn't arrive."
)
RESET_LIMITED = "Too many reset requests. Please wait and try again."
BAD_LINK = "This reset link is not valid any more: it was used, or the password changed since. Please ask for a new one."


@dataclass(frozen=True)
class ResetLimit:
    limit: Limit

    @classmethod
    def from_settings(cls, settings: Settings) -> "ResetLimit":
        return cls(Limit.parse("password-reset", settings.reset_limit))


def request_password_reset(
    session: Session,
    email: str,
    *,
    client_ip: str,
    limiter: RateLimiter,
    limit: ResetLimit,
) -> str:
    """Queue a reset link for the account with this address, if there is one;
    the answer is the same either way. Counted per address and per visitor,
    first, and in neither when one of them refuses."""
    limiter.take(
        limit.limit.on("ip", client_ip),
        limit.limit.on("address", email_key(email)),
        message=RESET_LIMITED,
    )
    user = session.scalars(
        select(User).where(User.email_key == email_key(email))
    ).one_or_none()
    if user is not None and not user.in_memoriam:
        notifications.queue_mail(session, MailKind.PASSWORD_RESET, user_id=user.id)
    return RESET_SENT


def user_for_reset(session: Session, signer: Signer, token: str) -> User:
    """The account a reset link is for, while the link is good. Raises Invalid."""
    payload = signer.load(Purpose.PASSWORD_RESET, token)
    user = session.get(User, payload.get("u"))
    if user is None or password_fingerprint(user.password_hash) != payload.get("h"):
        raise Invalid(BAD_LINK)
    if user.in_memoriam:
        raise Invalid(MEMORIAL_SIGN_IN)
    return user


def reset_password(
    session: Session, signer: Signer, token: str, new_password: str
) -> User:
    """Set a new password through a reset link; the link dies with the old
    password, and every session of the account ends."""
    user = user_for_reset(session, signer, token)
    check_password_policy(new_password, username=user.username, email=user.email)
    user.password_hash = hash_password(new_password)
    # Whoever opened the mail owns the address.
    if user.email_verified_at is None:
        notifications.mark_confirmed(session, user)
    revoke_sessions(session, user)
    session.flush()
    return user


def resend_confirmation(session: Session, user: User) -> None:
    """Send the confirmation link again (for an address not yet confirmed)."""
    if user.email_verified_at is not None:
        raise Conflict("Your address is already confirmed.")
    notifications.address_needs_confirmation(session, user)
