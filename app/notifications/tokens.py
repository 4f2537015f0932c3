"""Signed links in mail: password reset, address confirmation, unsubscribe.

Each purpose has its own salt, so a token made for one can't be used for
another. A reset token carries a fingerprint of the password hash it was made
for: it dies as soon as the password changes, which also makes it single-use.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import Invalid


class Purpose(StrEnum):
    PASSWORD_RESET = "password-reset"  # noqa: S105 (a salt name)
    CONFIRM_EMAIL = "confirm-email"
    CONFIRM_GUEST = "confirm-guest"
    CONFIRM_SIGN_UP = "confirm-sign-up"
    UNSUBSCRIBE = "unsubscribe"


# How long each link works; unsubscribe links work as long as the mail is kept.
LIFETIMES: dict[Purpose, timedelta | None] = {
    Purpose.PASSWORD_RESET: timedelta(hours=1),
    Purpose.CONFIRM_EMAIL: timedelta(days=3),
    Purpose.CONFIRM_GUEST: timedelta(days=3),
    Purpose.CONFIRM_SIGN_UP: timedelta(days=3),
    Purpose.UNSUBSCRIBE: None,
}

EXPIRED = {
    Purpose.PASSWORD_RESET: "This reset link has expired: links work for one hour. "
    "Please ask for a new one.",
    Purpose.CONFIRM_EMAIL: "This confirmation link has expired. "
    "Please ask for a new one from your settings.",
    Purpose.CONFIRM_GUEST: "This confirmation link has expired; replies to your "
    "comment will not be sent to you.",
    Purpose.CONFIRM_SIGN_UP: "This link has expired: links work for three days. "
    "Please sign up again.",
    Purpose.UNSUBSCRIBE: "This link is not valid.",
}


@dataclass(frozen=True)
class Signer:
    secret_key: str

    def sign(self, purpose: Purpose, payload: dict[str, Any]) -> str:
        return str(self._serializer(purpose).dumps(payload))

    def load(self, purpose: Purpose, token: str) -> dict[str, Any]:
        """The payload of a token made for ``purpose``. Raises Invalid when it
        is forged, made for something else, or too old."""
        lifetime = LIFETIMES[purpose]
        try:
            payload = self._serializer(purpose).loads(
                token,
                max_age=int(lifetime.total_seconds()) if lifetime else None,
            )
        except SignatureExpired:
            raise Invalid(EXPIRED[purpose]) from None
        except BadSignature:
            raise Invalid(
                "This link is not valid. Please check it was copied whole."
            ) from None
        if not isinstance(payload, dict):
            raise Invalid("This link is not valid.")
        return payload

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=f"haven:{purpose}")


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
