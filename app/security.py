"""Passwords and opaque tokens."""

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from passlib.context import CryptContext

# argon2id with passlib's current parameters; hashes made with older
# parameters report needs_update() and are upgraded at the next login.
password_context = CryptContext(schemes=["argon2"], deprecated="auto")


def hash_password(password: str) -> str:
    return password_context.hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Check a password; the second item is a fresh hash when the stored one is outdated."""
    return password_context.verify_and_update(password, password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, seed: str) -> str:
    """The form token for one visitor: an HMAC of their session (or anonymous) seed."""
    return hmac.new(
        secret_key.encode(), f"csrf:{seed}".encode(), hashlib.sha256
    ).hexdigest()


def csrf_valid(secret_key: str, seed: str | None, submitted: str | None) -> bool:
    if not seed or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret_key, seed), submitted)


def same_origin(
    origin: str | None, referer: str | None, *, site_origins: set[str]
) -> bool:
    """Whether a form came from one of the site's own origins, by its Origin
    header, or by its Referer when a browser sent no Origin. Neither is sent
    by some privacy settings, and is allowed: the form token still applies."""
    if origin is not None:
        return origin.strip().lower() in site_origins  # "null" never is
    if referer:
        parts = urlsplit(referer.strip())
        return f"{parts.scheme}://{parts.netloc}".lower() in site_origins
    return True
