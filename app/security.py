"""Passwords and opaque tokens."""

import hashlib
import hmac
import secrets

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
